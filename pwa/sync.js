/**
 * The sync client (shared/design/SYNC.md): push the outbox in seq order, in batches, then pull
 * from the cursor until the server has nothing more, then fetch the refused-op list and the inbox
 * (inbox.js; a failure there does not fail the sync).
 *
 * `syncNow()` runs one sync (one at a time per browser, across tabs and the service worker, by a
 * Web Lock) and never throws: how it went is in `syncStatus()`, and `onSyncStatus(fn)` hears
 * every change of it. `startSyncing()` (pages only) syncs on load, on 'online', when the page
 * becomes visible, soon after a local change, every 2 minutes, with backoff and jitter while
 * failing, and asks for Background Sync where the browser has it.
 * No DOM here: the service worker imports this module for Background Sync.
 */
import { request } from './api.js';
import { putMeta, readMeta, transact } from './db.js';
import { readInbox, syncInbox } from './inbox.js';
import { acknowledge, countUnsent, nextBatch } from './outbox.js';
import { applyPull, flushEdits, getMe, importRejections, notify, openConflicts, rejectedOps, subscribe } from './records.js';

const PUSH_BATCH = 200;
const PULL_PAGE = 500;
const EVERY_MS = 2 * 60 * 1000;
const MAX_BACKOFF_MS = 30 * 60 * 1000;
const SOON_MS = 1500;
const QUIET_MS = 400;
const SIGNED_OUT = "This tablet's sign-in has ended (the device was revoked or the account turned off). "
  + 'Everything you recorded stays on this tablet. Ask your Rounds admin, then sign in again.';

let status = { state: 'idle', pending: 0, refused: 0, conflicts: 0, unread: 0, last_sync_at: null, last_error: null };
const listeners = new Set();
let running = null;
let again = null;
let failures = 0;
let timer = null;
let soonTimer = null;
let started = false;

export function syncStatus() { return { ...status }; }

export function onSyncStatus(fn) { listeners.add(fn); return () => listeners.delete(fn); }

function setStatus(changes) {
  status = { ...status, ...changes };
  for (const fn of listeners) {
    try { fn(syncStatus()); } catch (error) { console.error(error); }
  }
}

class SyncProblem extends Error {}

function describe(error) {
  if (error instanceof SyncProblem) return error.message;
  if (error.status === 401 || error.code === 'device_required') return SIGNED_OUT;
  if (error.status === 0) return null;
  return error.message || String(error);
}

let versionAsked = null;

/** This app's version, from the service worker that serves the page (null where none does): the
 * server keeps it, with the count of unsent changes, for the admin's list of devices. */
function appVersion() {
  const worker = typeof window !== 'undefined' && navigator.serviceWorker && navigator.serviceWorker.controller;
  if (!worker) return Promise.resolve(null);
  versionAsked ??= new Promise((resolve) => {
    const channel = new MessageChannel();
    setTimeout(() => resolve(null), 2000);
    channel.port1.onmessage = (event) => resolve(event.data.version || null);
    worker.postMessage({ type: 'version' }, [channel.port2]);
  });
  return versionAsked;
}

async function pushAll(deviceId, token) {
  for (;;) {
    const ops = await nextBatch(PUSH_BATCH);
    if (!ops.length) return;
    const unsent = (await countUnsent()) - ops.length;
    const answer = await request('POST', '/api/sync/push',
      { device_id: deviceId, ops, app_version: await appVersion(), unsent }, { token });
    await acknowledge(ops, answer);
    notify();
    if (answer.expected_seq !== null && answer.expected_seq !== undefined) {
      // Never expected: ops leave the outbox only once acknowledged, so the server cannot miss one.
      throw new SyncProblem(`The server is waiting for change ${answer.expected_seq}, which this tablet no `
        + 'longer holds. Export a backup (Account) and tell your Rounds admin.');
    }
    if (answer.acked_seq < ops[ops.length - 1].seq) throw new SyncProblem('The server did not take every change; trying again later.');
  }
}

async function pullAll(token) {
  for (;;) {
    const cursor = await readMeta('cursor', 0);
    const version = await appVersion();
    const report = `&unsent=${await countUnsent()}${version ? `&app_version=${encodeURIComponent(version)}` : ''}`;
    const page = await request('GET', `/api/sync/pull?cursor=${cursor}&limit=${PULL_PAGE}${report}`, undefined, { token });
    await applyPull(page);
    if (!page.has_more) return;
  }
}

async function run() {
  const me = await getMe();
  const token = await readMeta('token');
  if (!me || !token) return;
  setStatus({ state: 'syncing' });
  try {
    // Typing still waiting to be written goes in this sync, not the next one.
    await flushEdits().catch(() => {});
    await pushAll(me.device_id, token);
    await pullAll(token);
    const refused = await request('GET', '/api/sync/rejected', undefined, { token });
    await importRejections(refused.rejected, me.device_id);
    await syncInbox(token).catch((error) => console.warn('The inbox did not sync.', error));
    const at = new Date().toISOString();
    await transact(['meta'], 'readwrite', (tx) => putMeta(tx, 'last_sync_at', at));
    failures = 0;
    // The network may have gone while the last answer was on its way.
    setStatus({ state: navigator.onLine === false ? 'offline' : 'idle', last_error: null });
  } catch (error) {
    failures += 1;
    setStatus({ state: error.status === 0 ? 'offline' : 'error', last_error: describe(error) });
    askForBackgroundSync();
  }
}

/** Runs a sync; called while one runs, it runs one more right after it (that one may have
 * started before the caller's latest change), so awaiting it always covers what came before. */
export function syncNow() {
  if (!running) return startRun();
  if (!again) again = running.then(() => { again = null; return startRun(); });
  return again;
}

function startRun() {
  const exclusive = typeof navigator !== 'undefined' && navigator.locks
    ? navigator.locks.request('rounds-sync', run) : run();
  running = exclusive.catch((error) => console.error(error)).finally(async () => {
    await refreshStatus();
    running = null;
    schedule();
  });
  return running;
}

/** Re-reads the counts (`unread`: the inbox's), and last sync time that the status shows. */
export async function refreshStatus() {
  if (!(await getMe())) return;
  const [pending, refused, conflicts, last, inbox] = await Promise.all([
    countUnsent(), rejectedOps(), openConflicts(), readMeta('last_sync_at'), readInbox()]);
  setStatus({ pending, refused: refused.length, conflicts: conflicts.length, last_sync_at: last, unread: inbox.unread });
}

function schedule() {
  if (!started) return;
  clearTimeout(timer);
  const backoff = Math.min(EVERY_MS * 2 ** Math.max(failures - 1, 0), MAX_BACKOFF_MS);
  // Jitter keeps a school's tablets, back online at the same moment, from all calling at once.
  const delay = failures ? backoff * (0.5 + Math.random()) : EVERY_MS;
  timer = setTimeout(syncNow, delay);
}

function askForBackgroundSync() {
  if (typeof navigator === 'undefined' || !navigator.serviceWorker) return;
  navigator.serviceWorker.ready
    .then((registration) => registration.sync && registration.sync.register('rounds-sync'))
    .catch(() => {});
}

async function afterLocalChange() {
  await refreshStatus();
  if (!status.pending) return;
  askForBackgroundSync();
  clearTimeout(soonTimer);
  if (navigator.onLine) soonTimer = setTimeout(syncNow, SOON_MS);
}

export function startSyncing() {
  if (started) return;
  started = true;
  window.addEventListener('online', () => { failures = 0; syncNow(); });
  window.addEventListener('offline', () => setStatus({ state: 'offline' }));
  // (records.js writes what is typed when the page is hidden or left.)
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') syncNow();
  });
  // Counting waits for a quiet moment: the counts read every record, and the next tap's write
  // must not queue behind them.
  let quiet = null;
  subscribe(() => {
    // The unsent count is cheap and must never say "all synced" while something waits.
    countUnsent().then((pending) => setStatus({ pending }), (error) => console.error(error));
    clearTimeout(quiet);
    quiet = setTimeout(() => afterLocalChange().catch((error) => console.error(error)), QUIET_MS);
  });
  if (!navigator.onLine) setStatus({ state: 'offline' });
  syncNow();
}
