/**
 * The tablet's IndexedDB database, "rounds", and the one way to use it: `transact`.
 *
 * Stores:
 * - `records`  key [entity, record_id]: every record this tablet holds (see records.js)
 * - `outbox`   key seq: ops not yet acknowledged by the server, exactly as they will be sent
 * - `rejected` key op_id: ops the server refused, kept until a person sends them again or discards them
 * - `meta`     key "key": {key, value} pairs: who is signed in, the device token, seq, clock, cursor
 *
 * `transact(stores, mode, work)` runs `work(tx)` in one transaction ('strict' durability when it
 * writes) and resolves with work's result once the transaction has committed; it rejects (and
 * nothing is written) if work throws or the transaction aborts, e.g. with a QuotaExceededError.
 * Inside `work`, await only IndexedDB requests (`req`): awaiting anything else lets the
 * transaction commit early.
 * If the database cannot be opened because an older Rounds tab holds it (an update waits for it
 * to close), opening fails with a DOMException named 'BlockedError', so a screen can say so;
 * the next try opens it afresh. (What is typed meanwhile is kept in the journal, journal.js.)
 */
import { clearJournal } from './journal.js';

const NAME = 'rounds';
const VERSION = 1;
export const STORES = ['records', 'outbox', 'rejected', 'meta'];

let opening = null;

function upgrade(db) {
  // Versions only ever add stores and indexes: an update of the app must never drop data.
  if (!db.objectStoreNames.contains('records')) {
    const records = db.createObjectStore('records', { keyPath: ['entity', 'record_id'] });
    records.createIndex('entity', 'entity');
    records.createIndex('observation_id', 'observation_id');
  }
  if (!db.objectStoreNames.contains('outbox')) {
    db.createObjectStore('outbox', { keyPath: 'seq' }).createIndex('record', ['entity', 'record_id']);
  }
  if (!db.objectStoreNames.contains('rejected')) {
    db.createObjectStore('rejected', { keyPath: 'op_id' }).createIndex('record', ['op.entity', 'op.record_id']);
  }
  if (!db.objectStoreNames.contains('meta')) db.createObjectStore('meta', { keyPath: 'key' });
}

export function openDb() {
  if (!opening) {
    const attempt = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, VERSION);
      const forget = () => { if (opening === attempt) opening = null; };
      request.onupgradeneeded = () => upgrade(request.result);
      request.onsuccess = () => {
        const db = request.result;
        // A newer version of the app in another tab needs this connection closed to upgrade.
        db.onversionchange = () => { db.close(); forget(); };
        resolve(db);
      };
      request.onerror = () => { forget(); reject(request.error); };
      request.onblocked = () => {
        forget();
        reject(new DOMException('Another Rounds tab is holding this tablet\'s storage. Close other Rounds tabs.',
          'BlockedError'));
      };
    });
    opening = attempt;
  }
  return opening;
}

/** An IDBRequest as a promise of its result. */
export function req(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export async function transact(stores, mode, work) {
  const db = await openDb();
  const tx = db.transaction(stores, mode, mode === 'readwrite' ? { durability: 'strict' } : undefined);
  const committed = new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error || new DOMException('The change was not saved.', 'AbortError'));
  });
  let result;
  try {
    result = await work(tx);
  } catch (error) {
    try { tx.abort(); } catch { /* already finished */ }
    await committed.catch(() => {});
    throw error;
  }
  await committed;
  return result;
}

export async function getMeta(tx, key, fallback = null) {
  const row = await req(tx.objectStore('meta').get(key));
  return row === undefined ? fallback : row.value;
}

export function putMeta(tx, key, value) {
  return req(tx.objectStore('meta').put({ key, value }));
}

/** Reads one meta value in its own transaction. */
export function readMeta(key, fallback = null) {
  return transact(['meta'], 'readonly', (tx) => getMeta(tx, key, fallback));
}

/** Empties every store and the journal (signing out); the database itself stays, at the current version. */
export async function wipe() {
  await transact(STORES, 'readwrite', (tx) => Promise.all(STORES.map((name) => req(tx.objectStore(name).clear()))));
  await clearJournal();
}
