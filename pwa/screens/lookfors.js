/**
 * The look-for controls of the capture screen, one per kind of look-for:
 * - yes_no: two toggle buttons, Yes and No (tapping the pressed one clears it: null);
 * - count: a stepper, "One less" / "One more" around the number (never below 0);
 * - scale: a radio group of the levels (the value is the level's label);
 * - timer: Start/Pause around a running clock; the value is the accumulated whole seconds;
 * - text: a textarea.
 *
 * `lookforControls(lookfors, values, save)` returns `{element, stop}`. `save(key, value, now)`
 * is called on every change (`now` true when it should be written at once, not coalesced with
 * typing). `stop()` pauses running timers and saves them; the screen calls it when it closes.
 */
import { elapsedText, h, uid } from '../ui.js';

const TIMER_SAVE_MS = 30000;

function yesNo(lookfor, value, save) {
  let current = typeof value === 'boolean' ? value : null;
  const labelId = uid('lookfor');
  const buttons = [true, false].map((answer) => h('button', {
    type: 'button', class: 'toggle', 'aria-pressed': current === answer,
    onclick: () => {
      current = current === answer ? null : answer;
      buttons.forEach((button, index) => button.setAttribute('aria-pressed', String(current === [true, false][index])));
      save(lookfor.key, current);
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
    save(lookfor.key, count);
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
        onchange: () => save(lookfor.key, level) }),
      h('span', {}, level)))));
}

function timer(lookfor, value, save, stops) {
  let saved = Number.isInteger(value) ? value : 0;
  let since = null;
  let ticking = null;
  let lastSave = 0;
  const labelId = uid('lookfor');
  const seconds = () => saved + (since === null ? 0 : Math.floor((performance.now() - since) / 1000));
  const clock = h('span', { class: 'timer-clock' }, elapsedText(saved));
  const button = h('button', { type: 'button', class: 'button secondary small timer-button' }, 'Start');
  const tick = () => {
    clock.textContent = elapsedText(seconds());
    // A long run is saved now and then, so a tablet that dies mid-lesson keeps most of it.
    if (performance.now() - lastSave > TIMER_SAVE_MS) {
      lastSave = performance.now();
      save(lookfor.key, seconds());
    }
  };
  const pause = () => {
    if (since === null) return;
    saved = seconds();
    since = null;
    clearInterval(ticking);
    button.textContent = 'Start';
    button.setAttribute('aria-label', `Start timing: ${lookfor.label}`);
    clock.textContent = elapsedText(saved);
    save(lookfor.key, saved, true);
  };
  button.setAttribute('aria-label', `Start timing: ${lookfor.label}`);
  button.addEventListener('click', () => {
    if (since !== null) {
      pause();
      return;
    }
    since = performance.now();
    lastSave = since;
    ticking = setInterval(tick, 250);
    button.textContent = 'Pause';
    button.setAttribute('aria-label', `Pause timing: ${lookfor.label}`);
  });
  stops.push(pause);
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

export function lookforControls(lookfors, values, save) {
  const stops = [];
  const element = h('div', { class: 'lookfor-list' }, lookfors.map((lookfor) => {
    const make = KINDS[lookfor.kind] || text;
    return make(lookfor, (values || {})[lookfor.key], save, stops);
  }));
  return { element, stop: () => stops.forEach((pause) => pause()) };
}
