/**
 * Small DOM and wording helpers shared by every screen. No state, no data access.
 *
 * - `h(tag, attrs, ...children)` builds an element: `on<event>` functions become listeners,
 *   `class` the class name, `value` the live value (textareas have no value attribute), `aria-*`
 *   and `data-*` values are written as strings (so `aria-pressed: false` stays "false"), other
 *   `true` values become empty attributes and `false`/null/undefined attributes are left out.
 *   Children may be nodes, strings, numbers, arrays, or null/false (skipped).
 * - time wording: `clockTime`, `dayAndTime`, `elapsedText`.
 * - `SaveStatus`: the "Saved on this tablet" line a screen shows after each local write.
 * - `namesOf(reference)`: id -> name lookups for people and schools; `hasRole`, `homeOf`.
 * - `section(id, title, ...content)` a card titled by its h2; `details(rows)` a <dl> of the
 *   [term, value] rows that have a value; `localDay(days)` "YYYY-MM-DD" on this tablet, days ahead.
 * - `walkthroughNotFound()`: what a screen shows for a walkthrough this tablet does not hold.
 */

/** What an online screen (reports) says when this tablet cannot reach the server. */
export const NEEDS_CONNECTION = 'Reports need a connection. They open when this tablet is online.';
export const STORAGE_FULL = 'This tablet is out of storage for Rounds. Sync, then free space (or Export backup).';

/** Sets the title and returns the elements of the screen for a walkthrough not on this tablet. */
export function walkthroughNotFound() {
  document.title = 'Walkthrough not found · Rounds';
  return [h('h1', { tabindex: '-1' }, 'Walkthrough not found'),
    h('p', {}, 'This walkthrough is not on this tablet. It may not have synced yet, or it was deleted.'),
    h('p', {}, h('a', { href: '#/today' }, 'Back to Today'))];
}

export function section(id, title, ...content) {
  return h('section', { class: 'card view-section', 'aria-labelledby': id }, h('h2', { id }, title), content);
}

export function details(rows) {
  const shown = rows.filter((row) => row && row[1] !== null && row[1] !== undefined && row[1] !== '');
  return h('dl', { class: 'details' }, shown.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
}

export function localDay(days = 0) {
  const d = new Date(Date.now() + days * 86400000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export function h(tag, attrs, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      element.className = value;
    } else if (name === 'value') {
      element.value = value;
    } else if (name.startsWith('aria-') || name.startsWith('data-')) {
      element.setAttribute(name, String(value));
    } else if (value === true) {
      element.setAttribute(name, '');
    } else if (value !== false) {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

let serial = 0;
/** A document-unique id for label/description wiring. */
export function uid(prefix = 'id') {
  serial += 1;
  return `${prefix}-${serial}`;
}

const clockFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
const yearDayFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });

/** "10:42" (in the tablet's own time zone and 12/24-hour habit). */
export function clockTime(iso) {
  return iso ? clockFormat.format(new Date(iso)) : '';
}

/** "Today 10:42", "Yesterday 10:42", "Tue 12 May 10:42", or with the year when it is not this year. */
export function dayAndTime(iso) {
  if (!iso) return '';
  const moment = new Date(iso);
  const today = new Date();
  const days = Math.round((startOfDay(today) - startOfDay(moment)) / 86400000);
  let day;
  if (days === 0) day = 'Today';
  else if (days === 1) day = 'Yesterday';
  else if (moment.getFullYear() === today.getFullYear()) day = dayFormat.format(moment);
  else day = yearDayFormat.format(moment);
  return `${day} ${clockFormat.format(moment)}`;
}

function startOfDay(moment) {
  return new Date(moment.getFullYear(), moment.getMonth(), moment.getDate()).getTime();
}

/** Whole seconds as "4:05" or "1:04:05". */
export function elapsedText(seconds) {
  const total = Math.max(0, Math.floor(seconds));
  const two = (n) => String(n).padStart(2, '0');
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  return hours ? `${hours}:${two(minutes)}:${two(total % 60)}` : `${minutes}:${two(total % 60)}`;
}

export function plural(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}

export function hasRole(me, role) {
  return Boolean(me && me.person.roles.includes(role));
}

/** Where a person lands: Feedback for me if they are only a teacher, else Today. */
export function homeOf(person) {
  const onlyTeacher = person.roles.includes('teacher')
    && !['observer', 'district_staff', 'admin'].some((role) => person.roles.includes(role));
  return onlyTeacher ? '#/feedback' : '#/today';
}

/** `{person(id), school(id)}` names from the reference data, with a plain stand-in when unknown. */
export function namesOf(reference) {
  const people = new Map((reference?.people || []).map((p) => [p.id, p.name]));
  const schools = new Map((reference?.schools || []).map((s) => [s.id, s.name]));
  return {
    person: (id) => people.get(id) || 'Someone no longer listed',
    school: (id) => schools.get(id) || 'A school no longer listed',
  };
}

/** Words for a failed local write: the storage message for a full quota, else the error's own. */
export function writeProblem(error) {
  if (error && error.name === 'QuotaExceededError') return STORAGE_FULL;
  return `Not saved on this tablet: ${(error && error.message) || 'something went wrong'}. What you typed stays `
    + 'here; change it to try again.';
}

const secondsFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit', second: '2-digit' });
const SLOW_MS = 3000;
const STILL_SAVING = 'Still saving: another Rounds tab may hold the storage. Close it.';

/** The save line. `track(write)` says "Saving…", then "Saved on this tablet at 10:42:07" once every
 * tracked write has resolved, or the problem (alert) when one fails or takes over SLOW_MS;
 * resolves true/false, never throws. `data-state`: "idle", "saving", "saved" or "failed". */
export class SaveStatus {
  constructor() {
    this.text = h('span', {}, '');
    this.element = h('p', { class: 'save-status', role: 'status', 'data-state': 'idle' }, this.text);
    this.problem = h('p', { class: 'message', role: 'alert' });
    this.waiting = 0;
    this.started = 0;  // tracked writes, numbered as they start; `failed`: the last that failed
    this.failed = 0;
    this.slow = null;
  }

  pending() {
    this.element.dataset.state = 'saving';
    this.text.textContent = 'Saving…';
    if (!this.slow) {
      this.slow = setTimeout(() => {
        if (this.waiting && !this.problem.textContent) this.problem.textContent = STILL_SAVING;
      }, SLOW_MS);
    }
  }

  settled() {
    if (this.waiting) return;
    clearTimeout(this.slow);
    this.slow = null;
    if (this.problem.textContent === STILL_SAVING) this.problem.textContent = '';
  }

  async track(write) {
    this.waiting += 1;
    this.started += 1;
    const number = this.started;
    this.pending();
    try {
      await write;
      this.waiting -= 1;
      this.settled();
      if (number > this.failed) this.problem.textContent = '';
      if (!this.waiting && !this.problem.textContent) {
        this.element.dataset.state = 'saved';
        this.text.textContent = `Saved on this tablet at ${secondsFormat.format(new Date())}`;
      }
      return true;
    } catch (error) {
      this.waiting -= 1;
      this.settled();
      this.failed = number;
      this.element.dataset.state = 'failed';
      this.text.textContent = 'Not saved';
      this.problem.textContent = writeProblem(error);
      return false;
    }
  }
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** A modal question; resolves true when the person confirms. Focus returns to where it was. */
export function confirmDialog({ title, body, confirm, cancel = 'Cancel', danger = false }) {
  return new Promise((resolve) => {
    const titleId = uid('dialog-title');
    const opener = document.activeElement;
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, title),
      [].concat(body).map((text) => h('p', {}, text)),
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'button', class: `button ${danger ? 'danger' : 'primary'}`, value: 'yes',
          onclick: () => dialog.close('yes') }, confirm),
        h('button', { type: 'button', class: 'button secondary', onclick: () => dialog.close('no') }, cancel)));
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (opener && opener.isConnected) opener.focus();
      resolve(dialog.returnValue === 'yes');
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
