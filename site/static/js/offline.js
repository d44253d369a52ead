// Offline study, the page side (the service worker is site/templates/pwa/sw.js). Four jobs:
// 1. register the service worker;
// 2. "download for offline study" on a module page: save the module's pages, their pictures and handouts, and its
//    videos/audio up to the size the lecturer set, into the "pages" cache the worker answers from offline;
// 3. the offline queue: a form marked data-offline-queue that is sent without network is kept in localStorage
//    with an idempotency key and sent when the connection returns; the server does each key's work once
//    (people.services.idempotency_key_apply), so sending twice (two tabs, a lost answer) is harmless;
// 4. the "no network" / "waiting to send (n)" line under the header, and [data-offline-only] notices (exams).
// Texts come translated from the page (data-* attributes), never from this file.
(() => {
  const QUEUE = "offline-queue";
  const MODULES = "offline-modules";
  const PAGES = "pages";
  const status = document.querySelector("[data-offline-status]");
  // Whose work it is: queued writes are sent only under the same person's sign-in (a shared phone).
  const user = status ? status.dataset.user : "";
  const mine = () => read(QUEUE, []).filter((item) => item.user === user);

  const read = (key, empty) => {
    try { return JSON.parse(localStorage.getItem(key)) || empty; } catch (error) { return empty; }
  };
  const write = (key, value) => localStorage.setItem(key, JSON.stringify(value));
  const newKey = () => {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  };

  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});

  // --- 4. State line
  function showState() {
    const offline = !navigator.onLine;
    document.querySelectorAll("[data-offline-only]").forEach((el) => { el.hidden = !offline; });
    const count = user ? mine().length : 0;
    const counter = document.querySelector("[data-queue-count]");
    if (counter) {
      counter.hidden = !count;
      counter.textContent = (counter.dataset.text || "").replace("{n}", count);
    }
    const error = document.querySelector("[data-queue-error]");
    if (status) status.hidden = !offline && !count && !(error && error.textContent);
    document.dispatchEvent(new CustomEvent("offline-queue-change"));
  }

  // --- 3. The queue
  function enqueue(item) {
    const queue = read(QUEUE, []);
    queue.push({ key: newKey(), at: Date.now(), user, ...item });
    write(QUEUE, queue);
    showState();
    flush();
  }

  let flushing = false;
  async function flush() {
    if (flushing || !navigator.onLine || !user) return;
    flushing = true;
    try {
      for (;;) {
        const item = mine()[0];
        if (!item) break;
        const body = new FormData();
        item.fields.forEach(([name, value]) => body.append(name, value));
        body.set("idempotency_key", item.key);
        // The token of the page now open: the one saved with the item may predate a new sign-in.
        const token = document.querySelector("input[name=csrfmiddlewaretoken]");
        if (token) body.set("csrfmiddlewaretoken", token.value);
        let answer = null;
        try {
          const response = await fetch(item.url, {
            method: "POST", body, credentials: "same-origin", headers: { Accept: "application/json" } });
          if ((response.headers.get("Content-Type") || "").includes("json")) answer = await response.json();
        } catch (error) {
          break; // no network after all: keep it for the next try
        }
        // Anything but our JSON (the sign-in page after a session expired, a server error) keeps the item.
        if (!answer) break;
        if (!answer.ok) {
          const shown = document.querySelector("[data-queue-error]");
          if (shown) shown.textContent = `${shown.dataset.text || ""} ${answer.error || ""}`;
        }
        write(QUEUE, read(QUEUE, []).filter((queued) => queued.key !== item.key));
        showState();
      }
    } finally {
      flushing = false;
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-offline-queue]");
    if (!form) return;
    // Online too: a key makes a double tap or a resent form harmless.
    let key = form.querySelector("input[name=idempotency_key]");
    if (!key) {
      key = Object.assign(document.createElement("input"), { type: "hidden", name: "idempotency_key" });
      form.append(key);
    }
    if (!key.value) key.value = newKey();
    if (navigator.onLine) return;
    event.preventDefault();
    const fields = [...new FormData(form)].filter(([name, value]) => typeof value === "string"
                                                  && name !== "idempotency_key");
    if (event.submitter && event.submitter.name) fields.push([event.submitter.name, event.submitter.value]);
    const queued = Object.assign(document.createElement("p"), { className: "tag tag-warn", textContent: form.dataset.queuedText || "" });
    queued.dataset.testid = "queued";
    form.replaceWith(queued);
    const queue = read(QUEUE, []);
    queue.push({ key: key.value, at: Date.now(), user, url: form.action, fields, label: form.dataset.offlineQueue });
    write(QUEUE, queue);
    showState();
  });

  // --- 2. Download a module
  async function keep(cache, url, response) {
    // A redirected response cannot answer a page load: keep a plain copy of its body.
    const copy = response.redirected
      ? new Response(await response.blob(), { status: 200, headers: response.headers }) : response;
    await cache.put(url, copy);
  }

  function sameSite(src) {
    const url = new URL(src, location.href);
    return url.origin === location.origin ? url.pathname + url.search : null;
  }

  async function download(box) {
    const cache = await caches.open(PAGES);
    const plan = await (await fetch(box.dataset.offlineDownload, {
      credentials: "same-origin", headers: { Accept: "application/json" } })).json();
    const files = new Set();
    const media = new Set();
    for (const url of plan.pages) {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok || response.redirected) throw new Error(url);
      const html = await response.clone().text();
      await cache.put(url, response);
      const doc = new DOMParser().parseFromString(html, "text/html");
      doc.querySelectorAll("img[src], script[src], video[poster]").forEach((el) => files.add(el.getAttribute("src") || el.getAttribute("poster")));
      doc.querySelectorAll("link[rel=stylesheet][href], a[href^='/documents/'], a[data-handout]").forEach((el) => files.add(el.getAttribute("href")));
      doc.querySelectorAll("video[src], audio[src], video source[src], audio source[src], track[src]").forEach((el) => media.add(el.getAttribute("src")));
    }
    for (const src of files) {
      const url = sameSite(src);
      if (!url || await caches.match(url)) continue;
      const response = await fetch(url, { credentials: "same-origin" });
      if (response.ok) await keep(cache, url, response);
    }
    // Media only up to the module's allowance, by their announced size (unknown size: not saved).
    let budget = plan.media_bytes;
    let skipped = 0;
    for (const src of media) {
      const url = sameSite(src);
      if (!url) continue;
      const head = await fetch(url, { method: "HEAD", credentials: "same-origin" });
      const size = Number(head.headers.get("Content-Length") || Infinity);
      if (!head.ok || size > budget) { skipped += 1; continue; }
      const response = await fetch(url, { credentials: "same-origin" });
      if (response.ok) { await keep(cache, url, response); budget -= size; }
    }
    const modules = read(MODULES, {});
    modules[plan.module] = { title: box.dataset.moduleTitle, url: plan.pages[0], on: new Date().toISOString().slice(0, 10) };
    write(MODULES, modules);
    return skipped;
  }

  function showDownloaded(box) {
    const saved = read(MODULES, {})[box.dataset.moduleId];
    const state = box.querySelector("[data-download-state]");
    if (saved) state.textContent = box.dataset.textDone.replace("{date}", saved.on);
  }

  document.querySelectorAll("[data-offline-download]").forEach((box) => {
    if (!("caches" in window) || !("serviceWorker" in navigator)) return;
    box.hidden = false;
    showDownloaded(box);
    box.querySelector("button").addEventListener("click", async (event) => {
      const button = event.currentTarget;
      const state = box.querySelector("[data-download-state]");
      button.disabled = true;
      state.textContent = box.dataset.textBusy;
      try {
        const skipped = await download(box);
        showDownloaded(box);
        if (skipped) state.textContent += ` ${box.dataset.textSkipped.replace("{n}", skipped)}`;
        box.dataset.downloaded = "1";
      } catch (error) {
        state.textContent = box.dataset.textFailed;
      } finally {
        button.disabled = false;
      }
    });
  });

  // The offline page lists what can still be opened.
  const downloads = document.querySelector("[data-offline-downloads]");
  if (downloads) {
    Object.values(read(MODULES, {})).forEach((module) => {
      const link = Object.assign(document.createElement("a"), { href: module.url, textContent: module.title });
      const line = document.createElement("li");
      line.append(link);
      downloads.append(line);
    });
  }

  // A shared phone: someone else's downloads are dropped when another person signs in, and on signing out.
  function forgetDownloads() {
    if ("caches" in window) caches.delete(PAGES);
    localStorage.removeItem(MODULES);
  }
  if (user && localStorage.getItem("offline-owner") && localStorage.getItem("offline-owner") !== user) forgetDownloads();
  if (user) localStorage.setItem("offline-owner", user);
  document.addEventListener("submit", (event) => {
    if (event.target.matches("form[action$='/logout/']")) forgetDownloads();
  });

  window.offlineQueue = { enqueue, flush, read, showState };
  window.addEventListener("online", () => { showState(); flush(); });
  window.addEventListener("offline", showState);
  showState();
  flush();
})();
