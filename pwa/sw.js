// Rounds' service worker: keeps the app shell offline and syncs in the background.
//
// The server prepends `const SHELL = {version, files}` to this file (server/pwa.py): `files` is
// every file of the shell ("/" for index.html) and `version` a hash of their bytes, so any change
// to the shell changes this script and the browser installs the new version beside the old one.
//
// Contract:
// - install: precaches SHELL.files into the cache `rounds-shell-<version>`. It does not skip
//   waiting: a new version waits until a page posts {type: 'skip-waiting'} (app.js does, when the
//   person taps "Reload to update"), so no page is switched to new files under its feet.
// - activate: deletes the other rounds-shell-* caches and takes control of open pages.
// - fetch: same-origin GETs only. Navigations get the cached "/" (the hash router does the rest);
//   shell files come from the cache, the network when missing; /api/ and anything else go to the
//   network and are never cached. IndexedDB (records and outbox) is never touched here.
// - message {type: 'version'} with a MessagePort: answers {version, cache} on that port.
// - sync (tag 'rounds-sync', Background Sync): runs syncNow() from sync.js.
// - push: a notification for every push (Chrome requires one), in the payload's generic words.
// - notificationclick: an open window (or a new one) goes to #/observation/<id>, else #/inbox.
import { syncNow } from './sync.js';

const PREFIX = 'rounds-shell-';
const CACHE = PREFIX + SHELL.version;
const SHELL_PATHS = new Set(SHELL.files);

self.addEventListener('install', (event) => {
  event.waitUntil(precache());
});

async function precache() {
  const cache = await caches.open(CACHE);
  // 'no-cache' revalidates with the server, so an HTTP-cached older copy cannot slip into a new version.
  await cache.addAll(SHELL.files.map((path) => new Request(path, { cache: 'no-cache' })));
}

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith(PREFIX) && name !== CACHE)
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  const type = event.data && event.data.type;
  if (type === 'skip-waiting') self.skipWaiting();
  if (type === 'version' && event.ports[0]) event.ports[0].postMessage({ version: SHELL.version, cache: CACHE });
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/') || url.pathname === '/sw.js') return;
  if (SHELL_PATHS.has(url.pathname)) {
    event.respondWith(cacheFirst(url.pathname, request));
  } else if (request.mode === 'navigate') {
    event.respondWith(cacheFirst('/', request));
  }
});

async function cacheFirst(path, request) {
  const cache = await caches.open(CACHE);
  // The server varies on Accept-Encoding, which a stored request never carries: ignore it.
  const cached = await cache.match(path, { ignoreVary: true });
  return cached || fetch(request);
}

self.addEventListener('sync', (event) => {
  if (event.tag === 'rounds-sync') event.waitUntil(syncNow());
});

self.addEventListener('push', (event) => {
  event.waitUntil(showPush(event.data));
});

async function showPush(message) {
  let push = {};
  try { push = message ? message.json() : {}; } catch { /* not JSON: the generic words below */ }
  await self.registration.showNotification(push.title || 'Rounds', {
    body: push.body || 'Something new in Rounds', tag: push.tag || push.kind || 'rounds',
    icon: '/icons/icon-192.png', badge: '/icons/badge-72.png', data: { observation_id: push.observation_id || null },
  });
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const id = event.notification.data && event.notification.data.observation_id;
  event.waitUntil(openRounds(id ? `#/observation/${id}` : '#/inbox'));
});

async function openRounds(hash) {
  const [open] = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  if (!open) return self.clients.openWindow(`/${hash}`);
  open.postMessage({ type: 'open', hash });
  return open.focus().catch(() => {});
}
