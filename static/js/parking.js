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
  // as the server writes it (core.clock.format_duration): under a minute in seconds; from a minute on a
  // started minute counts as a whole one, in days, hours and minutes, leaving out a zero part
  // ("1 hr", never "60 min" or "1 hr 0 min"), so the ticking text never disagrees with the page around it
  function format(seconds) {
    if (seconds < 60) return unit(seconds, "second");
    let minutes = Math.ceil(seconds / 60);
    const days = Math.floor(minutes / 1440);
    minutes -= days * 1440;
    const hours = Math.floor(minutes / 60);
    minutes -= hours * 60;
    const parts = [];
    if (days) parts.push(unit(days, "day"));
    if (hours) parts.push(unit(hours, "hour"));
    if (minutes) parts.push(unit(minutes, "minute"));
    return parts.join(" ");
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
