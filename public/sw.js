// 指尖党建 service worker: serves the app offline, updates on the user's word.
// The build (cargo xtask stamp-shell) replaces the next line with the build id
// and two file lists: SHELL (what the landing page needs; cached at install)
// and LAZY (the pages' wasm chunks; cached once the app has started, when it
// posts "precache-lazy", so they never compete with the first paint). As
// written here it caches nothing (dev).
/* zj:precache */ const BUILD = "dev"; const SHELL = []; const LAZY = [];

const CACHE = `zhijian-shell-${BUILD}`;
const INDEX = "/index.html";

// Files under /pkg-<hash>/ never change, so the HTTP cache may answer (the
// page has just downloaded them); everything else is fetched afresh.
function request(url) {
  return new Request(url, { cache: url.startsWith("/pkg-") ? "default" : "reload" });
}

async function cacheMissing(urls) {
  const cache = await caches.open(CACHE);
  for (const url of urls) {
    if (!(await cache.match(url))) await cache.add(request(url));
  }
}

self.addEventListener("install", (event) => {
  // No skipWaiting: a new version waits until the app asks (see src/shell.rs).
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL.map(request))));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((k) => k.startsWith("zhijian-shell-") && k !== CACHE)
            .map((k) => caches.delete(k))
        )
      )
      .then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
  if (event.data === "precache-lazy") {
    // One chunk at a time: the network stays free for what the user does.
    const done = cacheMissing(LAZY).then(
      () => ({ type: "precached", build: BUILD, files: LAZY.length }),
      (e) => ({ type: "precache-failed", build: BUILD, reason: String(e) })
    );
    event.waitUntil(done.then((reply) => event.source && event.source.postMessage(reply)));
  }
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  // The API is never cached here: the app keeps its data in IndexedDB.
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (url.pathname.startsWith("/media/")) {
    // Lesson media: from what the member downloaded (src/media_cache.rs; no
    // update clears it), else the network.
    event.respondWith(
      caches.open("zhijian-media").then((cache) => cache.match(req).then((hit) => hit || fetch(req)))
    );
    return;
  }
  if (BUILD === "dev") return;
  if (req.mode === "navigate") {
    // Every route is the same shell, from this version's cache.
    event.respondWith(
      caches.open(CACHE).then((cache) => cache.match(INDEX).then((hit) => hit || fetch(req)))
    );
    return;
  }
  event.respondWith(
    caches.open(CACHE).then((cache) =>
      cache.match(req).then(
        (hit) =>
          hit ||
          fetch(req).then((resp) => {
            // A chunk fetched before the precache got to it is kept too.
            if (resp.ok && LAZY.includes(url.pathname)) cache.put(req, resp.clone());
            return resp;
          })
      )
    )
  );
});
