/**
 * The look-fors of a template being written: one card per look-for, in the order observers see
 * them, each with its label, its kind (the five kinds Capture shows), the levels of a scale (one a
 * line), and what it stands for (nothing, or the observation's task demand, asked once on Capture).
 * "Move up", "Move down" and "Remove" are buttons, so the order changes without dragging; focus
 * stays on the look-for that moved and the new place is announced.
 *
 * `lookforEditor(lookfors, announce)` returns `{element, value(), showErrors(errors)}`:
 * - `value()` is the list as the API takes it ({key, label, kind, levels, binds}); a look-for
 *   kept from the template keeps its key (observations' answers point at it), a new one gets a
 *   key made from its label, unlike any other of the list;
 * - `showErrors(errors)` writes the API's 422 `fields.lookfors` (messages for the whole list, or
 *   {index: {field: messages}}) beside each look-for's field, clears the rest, and returns the
 *   first field in error (or null).
 */
import { TASK_DEMANDS } from '../screens/capture.js';
import { h, uid } from '../ui.js';

export const KINDS = [['yes_no', 'Yes / no'], ['count', 'Count'], ['scale', 'Scale with levels'], ['timer', 'Timer'],
  ['text', 'Text']];
// What a look-for may stand for: the instructional-core fields of schemas/templates.py, with their values.
const CORE_FIELDS = { task_demand: { words: 'The task demand', levels: TASK_DEMANDS } };
const KEY_LENGTH = 40;

/** A key the API accepts, made from a label: lowercase letters, digits and _, starting with a letter. */
function keyFrom(label, taken) {
  const base = label.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  let key = (/^[a-z]/.test(base) ? base : `lookfor_${base}`).slice(0, KEY_LENGTH - 3).replace(/_+$/, '');
  for (let n = 2; taken.has(key); n += 1) key = `${key.replace(/_\d+$/, '')}_${n}`;
  taken.add(key);
  return key;
}

function messages(value) {
  if (!value) return [];
  if (Array.isArray(value)) return value;
  // Levels refused one by one: {"1": ["Must not be blank."]} means the second line.
  return Object.entries(value).flatMap(([index, said]) => [].concat(said).map((words) => (
    /^\d+$/.test(index) ? `Level ${Number(index) + 1}: ${words}` : words)));
}

function slot(name) {
  // data-part, not data-for: showFieldErrors (admin-page.js) reads only the template's own fields.
  return h('p', { id: uid(`${name}-error`), class: 'field-error', 'data-part': name });
}

function lookforCard(lookfor, rows, announce) {
  const legendId = uid('lookfor-legend');
  const slots = { label: slot('label'), kind: slot('kind'), levels: slot('levels'), binds: slot('binds'),
    other: slot('other') };
  const labelId = uid('lookfor-label');
  const label = h('input', { id: labelId, type: 'text', maxlength: '300', autocomplete: 'off', value: lookfor.label || '',
    'aria-describedby': slots.label.id });
  const kindId = uid('lookfor-kind');
  const kind = h('select', { id: kindId, 'aria-describedby': slots.kind.id },
    KINDS.map(([value, words]) => h('option', { value, selected: value === (lookfor.kind || 'yes_no') }, words)));
  const levelsId = uid('lookfor-levels');
  const levelsHint = h('p', { id: uid('levels-hint'), class: 'muted hint' }, 'One level a line, lowest first: 2 to 7 levels.');
  const levels = h('textarea', { id: levelsId, rows: '4', 'aria-describedby': `${levelsHint.id} ${slots.levels.id}`,
    value: (lookfor.levels || []).join('\n') });
  const levelsField = h('div', { class: 'field' }, h('label', { for: levelsId }, 'Levels'), levelsHint, levels,
    slots.levels);
  const bindsId = uid('lookfor-binds');
  const binds = h('select', { id: bindsId, 'aria-describedby': slots.binds.id },
    h('option', { value: '', selected: !lookfor.binds }, 'Nothing else'),
    Object.entries(CORE_FIELDS).map(([value, core]) => h('option', { value, selected: lookfor.binds === value },
      core.words)));
  const fitKind = () => {
    const core = CORE_FIELDS[binds.value];
    if (core) {
      kind.value = 'scale';
      levels.value = core.levels.join('\n');
    }
    // A look-for that stands for a core field has that field's values: nothing there to change.
    kind.disabled = Boolean(core);
    levels.readOnly = Boolean(core);
    levelsField.hidden = kind.value !== 'scale';
  };
  kind.addEventListener('change', fitKind);
  binds.addEventListener('change', fitKind);
  const legend = h('legend', { id: legendId, class: 'lookfor-legend' });
  const row = { key: lookfor.key || null, slots };
  const button = (words, onclick, extra = '') => h('button', { type: 'button', class: `button secondary small ${extra}`,
    'aria-describedby': legendId, onclick }, words);
  const up = button('Move up', () => move(rows, row, -1, announce, 'up'));
  const down = button('Move down', () => move(rows, row, 1, announce, 'down'));
  const remove = button('Remove', () => removeRow(rows, row, announce), 'danger-outline');
  row.element = h('li', { class: 'lookfor-edit' }, h('fieldset', {}, legend,
    h('div', { class: 'lookfor-edit-fields' },
      h('div', { class: 'field lookfor-label-field' }, h('label', { for: labelId }, 'What to look for'), label, slots.label),
      h('div', { class: 'field' }, h('label', { for: kindId }, 'Kind'), kind, slots.kind),
      h('div', { class: 'field' }, h('label', { for: bindsId }, 'Stands for'), binds, slots.binds)),
    levelsField, slots.other,
    h('div', { class: 'lookfor-moves' }, up, down, remove)));
  Object.assign(row, {
    legend, up, down, remove, inputs: { label, kind, levels, binds },
    read: () => ({ label: label.value, kind: kind.value, binds: binds.value || null,
      levels: kind.value === 'scale' ? levels.value.split('\n').map((line) => line.trim()).filter(Boolean) : null }),
  });
  fitKind();
  return row;
}

function renumber(rows) {
  rows.list.replaceChildren(...rows.all.map((row) => row.element));
  rows.all.forEach((row, index) => {
    row.legend.textContent = `Look-for ${index + 1} of ${rows.all.length}`;
    row.up.disabled = index === 0;
    row.down.disabled = index === rows.all.length - 1;
    row.remove.disabled = rows.all.length === 1;
  });
}

function move(rows, row, by, announce, way) {
  const from = rows.all.indexOf(row);
  const to = from + by;
  if (to < 0 || to >= rows.all.length) return;
  rows.all.splice(from, 1);
  rows.all.splice(to, 0, row);
  renumber(rows);
  // At the top or the bottom the pressed button is disabled: focus the other one.
  const [pressed, other] = way === 'up' ? [row.up, row.down] : [row.down, row.up];
  (pressed.disabled ? other : pressed).focus();
  announce(`Moved ${way}: ${row.inputs.label.value || 'this look-for'} is now look-for ${to + 1} of ${rows.all.length}.`);
}

function removeRow(rows, row, announce) {
  if (rows.all.length === 1) return;
  const index = rows.all.indexOf(row);
  rows.all.splice(index, 1);
  renumber(rows);
  const next = rows.all[Math.min(index, rows.all.length - 1)];
  next.inputs.label.focus();
  announce(`Removed ${row.inputs.label.value || 'a look-for'}. ${rows.all.length} look-fors left.`);
}

export function lookforEditor(lookfors, announce) {
  const listError = h('p', { id: uid('lookfors-error'), class: 'field-error', 'data-part': 'lookfors' });
  const rows = { all: [], list: h('ol', { class: 'lookfor-edit-list', 'aria-describedby': listError.id }) };
  const add = (lookfor) => {
    const row = lookforCard(lookfor, rows, announce);
    rows.all.push(row);
    renumber(rows);
    return row;
  };
  (lookfors.length ? lookfors : [{}]).forEach(add);
  const addButton = h('button', { type: 'button', class: 'button secondary', onclick: () => {
    add({}).inputs.label.focus();
    announce(`Look-for ${rows.all.length} added.`);
  } }, 'Add a look-for');
  const element = h('section', { class: 'lookfor-editor', 'aria-labelledby': 'lookfor-editor-title' },
    h('h2', { id: 'lookfor-editor-title' }, 'Look-fors'),
    h('p', { class: 'muted' }, 'In the order observers see them on Capture. A look-for that stands for the task demand '
      + 'is asked once, on the Task pane, and its answer is the observation\'s task demand.'),
    listError, rows.list, h('p', { class: 'actions' }, addButton));

  const value = () => {
    const taken = new Set(rows.all.map((row) => row.key).filter(Boolean));
    return rows.all.map((row) => {
      const read = row.read();
      return { key: row.key || keyFrom(read.label, taken), ...read };
    });
  };

  const showErrors = (errors) => {
    const whole = Array.isArray(errors) ? errors : [];
    listError.textContent = whole.join(' ');
    let first = whole.length ? rows.all[0].inputs.label : null;
    rows.all.forEach((row, index) => {
      const said = (!Array.isArray(errors) && errors && errors[index]) || {};
      const { label, kind, levels, binds, ...other } = said;
      for (const [name, words] of [['label', label], ['kind', kind], ['levels', levels], ['binds', binds]]) {
        const text = messages(words).join(' ');
        row.slots[name].textContent = text;
        const input = row.inputs[name];
        input.setAttribute('aria-invalid', text ? 'true' : 'false');
        if (text && !first) first = input.disabled || input.readOnly ? row.inputs.label : input;
      }
      // The key is made here, not typed: its refusals (and any other) are said for the whole look-for.
      const rest = Object.entries(other).flatMap(([name, words]) => messages(words).map((w) => (
        name === 'key' ? `Its key: ${w}` : w)));
      row.slots.other.textContent = rest.join(' ');
      if (rest.length && !first) first = row.inputs.label;
    });
    return first;
  };
  return { element, value, showErrors };
}
