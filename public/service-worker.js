// Gridshare's service worker: the page works offline once loaded (issue 16). scripts/service-worker.mjs
// fills in VERSION (a hash of every built file) and PRECACHE (every built file) after each release
// build, so a new deployment has a new worker, which replaces the old cache.
const VERSION = '__VERSION__';
const CACHE = `gridshare-${VERSION}`;
const PRECACHE = __PRECACHE__;
// Trunk hashes these names (app-<hash>.js …): their contents never change, so the cache answers first.
const HASHED = /-[0-9a-f]{16}(_bg)?\.(js|wasm|css)$/;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((path) => new Request(path, { cache: 'reload' }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('gridshare-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    // The page itself: the network first (a new deployment shows at once), the cache offline.
    const page = new URL('./index.html', self.registration.scope).href;
    event.respondWith(fetch(request).catch(() => caches.match(page)));
    return;
  }
  if (HASHED.test(url.pathname)) {
    event.respondWith(caches.match(request, { ignoreSearch: true }).then((hit) => hit || fetch(request)));
    return;
  }
  // Unhashed files (the engine worker, assets): the network first, past the HTTP cache, so they
  // never lag the page; the offline copy only without a network.
  event.respondWith(fetch(request).catch(() => caches.match(request, { ignoreSearch: true })
    .then((hit) => hit || Response.error())));
});
