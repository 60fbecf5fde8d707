// ParkGo's service worker, served at /sw.js (webapp/web/offline.py) so that it controls the whole site.
//
// - Fingerprinted assets (/static/…?v=…): cache first, in a cache named after this build.
// - Page navigations: the network first; after 4 s without an answer, or without signal, a kept copy
//   marked with the time it was fetched (data-offline-as-of on <html>); no copy: the offline page.
// - Only a page the server marks with X-Offline-Keep: 1 is kept (a driver's own booking pages), in the
//   private cache; the pages of running and upcoming bookings are fetched ahead (/offline/pages.json).
// - "forget" (logout, a guest's page, a 401 from the list) deletes the private cache.
// - Push: the payload of webapp/push/sending.py is shown as a notification in the driver's language.
// Nothing is ever sent on the driver's behalf: forms are not queued or replayed (app.js refuses them offline).
"use strict";

// Replaced by the server with this deployment's precache list, offline pages and version.
const BUILD = /*BUILD*/ {"version": "dev", "precache": [], "offline": {}, "pages": "/offline/pages.json",
  "home": "/bookings", "icon": "/static/icons/icon-192.png", "badge": "/static/icons/badge-96.png"} /*END*/;

const STATIC_CACHE = `parkgo-static-${BUILD.version}`;
const PRIVATE_CACHE = "parkgo-private";
const STATE_CACHE = "parkgo-state";
const STATE_URL = "/__parkgo-sw-state";
const NETWORK_TIMEOUT_MS = 4000;
const SYNC_EVERY_MS = 5 * 60 * 1000;
// Response headers that must not travel with a kept copy: the body is stored decoded and whole, and the
// copy answers every request for its URL (Vary would make a later match miss).
const DROPPED_HEADERS = ["content-encoding", "content-length", "vary", "set-cookie", "x-offline-stored-at"];

// Bumped by every "forget": a page list fetched before a logout must not be stored after it.
let generation = 0;

async function readState() {
  const cache = await caches.open(STATE_CACHE);
  const stored = await cache.match(STATE_URL);
  if (!stored) return {};
  try {
    return await stored.json();
  } catch (error) {
    return {};
  }
}

async function writeState(changes) {
  const state = { ...(await readState()), ...changes };
  const cache = await caches.open(STATE_CACHE);
  await cache.put(STATE_URL, new Response(JSON.stringify(state), { headers: { "Content-Type": "application/json" } }));
  return state;
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(STATIC_CACHE);
    // a fingerprinted URL names one version of its file: the copy the page has just loaded (the HTTP cache)
    // is the right one, no second download; the offline pages' URLs name no version: from the server
    await cache.addAll([
      ...BUILD.precache.map((url) => new Request(url, { credentials: "omit" })),
      ...Object.values(BUILD.offline).map((url) => new Request(url, { cache: "reload", credentials: "omit" })),
    ]);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith("parkgo-static-") && name !== STATIC_CACHE)
      .map((name) => caches.delete(name)));
    await self.clients.claim();
    // the driver's pages are fetched once this worker is in charge, not awaited: activation (and every
    // navigation waiting for it) does not wait on the network (app.js asks again on each page anyway)
    syncPages(true).catch(() => undefined);
  })());
});

function sameOrigin(url) {
  return new URL(url, self.location.origin).origin === self.location.origin;
}

function isFingerprinted(url) {
  return url.origin === self.location.origin && url.pathname.startsWith("/static/") && url.searchParams.has("v");
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;  // a POST always goes to the network, never into a cache
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (isFingerprinted(url)) {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === "navigate") {
    event.respondWith(networkFirst(event));
  }
  // anything else (htmx fragments, JSON, the map's layers) is left to the browser and the network
});

async function cacheFirst(request) {
  const cache = await caches.open(STATIC_CACHE);
  const found = await cache.match(request);
  if (found) return found;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") await cache.put(request, response.clone());
  return response;
}

// Wait for the network; after NETWORK_TIMEOUT_MS show the kept copy if there is one (a dead connection
// in a car park can hang far longer than that), else keep waiting.
async function networkFirst(event) {
  const request = event.request;
  const network = fetch(request).then((response) => {
    // the copy is taken before the page gets the body
    event.waitUntil(keepPage(request.url, response.clone()).catch(() => false));
    return response;
  });
  const timedOut = new Promise((resolve) => setTimeout(() => resolve("timeout"), NETWORK_TIMEOUT_MS));
  let first;
  try {
    first = await Promise.race([network, timedOut]);
  } catch (error) {
    return (await offlineCopy(request.url)) || offlinePage();
  }
  if (first !== "timeout") return first;
  const copy = await offlineCopy(request.url);
  if (copy) return copy;
  try {
    return await network;
  } catch (error) {
    return offlinePage();
  }
}

// Keep a page the server marked as keepable (X-Offline-Keep: 1); a page that is no longer keepable
// (a 404 after the booking was removed, a login page after the session expired) drops the old copy.
async function keepPage(url, response) {
  const key = new URL(url).pathname + new URL(url).search;
  const keepable = response.status === 200 && response.type === "basic" && !response.redirected
    && response.headers.get("X-Offline-Keep") === "1";
  const cache = await caches.open(PRIVATE_CACHE);
  if (!keepable) {
    if (response.status === 404 || response.redirected || response.type === "opaqueredirect") await cache.delete(key);
    return false;
  }
  const started = generation;
  const body = await response.blob();
  if (started !== generation) return false;  // forgotten meanwhile (logout)
  const headers = new Headers(response.headers);
  DROPPED_HEADERS.forEach((name) => headers.delete(name));
  headers.set("X-Offline-Stored-At", new Date().toISOString());
  await cache.put(key, new Response(body, { status: 200, statusText: response.statusText, headers }));
  if ((headers.get("Content-Type") || "").startsWith("text/html")) await keepAssets(await body.text());
  return true;
}

// The fingerprinted assets a kept page links (a feature's own stylesheet or script, beyond the precache):
// without them the page would show offline unstyled. The same for every visitor, so the static cache.
async function keepAssets(html) {
  const cache = await caches.open(STATIC_CACHE);
  const found = new Set();
  for (const match of html.matchAll(/(?:href|src)="(\/static\/[^"?#]+\?v=[0-9a-f]+)"/g)) found.add(match[1]);
  for (const url of found) {
    if (await cache.match(url)) continue;
    try {
      const response = await fetch(url, { credentials: "omit" });
      if (response.ok && response.type === "basic") await cache.put(url, response);
    } catch (error) {
      // no signal: this asset comes with the next visit
    }
  }
}

// The kept copy of a page, marked for app.js with the time it was fetched (the note "as of HH:MM").
async function offlineCopy(url) {
  const cache = await caches.open(PRIVATE_CACHE);
  const parsed = new URL(url);
  const stored = (await cache.match(parsed.pathname + parsed.search, { ignoreVary: true }))
    // a push's "Extend" opens ?extend=1: the page is the same offline, its form is refused anyway
    || (await cache.match(parsed.pathname, { ignoreSearch: true, ignoreVary: true }));
  if (!stored) return null;
  const storedAt = stored.headers.get("X-Offline-Stored-At") || "";
  const headers = new Headers(stored.headers);
  headers.delete("X-Offline-Stored-At");
  const type = headers.get("Content-Type") || "";
  if (!type.startsWith("text/html")) return new Response(await stored.blob(), { status: 200, headers });
  const html = await stored.text();
  const marked = html.replace(/<html\b/i, `<html data-offline-as-of="${storedAt.replace(/[^0-9TZ:.+-]/g, "")}"`);
  return new Response(marked, { status: 200, headers });
}

async function offlinePage() {
  const state = await readState();
  const url = BUILD.offline[state.lang] || BUILD.offline.en || Object.values(BUILD.offline)[0];
  const cache = await caches.open(STATIC_CACHE);
  const page = url && (await cache.match(url));
  if (page) return page;
  return new Response("", { status: 503, statusText: "Offline" });
}

async function forget() {
  generation += 1;
  await caches.delete(PRIVATE_CACHE);
  await writeState({ lastSync: 0 });
}

// Fetch the list of the driver's running and upcoming bookings' pages and keep each; drop the kept
// booking pages no longer listed (receipts and booking summaries already opened stay until logout).
async function syncPages(force) {
  const state = await readState();
  if (!force && state.lastSync && Date.now() - state.lastSync < SYNC_EVERY_MS) return;
  const started = generation;
  await writeState({ lastSync: Date.now() });
  let listing;
  try {
    listing = await fetch(BUILD.pages, { credentials: "same-origin", redirect: "manual", cache: "no-store" });
  } catch (error) {
    await writeState({ lastSync: 0 });  // no signal: try again on the next page
    return;
  }
  if (listing.status === 401 || listing.status === 403 || listing.type === "opaqueredirect") {
    await forget();
    return;
  }
  if (!listing.ok) return;
  let pages;
  try {
    pages = (await listing.json()).pages;
  } catch (error) {
    return;
  }
  if (!Array.isArray(pages) || started !== generation) return;
  const wanted = new Set(pages.filter((url) => typeof url === "string" && sameOrigin(url)));
  for (const url of wanted) {
    if (started !== generation) return;
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (started !== generation) return;
      await keepPage(new URL(url, self.location.origin).href, response);
    } catch (error) {
      // no signal halfway: the pages kept so far stay, the rest comes with the next sync
    }
  }
  const cache = await caches.open(PRIVATE_CACHE);
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname + new URL(request.url).search;
    if (wanted.has(path)) continue;
    const stored = await cache.match(request);
    if (stored && stored.headers.get("X-Offline-Scope") === "booking") await cache.delete(request);
  }
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (!sameOrigin(event.origin || self.location.origin)) return;
  let work;
  if (data.type === "forget") {
    work = forget();
  } else if (data.type === "page") {
    const lang = typeof data.lang === "string" && BUILD.offline[data.lang] ? data.lang : undefined;
    work = (lang ? writeState({ lang }) : Promise.resolve()).then(() => (data.signedIn ? syncPages(false) : forget()));
  } else {
    return;
  }
  const done = work.catch(() => undefined).then(() => {
    if (event.ports && event.ports[0]) event.ports[0].postMessage({ done: data.type });
  });
  event.waitUntil(done);
});

// A push (webapp/push/sending.py): {"title", "body", "lang", "kind", "tag", "url",
// "actions": [{"action", "title", "url"}]}. Without a title in the driver's language there is nothing
// sensible to show (no generic text can be written without a language): nothing is shown.
function notificationFrom(payload) {
  if (!payload || typeof payload !== "object") return null;
  const text = (value, max) => (typeof value === "string" ? value.slice(0, max) : "");
  const title = text(payload.title, 200).trim();
  if (!title) return null;
  const actions = [];
  const urls = {};
  (Array.isArray(payload.actions) ? payload.actions : []).slice(0, 2).forEach((item) => {
    if (!item || typeof item.action !== "string" || !item.action || typeof item.title !== "string") return;
    actions.push({ action: item.action.slice(0, 40), title: item.title.slice(0, 60) });
    if (typeof item.url === "string") urls[item.action.slice(0, 40)] = item.url;
  });
  const options = {
    body: text(payload.body, 1000),
    icon: BUILD.icon,
    badge: BUILD.badge,
    data: { url: typeof payload.url === "string" ? payload.url : "", actions: urls },
    actions,
  };
  if (text(payload.lang, 20)) options.lang = text(payload.lang, 20);
  if (text(payload.tag, 200)) options.tag = text(payload.tag, 200);
  return { title, options };
}

self.addEventListener("push", (event) => {
  let payload = null;
  try {
    payload = event.data ? event.data.json() : null;
  } catch (error) {
    payload = null;
  }
  const notification = notificationFrom(payload);
  if (notification) event.waitUntil(self.registration.showNotification(notification.title, notification.options));
});

// Open the clicked action's page (else the notification's), always on this site: a URL naming another
// origin (PUBLIC_BASE_URL differs from the address this browser uses) opens the same path here, so a
// notification can never open a foreign page. A window already showing it is focused, not opened twice.
function clickTarget(data, action) {
  const wanted = (action && data.actions && data.actions[action]) || data.url || BUILD.home;
  let target;
  try {
    target = new URL(wanted, self.location.origin);
  } catch (error) {
    target = null;
  }
  if (!target || !["http:", "https:"].includes(target.protocol)) return new URL(BUILD.home, self.location.origin);
  return new URL(target.pathname + target.search + target.hash, self.location.origin);
}

self.addEventListener("notificationclick", (event) => {
  const notification = event.notification;
  notification.close();
  const target = clickTarget(notification.data || {}, event.action);
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    const open = windows.find((client) => client.url === target.href);
    if (open && "focus" in open) return open.focus();
    return self.clients.openWindow(target.href);
  })());
});
