/**
 * Reading what this tablet holds (re-exported by records.js, which screens import).
 *
 * Records come with `pending` (unsent ops) and `refused` (refused ops) counts; see records.js
 * for the record shape. Nothing here writes.
 */
import { getMeta, req, transact } from './db.js';

const EMPTY_REFERENCE = { schools: [], people: [], templates: [] };

function read(stores, work) {
  return transact(stores, 'readonly', work);
}

async function counters(tx) {
  const count = (map, entity, recordId) => {
    const key = `${entity}:${recordId}`;
    map.set(key, (map.get(key) || 0) + 1);
  };
  const pending = new Map();
  const refused = new Map();
  for (const op of await req(tx.objectStore('outbox').getAll())) count(pending, op.entity, op.record_id);
  for (const entry of await req(tx.objectStore('rejected').getAll())) {
    if (entry.op) count(refused, entry.op.entity, entry.op.record_id);
  }
  return (record) => {
    const key = `${record.entity}:${record.record_id}`;
    return { ...record, pending: pending.get(key) || 0, refused: refused.get(key) || 0 };
  };
}

const STORES = ['records', 'outbox', 'rejected'];

export function getRecord(entity, id) {
  return read(STORES, async (tx) => {
    const record = await req(tx.objectStore('records').get([entity, id]));
    return record ? (await counters(tx))(record) : null;
  });
}

/** Observations not deleted, the most recently started first. */
export function listObservations() {
  return read(STORES, async (tx) => {
    const decorate = await counters(tx);
    const all = await req(tx.objectStore('records').index('entity').getAll('observation'));
    return all.filter((r) => !r.data.deleted).map(decorate)
      .sort((a, b) => (b.data.started_at || '').localeCompare(a.data.started_at || ''));
  });
}

async function childrenOf(tx, observationId, entity) {
  const all = await req(tx.objectStore('records').index('observation_id').getAll(observationId));
  return all.filter((r) => r.entity === entity);
}

/** The evidence notes of an observation, in the order they were taken. */
export function notesOf(observationId) {
  return read(STORES, async (tx) => {
    const decorate = await counters(tx);
    return (await childrenOf(tx, observationId, 'note')).map(decorate)
      .sort((a, b) => (a.data.at || '').localeCompare(b.data.at || ''));
  });
}

export function feedbackOf(observationId) {
  return read(STORES, async (tx) => {
    const [feedback] = await childrenOf(tx, observationId, 'feedback');
    return feedback ? (await counters(tx))(feedback) : null;
  });
}

/** Every open conflict with its record, oldest first. */
export function openConflicts() {
  return read(STORES, async (tx) => {
    const decorate = await counters(tx);
    const found = [];
    await new Promise((resolve, reject) => {
      const cursor = tx.objectStore('records').openCursor();
      cursor.onsuccess = () => {
        const at = cursor.result;
        if (!at) return resolve();
        const record = at.value;
        for (const conflict of record.conflicts || []) found.push({ conflict, record: decorate(record) });
        at.continue();
      };
      cursor.onerror = () => reject(cursor.error);
    });
    return found.sort((a, b) => a.conflict.created_at.localeCompare(b.conflict.created_at));
  });
}

/** Refused ops, in the order they were made. */
export function rejectedOps() {
  return read(['rejected'], async (tx) => (await req(tx.objectStore('rejected').getAll()))
    .sort((a, b) => (a.op.seq || 0) - (b.op.seq || 0)));
}

export function recentChoices() {
  return read(['meta'], (tx) => getMeta(tx, 'recent', { schools: [], teachers: [] }));
}

export async function getReference() {
  return { ...EMPTY_REFERENCE, ...(await read(['meta'], (tx) => getMeta(tx, 'reference', EMPTY_REFERENCE))) };
}

/** {person, device_id, device_name} of whoever is signed in on this tablet, or null. */
export function getMe() {
  return read(['meta'], (tx) => getMeta(tx, 'me'));
}
