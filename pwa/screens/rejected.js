/**
 * #/rejected: the changes the server refused (rejectedOps()), so that nothing is lost silently.
 * Grouped by walkthrough where the op says which (a refused new walkthrough and its refused notes
 * together); each shows the server's messages next to the fields they name, every field editable
 * (op-form.js). "Send again" resends one op with its edited fields; "Send all again" resends a
 * group in its original seq order (resendRejected). "Discard" asks first, naming exactly what
 * will be lost (dismissRejected). A resent op that the server refuses again comes back here.
 */
import { dismissRejected, getRecord, rejectedOps, resendRejected } from '../records.js';
import { keepCurrent } from '../keep-current.js';
import { syncNow } from '../sync.js';
import { ELEMENT_NAMES, fieldLabel, templateOf, valueInWords } from '../fields.js';
import { opForm } from '../op-form.js';
import { SaveStatus, confirmDialog, dayAndTime, h, namesOf, plural } from '../ui.js';

const LOSS_LINES = 8;

function groupKey(entry, record) {
  const { op } = entry;
  if (op.entity === 'observation') return op.record_id;
  return op.fields?.observation_id || record?.observation_id || `op-${entry.op_id}`;
}

async function grouped() {
  const groups = new Map();
  for (const entry of await rejectedOps()) {
    const record = entry.op.entity ? await getRecord(entry.op.entity, entry.op.record_id) : null;
    const key = groupKey(entry, record);
    if (!groups.has(key)) groups.set(key, { key, observation: null, entries: [] });
    groups.get(key).entries.push(entry);
  }
  for (const group of groups.values()) group.observation = await getRecord('observation', group.key);
  return [...groups.values()];
}

function opTitle(op) {
  const fields = op.fields || {};
  if (op.resolve_conflict) return 'Your choice in a conflict';
  if (op.entity === 'observation') {
    return op.base_version === 0 && fields.observer_id ? 'New walkthrough' : 'Changes to the walkthrough';
  }
  if (op.entity === 'note') return `${ELEMENT_NAMES[fields.element] || 'Evidence'} note`;
  if (op.entity === 'feedback') return 'acknowledged_at' in fields || 'reflection' in fields || 'usefulness' in fields
    ? 'Response to feedback' : 'Feedback';
  return 'A change';
}

/** What the walkthrough is, from the tablet's copy, or else from the refused create itself. */
function walkthroughOf(group) {
  if (group.observation) return group.observation.data;
  const create = group.entries.find((e) => e.op.entity === 'observation' && e.op.fields?.teacher_id);
  return create ? create.op.fields : null;
}

const IS_CREATE = (entry) => entry.op.entity === 'observation' && Boolean(entry.op.fields?.observer_id);
// What the server says of changes to a walkthrough it does not hold yet: true, but only a
// consequence of the refused new walkthrough, which is where the fix belongs.
const FOLLOWS_CREATE = new Set(['Required when the record is created.', 'No observation of yours has this id.',
  'No observation you may see has this id.']);

function shorten(text, length = 80) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

export async function render(main, params, ctx) {
  document.title = 'Rejected · Rounds';
  const status = new SaveStatus();
  const names = namesOf(ctx.reference);
  const forms = new Map(); // op_id -> {collect, form}
  const drafts = new Map(); // op_id -> fields as edited so far, kept across re-renders

  function lossLines(entry, template) {
    const fields = Object.entries(entry.op.fields || {})
      .filter(([name]) => name !== 'observation_id' && name !== 'observer_id');
    const lines = fields.slice(0, LOSS_LINES).map(([name, value]) => `${fieldLabel(name, template)}: `
      + `${shorten(valueInWords(name, value, { reference: ctx.reference, template }))}`);
    if (fields.length > LOSS_LINES) lines.push(`and ${plural(fields.length - LOSS_LINES, 'more field')}.`);
    return lines;
  }

  async function send(entries, words) {
    if (!entries.length || entries.some((entry) => !entry.op.entity)) return;
    for (const entry of entries) {
      const { form } = forms.get(entry.op_id);
      if (!form.reportValidity()) return;
    }
    const items = entries.map((entry) => ({ op_id: entry.op_id, fields: forms.get(entry.op_id).collect() }));
    if (await status.track(resendRejected(items))) {
      for (const entry of entries) drafts.delete(entry.op_id);
      ctx.announce(`${words} to the server now, or at the next sync if this tablet is offline.`);
      await live.refresh();
      main.querySelector('h1')?.focus();
      syncNow();
    }
  }

  async function discard(entry, title, template) {
    const confirmed = await confirmDialog({
      title: `Discard this ${title.toLowerCase()}?`,
      body: ['It is not on the server. Discarding deletes it from this tablet too, and it cannot be brought back. '
        + 'This will be lost:', ...lossLines(entry, template)],
      confirm: 'Discard for good',
      cancel: 'Keep it',
      danger: true,
    });
    if (confirmed && await status.track(dismissRejected(entry.op_id))) {
      drafts.delete(entry.op_id);
      ctx.announce(`Discarded the ${title.toLowerCase()}.`);
      await live.refresh();
      main.querySelector('h1')?.focus();
    }
  }

  /** The messages about no field of the form (the record, the op itself), above the fields. */
  function general(fields, errors) {
    const others = Object.entries(errors).filter(([name, messages]) => !(name in fields) && messages.length);
    if (!others.length) return null;
    return h('ul', { class: 'message' }, others.map(([name, messages]) => h('li', {},
      `${fieldLabel(name)}: ${messages.join(' ')}`)));
  }

  function opCard(entry, template, schoolId, followsCreate) {
    const title = opTitle(entry.op);
    const headingId = `refused-${entry.op_id}`;
    const errors = Object.fromEntries(Object.entries(entry.errors || {}).map(([name, messages]) => [name,
      [].concat(messages).filter((message) => !followsCreate || !FOLLOWS_CREATE.has(message))]));
    const edited = drafts.has(entry.op_id) ? { ...entry.op, fields: drafts.get(entry.op_id) } : entry.op;
    const { element, collect } = opForm({ ...entry, op: edited, errors },
      { reference: ctx.reference, me: ctx.me, template, schoolId });
    const form = h('form', {
      class: 'refused-op', 'aria-labelledby': headingId,
      onsubmit: (event) => { event.preventDefault(); send([entry], `Sent the ${title.toLowerCase()} again. It goes`); },
    },
    h('h3', { id: headingId }, title),
    h('p', { class: 'muted' }, `Refused ${dayAndTime(entry.received_at)}.`),
    followsCreate ? h('p', { class: 'help' }, 'This goes with the new walkthrough above, which the server has not '
      + 'taken yet. Fix that one, then use “Send all again”.') : null,
    general(entry.op.fields || {}, errors),
    element,
    h('div', { class: 'actions' },
      // An op the server kept but could not read has nothing this tablet could send again.
      entry.op.entity ? h('button', { type: 'submit', class: 'button primary' }, 'Send again') : null,
      h('button', { type: 'button', class: 'button danger-outline', onclick: () => discard(entry, title, template) },
        'Discard')));
    forms.set(entry.op_id, { collect, form });
    return form;
  }

  function groupSection(group) {
    const data = walkthroughOf(group);
    const headingId = `refused-group-${group.key}`;
    const template = templateOf(ctx.reference, data?.template_id);
    const listed = (ctx.reference.people || []).some((person) => person.id === data?.teacher_id);
    const when = data?.started_at ? ` · ${dayAndTime(data.started_at)}` : '';
    const title = data ? `Walkthrough${listed ? ` of ${names.person(data.teacher_id)}` : ''}${when}` : 'Other changes';
    const create = group.entries.find(IS_CREATE);
    return h('section', { class: 'card view-section', 'aria-labelledby': headingId },
      h('h2', { id: headingId }, title),
      group.entries.length > 1 ? h('div', { class: 'actions' },
        h('button', {
          type: 'button', class: 'button primary',
          onclick: () => {
            const sendable = group.entries.filter((entry) => entry.op.entity);
            send(sendable, `Sent ${plural(sendable.length, 'change')} again. They go`);
          },
        }, 'Send all again'),
        h('p', { class: 'muted' }, `Sends these ${group.entries.length} changes in the order they were made.`)) : null,
      group.entries.map((entry) => opCard(entry, template, data?.school_id, Boolean(create) && entry !== create)));
  }

  let shownIds = null;
  async function show() {
    const groups = await grouped();
    // A sync may bring back the same refusals: the forms, and any editing in them, then stay as they are.
    const ids = groups.flatMap((group) => group.entries.map((entry) => entry.op_id)).join(',');
    if (ids === shownIds) return null;
    // Called only as the new forms go in: what is typed in the old ones until then is kept.
    return () => {
      shownIds = ids;
      for (const [opId, { collect }] of forms) drafts.set(opId, collect());
      const total = groups.reduce((sum, group) => sum + group.entries.length, 0);
      forms.clear();
      return [
        h('h1', { tabindex: '-1' }, 'Rejected'),
        h('p', { class: 'lede' }, total
          ? `The server refused ${plural(total, 'change')}. Nothing is lost: each is kept here. Fix what the messages `
            + 'name, then send it again, or discard it.'
          : 'Nothing was refused. If the server ever refuses a change, it waits here for you to fix it.'),
        status.element, status.problem,
        ...groups.map(groupSection)];
    };
  }

  const live = await keepCurrent(main, show);
  return live.stop;
}
