/**
 * An editable form for one refused op's fields (used by the rejected screen).
 *
 * `opForm(entry, {reference, me, template, schoolId})` -> `{element, collect()}`: every field of
 * `entry.op.fields` gets a fitting, labelled control (text -> textarea/input, numbers -> number
 * input, booleans -> checkbox, school -> select of schools, teacher -> select of the chosen
 * school's teachers, template -> select of its templates, dates and times, look-fors -> one
 * control per key by its kind), with the server's messages (`entry.errors`, {field: [messages]})
 * beside the field they name. `collect()` returns the edited fields, in wire form, with the same
 * keys as the op; a value left untouched is sent exactly as it was.
 */
import { ELEMENT_NAMES, STATUS_NAMES, fieldLabel, isLongText, lookforOf } from './fields.js';
import { h } from './ui.js';

const MOMENTS = new Set(['started_at', 'ended_at', 'at', 'acknowledged_at']);
const NUMBERS = { students_present: [0, 1000], usefulness: [1, 5], template_version: [1, 1000000] };
const BOOLEANS = new Set(['released', 'is_inference', 'deleted']);
const FIXED = new Set(['observer_id', 'observation_id']);
const CHOICES = { element: ELEMENT_NAMES, status: STATUS_NAMES };

const two = (n) => String(n).padStart(2, '0');
function localMoment(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}

function numberOrNull(text) {
  return text === '' ? null : Number.parseInt(text, 10);
}

function select(id, options, value, attrs = {}) {
  return h('select', { id, ...attrs }, options.map(([optionValue, words]) => h('option',
    { value: optionValue, selected: optionValue === value }, words)));
}

export function opForm(entry, { reference, me, template, schoolId }) {
  const { op, errors = {} } = entry;
  const fields = op.fields || {};
  // A new walkthrough names its school itself (perhaps as edited); other ops belong to the record's.
  const ownSchool = fields.school_id || schoolId;
  const readers = {};
  const prefix = `op-${op.op_id || 'unknown'}`;
  const teachersOf = (school) => (reference.people || [])
    .filter((p) => p.roles.includes('teacher') && p.school_id === school && p.id !== me.person.id)
    .map((p) => [p.id, p.name]);
  const templatesOf = (school) => (reference.templates || [])
    .filter((t) => t.school_id === null || t.school_id === school)
    .map((t) => [t.id, `${t.name} (version ${t.version})`]);

  function messagesFor(name, messages) {
    return messages.length ? h('p', { id: `${prefix}-${name}-error`, class: 'field-error' }, messages.join(' ')) : null;
  }

  function wrap(name, label, control, messages, { check = false } = {}) {
    const id = `${prefix}-${name}`;
    control.id = id;
    if (messages.length) {
      control.setAttribute('aria-invalid', 'true');
      control.setAttribute('aria-describedby', `${id}-error`);
    }
    const labelNode = h('label', { for: id }, label);
    return h('div', { class: check ? 'field check' : 'field' },
      check ? [control, labelNode] : [labelNode, control], messagesFor(name, messages));
  }

  function lookforControl(key, value, messages) {
    const lookfor = lookforOf(template, key);
    const kind = lookfor?.kind || { boolean: 'yes_no', number: 'count' }[typeof value] || 'text';
    let control;
    let read;
    if (kind === 'yes_no') {
      control = select('', [['', 'Not recorded'], ['yes', 'Yes'], ['no', 'No']],
        value === true ? 'yes' : value === false ? 'no' : '');
      read = () => ({ yes: true, no: false })[control.value] ?? null;
    } else if (kind === 'scale') {
      const levels = lookfor.levels || [];
      const options = [['', 'Not recorded'], ...levels.map((level) => [level, level])];
      if (value && !levels.includes(value)) options.push([value, value]);
      control = select('', options, value ?? '');
      read = () => control.value || null;
    } else if (kind === 'count' || kind === 'timer') {
      control = h('input', { type: 'number', min: '0', max: '1000000', inputmode: 'numeric', value: value ?? '' });
      read = () => numberOrNull(control.value);
    } else {
      control = h('input', { type: 'text', maxlength: '2000', value: value ?? '' });
      read = () => control.value;
    }
    const label = `${fieldLabel(`lookfors.${key}`, template)}${kind === 'timer' ? ' (seconds)' : ''}`;
    return { node: wrap(`lookfors-${key}`, label, control, messages), read };
  }

  function lookforsControl(values, messages) {
    const mine = (key) => messages.filter((m) => m.startsWith(`${key}: `)).map((m) => m.slice(key.length + 2));
    const others = messages.filter((m) => !Object.keys(values).some((key) => m.startsWith(`${key}: `)));
    const parts = Object.entries(values).map(([key, value]) => [key, lookforControl(key, value, mine(key))]);
    readers.lookfors = () => Object.fromEntries(parts.map(([key, part]) => [key, part.read()]));
    return h('fieldset', { class: 'lookfor-fields' }, h('legend', {}, 'Look-fors'),
      messagesFor('lookfors', others), parts.map(([, part]) => part.node));
  }

  function control(name, value, messages) {
    const label = fieldLabel(name);
    if (name === 'lookfors' && value && typeof value === 'object') return lookforsControl(value, messages);
    if (FIXED.has(name)) {
      readers[name] = () => value;
      // Not the person's to change: worth showing only when the server names it.
      if (!messages.length) return null;
      const words = name === 'observer_id' ? 'You' : 'The walkthrough this belongs to';
      return h('div', { class: 'field' }, h('p', { class: 'fixed-field' }, h('strong', {}, `${label}: `), words),
        messagesFor(name, messages));
    }
    let input;
    if (name === 'school_id') {
      input = select('', (reference.schools || []).map((s) => [s.id, s.name]), value, { required: true });
      input.addEventListener('change', () => { schoolChanged(input.value); });
      readers[name] = () => input.value;
    } else if (name === 'teacher_id') {
      const options = teachersOf(ownSchool);
      input = select('', options.some(([id]) => id === value) ? options : [['', 'Choose a teacher'], ...options], value,
        { required: true });
      readers[name] = () => input.value;
    } else if (name === 'template_id') {
      input = select('', [['', 'No look-for template'], ...templatesOf(ownSchool)], value ?? '');
      readers[name] = () => input.value || null;
    } else if (name === 'template_version' && 'template_id' in fields) {
      readers[name] = () => {
        const chosen = readers.template_id();
        return chosen ? (reference.templates || []).find((t) => t.id === chosen)?.version ?? value : null;
      };
      return messagesFor(name, messages.map((m) => `${label}: ${m}`));
    } else if (MOMENTS.has(name)) {
      input = h('input', { type: 'datetime-local', value: localMoment(value) });
      readers[name] = () => (input.value === localMoment(value) ? value
        : input.value ? new Date(input.value).toISOString() : null);
    } else if (name === 'support_due') {
      input = h('input', { type: 'date', value: value || '' });
      readers[name] = () => input.value || null;
    } else if (name in NUMBERS) {
      const [min, max] = NUMBERS[name];
      input = h('input',
        { type: 'number', min: String(min), max: String(max), inputmode: 'numeric', value: value ?? '' });
      readers[name] = () => numberOrNull(input.value);
    } else if (BOOLEANS.has(name) || typeof value === 'boolean') {
      input = h('input', { type: 'checkbox', checked: Boolean(value) });
      readers[name] = () => input.checked;
      return wrap(name, label, input, messages, { check: true });
    } else if (name in CHOICES) {
      input = select('', Object.entries(CHOICES[name]), value);
      readers[name] = () => input.value;
    } else if (typeof value === 'string' || value === null) {
      input = isLongText(name) || (value || '').length > 80
        ? h('textarea', { rows: '4', value: value ?? '' }) : h('input', { type: 'text', value: value ?? '' });
      readers[name] = () => input.value;
    } else {
      // A field this version of Rounds does not know: edit its JSON as text.
      input = h('input', { type: 'text', value: JSON.stringify(value) });
      readers[name] = () => { try { return JSON.parse(input.value); } catch { return input.value; } };
    }
    return wrap(name, label, input, messages);
  }

  function schoolChanged(school) {
    const teacher = element.querySelector(`#${CSS.escape(`${prefix}-teacher_id`)}`);
    if (teacher) {
      teacher.replaceChildren(...[['', 'Choose a teacher'], ...teachersOf(school)]
        .map(([id, name]) => h('option', { value: id }, name)));
    }
    const templates = element.querySelector(`#${CSS.escape(`${prefix}-template_id`)}`);
    if (templates) {
      const before = templates.value;
      const options = [['', 'No look-for template'], ...templatesOf(school)];
      templates.replaceChildren(...options.map(([id, name]) => h('option',
        { value: id, selected: id === before }, name)));
    }
  }

  const element = h('div', { class: 'op-fields' },
    Object.entries(fields).map(([name, value]) => control(name, value, [].concat(errors[name] || []))));
  const collect = () => Object.fromEntries(Object.keys(fields).map((name) => [name, readers[name]()]));
  return { element, collect };
}
