/**
 * Capture (#/capture/<observation_id>): evidence of the instructional core while in the room.
 *
 * Three panes, Teacher / Students / Task: "Add note" stores a timestamped note (`addNote`) and
 * lists it under the pane, newest first. The "Inference" toggle marks the next note as an
 * inference rather than evidence. The Task pane also holds the task demand. Below: the
 * template's look-fors (lookfors.js) and the class (grade, subject, segment, students present),
 * saved as typed (`queueObservationEdit`). An elapsed clock runs from `started_at`.
 * Only the observer's own drafts can be edited here; anything else points to #/observation/<id>.
 *
 * Timing promises (a benchmark reads them): `performance.mark('capture-ready')` once the screen
 * is interactive, and `performance.measure('note-stored', {start: <tap>, end: <stored>})` per note.
 */
import { addNote, flushEdits, getRecord, notesOf, onSaveProblem, queueObservationEdit, subscribe } from '../records.js';
import {
  SaveStatus, clockTime, debounce, elapsedText, h, namesOf, uid, walkthroughNotFound, writeProblem,
} from '../ui.js';
import { lookforControls } from './lookfors.js';

const PANES = [
  { element: 'teacher', title: 'Teacher', label: 'What the teacher says or does' },
  { element: 'students', title: 'Students', label: 'What students say or do' },
  { element: 'task', title: 'Task', label: 'What the task asks students to do' },
];
export const TASK_DEMANDS = ['Recall', 'Skill or concept', 'Strategic thinking', 'Extended thinking'];
const NOTES_QUIET_MS = 1000;
const SEGMENTS = ['Opening', 'Direct instruction', 'Guided practice', 'Small-group work', 'Independent work',
  'Discussion', 'Closing'];

function noteItem(data) {
  return h('li', { class: data.is_inference ? 'note is-inference' : 'note' },
    h('time', { datetime: data.at }, clockTime(data.at)),
    data.is_inference ? h('span', { class: 'tag inference-tag' }, 'Inference') : null,
    h('span', { class: 'note-text' }, data.text));
}

function textField(label, value, attrs, onValue) {
  const id = uid('field');
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('input', { id, value: value ?? '', ...attrs, oninput: (event) => onValue(event.target) }));
}

export async function render(main, [id], ctx) {
  document.title = 'Capture · Rounds';
  const record = id ? await getRecord('observation', id) : null;
  const data = record && record.data;
  const names = namesOf(ctx.reference);
  if (!data || data.deleted) {
    main.append(...walkthroughNotFound());
    return null;
  }
  if (data.observer_id !== ctx.me.person.id || data.status !== 'draft') {
    main.append(h('h1', {}, `Walkthrough with ${names.person(data.teacher_id)}`),
      h('p', {}, data.status === 'draft' ? 'Only its observer can add to this walkthrough.'
        : 'This walkthrough has been submitted, so it can no longer be changed here.'),
      h('p', {}, h('a', { href: `#/observation/${id}` }, 'Read the walkthrough')));
    return null;
  }

  const saved = new SaveStatus();
  const track = debounce(() => saved.track(flushEdits()), 400);
  const edit = (fields) => {
    queueObservationEdit(id, fields);
    saved.pending();
    track();
  };

  // --- the inference toggle ---
  let inference = false;
  const inferenceToggle = h('button', { type: 'button', class: 'toggle inference-toggle', 'aria-pressed': false,
    'aria-describedby': 'inference-help' }, 'Inference');
  const setInference = (on) => {
    inference = on;
    inferenceToggle.setAttribute('aria-pressed', String(on));
  };
  inferenceToggle.addEventListener('click', () => setInference(!inference));

  // --- the three panes ---
  const panes = PANES.map((pane) => {
    const inputId = `note-${pane.element}`;
    const input = h('textarea', { id: inputId, rows: '3', maxlength: '5000', class: 'note-input' });
    const hint = h('p', { class: 'field-error', id: `${inputId}-error`, 'aria-live': 'polite' });
    input.setAttribute('aria-describedby', hint.id);
    const list = h('ol', { class: 'notes', 'aria-label': `${pane.title} notes, newest first` });
    const add = h('button', { type: 'button', class: 'button primary add-note',
      'aria-label': `Add note about ${pane.element === 'students' ? 'students' : `the ${pane.element}`}` }, 'Add note');
    const section = h('section', { class: 'pane', 'aria-labelledby': `pane-${pane.element}` },
      h('h2', { id: `pane-${pane.element}` }, pane.title),
      h('div', { class: 'field' }, h('label', { for: inputId }, pane.label), input, hint), add);
    return { ...pane, input, hint, list, add, section };
  });

  const taskPane = panes[2];
  const demandId = uid('field');
  taskPane.section.append(h('div', { class: 'field task-demand' },
    h('label', { for: demandId }, 'Task demand'),
    h('select', { id: demandId, onchange: (event) => edit({ task_demand: event.target.value || null }) },
      h('option', { value: '' }, 'Not chosen yet'),
      TASK_DEMANDS.map((demand) => h('option', { value: demand, selected: data.task_demand === demand }, demand)))));
  for (const pane of panes) pane.section.append(pane.list);

  // The write starts first and the screen changes after it, so that nothing on the page (layout,
  // paint) runs ahead of IndexedDB: a note is stored within 50 ms of the tap on a slow tablet.
  async function addFrom(pane) {
    const tapped = performance.now();
    const text = pane.input.value.trim();
    if (!text) {
      pane.hint.textContent = 'Write what you saw or heard first.';
      pane.input.focus();
      return;
    }
    const isInference = inference;
    let note = null;
    const writing = addNote(id, { element: pane.element, text, is_inference: isInference }).then((record) => {
      performance.measure('note-stored', { start: tapped, end: performance.now() });
      note = record;
    });
    pane.input.value = '';
    if (inference) setInference(false);
    if (pane.hint.textContent) pane.hint.textContent = '';
    if (await saved.track(writing)) {
      pane.list.prepend(noteItem(note.data));
    } else {
      // Nothing was stored: give the words back so nothing typed is lost.
      pane.input.value = pane.input.value ? `${text}\n${pane.input.value}` : text;
    }
    if (document.activeElement !== pane.input) pane.input.focus();
  }
  // Tapping these buttons leaves the focus (and a tablet's keyboard) in the note being written.
  const keepFocus = (event) => event.preventDefault();
  inferenceToggle.addEventListener('mousedown', keepFocus);
  for (const pane of panes) {
    pane.add.addEventListener('mousedown', keepFocus);
    pane.add.addEventListener('click', () => addFrom(pane));
    pane.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        addFrom(pane);
      }
    });
  }

  async function showNotes() {
    const notes = await notesOf(id);
    for (const pane of panes) {
      const mine = notes.filter((note) => note.data.element === pane.element).reverse();
      pane.list.replaceChildren(...mine.map((note) => noteItem(note.data)));
    }
  }

  // --- look-fors and class ---
  const template = (ctx.reference.templates || []).find((t) => t.id === data.template_id);
  const lookfors = template ? lookforControls(template.lookfors, data.lookfors,
    (key, value, now) => {
      queueObservationEdit(id, { lookfors: { [key]: value } });
      saved.pending();
      if (now) saved.track(flushEdits());
      else track();
    }) : null;
  const lookforSection = h('section', { class: 'card lookfors', 'aria-labelledby': 'lookfors-heading' },
    h('h2', { id: 'lookfors-heading' }, 'Look-fors'),
    template ? [
      h('p', { class: 'muted' }, template.name),
      template.problem_of_practice ? h('p', { class: 'problem' }, 'Problem of practice: ', template.problem_of_practice) : null,
      lookfors.element,
    ] : h('p', { class: 'muted' }, data.template_id
      ? 'The look-fors of this walkthrough are not on this tablet yet; they come with the next sync.'
      : 'No look-fors for this school: notes only.'));

  const studentsProblem = h('p', { class: 'field-error', 'aria-live': 'polite' });
  const classSection = h('section', { class: 'card class-context', 'aria-labelledby': 'class-heading' },
    h('h2', { id: 'class-heading' }, 'Class'),
    h('div', { class: 'field-grid' },
      textField('Grade', data.grade, { maxlength: '32', autocomplete: 'off' },
        (input) => edit({ grade: input.value.trim() || null })),
      textField('Subject', data.subject, { maxlength: '100', autocomplete: 'off' },
        (input) => edit({ subject: input.value.trim() || null })),
      textField('Segment', data.segment, { maxlength: '100', list: 'segments', autocomplete: 'off' },
        (input) => edit({ segment: input.value.trim() || null })),
      textField('Students present', data.students_present, { type: 'number', inputmode: 'numeric', min: '0', max: '1000' },
        (input) => {
          const count = input.value === '' ? null : Number(input.value);
          const ok = count === null || (Number.isInteger(count) && count >= 0 && count <= 1000);
          studentsProblem.textContent = ok ? '' : 'A whole number from 0 to 1000.';
          if (ok) edit({ students_present: count });
        })),
    studentsProblem,
    h('datalist', { id: 'segments' }, SEGMENTS.map((segment) => h('option', { value: segment }))));

  // --- header: who, clock, saved line, review ---
  const clock = h('span', { class: 'clock-time' });
  const started = Date.parse(data.started_at);
  const tick = () => { clock.textContent = elapsedText((Date.now() - started) / 1000); };
  tick();
  const ticking = setInterval(tick, 1000);

  main.append(
    h('div', { class: 'screen-head' },
      h('div', {},
        h('h1', {}, `Walkthrough with ${names.person(data.teacher_id)}`),
        h('p', { class: 'muted' }, names.school(data.school_id), ' · started ', clockTime(data.started_at))),
      h('a', { class: 'button primary', href: `#/review/${id}` }, 'Review and feedback')),
    h('div', { class: 'capture-bar' },
      h('p', { class: 'clock' }, 'Elapsed ', clock),
      h('div', { class: 'inference-control' }, inferenceToggle,
        h('p', { id: 'inference-help', class: 'help' },
          'Turn on before a note that is your interpretation, not what you saw or heard. It marks the next note only.')),
      saved.element),
    saved.problem,
    h('div', { class: 'capture-panes' }, panes.map((pane) => pane.section)),
    h('div', { class: 'capture-details' }, lookforSection, classSection));

  await showNotes();
  // Notes added here are shown at once; re-reading waits for a quiet moment, so that it never
  // holds up the next note's write (IndexedDB runs a write after the reads queued before it).
  const stopNotes = subscribe(debounce(() => { showNotes().catch((error) => console.error(error)); }, NOTES_QUIET_MS));
  const stopProblems = onSaveProblem((error) => { saved.problem.textContent = writeProblem(error); });
  performance.mark('capture-ready');

  return async () => {
    clearInterval(ticking);
    stopNotes();
    stopProblems();
    if (lookfors) lookfors.stop();
    await flushEdits().catch((error) => console.error(error));
  };
}
