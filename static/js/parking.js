// Live countdowns on the parking page; the server-rendered text stays as the fallback.
(function () {
  function format(seconds) {
    if (seconds >= 3600) {
      const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60);
      return h + " h " + String(m).padStart(2, "0") + " min";
    }
    if (seconds >= 120) return Math.ceil(seconds / 60) + " min";
    return seconds + " s";
  }
  function tick() {
    document.querySelectorAll("[data-countdown]").forEach((el) => {
      const left = Math.max(0, Math.round((Date.parse(el.dataset.countdown) - Date.now()) / 1000));
      el.textContent = left > 0 ? format(left) : el.dataset.expiredText || "0 s";
      if (left === 0 && el.hasAttribute("data-hide-form-when-expired")) {
        const form = el.closest("form");
        if (form) form.hidden = true;
      }
    });
  }
  tick();
  setInterval(tick, 1000);
})();
