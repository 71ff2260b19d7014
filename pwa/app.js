/**
 * The app shell: boot, the hash router, the navigation and sync status line, and updates.
 *
 * Boot opens the data layer, writes what a page that died left in the journal (`recoverEdits()`,
 * before any screen reads) and reads who is signed in on this tablet (`getMe()`): no one means
 * `#/signin`; someone means the route in the address (default: Today for observers and district
 * staff, Feedback for a person who is only a teacher) and `startSyncing()`.
 *
 * Routes are `#/<name>/<param>/...`; each name maps to `screens/<module>.js`, whose
 * `render(main, params, ctx)` fills the emptied `<main id="view">`, may return a cleanup function
 * (awaited before the next screen renders), and sets its `<h1>` and `document.title`.
 * `ctx = {me, reference, navigate(hash), announce(text)}`. Navigations run one at a time, in order;
 * after each (but not on first load) focus moves to the new screen's `<h1>`. Online screens
 * (`online: true`, modules in pwa/online/) are not precached; when their module cannot load, the
 * screen says they need a connection.
 *
 * The bell opens the inbox, with its unread count; the worker's {type: 'open', hash} goes there.
 *
 * `watchForUpdates()` registers the service worker and offers "Reload to update" when a new
 * version waits; the reload writes pending typing first (`flushEdits`).
 */
import { flushEdits, getMe, getReference, recoverEdits, subscribe } from './records.js';
import { onSyncStatus, refreshStatus, startSyncing, syncNow, syncStatus } from './sync.js';
import { NEEDS_CONNECTION, dayAndTime, debounce, h, homeOf, plural } from './ui.js';

const SCREENS = {
  signin: { title: 'Sign in', load: () => import('./screens/signin.js') },
  today: { title: 'Today', load: () => import('./screens/today.js') },
  new: { title: 'New walkthrough', load: () => import('./screens/new.js') },
  capture: { title: 'Capture', load: () => import('./screens/capture.js') },
  review: { title: 'Review and feedback', load: () => import('./screens/review.js') },
  observation: { title: 'Walkthrough', load: () => import('./screens/observation.js') },
  feedback: { title: 'Feedback for me', load: () => import('./screens/feedback.js') },
  conflicts: { title: 'Conflicts', load: () => import('./screens/conflicts.js') },
  rejected: { title: 'Rejected', load: () => import('./screens/rejected.js') },
  account: { title: 'Account', load: () => import('./screens/account.js') },
  inbox: { title: 'Inbox', load: () => import('./screens/inbox.js') },
  commitments: { title: 'My commitments', load: () => import('./screens/commitments.js') },
  // Online screens (pwa/online/) are not precached: offline, their module does not load.
  reports: { title: 'Reports', online: true, offline: NEEDS_CONNECTION, load: () => import('./online/reports.js') },
  'my-ratings': { title: 'How teachers rated my feedback', online: true, load: () => import('./online/my-ratings.js') },
  'set-password': { title: 'Set your password', online: true, public: true, load: () => import('./online/set-password.js') },
  // The admin's screens: #/admin lists them; each loads only when it is opened.
  admin: {
    title: 'Admin', online: true, load: () => import('./online/admin-home.js'),
    offline: 'The admin screens need a connection. They open when this tablet is online.',
  },
  people: { title: 'People', online: true, load: () => import('./online/admin-people.js') },
  roster: { title: 'Roster import', online: true, load: () => import('./online/admin-roster.js') },
  templates: {
    title: 'Look-for templates', online: true, load: () => import('./online/admin-templates.js'),
    offline: 'Look-for templates need a connection. They open when this tablet is online.',
  },
  settings: {
    title: 'Schools and settings', online: true, load: () => import('./online/admin-settings.js'),
    offline: 'Schools and settings need a connection. They open when this tablet is online.',
  },
  'judgment-words': {
    title: 'Judgment words', online: true, load: () => import('./online/admin-judgment-words.js'),
    offline: 'Judgment words need a connection. They open when this tablet is online.',
  },
  audit: {
    title: 'Audit', online: true, load: () => import('./online/admin-audit.js'),
    offline: 'The audit log needs a connection. It opens when this tablet is online.',
  },
  // Calibration visits (docs/calibration.md): an observer's own results; district staff's view.
  calibration: { title: 'My calibration', online: true, load: () => import('./online/calibration.js') },
  'calibration-report': {
    title: 'Calibration across the district', online: true, offline: NEEDS_CONNECTION,
    load: () => import('./online/calibration-report.js'),
  },
};
const UPDATE_CHECK_MS = 30 * 60 * 1000;

const $ = (id) => document.getElementById(id);
const main = $('view');
let me = null;
let cleanup = null;
let firstRender = true;
let syncing = false;
let queue = Promise.resolve();
let queued = false;

function parse(hash) {
  const [name = '', ...params] = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  return { name, params };
}

function navigate(hash) {
  if (location.hash === hash) schedule();
  else location.hash = hash;
}

function announce(text) {
  const region = $('announcer');
  region.textContent = '';
  // A fresh text node after a tick, so the same words said twice are announced twice.
  setTimeout(() => { region.textContent = text; }, 50);
}

/** Queues a render of the current address; several hash changes in a row render once. */
function schedule() {
  if (queued) return;
  queued = true;
  queue = queue.then(() => { queued = false; return route(); })
    .catch((error) => console.error(error));
}

async function route() {
  await recoverEdits();
  me = await getMe();
  let { name, params } = parse(location.hash);
  if (!me && name !== 'signin' && !SCREENS[name]?.public) {
    history.replaceState(null, '', '#/signin');
    ({ name, params } = parse('#/signin'));
  } else if (me && (!name || name === 'signin')) {
    history.replaceState(null, '', homeOf(me.person));
    ({ name, params } = parse(location.hash));
  }
  const reference = me ? await getReference() : null;
  if (cleanup) {
    const done = cleanup;
    cleanup = null;
    await Promise.resolve().then(done).catch((error) => console.error(error));
  }
  renderShell(name);
  const screen = SCREENS[name];
  main.replaceChildren();
  const ctx = { me, reference, navigate, announce };
  try {
    if (!screen) renderMissing(main, 'There is no such page in Rounds.');
    else cleanup = (await renderScreen(screen, params, ctx)) || null;
  } catch (error) {
    console.error(error);
    renderMissing(main, `This page could not be shown: ${error.message}`);
  }
  // Syncing starts once the first screen is up: on a slow tablet the screen comes first.
  if (me) beginSyncing();
  if (!firstRender) {
    const heading = main.querySelector('h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
    window.scrollTo(0, 0);
  }
  firstRender = false;
}

async function renderScreen(screen, params, ctx) {
  let module;
  try {
    module = await screen.load();
  } catch (error) {
    console.error(error);
    document.title = `${screen.title} · Rounds`;
    main.append(h('h1', {}, screen.title), h('p', { class: 'message' }, screen.online ? needsConnection(screen)
      : 'This part of Rounds is not on this tablet yet. Reload when you are online.'));
    return null;
  }
  return module.render(main, params, ctx);
}

/** What an online screen says when its module cannot load (offline): its own words, or its title's. */
function needsConnection(screen) {
  return screen.offline || `${screen.title} needs a connection. It opens when this tablet is online.`;
}

function renderMissing(view, text) {
  document.title = 'Not found · Rounds';
  view.replaceChildren(h('h1', {}, 'Not found'), h('p', {}, text),
    h('p', {}, h('a', { href: me ? homeOf(me.person) : '#/signin' }, 'Go to the start')));
}

// --- navigation and sync status --------------------------------------------------------------
let currentRoute = '';

function renderShell(name) {
  currentRoute = name;
  const signedIn = Boolean(me);
  $('nav').hidden = !signedIn;
  $('sync-line').hidden = !signedIn;
  $('bell').hidden = !signedIn;
  document.querySelector('.brand-name').setAttribute('href', me ? homeOf(me.person) : '#/signin');
  renderNav(syncStatus());
  renderStatus(syncStatus());
}

function navLinks(status) {
  if (!me) return [];
  const roles = me.person.roles;
  const links = [];
  if (homeOf(me.person) === '#/today') links.push(['today', 'Today']);
  if (roles.includes('observer')) links.push(['new', 'New walkthrough'], ['commitments', 'My commitments']);
  if (roles.includes('teacher')) links.push(['feedback', 'Feedback for me']);
  if (roles.includes('district_staff')) links.push(['reports', 'Reports']);
  if (roles.includes('district_staff')) links.push(['calibration-report', 'Calibration']);
  if (roles.includes('admin')) links.push(['admin', 'Admin']);
  else if (roles.includes('district_staff')) links.push(['templates', 'Look-fors']);
  if (status.conflicts > 0) links.push(['conflicts', 'Conflicts', status.conflicts]);
  if (status.refused > 0) links.push(['rejected', 'Rejected', status.refused]);
  links.push(['account', 'Account']);
  return links;
}

function renderNav(status) {
  // Only the screen a link opens is current: a walkthrough's screens have no link.
  $('nav-links').replaceChildren(...navLinks(status).map(([name, label, count]) => h('li', {},
    h('a', { href: `#/${name}`, 'aria-current': name === currentRoute ? 'page' : null },
      label, count ? h('span', { class: 'badge' }, count) : null))));
  const bell = $('bell');
  bell.setAttribute('aria-label', status.unread ? `Inbox, ${status.unread} unread` : 'Inbox');
  bell.setAttribute('aria-current', currentRoute === 'inbox' ? 'page' : 'false');
  $('bell-count').hidden = !status.unread;
  $('bell-count').textContent = status.unread;
}

/** "Offline · 3 changes not synced yet · Last synced Today 10:42", in plain words. */
function statusWords(status) {
  const parts = [];
  if (status.state === 'offline') parts.push('Offline');
  else if (status.state === 'syncing') parts.push('Syncing…');
  else if (status.state === 'error') parts.push(`Sync problem: ${status.last_error || 'the server did not answer as expected.'}`);
  parts.push(status.pending ? `${plural(status.pending, 'change')} not synced yet` : 'All changes synced');
  parts.push(status.last_sync_at ? `Last synced ${dayAndTime(status.last_sync_at)}` : 'Not synced yet');
  return parts.join(' · ');
}

function renderStatus(status) {
  const line = $('sync-status');
  line.dataset.state = status.state;
  line.dataset.pending = String(status.pending);
  line.textContent = statusWords(status);
  $('sync-now').disabled = status.state === 'syncing';
}

let lastState = null;
function onStatus(status) {
  renderStatus(status);
  renderNav(status);
  // Say only what changes what the person should do: going offline, coming back, a problem.
  if (lastState && status.state !== lastState) {
    if (status.state === 'offline') announce('Offline. Everything you record stays on this tablet.');
    else if (status.state === 'error') announce('Sync problem. Your work is still on this tablet.');
    else if (lastState === 'offline' && status.state === 'idle') announce('Back online and synced.');
  }
  lastState = status.state;
}

function beginSyncing() {
  if (syncing) return;
  syncing = true;
  onSyncStatus(onStatus);
  startSyncing();
  refreshStatus().catch((error) => console.error(error));
  import('./push.js').then((push) => push.keepSubscribed()).catch((error) => console.warn(error));
}

let noteTimer = null;

async function syncByHand() {
  const note = $('sync-note');
  const say = (words) => {
    note.textContent = words;
    clearTimeout(noteTimer);
    noteTimer = setTimeout(() => { note.textContent = ''; }, 10000);
  };
  say('Syncing…');
  await syncNow();
  const { state } = syncStatus();
  say({ offline: 'Offline: will sync when connected.', error: 'Not synced yet: Rounds tries again by itself.' }[state]
    || 'Synced.');
}

// --- updates ---------------------------------------------------------------------------------
/**
 * Registers /sw.js and shows "Update ready" when a new version is installed and waiting (only
 * while a worker already controls the page: the very first install is not an update). "Reload to
 * update" writes pending typing, asks the waiting worker to take over, and reloads once it has.
 * Checks for a new version on load when online and every 30 minutes.
 */
function watchForUpdates() {
  if (!('serviceWorker' in navigator)) return;
  const banner = $('update-banner');
  let waiting = null;
  let reloadAsked = false;
  const offer = (worker) => {
    if (!worker || !navigator.serviceWorker.controller) return;
    waiting = worker;
    if (banner.hidden) announce('Update ready. Use Reload to update when it suits you.');
    banner.hidden = false;
  };
  let takenElsewhere = false;
  const hadController = Boolean(navigator.serviceWorker.controller);
  $('update-reload').addEventListener('click', async () => {
    if (!waiting && !takenElsewhere) return;
    $('update-reload').disabled = true;
    await flushEdits().catch((error) => console.error(error));
    if (takenElsewhere) {
      location.reload();
      return;
    }
    reloadAsked = true;
    waiting.postMessage({ type: 'skip-waiting' });
  });
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloadAsked) {
      reloadAsked = false;
      location.reload();
    } else if (hadController) {
      // Another tab took the update: this page still runs the old code, so offer the reload.
      takenElsewhere = true;
      if (banner.hidden) announce('Update ready. Use Reload to update when it suits you.');
      banner.hidden = false;
    }
  });
  navigator.serviceWorker.addEventListener('message', (event) => {
    if (event.data && event.data.type === 'open') navigate(event.data.hash);
  });
  navigator.serviceWorker.register('/sw.js', { type: 'module', scope: '/' }).then((registration) => {
    offer(registration.waiting);
    registration.addEventListener('updatefound', () => {
      const worker = registration.installing;
      if (!worker) return;
      worker.addEventListener('statechange', () => { if (worker.state === 'installed') offer(worker); });
    });
    const check = () => { if (navigator.onLine) registration.update().catch(() => {}); };
    check();
    setInterval(check, UPDATE_CHECK_MS);
  }).catch((error) => console.warn('Rounds works online only: the offline worker did not start.', error));
}

// --- boot ------------------------------------------------------------------------------------
function boot() {
  if (!window.isSecureContext) {
    // Service workers, storage that lasts and random ids all need a secure page.
    main.replaceChildren(h('h1', {}, 'Rounds needs a secure connection'),
      h('p', { class: 'message' }, 'Open Rounds at its https:// address. Over plain http it cannot keep '
        + 'your walkthroughs safe on this tablet.'));
    return;
  }
  window.addEventListener('hashchange', schedule);
  $('sync-now').addEventListener('click', syncByHand);
  $('sync-now').after(h('p', { id: 'sync-note', class: 'sync-note', role: 'status' }));
  // A sign-out (here or in another tab) or a sign-in elsewhere changes who is here: show it.
  // The sign-in screen moves on by itself once its sign-in has finished.
  // Checked after a quiet second, not on every change, so that typing and notes are not slowed.
  subscribe(debounce(async () => {
    if (currentRoute === 'signin') return;
    const now = await getMe();
    if (Boolean(now) !== Boolean(me) || (now && me && now.person.id !== me.person.id)) schedule();
  }, 1000));
  schedule();
  queue.then(watchForUpdates);
}

boot();
