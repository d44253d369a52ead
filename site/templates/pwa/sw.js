{% autoescape off %}// The service worker (served by people.pwa.service_worker at /sw.js, scope: the whole site). Version {{ version }}.
//
// Caches:
// - "shell-<version>": the offline page, the site's CSS, scripts and icons. A new version replaces it.
// - "pages": what the learner downloaded for offline study (modules' pages, pictures, handouts, media; written by
//   offline.js) and pages the server marks "X-Offline-Keep" (a lecturer's session page). It outlives versions:
//   a new deployment must not delete a township mediator's downloads.
// Page loads go to the network first (always the freshest page when there is one); without network a saved copy
// answers, else the offline page. Writes (POST) are never touched here: offline.js queues them.
const SHELL = "shell-{{ version }}";
const PAGES = "pages";
const SHELL_FILES = {{ shell }};
const OFFLINE_URL = {{ offline_url }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith("shell-") && k !== SHELL).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

async function fromNetworkKeeping(request) {
  const response = await fetch(request);
  if (response.ok && !response.redirected) {
    const pages = await caches.open(PAGES);
    // Refresh a downloaded page while online, so its offline copy shows the latest (e.g. a lesson now done).
    if (response.headers.get("X-Offline-Keep") || await pages.match(request)) {
      await pages.put(request, response.clone());
    }
  }
  return response;
}

async function page(request) {
  try {
    return await fromNetworkKeeping(request);
  } catch (error) {
    return (await caches.match(request, {ignoreSearch: true})) || (await caches.match(OFFLINE_URL));
  }
}

async function staticFile(request) {
  const saved = await caches.match(request);
  if (saved) return saved;
  const response = await fetch(request);
  if (response.ok) (await caches.open(SHELL)).put(request, response.clone());
  return response;
}

async function other(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const saved = await caches.match(request, {ignoreVary: true});
    if (saved) return saved;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  // Only our own GETs; the admin and the API go straight to the network.
  if (request.method !== "GET" || url.origin !== self.location.origin || /^\/(admin|api)\//.test(url.pathname)) return;
  if (request.mode === "navigate") event.respondWith(page(request));
  else if (url.pathname.startsWith("/static/")) event.respondWith(staticFile(request));
  else event.respondWith(other(request));
});
{% endautoescape %}
