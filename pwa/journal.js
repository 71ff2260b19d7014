/**
 * The journal: what a person types or taps, kept the instant they do it, in an IndexedDB database
 * of its own ('rounds-journal', store 'entries', key 'key'), until records.js has written it as a
 * record change and its outbox op in 'rounds'. A page that dies in between (reloaded, closed,
 * killed by the tablet) loses nothing: the next page applies what it finds here
 * (records.recoverEdits) or shows it again (a note being written, a running timer).
 *
 * Why it exists, and why it is written this way: a write outlives the page that starts it only
 * if all its requests and its commit have left the page before the page dies. A write to
 * 'rounds' reads first (the record, the next seq) and may wait behind another write; measured in
 * Chromium, about half of such writes started in the same moment as a reload were lost. So
 * `write` puts and deletes without reading, commits in the same task (`commit()`), and shares no
 * database with the writes it guards, so it never waits behind them. It asks for 'relaxed'
 * durability: it must outlive the page, not a power cut; the 'strict' write to 'rounds' follows
 * within half a second, and only that one makes a screen say "Saved".
 *
 * Entries are `{key, kind, ...}`; records.js defines the kinds ('edit', 'note', 'draft', 'timer').
 */
const NAME = 'rounds-journal';
const STORE = 'entries';

let connection = null;
let opening = null;

/** Opens the journal; resolves with the connection. Pages open it at load, so that the first
 * change of the person can be kept in the same task as their tap. */
export function openJournal() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'key' });
      request.onsuccess = () => {
        const db = request.result;
        db.onversionchange = () => {
          db.close();
          connection = null;
          opening = null;
        };
        connection = db;
        resolve(db);
      };
      request.onerror = () => {
        opening = null;
        reject(request.error);
      };
    });
  }
  return opening;
}

function run(db, put, drop) {
  const tx = db.transaction(STORE, 'readwrite', { durability: 'relaxed' });
  const done = new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error || new DOMException('The journal was not written.', 'AbortError'));
  });
  try {
    const store = tx.objectStore(STORE);
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

/**
 * Deletes the entries with keys `drop`, then puts the entries `put`, in one transaction started
 * (when the journal is open, as it is once a page has loaded) before this returns. Resolves once
 * written; rejects if it could not be (storage full, database closed).
 */
export function write({ put = [], drop = [] }) {
  try {
    if (connection) return run(connection, put, drop);
  } catch (error) {
    return Promise.reject(error);
  }
  return openJournal().then((db) => run(db, put, drop));
}

/** Every entry, or those of one kind. */
export async function entries(kind = null) {
  const db = await openJournal();
  const all = await new Promise((resolve, reject) => {
    const request = db.transaction(STORE, 'readonly').objectStore(STORE).getAll();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return kind ? all.filter((entry) => entry.kind === kind) : all;
}

/**
 * Deletes each of `found` (entries read earlier) that is still exactly as read: an entry that a
 * live page has rewritten since holds something newer, and stays.
 */
export async function dropIfUnchanged(found) {
  if (!found.length) return;
  const db = await openJournal();
  await new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, 'readwrite', { durability: 'relaxed' });
    const store = tx.objectStore(STORE);
    for (const entry of found) {
      const request = store.get(entry.key);
      request.onsuccess = () => {
        if (request.result && request.result.stamp === entry.stamp) store.delete(entry.key);
      };
    }
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error);
  });
}

/** Empties the journal (signing out). */
export async function clearJournal() {
  const db = await openJournal();
  await new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).clear();
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error);
  });
}
