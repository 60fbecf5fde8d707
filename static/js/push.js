// Turning on push notifications for this browser (templates/_partials/push_button.html).
// The permission is asked only when the driver taps the button; every sentence comes from the page's
// data attributes, in its language. The service worker itself is registered by app.js.
(() => {
  const boxes = Array.from(document.querySelectorAll("[data-push-opt-in]"));
  if (!boxes.length) return;
  const supported = window.isSecureContext && "serviceWorker" in navigator && "PushManager" in window &&
    "Notification" in window;
  // navigator.serviceWorker.ready never settles while no worker is registered: give up after this long
  const READY_TIMEOUT_MS = 15000;

  const buttonOf = (box) => box.querySelector("[data-push-subscribe]");
  const say = (box, key) => {
    const status = box.querySelector("[data-push-status]");
    if (status) status.textContent = key ? buttonOf(box).dataset[key] || "" : "";
  };

  // offer: the button; on / denied / unsupported: a sentence (after a booking, "quiet": the box hides instead)
  function show(box, state) {
    const button = buttonOf(box);
    const quiet = box.hasAttribute("data-push-quiet");
    button.hidden = state !== "offer";
    button.disabled = false;
    if (quiet) {
      box.hidden = state !== "offer";
      return;
    }
    box.hidden = false;
    say(box, {on: "textOn", denied: "textDenied", unsupported: "textUnsupported"}[state]);
  }

  function fromBase64url(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
    return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  }

  async function digest(text) {
    const hash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
    return Array.from(new Uint8Array(hash), (byte) => byte.toString(16).padStart(2, "0")).join("");
  }

  function csrfToken() {
    // layout.html gives a logged-in driver's pages the token in <body hx-headers>, as htmx sends it
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  const known = () => new Set((buttonOf(boxes[0]).dataset.known || "").split(" ").filter(Boolean));

  // this browser's subscription, if it has one, without waiting for a worker that is not there
  async function currentSubscription() {
    const registration = await navigator.serviceWorker.getRegistration();
    return registration ? registration.pushManager.getSubscription() : null;
  }

  // in the profile's list, the row of this browser says so
  function markThisDevice(endpointDigest) {
    document.querySelectorAll("[data-endpoint-digest]").forEach((row) => {
      const mark = row.querySelector("[data-this-device]");
      if (mark) mark.hidden = row.dataset.endpointDigest !== endpointDigest;
    });
  }

  async function refreshDeviceList() {
    const list = document.getElementById("push-devices");
    if (!list) return;
    // the same address (a ?lang= included), so the list comes back in the page's language
    const response = await fetch(window.location.href.split("#")[0], {credentials: "same-origin"});
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html").getElementById("push-devices");
    if (fresh) list.replaceWith(document.importNode(fresh, true));
  }

  function withTimeout(promise, milliseconds) {
    return Promise.race([promise, new Promise((resolve, reject) => {
      setTimeout(() => reject(new Error("timeout")), milliseconds);
    })]);
  }

  async function subscribe(registration, key) {
    const options = {userVisibleOnly: true, applicationServerKey: fromBase64url(key)};
    try {
      return await registration.pushManager.subscribe(options);
    } catch (error) {
      // a subscription made with another server key (the site's key changed) must go before a new one
      if (error.name !== "InvalidStateError") throw error;
      const old = await registration.pushManager.getSubscription();
      if (old) await old.unsubscribe();
      return registration.pushManager.subscribe(options);
    }
  }

  async function turnOn(box) {
    const button = buttonOf(box);
    button.disabled = true;
    say(box, "textWorking");
    if (await Notification.requestPermission() !== "granted") {
      button.disabled = false;
      say(box, "textDenied");
      return;
    }
    const registration = await withTimeout(navigator.serviceWorker.ready, READY_TIMEOUT_MS);
    const subscription = await subscribe(registration, button.dataset.vapidKey);
    const response = await fetch(button.dataset.subscribeUrl, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual", // an ended session is sent to the login page: say so instead of following it
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken()},
      body: JSON.stringify(subscription.toJSON()),
    });
    if (response.type === "opaqueredirect" || response.status === 401) {
      button.disabled = false;
      say(box, "textLogin");
      return;
    }
    const answer = await response.json().catch(() => ({}));
    if (response.status !== 201) {
      button.disabled = false;
      const status = box.querySelector("[data-push-status]");
      status.textContent = answer.message || button.dataset.textFailed;
      return;
    }
    const endpointDigest = await digest(subscription.endpoint);
    boxes.forEach((each) => {
      buttonOf(each).dataset.known = [...known(), endpointDigest].join(" ");
      show(each, "on");
    });
    // after a booking the box hides: the answer is said where the button was, once
    if (box.hidden) {
      box.hidden = false;
      say(box, "textOn");
    }
    await refreshDeviceList();
    markThisDevice(endpointDigest);
  }

  async function start() {
    // a copy kept for offline use (sw.js marks it): turning notifications on needs the network
    if (document.documentElement.dataset.offlineAsOf) {
      boxes.forEach((box) => { box.hidden = true; });
      return;
    }
    if (!supported) {
      boxes.forEach((box) => show(box, "unsupported"));
      return;
    }
    let state = Notification.permission === "denied" ? "denied" : "offer";
    try {
      const subscription = await currentSubscription();
      if (subscription) {
        const endpointDigest = await digest(subscription.endpoint);
        markThisDevice(endpointDigest);
        if (known().has(endpointDigest) && Notification.permission === "granted") state = "on";
      }
    } catch (error) {
      // no registration to ask yet: offer the button, the tap waits for the worker
    }
    boxes.forEach((box) => show(box, state));
  }

  boxes.forEach((box) => {
    buttonOf(box).addEventListener("click", () => {
      turnOn(box).catch(() => {
        buttonOf(box).disabled = false;
        say(box, "textFailed");
      });
    });
  });
  start();
})();
