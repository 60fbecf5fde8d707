// Small progressive enhancements; every page works without JavaScript.
document.documentElement.classList.add("js-enabled");

document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select) select.form.submit();
});

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});

// htmx error answers (422 forms, 4xx/5xx alerts) are swapped too, so the
// re-rendered form with its messages replaces the old one.
document.addEventListener("htmx:beforeSwap", (event) => {
  const status = event.detail.xhr.status;
  if (status === 422 || status === 409 || status === 400 || status === 429 || status >= 500) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// "Print" buttons (a receipt): the page's print stylesheet does the rest.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
