/**
 * #/commitments: the support the observer offered in shared feedback (records on this tablet),
 * grouped Overdue, Due soon (3 days), Open, Kept, with teacher, walkthrough, due date, asked for
 * or not, confirmed or not. "Mark as kept" + note is a feedback edit: offline too, then synced.
 * Links lead to how teachers rated the observer's feedback (#/my-ratings) and to how their
 * look-fors agreed with colleagues' on co-observed lessons (#/calibration), both online screens.
 */
import { feedbackOf, keepAside, keptAside, listObservations, nowIso, saveFeedback } from '../records.js';
import { keepCurrent } from '../keep-current.js';
import { valueInWords } from '../fields.js';
import { SaveStatus, dayAndTime, details, h, localDay, namesOf, uid } from '../ui.js';

const SOON_DAYS = 3;
const GROUPS = [['overdue', 'Overdue'], ['soon', 'Due soon'], ['open', 'Open'], ['kept', 'Kept']];
// Unsaved notes by walkthrough: a re-render must not drop them, nor a reload (kept aside too).
const typed = new Map();

function groupOf(f) {
  if (f.support_kept_at) return 'kept';
  if (f.support_due && f.support_due < localDay()) return 'overdue';
  if (f.support_due && f.support_due <= localDay(SOON_DAYS)) return 'soon';
  return 'open';
}

async function myCommitments(me) {
  const mine = (await listObservations())
    .filter((record) => record.data.observer_id === me.person.id && record.data.status === 'submitted');
  const found = await Promise.all(mine.map(async (record) => {
    const [feedback, drafts] = await Promise.all([feedbackOf(record.record_id), keptAside('draft', record.record_id)]);
    if (drafts.kept && !typed.has(record.record_id)) typed.set(record.record_id, drafts.kept);
    return { record, feedback };
  }));
  return found.filter(({ feedback }) => feedback && feedback.data.released && feedback.data.support_commitment.trim())
    .sort((a, b) => (a.feedback.data.support_due || '9999').localeCompare(b.feedback.data.support_due || '9999'));
}

function markKept(observationId, teacher, status, ctx) {
  const id = uid('kept-note');
  const note = h('textarea', {
    id, rows: '3', maxlength: '2000', value: typed.get(observationId) || '', 'aria-describedby': `${id}-readers`,
    oninput: () => {
      typed.set(observationId, note.value);
      keepAside('draft', observationId, 'kept', note.value);
    },
  });
  return h('div', { class: 'field' },
    h('label', { for: id }, 'What you did (optional)'),
    h('p', { id: `${id}-readers`, class: 'muted' }, `${teacher} reads it, and can say whether it happened.`),
    note,
    h('p', { class: 'actions' }, h('button', {
      type: 'button', class: 'button primary',
      onclick: async () => {
        const fields = { support_kept_at: nowIso(), support_kept_note: note.value.trim() };
        if (await status.track(saveFeedback(observationId, fields))) {
          typed.delete(observationId);
          keepAside('draft', observationId, 'kept', '');
          ctx.announce('Marked as kept.');
        }
      },
    }, 'Mark as kept')));
}

function commitment({ record, feedback }, names, status, ctx) {
  const f = feedback.data;
  const teacher = names.person(record.data.teacher_id);
  const rows = details([
    ['Due', f.support_due ? valueInWords('support_due', f.support_due) : 'No date set'],
    ['Asked for', f.support_requested_at ? `Yes, ${dayAndTime(f.support_requested_at)}` : 'Not yet'],
    f.support_kept_at ? ['Kept', `${dayAndTime(f.support_kept_at)}${f.support_kept_note ? `: ${f.support_kept_note}` : ''}`] : null,
    f.support_kept_at ? ['Did it happen?', f.support_confirmed ? `${teacher}: ${valueInWords('support_confirmed',
      f.support_confirmed)}` : `${teacher} has not said yet`] : null,
  ]);
  return h('li', { class: 'card view-section' },
    h('h3', {}, h('a', { href: `#/observation/${record.record_id}` },
      `${teacher} · ${dayAndTime(record.data.started_at)}`)),
    h('p', { class: 'kept-note' }, f.support_commitment),
    rows,
    f.support_kept_at ? null : markKept(record.record_id, teacher, status, ctx));
}

async function show(ctx, status) {
  const all = await myCommitments(ctx.me);
  const names = namesOf(ctx.reference);
  return [h('h1', { tabindex: '-1' }, 'My commitments'),
    h('p', { class: 'lede' }, 'The support you offered teachers in your feedback, until it is kept.'),
    h('p', { class: 'my-practice' }, h('a', { href: '#/my-ratings' }, 'How teachers rated my feedback'),
      h('a', { href: '#/calibration' }, 'My calibration')),
    status.element, status.problem,
    ...(all.length ? GROUPS.map(([key, title]) => {
      const group = all.filter(({ feedback }) => groupOf(feedback.data) === key);
      if (!group.length) return null;
      return h('section', { class: 'list-section', 'aria-labelledby': `group-${key}` },
        h('h2', { id: `group-${key}` }, `${title} (${group.length})`),
        h('ul', { class: 'walkthroughs' }, group.map((entry) => commitment(entry, names, status, ctx))));
    }).filter(Boolean) : [h('p', { class: 'muted' }, 'No support offered yet. What you commit to in feedback shows here.')])];
}

export async function render(main, params, ctx) {
  document.title = 'My commitments · Rounds';
  const status = new SaveStatus();
  const live = await keepCurrent(main, () => show(ctx, status));
  return live.stop;
}
