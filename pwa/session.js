/**
 * Who uses this tablet: signing in (which enrols the tablet as a device of that person),
 * signing out (which wipes the tablet, but only once everything it holds is on the server),
 * and the tablet's own safety net: a backup file and persistent storage.
 */
import { ApiError, post, request, setCsrfToken } from './api.js';
import { STORES, putMeta, readMeta, req, transact, wipe } from './db.js';
import { countUnsent } from './outbox.js';
import { flushEdits, getMe, notify, rejectedOps } from './records.js';
import { syncNow } from './sync.js';

function deviceName() {
  const ua = navigator.userAgent;
  const browser = [['Edg/', 'Edge'], ['Firefox/', 'Firefox'], ['Chrome/', 'Chrome'], ['Safari/', 'Safari']]
    .find(([mark]) => ua.includes(mark));
  const platform = [['iPad', 'iPad'], ['iPhone', 'iPhone'], ['Android', 'Android'], ['CrOS', 'Chromebook'],
    ['Windows', 'Windows'], ['Mac OS', 'Mac'], ['Linux', 'Linux']].find(([mark]) => ua.includes(mark));
  return `${browser ? browser[1] : 'Browser'} on ${platform ? platform[1] : 'a device'}`;
}

/** Signs in, enrols this tablet and runs the first sync (offline, that waits); resolves with
 * `me`. Throws the server's ApiError (with field messages) when sign-in or enrolment fails. */
export async function signIn(email, password) {
  const before = await getMe();
  const person = await post('/api/auth/login', { email, password });
  setCsrfToken(person.csrf_token);
  if (before && before.person.id !== person.id) {
    throw new ApiError(409, 'tablet_in_use', `${before.person.name}'s walkthroughs are still on this tablet. `
      + 'They must sign out first.');
  }
  const name = deviceName();
  const device = await post('/api/devices', { device_id: before ? before.device_id : crypto.randomUUID(), name });
  const { csrf_token: _ignored, ...profile } = person;
  const me = { person: profile, device_id: device.device_id, device_name: device.name };
  await transact(['meta'], 'readwrite', async (tx) => {
    await putMeta(tx, 'me', me);
    await putMeta(tx, 'token', device.token);
  });
  if (navigator.storage && navigator.storage.persist) await navigator.storage.persist().catch(() => false);
  notify();
  await syncNow();
  return me;
}

/**
 * Signs out and wipes this tablet, but only when nothing waits: no unsent op and no refused op
 * still to be sent again or discarded. Otherwise resolves {signedOut: false, pending, refused}
 * and changes nothing.
 */
export async function signOut() {
  await flushEdits().catch(() => {});
  await syncNow();
  const pending = await countUnsent();
  const refused = (await rejectedOps()).length;
  if (pending || refused) return { signedOut: false, pending, refused };
  const me = await getMe();
  const token = await readMeta('token');
  let revoked = false;
  if (me && token) {
    // The session first: once the device is revoked its token can no longer end anything.
    await request('POST', '/api/auth/logout', undefined, { token }).catch(() => {});
    revoked = await request('DELETE', `/api/devices/${me.device_id}`, undefined, { token })
      .then(() => true, (error) => error.status === 401);
  }
  await wipe();
  setCsrfToken(null);
  notify();
  return { signedOut: true, revoked };
}

/** Every local record, unsent op and refused op as a JSON file (the device token left out). */
export async function exportBackup() {
  const contents = await transact(STORES, 'readonly', async (tx) => {
    const all = {};
    for (const name of STORES) all[name] = await req(tx.objectStore(name).getAll());
    return all;
  });
  const meta = Object.fromEntries(contents.meta.filter((row) => row.key !== 'token').map((row) => [row.key, row.value]));
  const backup = {
    format: 'rounds-backup-1', exported_at: new Date().toISOString(), me: meta.me || null, meta,
    records: contents.records, unsent_ops: contents.outbox, refused_ops: contents.rejected,
  };
  return new Blob([JSON.stringify(backup, null, 2)], { type: 'application/json' });
}

/** {persisted, usage, quota} of this site's storage (null where the browser does not say). */
export async function storageState() {
  const storage = navigator.storage || {};
  const persisted = storage.persisted ? await storage.persisted().catch(() => false) : false;
  const estimate = storage.estimate ? await storage.estimate().catch(() => ({})) : {};
  return { persisted, usage: estimate.usage ?? null, quota: estimate.quota ?? null };
}
