/**
 * Capture (#/capture/<observation_id>): evidence of the instructional core while in the room.
 *
 * Three panes, Teacher / Students / Task: "Add note" stores a timestamped note (`addNote`) and
 * lists it under the pane, newest first. The "Inference" toggle marks the next note as an
 * inference rather than evidence. The Task pane also holds the task demand: the template's
 * look-for bound to `task_demand` (`binds`) when it has one, asked there once and written to
 * the field, else a plain choice. Below: the template's other look-fors (lookfors.js) and the
 * class (grade, subject, segment, students present), saved as typed (`queueObservationEdit`);
 * taps (look-fors, the task demand) at once (`updateObservation`); the save line says "Saving…"
 * until they are written. A note box's words, and a running timer, outlive a reload (`keepAside`).
 * An elapsed clock runs from `started_at` for CLOCK_HOURS; an older draft shows its start instead.
 * It says who can read what is recorded, and, for a co-observed walkthrough (a calibration visit),
 * that its look-fors stay hidden from the other observers until everyone has submitted. Narrower than wide landscape, a tab bar that stays at
 * the top shows one part at a time: Teacher, Students, Task, Look-fors, Class.
 * Only the observer's own drafts can be edited here; anything else points to #/observation/<id>.
 * While a note is typed, the district's judgment words (reference data, pwa/judgment.js) are
 * looked for in it on the tablet, never sent anywhere: on a match, a calm hint under the note asks
 * what was seen or heard, with "Mark as inference" (the toggle, in one tap). The hint's live
 * region speaks when it appears, not on every keystroke; it never holds up writing or saving.
 *
 * Timing promises (a benchmark reads them): `performance.mark('capture-ready')` once the screen
 * is interactive, `performance.measure('note-stored', {start: <tap>, end: <stored>})` per note,
 * and `performance.measure('judgment-check', …)` per keystroke in a note (the match and the hint).
 */
import {
  addNote, flushEdits, getRecord, keepAside, keptAside, notesOf, queueObservationEdit, subscribe, updateObservation,
} from '../records.js';
import {
  SaveStatus, clockTime, dayAndTime, debounce, elapsedText, h, namesOf, uid, walkthroughNotFound,
} from '../ui.js';
import { compileList, findJudgment } from '../judgment.js';
import { lookforControl, lookforControls } from './lookfors.js';

const PANES = [
  { element: 'teacher', title: 'Teacher', label: 'What the teacher says or does' },
  { element: 'students', title: 'Students', label: 'What students say or do' },
  { element: 'task', title: 'Task', label: 'What the task asks students to do' },
];
export const TASK_DEMANDS = ['Recall', 'Skill or concept', 'Strategic thinking', 'Extended thinking'];
const NOTES_QUIET_MS = 1000;
const CLOCK_HOURS = 2;  // no visit lasts longer
const JUDGMENT_HINT = 'This reads as a judgment. What did you see or hear that shows it?';
const compiled = { list: null, matcher: null };
const SEGMENTS = ['Opening', 'Direct instruction', 'Guided practice', 'Small-group work', 'Independent work',
  'Discussion', 'Closing'];

/** The matcher of the district's list, compiled once per list; null without a usable list. */
function judgmentMatcher(list) {
  if (compiled.list !== list) {
    compiled.list = list;
    try {
      compiled.matcher = list ? compileList(list) : null;
    } catch (error) {
      console.error(error);
      compiled.matcher = null;
    }
  }
  return compiled.matcher;
}

function noteItem(data) {
  return h('li', { class: data.is_inference ? 'note is-inference' : 'note' },
    h('time', { datetime: data.at }, clockTime(data.at)),
    data.is_inference ? h('span', { class: 'tag inference-tag' }, 'Inference') : null,
    h('span', { class: 'note-text' }, data.text));
}

/** The tab bar (app.css hides it in wide landscape), as [anchor, bar]: the anchor marks where the
 * bar starts, so that a part shown next starts at its top. ARIA tabs: arrows, Home, End. */
function partTabs(parts) {
  let current = parts[0].name;
  const anchor = h('div', { class: 'capture-tabs-anchor' });
  const tabs = parts.map((part) => h('button', {
    type: 'button', role: 'tab', id: `tab-${part.name}`, class: 'capture-tab', 'aria-controls': part.section.id,
    onclick: () => show(part.name),
  }, part.title));
  function show(name, focus = false) {
    current = name;
    parts.forEach((part, index) => {
      const on = part.name === name;
      part.section.classList.toggle('is-current', on);
      tabs[index].setAttribute('aria-selected', String(on));
      tabs[index].tabIndex = on ? 0 : -1;
      if (on && focus) tabs[index].focus();
    });
    // Coming from far down a long list of notes, the part shown next starts at its top.
    const top = anchor.getBoundingClientRect().top + window.scrollY;
    if (window.scrollY > top) window.scrollTo({ top });
  }
  const keys = (event) => {
    const index = parts.findIndex((part) => part.name === current);
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: parts.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    show(parts[(next + parts.length) % parts.length].name, true);
  };
  const bar = h('div', { class: 'capture-tabs', role: 'tablist', 'aria-label': 'Parts of this walkthrough',
    onkeydown: keys }, tabs);
  show(current);
  return [anchor, bar];
}

/** A labelled input; `onValue(input)` on every change of it. */
function textField(label, value, attrs, onValue) {
  const id = uid('field');
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('input', { id, value: value ?? '', ...attrs, oninput: (event) => onValue(event.target) }));
}

/** Words saved as typed (a last space too), trimmed once left; none is null. */
function wordsField(label, value, attrs, save) {
  const field = textField(label, value, attrs, (input) => save(input.value.trim() ? input.value : null));
  field.querySelector('input').addEventListener('change', (event) => {
    const typed = event.target.value;
    if (typed === typed.trim()) return;
    event.target.value = typed.trim();
    save(typed.trim() || null);
  });
  return field;
}

export async function render(main, [id], ctx) {
  document.title = 'Capture · Rounds';
  const [record, drafts, timers] = id
    ? await Promise.all([getRecord('observation', id), keptAside('draft', id), keptAside('timer', id)]) : [];
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
  const edit = (fields) => saved.track(queueObservationEdit(id, fields));
  const editNow = (fields) => saved.track(updateObservation(id, fields));

  // --- the inference toggle ---
  let inference = false;
  const inferenceToggle = h('button', { type: 'button', class: 'toggle inference-toggle', 'aria-pressed': false,
    'aria-describedby': 'inference-help' }, 'Inference');
  const setInference = (on) => {
    inference = on;
    inferenceToggle.setAttribute('aria-pressed', String(on));
    for (const pane of panes) checkJudgment(pane);
  };
  inferenceToggle.addEventListener('click', () => setInference(!inference));

  // --- the judgment hint ---
  const matcher = judgmentMatcher(ctx.reference.judgment_words);
  /** Shows or hides the pane's hint; the live region changes only when the hint comes or goes. */
  function checkJudgment(pane) {
    const start = performance.now();
    const shown = Boolean(matcher && !inference && findJudgment(matcher, pane.input.value));
    if (shown !== pane.judgmentShown) {
      pane.judgmentShown = shown;
      pane.judgmentText.textContent = shown ? JUDGMENT_HINT : '';
      // Out of the page while hidden: nothing to tab to, and no style needed to hide it.
      if (shown) pane.judgmentText.after(pane.markInference);
      else pane.markInference.remove();
    }
    performance.measure('judgment-check', { start, end: performance.now() });
  }

  // --- the three panes ---
  const panes = PANES.map((pane) => {
    const inputId = `note-${pane.element}`;
    const input = h('textarea', { id: inputId, rows: '3', maxlength: '5000', class: 'note-input',
      value: drafts[pane.element] || '' });
    const hint = h('p', { class: 'field-error', id: `${inputId}-error`, 'aria-live': 'polite' });
    const judgmentText = h('p', { class: 'judgment-text', id: `${inputId}-judgment`, 'aria-live': 'polite' });
    const markInference = h('button', { type: 'button', class: 'button judgment-mark',
      'aria-describedby': judgmentText.id, onmousedown: (event) => event.preventDefault(),
      onclick: () => {
        setInference(true);
        ctx.announce('The next note will be saved as an inference.');
      } }, 'Mark as inference');
    input.setAttribute('aria-describedby', `${hint.id} ${judgmentText.id}`);
    const list = h('ol', { class: 'notes', 'aria-label': `${pane.title} notes, newest first` });
    const add = h('button', { type: 'button', class: 'button primary add-note',
      'aria-label': `Add note about ${pane.element === 'students' ? 'students' : `the ${pane.element}`}` }, 'Add note');
    const section = h('section', { class: 'pane capture-section', id: `part-${pane.element}`,
      'aria-labelledby': `pane-${pane.element}` },
      h('h2', { id: `pane-${pane.element}` }, pane.title),
      h('div', { class: 'field' }, h('label', { for: inputId }, pane.label), input, hint,
        h('div', { class: 'judgment-hint' }, judgmentText)), add);
    return { ...pane, input, hint, judgmentText, markInference, judgmentShown: false, list, add, section };
  });
  for (const pane of panes) {
    pane.input.addEventListener('input', () => {
      keepAside('draft', id, pane.element, pane.input.value);
      checkJudgment(pane);
    });
    checkJudgment(pane);
  }

  const template = (ctx.reference.templates || []).find((t) => t.id === data.template_id);
  // The template's look-for that stands for the task demand, if any: asked once, here.
  const boundDemand = (template?.lookfors || []).find((lookfor) => lookfor.binds === 'task_demand');
  const taskPane = panes[2];
  const demandId = uid('field');
  taskPane.section.append(boundDemand
    ? h('div', { class: 'task-demand' }, lookforControl(boundDemand, data.task_demand,
      (key, value, now) => (now ? editNow : edit)({ task_demand: value })))
    : h('div', { class: 'field task-demand' },
      h('label', { for: demandId }, 'Task demand'),
      h('select', { id: demandId, onchange: (event) => editNow({ task_demand: event.target.value || null }) },
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
    else checkJudgment(pane);
    if (pane.hint.textContent) pane.hint.textContent = '';
    if (await saved.track(writing)) {
      pane.list.prepend(noteItem(note.data));
    } else {
      // Nothing was stored: give the words back so nothing typed is lost.
      pane.input.value = pane.input.value ? `${text}\n${pane.input.value}` : text;
      keepAside('draft', id, pane.element, pane.input.value);
      checkJudgment(pane);
    }
    // Back to the note box from its button, never from a field the person has moved on to.
    if ([pane.add, document.body].includes(document.activeElement)) pane.input.focus();
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
  const lookfors = template ? lookforControls(template.lookfors.filter((lookfor) => !lookfor.binds), data.lookfors,
    (key, value, now) => (now ? editNow : edit)({ lookfors: { [key]: value } }),
    { running: timers, keep: (key, run) => keepAside('timer', id, key, run) }) : null;
  const lookforSection = h('section', { class: 'card lookfors capture-section', id: 'part-lookfors',
    'aria-labelledby': 'lookfors-heading' },
    h('h2', { id: 'lookfors-heading' }, 'Look-fors'),
    template ? [
      h('p', { class: 'muted' }, template.name),
      template.problem_of_practice ? h('p', { class: 'problem' }, 'Problem of practice: ', template.problem_of_practice) : null,
      boundDemand ? h('p', { class: 'muted bound-elsewhere' }, `${boundDemand.label}: in the Task pane.`) : null,
      lookfors.element,
    ] : h('p', { class: 'muted' }, data.template_id
      ? 'The look-fors of this walkthrough are not on this tablet yet; they come with the next sync.'
      : 'No look-fors for this school: notes only.'));

  const studentsProblem = h('p', { class: 'field-error', 'aria-live': 'polite' });
  const classSection = h('section', { class: 'card class-context capture-section', id: 'part-class',
    'aria-labelledby': 'class-heading' },
    h('h2', { id: 'class-heading' }, 'Class'),
    h('div', { class: 'field-grid' },
      wordsField('Grade', data.grade, { maxlength: '32', autocomplete: 'off' },
        (typed) => edit({ grade: typed })),
      wordsField('Subject', data.subject, { maxlength: '100', autocomplete: 'off' },
        (typed) => edit({ subject: typed })),
      wordsField('Segment', data.segment, { maxlength: '100', list: 'segments', autocomplete: 'off' },
        (typed) => edit({ segment: typed })),
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
  const clockLine = h('p', { class: 'clock' }, 'Elapsed ', clock);
  const started = Date.parse(data.started_at);
  let ticking = null;
  /** Shows the elapsed time, or (false) the start of a draft older than a visit. */
  const tick = () => {
    const seconds = (Date.now() - started) / 1000;
    if (seconds < CLOCK_HOURS * 3600) {
      clock.textContent = elapsedText(seconds);
      return true;
    }
    clearInterval(ticking);
    clockLine.textContent = `Started ${dayAndTime(data.started_at)}`;
    return false;
  };
  if (tick()) ticking = setInterval(tick, 1000);

  const teacher = names.person(data.teacher_id);
  const school = names.school(data.school_id);
  const parts = [...panes.map((pane) => ({ name: pane.element, title: pane.title, section: pane.section })),
    { name: 'lookfors', title: 'Look-fors', section: lookforSection },
    { name: 'class', title: 'Class', section: classSection }];

  main.append(
    h('div', { class: 'screen-head' },
      h('div', {},
        h('h1', {}, `Walkthrough with ${teacher}`),
        h('p', { class: 'muted' }, school, ' · started ', clockTime(data.started_at)),
        data.co_observation_id ? h('p', { class: 'co-observed' }, 'Co-observed (calibration): your look-fors stay '
          + 'hidden from the others until everyone has submitted.') : null,
        h('p', { class: 'muted audience' }, `Only you can read this walkthrough until you submit it. Then ${teacher} `
          + `and district staff who oversee ${school} can read all of it.`)),
      h('a', { class: 'button primary', href: `#/review/${id}` }, 'Review and feedback')),
    h('div', { class: 'capture-bar' },
      clockLine,
      h('div', { class: 'inference-control' }, inferenceToggle,
        h('p', { id: 'inference-help', class: 'help' },
          'Turn on before a note that is your interpretation, not what you saw or heard. It marks the next note only.')),
      saved.element),
    saved.problem,
    ...partTabs(parts),
    h('div', { class: 'capture-panes' }, panes.map((pane) => pane.section)),
    h('div', { class: 'capture-details' }, lookforSection, classSection));

  await showNotes();
  // Notes added here are shown at once; re-reading waits for a quiet moment, so that it never
  // holds up the next note's write (IndexedDB runs a write after the reads queued before it).
  const stopNotes = subscribe(debounce(() => { showNotes().catch((error) => console.error(error)); }, NOTES_QUIET_MS));
  performance.mark('capture-ready');

  return async () => {
    clearInterval(ticking);
    stopNotes();
    if (lookfors) lookfors.stop();
    await flushEdits().catch((error) => console.error(error));
  };
}
