/**
 * Review and feedback (#/review/<observation_id>): the observer's half of the feedback, then submit.
 *
 * Fields, all saved as typed on this tablet: "What went well" (glow), "A question to think about"
 * (wonder), "One next step" (next_step), "Support I will provide" (support_commitment) via
 * `queueFeedbackEdit`, "By when" (support_due, a date) at once via `saveFeedback`; optional
 * summaries of what the teacher and the students were doing and of the task via
 * `queueObservationEdit`. The save line says "Saving…" until what changed is written. The next step and the support
 * are needed before "Submit and share with <teacher>", which asks for confirmation, calls
 * `submitObservation` and opens #/observation/<id>. "Delete walkthrough" asks first, then deletes
 * and returns to Today. Only the observer's own drafts are reviewed here. It says who can read
 * what is written (server/authz.py): the observer alone until submitted, then also the teacher and
 * district staff who oversee the school.
 */
import {
  deleteObservation, feedbackOf, flushEdits, getRecord, notesOf, queueFeedbackEdit,
  queueObservationEdit, saveFeedback, submitObservation,
} from '../records.js';
import {
  SaveStatus, confirmDialog, h, namesOf, plural, uid, walkthroughNotFound, writeProblem,
} from '../ui.js';

const NEEDED = 'Needed before you submit.';

function area(label, value, { rows = 3, help = null, needed = false, maxlength = 20000 } = {}) {
  const id = uid('field');
  const helpId = help ? `${id}-help` : null;
  const errorId = `${id}-error`;
  const input = h('textarea', { id, rows: String(rows), maxlength: String(maxlength), value: value || '',
    'aria-describedby': [helpId, errorId].filter(Boolean).join(' ') });
  const error = h('p', { id: errorId, class: needed ? 'field-needed' : 'field-error' });
  const field = h('div', { class: 'field' },
    h('label', { for: id }, label),
    help ? h('p', { id: helpId, class: 'help' }, help) : null,
    input, error);
  return { field, input, error };
}

function evidenceSummary(notes) {
  if (!notes.length) return 'No evidence notes yet.';
  const count = (element) => notes.filter((note) => note.data.element === element).length;
  const inferences = notes.filter((note) => note.data.is_inference).length;
  const parts = [`${count('teacher')} about the teacher`, `${count('students')} about students`,
    `${count('task')} about the task`];
  return `${plural(notes.length, 'note')}: ${parts.join(', ')}${inferences ? ` (${plural(inferences, 'inference')})` : ''}.`;
}

export async function render(main, [id], ctx) {
  document.title = 'Review and feedback · Rounds';
  const record = id ? await getRecord('observation', id) : null;
  const data = record && record.data;
  const names = namesOf(ctx.reference);
  if (!data || data.deleted) {
    main.append(...walkthroughNotFound());
    return null;
  }
  const teacher = names.person(data.teacher_id);
  const school = names.school(data.school_id);
  if (data.observer_id !== ctx.me.person.id || data.status !== 'draft') {
    main.append(h('h1', {}, 'Review and feedback'),
      h('p', {}, data.status === 'draft' ? 'Only its observer can write this feedback.'
        : `This walkthrough is already shared with ${teacher}.`),
      h('p', {}, h('a', { href: `#/observation/${id}` }, 'Read the walkthrough')));
    return null;
  }
  const [feedback, notes] = await Promise.all([feedbackOf(id), notesOf(id)]);
  const given = (feedback && feedback.data) || {};

  const saved = new SaveStatus();
  // Typing is written within half a second, a date at once; the line says "Saved" once written.
  const bind = (input, write) => {
    input.addEventListener('input', () => { saved.track(write(input.value)); });
  };

  const glow = area('What went well', given.glow, { help: 'Evidence from the notes of something that worked.' });
  const wonder = area('A question to think about', given.wonder,
    { help: 'A genuine question, not a suggestion in disguise.' });
  const nextStep = area('One next step', given.next_step, { needed: true, help: 'One concrete thing to try.' });
  const support = area('Support I will provide', given.support_commitment, { needed: true,
    help: 'What you will do so the next step is possible: a model lesson, resources, time, a visit.' });
  const dueId = uid('field');
  const due = h('input', { id: dueId, type: 'date', value: given.support_due || '' });
  for (const [field, name] of [[glow, 'glow'], [wonder, 'wonder'], [nextStep, 'next_step'], [support, 'support_commitment']]) {
    bind(field.input, (value) => queueFeedbackEdit(id, { [name]: value }));
  }
  bind(due, (value) => saveFeedback(id, { support_due: value || null }));

  const needed = [nextStep, support];
  const showNeeded = (insist) => {
    for (const { input, error } of needed) {
      const missing = !input.value.trim();
      error.textContent = missing ? NEEDED : '';
      error.classList.toggle('is-insisting', missing && insist);
      if (missing && insist) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
    return needed.filter(({ input }) => !input.value.trim());
  };
  for (const { input } of needed) input.addEventListener('input', () => showNeeded(false));

  const summaries = [
    ['teacher_doing', 'What the teacher was doing'],
    ['students_doing', 'What students were doing'],
    ['task', 'The task and what it asked of students'],
  ].map(([name, label]) => {
    const field = area(label, data[name], { rows: 2 });
    bind(field.input, (value) => queueObservationEdit(id, { [name]: value }));
    return field.field;
  });

  const submit = h('button', { type: 'button', class: 'button primary' }, `Submit and share with ${teacher}`);
  const remove = h('button', { type: 'button', class: 'button danger-outline' }, 'Delete walkthrough');

  submit.addEventListener('click', async () => {
    const missing = showNeeded(true);
    if (missing.length) {
      missing[0].input.focus();
      return;
    }
    const yes = await confirmDialog({
      title: `Submit and share with ${teacher}?`,
      body: [`${teacher} will be able to read the whole walkthrough: every note, the look-fors, the class details `
        + `and your feedback, and so will district staff who oversee ${school}.`,
        'It is sent when this tablet next syncs, right away if it is online. After that it can no longer be changed here.'],
      confirm: 'Yes, submit and share', cancel: 'Not yet',
    });
    if (!yes) return;
    submit.disabled = true;
    try {
      await flushEdits();
      await submitObservation(id);
      ctx.announce(`Submitted. ${teacher} gets it when this tablet syncs.`);
      ctx.navigate(`#/observation/${id}`);
    } catch (error) {
      saved.problem.textContent = writeProblem(error);
      submit.disabled = false;
    }
  });

  remove.addEventListener('click', async () => {
    const yes = await confirmDialog({
      title: 'Delete this walkthrough?',
      body: ['Its notes, look-fors and feedback are removed from this tablet, and from Rounds when it syncs.'],
      confirm: 'Yes, delete it', cancel: 'Keep it', danger: true,
    });
    if (!yes) return;
    try {
      await flushEdits().catch(() => {});
      await deleteObservation(id);
      ctx.announce('Walkthrough deleted.');
      ctx.navigate('#/today');
    } catch (error) {
      saved.problem.textContent = writeProblem(error);
    }
  });

  main.append(
    h('div', { class: 'screen-head' },
      h('div', {},
        h('h1', {}, 'Review and feedback'),
        h('p', { class: 'muted' }, `${teacher} · ${school}`)),
      h('a', { class: 'button secondary', href: `#/capture/${id}` }, 'Back to notes')),
    h('div', { class: 'capture-bar' }, h('p', {}, evidenceSummary(notes)), saved.element),
    saved.problem,
    h('div', { class: 'review-layout' },
      h('section', { class: 'card', 'aria-labelledby': 'feedback-heading' },
        h('h2', { id: 'feedback-heading' }, `Feedback for ${teacher}`),
        h('p', { class: 'note-box audience' }, `Only you can read this until you submit. Then ${teacher} and district `
          + `staff who oversee ${school} can read it, with your notes, look-fors and summary.`),
        glow.field, wonder.field, nextStep.field, support.field,
        h('div', { class: 'field' }, h('label', { for: dueId }, 'By when'), due)),
      h('section', { class: 'card', 'aria-labelledby': 'summary-heading' },
        h('h2', { id: 'summary-heading' }, 'Summary of what you saw'),
        h('p', { class: 'muted' }, 'Optional. A few words each, drawn from your notes.'),
        summaries)),
    h('div', { class: 'review-actions' }, submit, remove));
  showNeeded(false);

  return async () => {
    await flushEdits().catch((error) => console.error(error));
  };
}
