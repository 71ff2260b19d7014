/**
 * The look-for controls of the capture screen, one per kind of look-for:
 * - yes_no: two toggle buttons, Yes and No (tapping the pressed one clears it: null);
 * - count: a stepper, "One less" / "One more" around the number (never below 0);
 * - scale: a radio group of the levels (the value is the level's label);
 * - timer: Start (Resume once it has time on it)/Pause around a running clock; the value is the
 *   accumulated whole seconds;
 * - text: a textarea.
 *
 * `lookforControls(lookfors, values, save, timing)` returns `{element, stop}`. `save(key, value,
 * now)` is called on every change, `now` true for a tap. `timing` = `{running: {key: {since,
 * base}}, keep(key, run or null)}` keeps a timer's run past the page. `stop()` pauses timers.
 */
import { elapsedText, h, uid } from '../ui.js';

const TIMER_SAVE_MS = 30000;
const TIMER_RESUME_MS = 2 * 60 * 60 * 1000;

function yesNo(lookfor, value, save) {
  let current = typeof value === 'boolean' ? value : null;
  const labelId = uid('lookfor');
  const buttons = [true, false].map((answer) => h('button', {
    type: 'button', class: 'toggle', 'aria-pressed': current === answer,
    onclick: () => {
      current = current === answer ? null : answer;
      buttons.forEach((button, index) => button.setAttribute('aria-pressed', String(current === [true, false][index])));
      save(lookfor.key, current, true);
    },
  }, answer ? 'Yes' : 'No'));
  return h('div', { class: 'lookfor', role: 'group', 'aria-labelledby': labelId },
    h('p', { id: labelId, class: 'lookfor-label' }, lookfor.label),
    h('div', { class: 'segmented' }, buttons));
}

function counter(lookfor, value, save) {
  let count = Number.isInteger(value) ? value : 0;
  const labelId = uid('lookfor');
  const shown = h('output', { class: 'count', 'aria-live': 'polite' }, String(count));
  const less = h('button', { type: 'button', class: 'step-button', 'aria-label': 'One less', disabled: count === 0 }, '−');
  const change = (by) => {
    count = Math.max(0, count + by);
    shown.textContent = String(count);
    less.disabled = count === 0;
    save(lookfor.key, count, true);
  };
  less.addEventListener('click', () => change(-1));
  return h('div', { class: 'lookfor', role: 'group', 'aria-labelledby': labelId },
    h('p', { id: labelId, class: 'lookfor-label' }, lookfor.label),
    h('div', { class: 'stepper' }, less, shown,
      h('button', { type: 'button', class: 'step-button', 'aria-label': 'One more', onclick: () => change(1) }, '+')));
}

function scale(lookfor, value, save) {
  const name = uid('scale');
  return h('fieldset', { class: 'lookfor scale' },
    h('legend', { class: 'lookfor-label' }, lookfor.label),
    h('div', { class: 'segmented' }, (lookfor.levels || []).map((level) => h('label', { class: 'level' },
      h('input', { type: 'radio', name, value: level, checked: value === level,
        onchange: () => save(lookfor.key, level, true) }),
      h('span', {}, level)))));
}

function timer(lookfor, value, save, stops, timing = {}) {
  const key = lookfor.key;
  let saved = Number.isInteger(value) ? value : 0;
  let since = null;  // Date.now() when the run began, null while paused
  let ticking = null;
  let lastSave = 0;
  const labelId = uid('lookfor');
  const seconds = () => saved + (since === null ? 0 : Math.max(0, Math.floor((Date.now() - since) / 1000)));
  const clock = h('span', { class: 'timer-clock' }, elapsedText(saved));
  const button = h('button', { type: 'button', class: 'button secondary small timer-button' });
  const show = () => {
    let word = saved > 0 ? 'Resume' : 'Start';
    if (since !== null) word = 'Pause';
    button.textContent = word;
    button.setAttribute('aria-label', `${word} timing: ${lookfor.label}`);
    clock.textContent = elapsedText(seconds());
  };
  const tick = () => {
    clock.textContent = elapsedText(seconds());
    // A long run is saved now and then, so a tablet that dies mid-lesson keeps most of it.
    if (Date.now() - lastSave > TIMER_SAVE_MS) {
      lastSave = Date.now();
      save(key, seconds(), true);
    }
  };
  const run = (from, base) => {
    saved = base;
    since = from;
    lastSave = Date.now();
    ticking = setInterval(tick, 250);
    show();
  };
  const pause = () => {
    if (since === null) return;
    saved = seconds();
    since = null;
    clearInterval(ticking);
    if (timing.keep) timing.keep(key, null);
    show();
    save(key, saved, true);
  };
  const leaving = (event) => {
    if (since !== null && (event.type === 'pagehide' || document.hidden)) save(key, seconds(), true);
  };
  window.addEventListener('pagehide', leaving);
  document.addEventListener('visibilitychange', leaving);
  button.addEventListener('click', () => {
    if (since !== null) {
      pause();
      return;
    }
    run(Date.now(), saved);
    if (timing.keep) timing.keep(key, { since, base: saved });
    if (!Number.isInteger(value)) {  // timed, if only 0:00, not "Not recorded"
      value = saved;
      save(key, saved, true);
    }
  });
  const left = timing.running && timing.running[key];
  if (left && Date.now() - left.since < TIMER_RESUME_MS) run(left.since, left.base);
  else if (left && timing.keep) timing.keep(key, null);
  show();
  stops.push(() => {
    pause();
    window.removeEventListener('pagehide', leaving);
    document.removeEventListener('visibilitychange', leaving);
  });
  return h('div', { class: 'lookfor', role: 'group', 'aria-labelledby': labelId },
    h('p', { id: labelId, class: 'lookfor-label' }, lookfor.label),
    h('div', { class: 'timer' }, clock, button));
}

function text(lookfor, value, save) {
  const id = uid('lookfor');
  return h('div', { class: 'lookfor field' },
    h('label', { for: id, class: 'lookfor-label' }, lookfor.label),
    h('textarea', { id, rows: '2', maxlength: '2000', value: typeof value === 'string' ? value : '',
      oninput: (event) => save(lookfor.key, event.target.value) }));
}

const KINDS = { yes_no: yesNo, count: counter, scale, timer, text };

/** One look-for's control, for a look-for shown apart from the list: one bound to a core field
 * (`binds`) sits with that field on the screen. `save(key, value, now)` as below. */
export function lookforControl(lookfor, value, save, stops = []) {
  return (KINDS[lookfor.kind] || text)(lookfor, value, save, stops);
}

export function lookforControls(lookfors, values, save, timing = {}) {
  const stops = [];
  const element = h('div', { class: 'lookfor-list' }, lookfors.map((lookfor) => {
    const make = KINDS[lookfor.kind] || text;
    return make(lookfor, (values || {})[lookfor.key], save, stops, timing);
  }));
  return { element, stop: () => stops.forEach((pause) => pause()) };
}
