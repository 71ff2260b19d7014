/**
 * Records on this tablet: what a person does to them, and what screens read.
 *
 * A stored record is {entity, record_id, observation_id, version, server, data, conflicts}:
 * `server` is the copy last pulled (null until the server has sent one) at `version`; `data` is
 * what the person sees: `server` with their unsent and refused ops applied on top, so that
 * nothing typed disappears while it waits for the server; `applied` ({page: rev}), which of a
 * page's edits it holds. Every action writes the record change and its outbox op in ONE
 * transaction (durability 'strict'); a failed write (e.g. storage full, error name
 * 'QuotaExceededError') throws and leaves nothing half-written.
 * Edits and notes go to the journal (db.js) first, in the tap's own task (docs/pwa.md): taps are
 * then written at once, typing within EDIT_WRITE_MS or at `flushEdits`; each edit's promise
 * resolves once written. `recoverEdits()` writes what a dead page left in the journal.
 * Reads add `pending` (unsent ops) and `refused` (refused ops) counts per record.
 * `subscribe(fn)` calls fn after every local write or pull, in this tab and in other tabs.
 */
import { getMeta, journal, journaled, openJournal, putMeta, req, transact, unjournal } from './db.js';
import { observe } from './hlc.js';
import { addOp, opsOf, readStamp } from './outbox.js';
import { getMe } from './queries.js';

const DEFAULTS = {
  observation: {
    school_id: null, teacher_id: null, observer_id: null, template_id: null, template_version: null,
    started_at: null, ended_at: null, grade: null, subject: null, segment: null, students_present: null,
    teacher_doing: '', students_doing: '', task: '', task_demand: null, lookfors: {}, status: 'draft',
    deleted: false, co_observation_id: null,
  },
  note: { observation_id: null, element: null, text: '', at: null, is_inference: false },
  feedback: {
    observation_id: null, glow: '', wonder: '', next_step: '', support_commitment: '', support_due: null,
    released: false, acknowledged_at: null, reflection: '', usefulness: null,
    support_requested_at: null, support_kept_at: null, support_kept_note: '', support_confirmed: null,
  },
};
// Feedback ids are UUIDv5(FEEDBACK_NAMESPACE, observation id): two devices of one observer that
// both start feedback for a walkthrough make the same record (docs/sync.md).
const FEEDBACK_NAMESPACE = '6f0c4a52-3f0e-4d7c-9b1e-2a9d5c1e7b30';
const WRITE_STORES = ['records', 'outbox', 'rejected', 'meta'];
const EDIT_WRITE_MS = 400;
const APPLIED_PAGES = 8;

// --- change notifications ------------------------------------------------------------------
const listeners = new Set();
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('rounds') : null;
if (channel) channel.onmessage = () => notify(false);

export function subscribe(fn) { listeners.add(fn); return () => listeners.delete(fn); }

export function notify(broadcast = true) {
  for (const fn of listeners) {
    try { fn(); } catch (error) { console.error(error); }
  }
  if (broadcast && channel) channel.postMessage('changed');
}

// --- values --------------------------------------------------------------------------------
/** Now as the server writes times: UTC, "Z", microseconds only when there are any. */
export function nowIso(date = new Date()) {
  const whole = date.toISOString().slice(0, 19);
  const ms = date.getUTCMilliseconds();
  return ms ? `${whole}.${String(ms * 1000).padStart(6, '0')}Z` : `${whole}Z`;
}

function withFields(entity, data, fields) {
  const next = { ...data, ...fields };
  if (entity === 'observation' && fields.lookfors) next.lookfors = { ...(data.lookfors || {}), ...fields.lookfors };
  return next;
}

function shown(entity, server, ops) {
  return ops.reduce((data, op) => withFields(entity, data, op.fields || {}), { ...DEFAULTS[entity], ...(server || {}) });
}

function observationIdOf(entity, recordId, data) {
  return entity === 'observation' ? recordId : data.observation_id;
}

const feedbackIds = new Map();

export async function feedbackId(observationId) {
  if (!feedbackIds.has(observationId)) feedbackIds.set(observationId, await feedbackUuid(observationId));
  return feedbackIds.get(observationId);
}

/** UUIDv5 (RFC 9562, SHA-1) of the text `text` in the namespace `namespace`: every device that
 * names the same thing makes the same id, with no network. */
export async function uuidV5(namespace, text) {
  const hex = namespace.replace(/-/g, '');
  const name = new TextEncoder().encode(text);
  const bytes = new Uint8Array(16 + name.length);
  for (let i = 0; i < 16; i += 1) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  bytes.set(name, 16);
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-1', bytes)).slice(0, 16);
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const h = [...hash].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function feedbackUuid(observationId) {
  return uuidV5(FEEDBACK_NAMESPACE, observationId);
}

// --- writing -------------------------------------------------------------------------------
async function write(work) {
  const result = await transact(WRITE_STORES, 'readwrite', work);
  notify();
  return result;
}

function markApplied(previous, { page, rev }) {
  const { [page]: _, ...others } = previous || {};
  return Object.fromEntries([...Object.entries(others), [page, rev]].slice(-APPLIED_PAGES));
}

/** One person's change to one record: the op and the record, in the caller's transaction.
 * Requests go out together rather than one after another: a note must be stored within 50 ms
 * of the tap even on a slow tablet. */
async function change(tx, entity, recordId, fields, extra = {}, applied = null) {
  const store = tx.objectStore('records');
  const [existing, stamp] = await Promise.all([req(store.get([entity, recordId])), readStamp(tx)]);
  const { written } = addOp(tx, stamp, { entity, record_id: recordId, base_version: existing ? existing.version : 0, fields, ...extra });
  // Awaited below; if building the record throws first, the aborted writes must not go unheard.
  written.catch(() => {});
  const data = withFields(entity, existing ? existing.data : { ...DEFAULTS[entity] }, fields);
  const record = existing ? { ...existing, data } : {
    entity, record_id: recordId, observation_id: observationIdOf(entity, recordId, data),
    version: 0, server: null, data, conflicts: [],
  };
  if (extra.resolve_conflict) record.conflicts = record.conflicts.filter((c) => c.id !== extra.resolve_conflict);
  if (applied) record.applied = markApplied(record.applied, applied);
  await Promise.all([written, req(store.put(record))]);
  return record;
}

async function refresh(tx, entity, recordId) {
  const store = tx.objectStore('records');
  const record = await req(store.get([entity, recordId]));
  if (!record) return;
  const ops = await opsOf(tx, entity, recordId);
  if (!record.server && !ops.length) await req(store.delete([entity, recordId]));
  else await req(store.put({ ...record, data: shown(entity, record.server, ops) }));
}

function remember(list, id) {
  return [id, ...list.filter((item) => item !== id)].slice(0, 8);
}

/** Starts a draft walkthrough in one op; with `co_observation_id`, one linked to a calibration
 * visit (docs/calibration.md) from its first op. Returns its id. */
export async function startObservation({
  school_id, teacher_id, template_id = null, template_version = null, co_observation_id = null,
}) {
  const me = await getMe();
  const id = crypto.randomUUID();
  await write(async (tx) => {
    await change(tx, 'observation', id, {
      school_id, teacher_id, observer_id: me.person.id, template_id, template_version,
      started_at: nowIso(), status: 'draft', ...(co_observation_id ? { co_observation_id } : {}),
    });
    const recent = await getMeta(tx, 'recent', { schools: [], teachers: [] });
    await putMeta(tx, 'recent', { schools: remember(recent.schools, school_id), teachers: remember(recent.teachers, teacher_id) });
  });
  return id;
}

export function updateObservation(id, fields) {
  return edit('observation', id, fields, true);
}

export function addNote(observationId, { element, text, is_inference = false }) {
  const id = crypto.randomUUID();
  const fields = { observation_id: observationId, element, text, at: nowIso(), is_inference: Boolean(is_inference) };
  const entry = { key: `note|${id}`, kind: 'note', stamp: id, record_id: id, fields };
  const written = write((tx) => change(tx, 'note', id, fields));
  journal({ put: [entry], drop: [`draft|${observationId}|${element}`] }).catch(journalTrouble);
  const forget = () => setTimeout(() => journal({ drop: [entry.key] }).catch(journalTrouble));
  written.then(forget, forget);
  return written;
}

async function changeFeedback(tx, id, observationId, fields, applied = null) {
  const existing = await req(tx.objectStore('records').get(['feedback', id]));
  return change(tx, 'feedback', id, existing ? fields : { observation_id: observationId, ...fields }, {}, applied);
}

export function saveFeedback(observationId, fields) {
  return edit('feedback', observationId, fields, true);
}

export async function submitObservation(id) {
  const feedback = await feedbackId(id);
  return write(async (tx) => {
    const observation = await req(tx.objectStore('records').get(['observation', id]));
    const fields = { status: 'submitted' };
    if (!observation.data.ended_at) fields.ended_at = nowIso();
    await change(tx, 'observation', id, fields);
    await changeFeedback(tx, feedback, id, { released: true });
  });
}

export function deleteObservation(id) {
  return updateObservation(id, { deleted: true });
}

export function resolveConflict(conflict, value) {
  const key = conflict.field.startsWith('lookfors.') ? conflict.field.slice('lookfors.'.length) : null;
  const fields = key === null ? { [conflict.field]: value } : { lookfors: { [key]: value } };
  return write((tx) => change(tx, conflict.entity, conflict.record_id, fields, { resolve_conflict: conflict.id }));
}

async function markHandled(tx, opId) {
  const handled = await getMeta(tx, 'handled_rejections', []);
  await putMeta(tx, 'handled_rejections', [opId, ...handled].slice(0, 2000));
}

/** Sends refused ops again as new ops (new seq and op_id), with the person's edited fields. */
export function resendRejected(items) {
  return write(async (tx) => {
    for (const { op_id: opId, fields } of items) {
      const entry = await req(tx.objectStore('rejected').get(opId));
      if (!entry) continue;
      await req(tx.objectStore('rejected').delete(opId));
      await markHandled(tx, opId);
      const { op } = entry;
      const extra = op.resolve_conflict && !entry.errors.resolve_conflict ? { resolve_conflict: op.resolve_conflict } : {};
      await change(tx, op.entity, op.record_id, fields, extra);
      await refresh(tx, op.entity, op.record_id);
    }
  });
}

export function dismissRejected(opId) {
  return write(async (tx) => {
    const entry = await req(tx.objectStore('rejected').get(opId));
    if (!entry) return;
    await req(tx.objectStore('rejected').delete(opId));
    await markHandled(tx, opId);
    if (entry.op && entry.op.entity) await refresh(tx, entry.op.entity, entry.op.record_id);
  });
}

// --- edits: in the journal at once, then written as ops ------------------------------------
const PAGE = crypto.randomUUID();
let editCount = 0;
// `${entity}|${id}` (feedback: by observation id) -> fields not written yet, rev of the last edit
const unwritten = new Map();
const writing = new Set();

function journalTrouble(error) {
  console.warn(error);
}

function edit(entity, id, fields, now = false) {
  const key = `${entity}|${id}`;
  if (!unwritten.has(key)) unwritten.set(key, { key, entity, id, fields: {}, rev: 0, sent: 0, waiters: [], timer: null });
  const pending = unwritten.get(key);
  pending.fields = withFields(entity, pending.fields, fields);
  editCount += 1;
  pending.rev = editCount;
  journal({ put: [{ key: `edit|${PAGE}|${key}`, kind: 'edit', stamp: `${PAGE}:${editCount}`, page: PAGE, rev: editCount,
    entity, id, fields: pending.fields }] }).catch(journalTrouble);
  const written = new Promise((resolve, reject) => pending.waiters.push({ resolve, reject }));
  written.catch(() => {});
  if (now) writeEdits(pending);
  else if (!pending.timer) pending.timer = setTimeout(() => writeEdits(pending), EDIT_WRITE_MS);
  return written;
}

function writeTyped(tx, entity, id, fields, applied) {
  return entity === 'feedback' ? changeFeedback(tx, feedbackIds.get(id), id, fields, applied)
    : change(tx, entity, id, fields, {}, applied);
}

function writeEdits(pending) {
  clearTimeout(pending.timer);
  pending.timer = null;
  if (pending.rev <= pending.sent) return;
  const { entity, id, fields, rev, waiters } = pending;
  pending.sent = rev;
  pending.waiters = [];
  const applied = { page: PAGE, rev };
  const done = (entity === 'feedback' ? feedbackId(id) : Promise.resolve())
    .then(() => write((tx) => writeTyped(tx, entity, id, fields, applied))).then((record) => {
      if (pending.rev === rev) {
        pending.fields = {};
        journal({ drop: [`edit|${PAGE}|${pending.key}`] }).catch(journalTrouble);
      }
      for (const waiter of waiters) waiter.resolve(record);
    }, (error) => {
      pending.sent = 0;
      for (const waiter of waiters) waiter.reject(error);
      throw error;
    });
  writing.add(done);
  done.catch(() => {}).finally(() => writing.delete(done));
}

export function queueObservationEdit(id, fields) { return edit('observation', id, fields); }
export function queueFeedbackEdit(observationId, fields) { return edit('feedback', observationId, fields); }

/** Writes every edit not written yet, now, and waits for every write; throws if one failed. */
export async function flushEdits() {
  for (const pending of unwritten.values()) writeEdits(pending);
  const failed = (await Promise.allSettled([...writing])).find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}

let recovering = null;

/** Once per page load; never throws. */
export function recoverEdits() {
  recovering ||= recover().catch(console.error);
  return recovering;
}

async function recover() {
  const found = [...await journaled('edit'), ...await journaled('note')];
  if (!found.length || !(await getMe())) return;
  for (const entry of found) if (entry.entity === 'feedback') await feedbackId(entry.id);
  await write(async (tx) => {
    const store = tx.objectStore('records');
    for (const entry of found) {
      const note = entry.kind === 'note';
      // Nothing for a walkthrough gone from this tablet (deleted, out of view, another person's).
      if (await req(store.getKey(['observation', note ? entry.fields.observation_id : entry.id])) === undefined) continue;
      if (note) {
        if (await req(store.getKey(['note', entry.record_id])) === undefined) await change(tx, 'note', entry.record_id, entry.fields);
      } else {
        const record = await req(store.get([entry.entity, entry.entity === 'feedback' ? feedbackIds.get(entry.id) : entry.id]));
        if ((record?.applied?.[entry.page] || 0) < entry.rev) {
          await writeTyped(tx, entry.entity, entry.id, entry.fields, { page: entry.page, rev: entry.rev });
        }
      }
    }
  });
  await unjournal(found);
}

/** Keeps on this tablet a walkthrough's 'draft' (a note box's words) or 'timer' (a running timer's
 * {since, base}); empty forgets it. */
export function keepAside(kind, observationId, name, value) {
  const key = `${kind}|${observationId}|${name}`;
  return journal(value ? { put: [{ key, kind, stamp: crypto.randomUUID(), observation_id: observationId, name, value }] }
    : { drop: [key] }).catch(journalTrouble);
}

export async function keptAside(kind, observationId) {
  const found = await journaled(kind).catch(() => []);
  return Object.fromEntries(found.filter((e) => e.observation_id === observationId).map((e) => [e.name, e.value]));
}

if (typeof document !== 'undefined') {
  openJournal().catch(journalTrouble);
  const writeNow = () => { flushEdits().catch(() => {}); };
  for (const event of ['pagehide', 'hashchange']) window.addEventListener(event, writeNow);
  for (const event of ['freeze', 'focusout']) document.addEventListener(event, writeNow);
  document.addEventListener('visibilitychange', () => { if (document.hidden) writeNow(); });
}

// --- pulls ---------------------------------------------------------------------------------
/** Saves one pulled page, the new cursor and any reference data in one transaction. */
export async function applyPull(page) {
  await transact(WRITE_STORES, 'readwrite', async (tx) => {
    const store = tx.objectStore('records');
    const unsent = await req(tx.objectStore('outbox').getAll());
    // A conflict this tablet has already resolved stays resolved while the resolution waits to be sent.
    const resolving = new Set(unsent.map((op) => op.resolve_conflict).filter(Boolean));
    for (const item of page.changes) {
      if (item.gone) {
        await req(store.delete([item.entity, item.record_id]));
        continue;
      }
      const [ops, existing] = await Promise.all([opsOf(tx, item.entity, item.record_id),
        req(store.get([item.entity, item.record_id]))]);
      const record = {
        entity: item.entity, record_id: item.record_id,
        observation_id: observationIdOf(item.entity, item.record_id, item.data),
        version: item.version, server: item.data, data: shown(item.entity, item.data, ops),
        conflicts: (item.conflicts || []).filter((c) => !resolving.has(c.id)),
      };
      if (existing && existing.applied) record.applied = existing.applied;
      await req(store.put(record));
    }
    await putMeta(tx, 'cursor', page.cursor);
    if (page.reference) await putMeta(tx, 'reference', page.reference);
    if (page.server_time) await putMeta(tx, 'clock', observe(await getMeta(tx, 'clock'), page.server_time));
  });
  if (page.changes.length || page.reference) notify();
}

/** Keeps refused ops of this device that the server lists (GET /api/sync/rejected) and this
 * tablet has neither seen nor dealt with: the answer to their push was lost on the way. */
export async function importRejections(list, deviceId) {
  let added = 0;
  await transact(['rejected', 'meta'], 'readwrite', async (tx) => {
    const handled = new Set(await getMeta(tx, 'handled_rejections', []));
    const store = tx.objectStore('rejected');
    for (const item of list) {
      if (item.device_id !== deviceId || handled.has(item.op_id)) continue;
      if (await req(store.getKey(item.op_id)) !== undefined) continue;
      const op = item.op && typeof item.op === 'object' ? item.op : { fields: {} };
      await req(store.put({ op_id: item.op_id, op, errors: item.errors || {}, received_at: item.received_at }));
      added += 1;
    }
  });
  if (added) notify();
}

export {
  getRecord, listObservations, notesOf, feedbackOf, openConflicts, rejectedOps, recentChoices, getReference, getMe,
} from './queries.js';
