// Small progressive enhancements; every page works without JavaScript.
document.documentElement.classList.add("js-enabled");

// The phone menu: one button opens and closes it; Escape closes it and gives the focus back.
(() => {
  const toggle = document.querySelector(".menu-toggle");
  if (!toggle) return;
  toggle.hidden = false;
  const setOpen = (open) => toggle.setAttribute("aria-expanded", String(open));
  toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      toggle.focus();
    }
  });
})();

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

// After a failed submit the form's error summary (or its alert) takes the focus, so it is in view on a
// phone and read out, however far down the page the form is. The same when htmx swaps in a refused form.
function focusErrorSummary(root) {
  const summary = root.matches && root.matches("[data-error-summary]") ? root : root.querySelector("[data-error-summary]");
  if (summary) summary.focus();
}
focusErrorSummary(document);
document.addEventListener("htmx:afterSwap", (event) => {
  // a live preview while the driver types must not take the focus away: only a submit moves it
  const trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
  if (trigger && trigger.type === "submit") focusErrorSummary(event.detail.target);
});

// A wide table that scrolls sideways in its wrapper must be reachable by keyboard (arrow keys scroll a
// focused region): the wrapper becomes a named, focusable region while, and only while, it scrolls.
function makeScrollersReachable() {
  document.querySelectorAll(".table-scroll").forEach((wrapper) => {
    const scrolls = wrapper.scrollWidth > wrapper.clientWidth + 1;
    if (scrolls && !wrapper.hasAttribute("tabindex")) {
      const table = wrapper.querySelector("table");
      const caption = table && table.caption ? table.caption.textContent.trim() : "";
      const heading = wrapper.closest("section, main") && wrapper.closest("section, main").querySelector("h1, h2");
      wrapper.setAttribute("tabindex", "0");
      wrapper.setAttribute("role", "region");
      if (!wrapper.hasAttribute("aria-label") && !wrapper.hasAttribute("aria-labelledby")) {
        wrapper.setAttribute("aria-label", caption || (heading ? heading.textContent.trim() : ""));
      }
      wrapper.dataset.madeReachable = "true";
    } else if (!scrolls && wrapper.dataset.madeReachable) {
      wrapper.removeAttribute("tabindex");
      wrapper.removeAttribute("role");
      delete wrapper.dataset.madeReachable;
    }
  });
}
makeScrollersReachable();
window.addEventListener("resize", makeScrollersReachable);
document.addEventListener("htmx:afterSettle", makeScrollersReachable);

// A field with a length limit says how much of it is used once it gets near (a browser stops typing or
// cuts a paste at the limit without a word): "38 of 40 characters", read out politely.
function countCharacters(field) {
  const max = Number(field.getAttribute("maxlength"));
  if (!max || field.type === "password" || field.type === "hidden") return;
  let note = field.parentElement.querySelector(`.char-count[data-for="${field.id}"]`);
  if (!note) {
    note = document.createElement("span");
    note.className = "char-count hint";
    note.dataset.for = field.id;
    note.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", note);
  }
  const used = field.value.length;
  const template = document.body.dataset.charsLeft || "{count} / {max}";
  note.textContent = used >= max * 0.75 ? template.replace("{count}", used).replace("{max}", max) : "";
}
document.addEventListener("input", (event) => {
  if (event.target.matches("input[maxlength], textarea[maxlength]")) countCharacters(event.target);
});
document.querySelectorAll("input[maxlength], textarea[maxlength]").forEach(countCharacters);

// "Print" buttons (a receipt): the page's print stylesheet does the rest.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});

// A live field's message (data-feedback-for) arrives out of band with an htmx preview: the field
// is marked invalid, and described by the message, only while there is one.
document.addEventListener("htmx:afterSettle", () => {
  document.querySelectorAll("[data-feedback-for]").forEach((slot) => {
    const input = document.getElementById(slot.dataset.feedbackFor);
    if (!input) return;
    const message = slot.querySelector(".error-message");
    const others = (input.getAttribute("aria-describedby") || "").split(" ")
      .filter((id) => id && id !== input.id + "-error");
    if (message) {
      input.setAttribute("aria-invalid", "true");
      others.push(message.id);
    } else {
      input.removeAttribute("aria-invalid");
    }
    if (others.length) input.setAttribute("aria-describedby", others.join(" "));
    else input.removeAttribute("aria-describedby");
    const field = slot.closest(".field");
    if (field) field.classList.toggle("field-error", Boolean(message));
  });
});

// Typing an end time on the street-parking start form means "Other end time": choose it, so the
// price preview (and the parking) follow what was typed instead of the duration chip.
document.addEventListener("input", (event) => {
  if (!event.target.matches("#start-form input[name=end_at]")) return;
  const other = event.target.form.querySelector("input[name=duration][value=custom]");
  if (other) other.checked = true;
});
