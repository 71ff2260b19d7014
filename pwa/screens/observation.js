/**
 * #/observation/<id>: the whole walkthrough, read-only: who, where, when, the class, the three
 * panes of the instructional core with their notes, the look-fors in words, and the feedback.
 * Nothing recorded about a teacher is hidden from them.
 *
 * The observed teacher (me.person.id == teacher_id) answers here: "Acknowledge" (acknowledged_at
 * = now), a reflection (saved as typed) and a 1-5 rating; these sync back to the observer. Their
 * tablet records `read_at` when they first open shared feedback. Once acknowledged: "Ask for this
 * support", then, once kept, "Did it happen?" (support_confirmed); push is offered (push.js).
 * The observer and district staff see that response; the observer gets a link back to editing a draft. Who can read what is
 * written is said as server/authz.py rules it. A look-for bound to a core field (`binds`) shows
 * with that field. Open conflicts link to #/conflicts. Kept current as data changes.
 */
import { feedbackOf, flushEdits, getRecord, notesOf, nowIso, queueFeedbackEdit, saveFeedback } from '../records.js';
import { keepCurrent } from '../keep-current.js';
import { pushOffer } from '../push.js';
import {
  ELEMENT_NAMES, USEFULNESS, fieldLabel, lookforInWords, lookforOf, templateOf, valueInWords,
} from '../fields.js';
import {
  SaveStatus, clockTime, dayAndTime, details, h, namesOf, section, walkthroughNotFound,
} from '../ui.js';

// Feedback this tablet is already marking as read: a re-render must not write it twice.
const markingRead = new Set();

const PANES = [
  { element: 'teacher', summary: 'teacher_doing' },
  { element: 'students', summary: 'students_doing' },
  { element: 'task', summary: 'task' },
];

function when(data) {
  const start = dayAndTime(data.started_at);
  return data.ended_at ? `${start} to ${clockTime(data.ended_at)}` : start;
}

function noteItem(note) {
  const { text, at, is_inference: inference } = note.data;
  return h('li', { class: inference ? 'note inference' : 'note' },
    h('time', { datetime: at }, clockTime(at)),
    inference ? h('span', { class: 'tag inference-tag' }, 'Inference') : null,
    h('span', { class: 'note-text' }, text));
}

function pane(title, summary, notes, extra = null) {
  const id = `pane-${title.toLowerCase()}`;
  return h('section', { class: 'core-pane', 'aria-labelledby': id },
    h('h3', { id }, title),
    summary ? h('p', { class: 'summary' }, summary) : null,
    extra,
    notes.length ? h('ol', { class: 'notes', 'aria-label': `${title} notes` }, notes.map(noteItem))
      : (summary ? null : h('p', { class: 'muted' }, 'Nothing noted.')));
}

function corePanes(data, notes, template) {
  const demand = (template?.lookfors || []).find((lookfor) => lookfor.binds === 'task_demand');
  const panes = PANES.map(({ element, summary }) => pane(ELEMENT_NAMES[element], data[summary],
    notes.filter((note) => note.data.element === element),
    element === 'task' && data.task_demand
      ? h('p', {}, `${demand ? demand.label : 'Task demand'}: ${data.task_demand}`) : null));
  const structure = notes.filter((note) => note.data.element === 'structure');
  if (structure.length) panes.push(pane(ELEMENT_NAMES.structure, '', structure));
  return h('div', { class: 'core-panes' }, panes);
}

function lookfors(data, template) {
  const values = data.lookfors || {};
  // A bound look-for's answer is its core field, shown in the Task pane; a value stored under its
  // key anyway (recorded before the binding reached the tablet) is shown as recorded.
  const known = (template?.lookfors || []).filter((lookfor) => !lookfor.binds || lookfor.key in values)
    .map((lookfor) => [lookfor.label, lookforInWords(lookfor, values[lookfor.key])]);
  const others = Object.keys(values).filter((key) => !lookforOf(template, key))
    .map((key) => [fieldLabel(`lookfors.${key}`, template), lookforInWords(null, values[key])]);
  const rows = [...known, ...others];
  return [
    template?.problem_of_practice
      ? h('p', {}, h('strong', {}, 'Problem of practice: '), template.problem_of_practice) : null,
    rows.length ? details(rows) : h('p', { class: 'muted' }, 'No look-fors were recorded.'),
  ];
}

function feedbackBody(feedback, isObserver, observerName, readers) {
  if (!feedback || (!feedback.data.released && !isObserver)) {
    return h('p', { class: 'muted' }, 'No feedback has been shared yet.');
  }
  const f = feedback.data;
  const support = f.support_commitment
    ? [f.support_commitment, f.support_due ? ` (by ${valueInWords('support_due', f.support_due)})` : ''].join('') : '';
  return [
    f.released ? null
      : h('p', { class: 'note-box' }, `Not shared yet: only you can read it. Once the walkthrough is submitted, `
        + `${readers} can read it.`),
    details([['What went well', f.glow], ['A question to think about', f.wonder], ['One next step', f.next_step],
      [isObserver ? 'Support I will provide' : `Support ${observerName} will provide`, support]]),
  ];
}

function responseView(feedback) {
  const f = feedback?.data;
  const opened = f?.read_at ? `First opened ${dayAndTime(f.read_at)}. ` : '';
  if (!f || !f.acknowledged_at) {
    return [h('p', {}, f?.read_at ? opened : 'Not opened yet. ', 'Not acknowledged yet.'),
      f && (f.reflection || f.usefulness) ? responseDetails(f) : null];
  }
  return [h('p', {}, opened, `Acknowledged ${dayAndTime(f.acknowledged_at)}.`), responseDetails(f)];
}

function responseDetails(f) {
  return details([['Reflection', f.reflection],
    ['How useful was this feedback?', f.usefulness ? valueInWords('usefulness', f.usefulness) : 'Not rated yet'],
    ['Support asked for', f.support_requested_at && dayAndTime(f.support_requested_at)],
    ['Did the support happen?', f.support_confirmed && valueInWords('support_confirmed', f.support_confirmed)]]);
}

/** The teacher's side of the support commitment: ask for it, then say whether it happened. */
function supportAnswer(id, f, observerName, status, ctx) {
  if (!f.acknowledged_at || !f.support_commitment) return null;
  const save = (fields, words) => async () => {
    if (await status.track(saveFeedback(id, fields))) ctx.announce(words);
  };
  return h('section', { class: 'field', 'aria-labelledby': 'support-heading' },
    h('h3', { id: 'support-heading' }, `Support ${observerName} offered`),
    f.support_requested_at ? h('p', {}, `You asked for it on ${dayAndTime(f.support_requested_at)}.`)
      : h('button', { type: 'button', class: 'button secondary',
        onclick: save({ support_requested_at: nowIso() }, `Asked ${observerName} for this support`) },
      'Ask for this support'),
    f.support_kept_at ? [
      h('p', {}, `${observerName} marked it kept ${dayAndTime(f.support_kept_at)}. What was done:`),
      h('p', { class: 'note-box kept-note' }, f.support_kept_note || 'No note.'),
      h('fieldset', { class: 'rating' }, h('legend', {}, 'Did it happen?'),
        h('div', { class: 'actions' }, [['yes', 'Yes'], ['no', 'Not yet']].map(([value, words]) => h('button', {
          type: 'button', class: 'toggle', 'aria-pressed': f.support_confirmed === value,
          onclick: save({ support_confirmed: value }, `Saved: ${words}`),
        }, words))))] : null);
}

function responseForm(id, feedback, observerName, schoolName, status, ctx, actions) {
  const f = feedback.data;
  const audience = h('p', { id: 'response-audience', class: 'note-box' },
    `Who can read your response: ${observerName}, who observed you, and district staff who oversee `
    + `${schoolName}. They can also see when you first opened this walkthrough.`);
  const acknowledge = f.acknowledged_at
    ? h('p', { id: 'acknowledged', tabindex: '-1' }, `You acknowledged this feedback ${dayAndTime(f.acknowledged_at)}.`)
    : h('div', { class: 'field' },
      h('p', { id: 'acknowledge-hint', class: 'muted' }, `Tells ${observerName} you have read this feedback.`),
      h('button', {
        id: 'acknowledge', type: 'button', class: 'button primary', 'aria-describedby': 'acknowledge-hint',
        onclick: async () => {
          if (await status.track(saveFeedback(id, { acknowledged_at: nowIso() }))) {
            ctx.announce('Acknowledged');
            await actions.acknowledged();
          }
        },
      }, 'Acknowledge'));
  const rating = h('fieldset', { class: 'rating', role: 'radiogroup' },
    h('legend', {}, 'How useful was this feedback?'),
    h('div', { class: 'segmented' }, USEFULNESS.map((words, index) => {
      const value = index + 1;
      return h('label', { class: 'level', for: `usefulness-${value}` },
        h('input', {
          id: `usefulness-${value}`, type: 'radio', name: 'usefulness', value: String(value),
          checked: f.usefulness === value,
          onchange: () => status.track(saveFeedback(id, { usefulness: value })),
        }),
        h('span', {}, `${value}: ${words}`));
    })));
  const reflection = h('div', { class: 'field' },
    h('label', { for: 'reflection' }, 'Your reflection'),
    h('p', { id: 'reflection-hint', class: 'muted' }, 'What you make of it, or what you will try.'),
    h('textarea', {
      id: 'reflection', rows: '5', maxlength: '5000', value: f.reflection || '',
      'aria-describedby': 'reflection-hint response-audience',
      oninput: (event) => status.track(queueFeedbackEdit(id, { reflection: event.target.value })),
    }));
  const answered = f.acknowledged_at || f.reflection || f.usefulness;
  let sync = 'They see what you write here once this tablet syncs.';
  if (feedback.pending) sync = 'Saved on this tablet; they see it once this tablet syncs.';
  else if (answered) sync = 'Synced: they can see your response.';
  return [audience, acknowledge, supportAnswer(id, f, observerName, status, ctx), reflection, rating,
    h('p', { class: 'muted' }, sync), status.element, status.problem];
}

function conflictNotice(conflicts, template) {
  if (!conflicts.length) return null;
  const fields = conflicts.map((conflict) => fieldLabel(conflict.field, template)).join(', ');
  return h('p', { class: 'note-box' },
    `Changed on two devices at once: ${fields}. This shows the newer change for now. `,
    h('a', { href: '#/conflicts' }, 'Choose which to keep'));
}

async function build(id, ctx, status, actions) {
  const record = await getRecord('observation', id);
  if (!record || record.data.deleted) {
    return walkthroughNotFound();
  }
  const [notes, feedback] = await Promise.all([notesOf(id), feedbackOf(id)]);
  const data = record.data;
  const names = namesOf(ctx.reference);
  const template = templateOf(ctx.reference, data.template_id);
  const me = ctx.me.person.id;
  const isTeacher = me === data.teacher_id;
  const isObserver = me === data.observer_id;
  const observerName = names.person(data.observer_id);
  const conflicts = [...(record.conflicts || []), ...(feedback?.conflicts || [])];
  const released = feedback?.data.released;
  const schoolName = names.school(data.school_id);
  const readers = `${names.person(data.teacher_id)} and district staff who oversee ${schoolName}`;
  if (isTeacher && released && !feedback.data.read_at && !markingRead.has(feedback.record_id)) {
    markingRead.add(feedback.record_id);
    saveFeedback(id, { read_at: nowIso() }).catch((error) => {
      markingRead.delete(feedback.record_id);
      console.error(error);
    });
  }
  document.title = 'Walkthrough · Rounds';
  return [
    h('h1', { tabindex: '-1' },
      isTeacher ? `Walkthrough by ${observerName}` : `Walkthrough with ${names.person(data.teacher_id)}`),
    h('p', { class: 'lede' }, `${when(data)} · ${names.school(data.school_id)}`),
    conflictNotice(conflicts, template),
    isObserver && data.status === 'draft'
      ? h('p', { class: 'note-box' }, `This walkthrough is still a draft: only you can read it. Once you submit it, `
        + `${readers} can read all of it. `,
      h('a', { href: `#/capture/${id}` }, 'Continue editing')) : null,
    section('about-heading', 'About this walkthrough', details([
      ['Teacher', names.person(data.teacher_id)], ['Observer', isObserver ? `${observerName} (you)` : observerName],
      ['School', names.school(data.school_id)],
      ['Status', valueInWords('status', data.status)],
      ['Look-fors', data.template_id
        ? valueInWords('template_id', data.template_id, { reference: ctx.reference }) : null],
      ['Grade', data.grade], ['Subject', data.subject], ['Segment', data.segment],
      ['Students present', data.students_present],
    ])),
    section('core-heading', 'The instructional core', corePanes(data, notes, template),
      notes.some((note) => note.data.is_inference)
        ? h('p', { class: 'muted' },
          'Notes marked “Inference” are the observer’s interpretation, not what was seen or heard.') : null),
    section('lookfors-heading', 'Look-fors', lookfors(data, template)),
    section('feedback-heading', 'Feedback', feedbackBody(feedback, isObserver, observerName, readers)),
    released || (feedback && isObserver)
      ? section('response-heading', isTeacher ? 'Your response' : "The teacher's response",
        isTeacher ? responseForm(id, feedback, observerName, schoolName, status, ctx, actions)
          : responseView(feedback)) : null,
    isTeacher && released ? await actions.offer() : null,
  ];
}

export async function render(main, params, ctx) {
  const id = params[0];
  const status = new SaveStatus();
  let live = null;
  let offer = null;
  const actions = {
    // Asked once per visit: a re-render keeps the card (and what it says after a tap).
    offer: () => { offer ||= pushOffer(ctx.announce); return offer; },
    // The acknowledge button gives way to the sentence saying when: focus goes there.
    acknowledged: async () => {
      await live.refresh();
      document.getElementById('acknowledged')?.focus();
    },
  };
  live = await keepCurrent(main, () => build(id, ctx, status, actions));
  return () => {
    live.stop();
    flushEdits().catch(() => {});
  };
}
