// The playground's service worker: once the page has loaded, it works offline. On install
// it caches every file the page needs (the list below, the same as web/dist/ holds); then
// each request goes to the network first (so a published update is seen at once) and,
// when there is none, to the cache. scripts/build-web.sh writes the build's content hash
// into VERSION, so a new build replaces the old cache instead of mixing with it.
const VERSION = 'dev';
const CACHE = `smartpower-playground-${VERSION}`;
const FILES = ['./', 'index.html', 'app.js', 'worker.js', 'style.css', 'exercises.json', 'scenarios.json',
  'smartpower.js', 'smartpower.wasm', 'charts.js', 'charts.css', 'vendor/d3.min.js', 'vendor/plot.umd.min.js'];

self.addEventListener('install', (e) => {
  // force-cache: the page registers this worker after its first run, when the browser's
  // HTTP cache already holds these files; they are not downloaded twice.
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(FILES.map((f) => new Request(f, { cache: 'force-cache' }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (e) => {
  e.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('smartpower-playground-') && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (e) => {
  if (e.request.method !== 'GET') return;
  e.respondWith(fetch(e.request)
    .then((response) => {
      if (response.ok && new URL(e.request.url).origin === location.origin) {
        const copy = response.clone();
        caches.open(CACHE).then((c) => c.put(e.request, copy));
      }
      return response;
    })
    .catch(() => caches.match(e.request, { ignoreSearch: true }).then((hit) => hit || Response.error())));
});
