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

// ---- Installable and offline (static/js/sw.js, webapp/web/offline.py) ----
// Every sentence comes from the page (templates/layout.html, templates/offline.html), in its language.
(() => {
  const PRIVATE_CACHE = "parkgo-private";
  const INSTALL_DISMISSED_KEY = "parkgo.installDismissedAt";
  const INSTALL_QUIET_MS = 30 * 24 * 60 * 60 * 1000;
  const body = document.body;
  const note = document.querySelector("[data-offline-note]");
  const offlineCopy = Boolean(document.documentElement.dataset.offlineAsOf);
  const signedIn = body.hasAttribute("data-signed-in");
  const workerReady = "serviceWorker" in navigator && window.isSecureContext;

  // A message to the worker that controls (or will control) this page; resolves when it answered, or
  // after a second: a logout never waits on a worker that is busy or gone.
  function tellWorker(message) {
    if (!workerReady) return Promise.resolve();
    return Promise.race([
      navigator.serviceWorker.ready.then((registration) => new Promise((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => resolve();
        registration.active.postMessage(message, [channel.port2]);
      })),
      new Promise((resolve) => setTimeout(resolve, 1000)),
    ]).catch(() => undefined);
  }

  // The private cache is emptied from the page too: it needs no worker, and works without signal.
  function forgetKeptPages() {
    const local = "caches" in window ? caches.delete(PRIVATE_CACHE).catch(() => false) : Promise.resolve();
    return Promise.all([local, tellWorker({ type: "forget" })]);
  }

  if (workerReady && body.dataset.serviceWorker) {
    navigator.serviceWorker.register(body.dataset.serviceWorker, { scope: "/" }).catch(() => undefined);
  }
  if (!body.hasAttribute("data-offline-page")) {
    const lang = document.documentElement.lang;
    if (!signedIn) {
      // a guest's page: nothing of the last driver stays on this device (emptied from the page as well:
      // that needs no worker)
      if ("caches" in window) caches.delete(PRIVATE_CACHE).catch(() => false);
      tellWorker({ type: "page", signedIn: false, lang });
    } else if (!offlineCopy && navigator.onLine) {
      // the worker fetches the driver's running and upcoming bookings' pages (at most every 5 minutes)
      tellWorker({ type: "page", signedIn: true, lang });
    }
  }

  function isOffline() {
    return offlineCopy || !navigator.onLine;
  }

  // "You are offline. This page is as of 14:05." (the kept copy's time, or when this page was loaded)
  function showOfflineNote() {
    if (!note) return;
    const asOf = offlineCopy ? new Date(document.documentElement.dataset.offlineAsOf) : new Date(performance.timeOrigin);
    let time = "";
    try {
      time = new Intl.DateTimeFormat(note.dataset.locale || document.documentElement.lang,
        { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(Number.isNaN(asOf.getTime()) ? new Date() : asOf);
    } catch (error) {
      time = asOf.toTimeString().slice(0, 5);
    }
    note.hidden = false;
    note.querySelector("[data-offline-as-of-text]").textContent = (note.dataset.asOf || "").replace("{time}", time);
  }
  // a kept copy may have been stored right after an action ("Parking extended until …"): that message
  // belonged to that moment, not to this one
  if (offlineCopy) document.querySelectorAll("#flash-area .flash").forEach((flash) => flash.remove());
  if (isOffline()) showOfflineNote();
  window.addEventListener("offline", showOfflineNote);
  window.addEventListener("online", () => {
    if (note && !offlineCopy) note.hidden = true;
  });

  // A form sent without signal is refused, never queued: the sentence appears above the form, in view,
  // and takes the focus (read out at once).
  function refuse(form) {
    showOfflineNote();
    let message = form.previousElementSibling;
    if (!message || !message.matches("[data-offline-refused]")) {
      message = document.createElement("p");
      message.className = "flash flash-error offline-refused";
      message.setAttribute("role", "alert");
      message.setAttribute("tabindex", "-1");
      message.dataset.offlineRefused = "";
      form.insertAdjacentElement("beforebegin", message);
    }
    message.textContent = note ? note.dataset.refused : "";
    message.focus();
    message.scrollIntoView({ block: "nearest" });
  }

  // Capture phase: before htmx or the confirm dialog see the submit.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.matches("form[data-logout]")) {
      event.preventDefault();
      event.stopImmediatePropagation();
      const submit = () => {
        if (isOffline()) refuse(form);
        else form.submit();
      };
      // kept pages go first, even offline: the driver who taps "Log out" leaves nothing private behind
      Promise.all([forgetKeptPages(), fillPushEndpoint(form)]).then(submit, submit);
      return;
    }
    if (isOffline()) {
      event.preventDefault();
      event.stopImmediatePropagation();
      refuse(form);
    }
  }, true);

  // htmx: a form's request (or a live preview, a refresh) without signal is not sent; only a submit says so.
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (!isOffline()) return;
    event.preventDefault();
    const trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    const form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form");
    if (trigger && trigger.type === "submit" && form) refuse(form);
  });

  // The logout stops this browser's notifications too (the server forgets the endpoint it is given).
  async function fillPushEndpoint(form) {
    const field = form.querySelector("input[name=push_endpoint]");
    if (!field || !workerReady || !("PushManager" in window)) return;
    try {
      const registration = await Promise.race([navigator.serviceWorker.getRegistration("/"),
        new Promise((resolve) => setTimeout(resolve, 1000))]);
      const subscription = registration && registration.pushManager
        ? await registration.pushManager.getSubscription() : null;
      field.value = subscription ? subscription.endpoint : "";
    } catch (error) {
      field.value = "";
    }
  }

  // The offline page lists what is kept on this device (titles from the kept pages themselves).
  const keptBox = document.querySelector("[data-offline-kept]");
  if (keptBox && "caches" in window) {
    (async () => {
      const cache = await caches.open(PRIVATE_CACHE);
      const list = keptBox.querySelector("[data-offline-kept-list]");
      for (const request of await cache.keys()) {
        const stored = await cache.match(request);
        if (!stored || !(stored.headers.get("Content-Type") || "").startsWith("text/html")) continue;
        // the page's own title, without the " · ParkGo" every title ends with
        const title = new DOMParser().parseFromString(await stored.text(), "text/html").title.replace(/\s*·\s*ParkGo$/, "");
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = new URL(request.url).pathname + new URL(request.url).search;
        link.textContent = title || link.href;
        item.appendChild(link);
        list.appendChild(item);
      }
      keptBox.hidden = !list.children.length;
    })().catch(() => undefined);
  }

  // Install: the browser's offer is held back and shown only where the page has a place for it (after a
  // booking, never on the first screen); "Not now" is remembered for 30 days.
  let installPrompt = null;
  const offers = () => Array.from(document.querySelectorAll("[data-install-offer]"));
  const dismissedRecently = () => {
    try {
      const at = Number(localStorage.getItem(INSTALL_DISMISSED_KEY));
      return Boolean(at) && Date.now() - at < INSTALL_QUIET_MS;
    } catch (error) {
      return false;
    }
  };
  window.addEventListener("beforeinstallprompt", (event) => {
    event.preventDefault();
    installPrompt = event;
    // a copy kept for offline use offers only what works without signal (its note says so)
    if (dismissedRecently() || document.documentElement.dataset.offlineAsOf) return;
    offers().forEach((offer) => { offer.hidden = false; });
  });
  // Safari on an iPhone or iPad has no install prompt, only Share > Add to Home Screen; it alone has
  // navigator.standalone (false in the browser, true once added): the offer says how instead of a button
  if (navigator.standalone === false && !dismissedRecently() && !document.documentElement.dataset.offlineAsOf) {
    offers().forEach((offer) => {
      const how = offer.querySelector("[data-install-how]");
      const button = offer.querySelector("[data-install-button]");
      if (!how) return;
      how.hidden = false;
      if (button) button.hidden = true;
      offer.hidden = false;
    });
  }
  window.addEventListener("appinstalled", () => {
    installPrompt = null;
    offers().forEach((offer) => { offer.hidden = true; });
  });
  document.addEventListener("click", async (event) => {
    if (event.target.closest("[data-install-dismiss]")) {
      try {
        localStorage.setItem(INSTALL_DISMISSED_KEY, String(Date.now()));
      } catch (error) {
        // private mode without storage: the offer simply comes back next time
      }
      offers().forEach((offer) => { offer.hidden = true; });
    } else if (event.target.closest("[data-install-button]") && installPrompt) {
      const prompt = installPrompt;
      installPrompt = null;
      offers().forEach((offer) => { offer.hidden = true; });
      await prompt.prompt();
    }
  });
})();
