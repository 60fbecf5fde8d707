// Live countdowns on the parking page; the server-rendered text stays as the fallback.
(function () {
  // units in the page's language ("1 h 5 min", "1 t 5 min", "1시간 5분"), from the browser's Intl data
  const lang = document.documentElement.lang || "en";
  function unit(value, name) {
    try {
      return new Intl.NumberFormat(lang, { style: "unit", unit: name, unitDisplay: "short" }).format(value);
    } catch (e) {
      return value + " " + name;
    }
  }
  function format(seconds) {
    if (seconds >= 3600) {
      const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60);
      return unit(h, "hour") + " " + unit(m, "minute");
    }
    if (seconds >= 120) return unit(Math.ceil(seconds / 60), "minute");
    return unit(seconds, "second");
  }
  function tick() {
    document.querySelectorAll("[data-countdown]").forEach((el) => {
      const left = Math.max(0, Math.round((Date.parse(el.dataset.countdown) - Date.now()) / 1000));
      el.textContent = left > 0 ? format(left) : el.dataset.expiredText || unit(0, "second");
      if (left === 0 && el.hasAttribute("data-hide-form-when-expired")) {
        const form = el.closest("form");
        if (form) form.hidden = true;
      }
    });
  }
  tick();
  setInterval(tick, 1000);
})();
