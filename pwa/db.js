/**
 * The tablet's IndexedDB databases: "rounds", used through `transact`, and "rounds-journal".
 *
 * Stores of "rounds":
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
 * The journal (docs/pwa.md): `journal({put, drop})` writes blind and commits in the caller's task
 * once `openJournal()` is done; `unjournal(found)` deletes entries still as read (same `stamp`).
 */
const NAME = 'rounds';
const VERSION = 1;
const JOURNAL = 'rounds-journal';
export const STORES = ['records', 'outbox', 'rejected', 'meta'];

const opening = {};
const open = {};

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

function connect(name, version, create) {
  if (!opening[name]) {
    const attempt = new Promise((resolve, reject) => {
      const request = indexedDB.open(name, version);
      const forget = () => {
        if (opening[name] === attempt) delete opening[name];
        delete open[name];
      };
      request.onupgradeneeded = () => create(request.result);
      request.onsuccess = () => {
        const db = request.result;
        // A newer version of the app in another tab needs this connection closed to upgrade.
        db.onversionchange = () => { db.close(); forget(); };
        open[name] = db;
        resolve(db);
      };
      request.onerror = () => { forget(); reject(request.error); };
    });
    opening[name] = attempt;
  }
  return opening[name];
}

export function openDb() {
  return connect(NAME, VERSION, upgrade);
}

export function openJournal() {
  return connect(JOURNAL, 1, (db) => db.createObjectStore('entries', { keyPath: 'key' }));
}

function committed(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error || new DOMException('The change was not saved.', 'AbortError'));
  });
}

/** An IDBRequest as a promise of its result. */
export function req(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export async function transact(stores, mode, work) {
  // Started in the caller's task when the database is open: nothing runs ahead of a write.
  const db = open[NAME] || await openDb();
  const tx = db.transaction(stores, mode, mode === 'readwrite' ? { durability: 'strict' } : undefined);
  const done = committed(tx);
  let result;
  try {
    result = await work(tx);
  } catch (error) {
    try { tx.abort(); } catch { /* already finished */ }
    await done.catch(() => {});
    throw error;
  }
  await done;
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

function journalIn(db, put, drop) {
  const tx = db.transaction('entries', 'readwrite', { durability: 'relaxed' });
  const done = committed(tx);
  try {
    const store = tx.objectStore('entries');
    for (const key of drop) store.delete(key);
    for (const entry of put) store.put(entry);
    tx.commit();
  } catch (error) {
    try { tx.abort(); } catch { /* already finished */ }
    done.catch(() => {});
    throw error;
  }
  return done;
}

export function journal({ put = [], drop = [] }) {
  try {
    if (open[JOURNAL]) return journalIn(open[JOURNAL], put, drop);
  } catch (error) {
    return Promise.reject(error);
  }
  return openJournal().then((db) => journalIn(db, put, drop));
}

export async function journaled(kind) {
  const all = await req((await openJournal()).transaction('entries').objectStore('entries').getAll());
  return all.filter((entry) => entry.kind === kind);
}

export async function unjournal(found) {
  const tx = (await openJournal()).transaction('entries', 'readwrite');
  const store = tx.objectStore('entries');
  for (const entry of found) {
    req(store.get(entry.key)).then((now) => { if (now && now.stamp === entry.stamp) store.delete(entry.key); });
  }
  return committed(tx);
}

/** Empties every store and the journal (signing out); the databases stay, at their versions. */
export async function wipe() {
  await transact(STORES, 'readwrite', (tx) => Promise.all(STORES.map((name) => req(tx.objectStore(name).clear()))));
  const tx = (await openJournal()).transaction('entries', 'readwrite');
  tx.objectStore('entries').clear();
  await committed(tx);
}
