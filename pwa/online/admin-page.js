/**
 * What the admin's online screens share: their stylesheet, calling the admin API as this tablet,
 * the words for roles, form fields with their error slots, and what a screen says when the
 * server cannot answer.
 *
 * - `useAdminStylesheet()` adds <link rel=stylesheet href=/online/admin.css> to the page once;
 *   `useStylesheet(href)` adds another screen's own stylesheet once.
 * - `adminCall(method, path, body)` calls the API with this tablet's device token (a bearer
 *   request: it needs no browser session or CSRF token, which a reload would have lost); resolves
 *   with the JSON answer, throws the API's `ApiError`.
 * - `ROLES`, `roleWords(roles)`: the roles in the order the screens list them, and in words.
 * - `field(name, label, input, hint)`: a labelled field with its hint and its error slot;
 *   `showFieldErrors(form, error)` writes the API's 422 `fields` into those slots (and clears the
 *   others) and returns the first field in error, to move focus to.
 * - `trouble(error, offline, notYours)`: the words for a failure: offline (status 0), not this
 *   person's (403, 404), or the server's own message; a screen passes its own words for the first two.
 * - `notForYou(main, title, words)`: the screen a person who may not use it sees (the API would
 *   refuse them too).
 */
import { request } from '../api.js';
import { readMeta } from '../db.js';
import { h, uid } from '../ui.js';

const STYLESHEET = '/online/admin.css';
export const NEEDS_CONNECTION = 'People needs a connection. It opens when this tablet is online.';
export const NOT_YOURS = 'There is nothing here for you: People is for admins.';
export const ROLES = [['teacher', 'Teacher'], ['observer', 'Observer'], ['district_staff', 'District staff'],
  ['admin', 'Admin']];

export function useStylesheet(href) {
  if (document.querySelector(`link[href="${href}"]`)) return;
  document.head.append(h('link', { rel: 'stylesheet', href }));
}

export function useAdminStylesheet() {
  useStylesheet(STYLESHEET);
}

export function notForYou(main, title, words) {
  document.title = `${title} · Rounds`;
  main.append(h('h1', { tabindex: '-1' }, title), h('p', { class: 'message', role: 'alert' }, words));
}

export async function adminCall(method, path, body) {
  const token = await readMeta('token');
  return request(method, path, body, { token });
}

export function roleWords(roles) {
  return ROLES.filter(([role]) => roles.includes(role)).map(([, words]) => words);
}

export function trouble(error, offline = NEEDS_CONNECTION, notYours = NOT_YOURS) {
  if (error && error.status === 0) return offline;
  if (error && (error.status === 403 || error.status === 404)) return notYours;
  return `The server could not do this: ${error.message}`;
}

export function field(name, label, input, hint = null) {
  const id = input.id || uid(name);
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  input.id = id;
  input.name = name;
  input.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
  return h('div', { class: 'field' }, h('label', { for: id }, label),
    hint ? h('p', { id: hintId, class: 'muted hint' }, hint) : null, input,
    h('p', { id: errorId, class: 'field-error', 'data-for': name }));
}

/** A group of checkboxes, one per role, with its own error slot (`data-for="roles"`). */
export function rolesField(legend, chosen = []) {
  const errorId = uid('roles-error');
  return h('fieldset', { class: 'field roles-field', 'aria-describedby': errorId },
    h('legend', {}, legend),
    h('div', { class: 'role-choices' }, ROLES.map(([role, words]) => h('label', { class: 'role-choice' },
      h('input', { type: 'checkbox', name: 'roles', value: role, checked: chosen.includes(role) }), words))),
    h('p', { id: errorId, class: 'field-error', 'data-for': 'roles' }));
}

export function showFieldErrors(form, error) {
  let first = null;
  for (const slot of form.querySelectorAll('.field-error[data-for]')) {
    const messages = error?.fields?.[slot.dataset.for];
    slot.textContent = messages ? [].concat(messages).join(' ') : '';
    const input = form.elements[slot.dataset.for];
    const target = input instanceof RadioNodeList ? input[0] : input;
    if (target && target.tagName !== 'FIELDSET' && target.type !== 'checkbox') {
      target.setAttribute('aria-invalid', messages ? 'true' : 'false');
    }
    if (messages && !first) first = target || slot;
  }
  return first;
}

/** The roles ticked in `form`. */
export function chosenRoles(form) {
  return [...form.querySelectorAll('input[name="roles"]:checked')].map((box) => box.value);
}

/** The school select: the schools of the tablet's reference data, and "No school" for district-wide. */
export function schoolSelect(ctx, chosen, { districtWide }) {
  const schools = [...(ctx.reference?.schools || [])].sort((a, b) => a.name.localeCompare(b.name));
  // A school this tablet has not synced yet stays chosen, so that saving other fields keeps it.
  const unknown = chosen && !schools.some((s) => s.id === chosen);
  return h('select', {},
    districtWide || chosen === null ? h('option', { value: '', selected: !chosen }, 'No school (district-wide)') : null,
    unknown ? h('option', { value: chosen, selected: true }, 'Their school (not yet on this tablet)') : null,
    schools.map((s) => h('option', { value: s.id, selected: chosen === s.id }, s.name)));
}
