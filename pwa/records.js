/**
 * Records on this tablet: what a person does to them, and what screens read.
 *
 * A stored record is {entity, record_id, observation_id, version, server, data, conflicts}:
 * `server` is the copy last pulled (null until the server has sent one) at `version`; `data` is
 * what the person sees: `server` with their unsent and refused ops applied on top, so that
 * nothing typed disappears while it waits for the server. `applied` ({page: edit number}) says
 * which of a page's journaled edits the record holds. Every action writes the record change
 * and its outbox op in ONE transaction (durability 'strict'); a failed write (e.g. storage full,
 * error name 'QuotaExceededError') throws and leaves nothing half-written.
 *
 * Edits (`queue...Edit` for typing, `updateObservation`/`saveFeedback` for taps) are first kept
 * in the journal (journal.js), in the same task as the tap or keystroke, so that they outlive a
 * page that dies the next moment; a tap is then written at once, typing within EDIT_WRITE_MS of
 * the first keystroke not yet written, and all of it when a field loses focus, the page is
 * hidden, frozen or left, the address changes (another screen), and before a sync, a sign-out
 * or an update (`flushEdits`). Each returns a promise that resolves once the write holding it
 * has committed (and rejects if it failed): that, and only that, lets a screen say "Saved".
 * `recoverEdits()` writes what a page that died left in the journal; the app runs it before its
 * first screen. A note being written and a running look-for timer are kept in the journal too
 * (`keepNoteDraft`, `keepTimer`), for the screen to show again.
 * Reads add `pending` (unsent ops) and `refused` (refused ops) counts per record.
 * `subscribe(fn)` calls fn after every local write or pull, in this tab and in other tabs.
 */
import { getMeta, putMeta, req, transact } from './db.js';
import { observe } from './hlc.js';
import * as journal from './journal.js';
import { addOp, opsOf, readStamp } from './outbox.js';
import { getMe } from './queries.js';

const DEFAULTS = {
  observation: {
    school_id: null, teacher_id: null, observer_id: null, template_id: null, template_version: null,
    started_at: null, ended_at: null, grade: null, subject: null, segment: null, students_present: null,
    teacher_doing: '', students_doing: '', task: '', task_demand: null, lookfors: {}, status: 'draft',
    deleted: false,
  },
  note: { observation_id: null, element: null, text: '', at: null, is_inference: false },
  feedback: {
    observation_id: null, glow: '', wonder: '', next_step: '', support_commitment: '', support_due: null,
    released: false, acknowledged_at: null, reflection: '', usefulness: null,
  },
};
// Feedback ids are UUIDv5(FEEDBACK_NAMESPACE, observation id): two devices of one observer that
// both start feedback for a walkthrough make the same record (docs/sync.md).
const FEEDBACK_NAMESPACE = '6f0c4a52-3f0e-4d7c-9b1e-2a9d5c1e7b30';
const WRITE_STORES = ['records', 'outbox', 'rejected', 'meta'];
// "Written at least every half second while typing": the write starts this long after the first
// keystroke not yet written, and takes a few ms more.
const EDIT_WRITE_MS = 400;
// How many pages' edit numbers a record remembers: enough for every page that could still have
// an entry in the journal, since each page applies the journal when it opens.
const APPLIED_PAGES = 8;

// --- change notifications ------------------------------------------------------------------
const listeners = new Set();
const problemListeners = new Set();
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('rounds') : null;
if (channel) channel.onmessage = () => notify(false);

export function subscribe(fn) { listeners.add(fn); return () => listeners.delete(fn); }
/** fn(error) when an edit could not be written. */
export function onSaveProblem(fn) { problemListeners.add(fn); return () => problemListeners.delete(fn); }

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

async function feedbackUuid(observationId) {
  const hex = FEEDBACK_NAMESPACE.replace(/-/g, '');
  const name = new TextEncoder().encode(observationId);
  const bytes = new Uint8Array(16 + name.length);
  for (let i = 0; i < 16; i += 1) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  bytes.set(name, 16);
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-1', bytes)).slice(0, 16);
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const h = [...hash].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// --- writing -------------------------------------------------------------------------------
async function write(work) {
  const result = await transact(WRITE_STORES, 'readwrite', work);
  notify();
  return result;
}

function markApplied(previous, { page, rev }) {
  const next = { ...(previous || {}) };
  delete next[page];
  next[page] = Math.max(rev, (previous && previous[page]) || 0);
  const pages = Object.keys(next);
  for (const old of pages.slice(0, Math.max(0, pages.length - APPLIED_PAGES))) delete next[old];
  return next;
}

/** One person's change to one record: the op and the record, in the caller's transaction.
 * `applied` ({page, rev}), for edits from the journal, marks which of them the record now holds.
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

export async function startObservation({ school_id, teacher_id, template_id = null, template_version = null }) {
  const me = await getMe();
  const id = crypto.randomUUID();
  await write(async (tx) => {
    await change(tx, 'observation', id, {
      school_id, teacher_id, observer_id: me.person.id, template_id, template_version,
      started_at: nowIso(), status: 'draft',
    });
    const recent = await getMeta(tx, 'recent', { schools: [], teachers: [] });
    await putMeta(tx, 'recent', { schools: remember(recent.schools, school_id), teachers: remember(recent.teachers, teacher_id) });
  });
  return id;
}

/** A tap's change to a walkthrough: kept at once, written at once (with any typing of it not
 * written yet); resolves with the record once written. */
export function updateObservation(id, fields) {
  return edit('observation', id, fields, { now: true });
}

function draftKey(observationId, element) {
  return `draft|${observationId}|${element}`;
}

/**
 * Stores a new note; resolves with its record once written. The note and the end of its draft
 * are in the journal before this returns, so a page that dies at once still keeps the note.
 */
export function addNote(observationId, { element, text, is_inference = false }) {
  const id = crypto.randomUUID();
  const fields = { observation_id: observationId, element, text, at: nowIso(), is_inference: Boolean(is_inference) };
  const entry = { key: `note|${id}`, kind: 'note', stamp: id, record_id: id, fields };
  journal.write({ put: [entry], drop: [draftKey(observationId, element)] }).catch(journalTrouble);
  const written = write((tx) => change(tx, 'note', id, fields));
  // Written or refused, the note no longer belongs in the journal: a refused one is given back
  // to the person to add again, and must not come back by itself on the next load.
  written.finally(() => journal.write({ drop: [entry.key] }).catch(journalTrouble)).catch(() => {});
  return written;
}

async function changeFeedback(tx, id, observationId, fields, applied = null) {
  const existing = await req(tx.objectStore('records').get(['feedback', id]));
  return change(tx, 'feedback', id, existing ? fields : { observation_id: observationId, ...fields }, {}, applied);
}

/** A tap's change to a walkthrough's feedback, as `updateObservation`. */
export function saveFeedback(observationId, fields) {
  return edit('feedback', observationId, fields, { now: true });
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
// This page's name in the journal, and the number of its last edit (edits are numbered in order).
const PAGE = crypto.randomUUID();
let editCount = 0;
// `${entity}|${id}` -> what is not written yet of one record (feedback: by observation id).
const unwritten = new Map();
const writing = new Set();

function journalTrouble(error) {
  // The write to 'rounds' still follows, and says whether it worked.
  console.warn('Rounds: an edit could not be kept in the journal.', error);
}

function flatten(fields) {
  const paths = [];
  for (const [name, value] of Object.entries(fields)) {
    if (name === 'lookfors' && value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) paths.push([`lookfors.${key}`, item]);
    } else {
      paths.push([name, value]);
    }
  }
  return paths;
}

function unflatten(paths) {
  const fields = {};
  for (const [path, value] of paths) {
    if (path.startsWith('lookfors.')) (fields.lookfors ||= {})[path.slice('lookfors.'.length)] = value;
    else fields[path] = value;
  }
  return fields;
}

function pendingOf(entity, id) {
  const key = `${entity}|${id}`;
  if (!unwritten.has(key)) {
    // paths: field path -> {value, rev}; sent: the last edit number a write has taken.
    unwritten.set(key, { key, entity, id, paths: new Map(), waiters: [], timer: null, sent: 0 });
  }
  return unwritten.get(key);
}

function journalEntry(pending) {
  const fields = {};
  const revs = {};
  for (const [path, { value, rev }] of pending.paths) {
    fields[path] = value;
    revs[path] = rev;
  }
  return {
    key: `edit|${PAGE}|${pending.key}`, kind: 'edit', stamp: `${PAGE}:${editCount}`, page: PAGE,
    entity: pending.entity, record_id: pending.entity === 'feedback' ? null : pending.id,
    observation_id: pending.entity === 'feedback' ? pending.id : null, fields, revs,
  };
}

function edit(entity, id, fields, { now = false } = {}) {
  const pending = pendingOf(entity, id);
  editCount += 1;
  const rev = editCount;
  for (const [path, value] of flatten(fields)) pending.paths.set(path, { value, rev });
  journal.write({ put: [journalEntry(pending)] }).catch(journalTrouble);
  const written = new Promise((resolve, reject) => pending.waiters.push({ resolve, reject }));
  written.catch(() => {});  // a caller that does not wait is told through onSaveProblem
  if (now) writeEdits(pending);
  else if (!pending.timer) pending.timer = setTimeout(() => writeEdits(pending), EDIT_WRITE_MS);
  return written;
}

/** Starts the write of every edit of one record not written yet (nothing if a write in flight
 * already holds them all). */
function writeEdits(pending) {
  clearTimeout(pending.timer);
  pending.timer = null;
  const taken = [...pending.paths];
  if (!taken.some(([, { rev }]) => rev > pending.sent)) return;
  const through = editCount;
  pending.sent = through;
  const waiters = pending.waiters;
  pending.waiters = [];
  const fields = unflatten(taken.map(([path, { value }]) => [path, value]));
  const applied = { page: PAGE, rev: through };
  const written = pending.entity === 'feedback'
    ? feedbackId(pending.id).then((id) => write((tx) => changeFeedback(tx, id, pending.id, fields, applied)))
    : write((tx) => change(tx, pending.entity, pending.id, fields, {}, applied));
  const done = written.then((record) => {
    for (const [path, { rev }] of taken) {
      if (pending.paths.get(path)?.rev === rev) pending.paths.delete(path);
    }
    if (!pending.paths.size) journal.write({ drop: [journalEntry(pending).key] }).catch(journalTrouble);
    for (const waiter of waiters) waiter.resolve(record);
  }, (error) => {
    // Nothing was written: all of it stays, to be written with the next edit or flush.
    pending.sent = 0;
    for (const waiter of waiters) waiter.reject(error);
    for (const fn of problemListeners) fn(error);
    throw error;
  });
  writing.add(done);
  done.catch(() => {}).finally(() => writing.delete(done));
}

export function queueObservationEdit(id, fields) { return edit('observation', id, fields); }
export function queueFeedbackEdit(observationId, fields) { return edit('feedback', observationId, fields); }

/** Writes every edit not written yet, now, and waits for every write in flight; throws if one
 * could not be written (what it held stays, for the next try). */
export async function flushEdits() {
  for (const pending of unwritten.values()) writeEdits(pending);
  const results = await Promise.allSettled([...writing]);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}

let recovering = null;

/** Writes the edits and notes that pages which died left in the journal (once per page load;
 * later calls return the first one's promise). Never throws. */
export function recoverEdits() {
  if (!recovering) {
    recovering = recover().catch((error) => console.error('Rounds: earlier edits could not be written yet.', error));
  }
  return recovering;
}

async function recover() {
  const found = (await journal.entries()).filter((entry) => entry.kind === 'edit' || entry.kind === 'note');
  if (!found.length || !(await getMe())) return;
  const feedbacks = new Map();
  for (const entry of found) {
    if (entry.entity === 'feedback') feedbacks.set(entry.observation_id, await feedbackId(entry.observation_id));
  }
  await write(async (tx) => {
    const store = tx.objectStore('records');
    for (const entry of found) {
      // Only for a walkthrough still on this tablet: one gone (deleted, out of this person's
      // view, or another person's before a sign-out) takes no edits and no notes.
      const walkthrough = entry.kind === 'note' ? entry.fields.observation_id
        : entry.observation_id || entry.record_id;
      if (await req(store.getKey(['observation', walkthrough])) === undefined) continue;
      if (entry.kind === 'note') {
        if (await req(store.getKey(['note', entry.record_id])) === undefined) {
          await change(tx, 'note', entry.record_id, entry.fields);
        }
        continue;
      }
      const id = entry.entity === 'feedback' ? feedbacks.get(entry.observation_id) : entry.record_id;
      const record = await req(store.get([entry.entity, id]));
      const seen = (record && record.applied && record.applied[entry.page]) || 0;
      const fresh = Object.keys(entry.fields).filter((path) => entry.revs[path] > seen);
      if (!fresh.length) continue;
      const fields = unflatten(fresh.map((path) => [path, entry.fields[path]]));
      const applied = { page: entry.page, rev: Math.max(...fresh.map((path) => entry.revs[path])) };
      if (entry.entity === 'feedback') await changeFeedback(tx, id, entry.observation_id, fields, applied);
      else await change(tx, entry.entity, id, fields, {}, applied);
    }
  });
  await journal.dropIfUnchanged(found);
}

// --- what only this tablet keeps: a note being written, a running timer --------------------
/** Keeps the words in a note box (nothing, when empty) until the note is added. */
export function keepNoteDraft(observationId, element, text) {
  const key = draftKey(observationId, element);
  const kept = text ? { put: [{ key, kind: 'draft', stamp: crypto.randomUUID(), observation_id: observationId, element, text }] }
    : { drop: [key] };
  return journal.write(kept).catch(journalTrouble);
}

/** {element: words} of the note boxes of a walkthrough left unfinished. */
export async function noteDrafts(observationId) {
  const drafts = await journal.entries('draft').catch(() => []);
  return Object.fromEntries(drafts.filter((d) => d.observation_id === observationId).map((d) => [d.element, d.text]));
}

function timerKey(observationId, key) {
  return `timer|${observationId}|${key}`;
}

/** Keeps that a look-for timer runs since `since` (ms since the epoch) from `base` seconds;
 * `running` false forgets it. */
export function keepTimer(observationId, key, running, since = null, base = 0) {
  const entryKey = timerKey(observationId, key);
  const kept = running
    ? { put: [{ key: entryKey, kind: 'timer', stamp: crypto.randomUUID(), observation_id: observationId, lookfor: key, since, base }] }
    : { drop: [entryKey] };
  return journal.write(kept).catch(journalTrouble);
}

/** {look-for key: {since, base}} of the timers of a walkthrough left running. */
export async function runningTimers(observationId) {
  const timers = await journal.entries('timer').catch(() => []);
  return Object.fromEntries(timers.filter((t) => t.observation_id === observationId)
    .map((t) => [t.lookfor, { since: t.since, base: t.base }]));
}

// Pages write what is typed when it may be the last moment to: the field is left, the page is
// hidden, frozen or closed, or the app moves to another screen.
if (typeof document !== 'undefined') {
  journal.openJournal().catch(journalTrouble);
  const writeNow = () => { flushEdits().catch(() => {}); };
  window.addEventListener('pagehide', writeNow);
  window.addEventListener('hashchange', writeNow);
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') writeNow(); });
  document.addEventListener('freeze', writeNow);
  document.addEventListener('focusout', writeNow);
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
