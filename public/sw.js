// 指尖党建 service worker: serves the app shell offline, updates on the user's word.
// The build (cargo xtask stamp-shell) replaces the next line with the build id
// and the list of files to precache; as written here it caches nothing (dev).
/* zj:precache */ const BUILD = "dev"; const PRECACHE = [];

const CACHE = `zhijian-shell-${BUILD}`;
const SHELL = "/index.html";

self.addEventListener("install", (event) => {
  // No skipWaiting: a new version waits until the app asks (see src/shell.rs).
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" })))
    )
  );
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
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  // The API is never cached here: the app keeps its data in IndexedDB.
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (BUILD === "dev") return;
  if (req.mode === "navigate") {
    // Every route is the same shell, from this version's cache.
    event.respondWith(
      caches.open(CACHE).then((cache) =>
        cache.match(SHELL).then((hit) => hit || fetch(req))
      )
    );
    return;
  }
  event.respondWith(
    caches.open(CACHE).then((cache) =>
      cache.match(req).then((hit) => hit || fetch(req))
    )
  );
});
