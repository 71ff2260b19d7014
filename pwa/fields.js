/**
 * A walkthrough's fields in the words people use, so that a field reads the same on every
 * screen that shows it (the observation, conflicts and rejected screens).
 *
 * - `fieldLabel(field, template)`: "grade" -> "Grade", "lookfors.<key>" -> that look-for's label.
 * - `valueInWords(field, value, {reference, template})`: Yes/No, m:ss, scale labels, names of
 *   people and schools, dates; "Not recorded" for empty values.
 * - `lookforInWords(lookfor, value)`: one look-for value by its kind.
 * - `templateOf(reference, id)`, `lookforOf(template, key)`, `isLongText(field)`, `isTextField(field, template)`.
 * - `hlcTime(hlc)`: the ISO moment a hybrid-logical-clock stamp was made.
 * Nothing here touches the DOM or the data layer.
 */
import { dayAndTime, elapsedText, namesOf } from './ui.js';

export const FIELD_LABELS = {
  school_id: 'School', teacher_id: 'Teacher', observer_id: 'Observer',
  template_id: 'Look-for template', template_version: 'Template version',
  started_at: 'Started', ended_at: 'Ended', grade: 'Grade', subject: 'Subject', segment: 'Segment',
  students_present: 'Students present', teacher_doing: 'What the teacher was doing',
  students_doing: 'What students were doing', task: 'The task and what it asked of students',
  task_demand: 'Task demand',
  lookfors: 'Look-fors', status: 'Status', deleted: 'Deleted',
  observation_id: 'Walkthrough', element: 'Part of the core', text: 'Note', at: 'Noted at',
  is_inference: 'Inference (not direct evidence)',
  glow: 'What went well', wonder: 'A question to think about', next_step: 'One next step',
  support_commitment: 'Support the observer will provide', support_due: 'Support due by',
  released: 'Shared with the teacher', acknowledged_at: 'Acknowledged', read_at: 'First opened by the teacher',
  reflection: "Teacher's reflection", usefulness: 'How useful the feedback was',
  support_requested_at: 'Support asked for', support_kept_at: 'Support kept',
  support_kept_note: 'What the observer did', support_confirmed: 'Did the support happen?',
  record_id: 'Record', fields: 'Fields', resolve_conflict: 'Conflict', op: 'Change',
};

export const ELEMENT_NAMES = { teacher: 'Teacher', students: 'Students', task: 'Task', structure: 'Structure' };
export const STATUS_NAMES = { draft: 'Draft', submitted: 'Submitted' };
export const USEFULNESS = ['Not useful', 'A little useful', 'Somewhat useful', 'Useful', 'Very useful'];

const LONG_TEXT = new Set(['teacher_doing', 'students_doing', 'task', 'text', 'glow', 'wonder', 'next_step',
  'support_commitment', 'reflection', 'support_kept_note']);
const SHORT_TEXT = new Set(['grade', 'subject', 'segment', 'task_demand']);
const MOMENTS = new Set(['started_at', 'ended_at', 'at', 'acknowledged_at', 'read_at', 'support_requested_at',
  'support_kept_at']);
const PEOPLE = new Set(['teacher_id', 'observer_id']);
const NOT_RECORDED = 'Not recorded';

export function templateOf(reference, id) {
  return (reference?.templates || []).find((template) => template.id === id) || null;
}

export function lookforOf(template, key) {
  return (template?.lookfors || []).find((lookfor) => lookfor.key === key) || null;
}

function lookforKey(field) {
  return field.startsWith('lookfors.') ? field.slice('lookfors.'.length) : null;
}

export function fieldLabel(field, template = null) {
  const key = lookforKey(field);
  if (key !== null) return lookforOf(template, key)?.label || `Look-for “${key.replace(/_/g, ' ')}”`;
  return FIELD_LABELS[field] || field.replace(/_/g, ' ');
}

export function isLongText(field) {
  return LONG_TEXT.has(field);
}

/** Whether two versions of this field are words a person could merge into one. */
export function isTextField(field, template = null) {
  const key = lookforKey(field);
  if (key !== null) return lookforOf(template, key)?.kind === 'text';
  return LONG_TEXT.has(field);
}

export function lookforInWords(lookfor, value) {
  if (value === null || value === undefined || value === '') return NOT_RECORDED;
  const kind = lookfor?.kind;
  if (kind === 'timer' && typeof value === 'number') return elapsedText(value);
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  return String(value);
}

function dateInWords(day) {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(year, month - 1, date).toLocaleDateString(undefined,
    { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
}

export function valueInWords(field, value, { reference = null, template = null } = {}) {
  const key = lookforKey(field);
  if (key !== null) return lookforInWords(lookforOf(template, key), value);
  if (value === null || value === undefined || value === '') return NOT_RECORDED;
  const names = namesOf(reference);
  if (PEOPLE.has(field)) return names.person(value);
  if (field === 'school_id') return names.school(value);
  if (field === 'template_id') {
    const found = templateOf(reference, value);
    return found ? `${found.name} (version ${found.version})` : 'A template no longer published';
  }
  if (MOMENTS.has(field)) return dayAndTime(value);
  if (field === 'support_due') return dateInWords(value);
  if (field === 'status') return STATUS_NAMES[value] || value;
  if (field === 'element') return ELEMENT_NAMES[value] || value;
  if (field === 'support_confirmed') return value === 'yes' ? 'Yes' : 'Not yet';
  if (field === 'usefulness') return `${value} of 5: ${USEFULNESS[value - 1] || ''}`;
  if (field === 'deleted') return value ? 'Deleted' : 'Not deleted';
  if (field === 'lookfors' && typeof value === 'object') {
    return Object.entries(value).map(([k, v]) => `${fieldLabel(`lookfors.${k}`, template)}: `
      + `${lookforInWords(lookforOf(template, k), v)}`).join('; ') || NOT_RECORDED;
  }
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The moment an HLC stamp ("<15-digit ms>:<counter>:<device>") was made, as ISO, or null. */
export function hlcTime(hlc) {
  const ms = Number.parseInt(String(hlc || '').slice(0, 15), 10);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}
