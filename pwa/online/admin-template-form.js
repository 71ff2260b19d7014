/**
 * The form a template is written in: its name, for a new template its scope (the whole district,
 * or one school: a school admin's own only), its problem of practice, and its look-fors
 * (admin-template-lookfors.js).
 *
 * `templateForm({ctx, template, title, submitWords, save})`: `template` is null for a new one;
 * `save(body)` sends the body to the API and resolves once it is saved (its own words said by the
 * caller). A refusal is written beside the field it is about: the template's own fields through
 * `showFieldErrors`, each look-for's beside that look-for; focus moves to the first. Returns the form.
 */
import { h } from '../ui.js';
import { field, showFieldErrors, trouble } from './admin-page.js';
import { lookforEditor } from './admin-template-lookfors.js';

export const NEEDS_CONNECTION = 'Look-for templates need a connection. They open when this tablet is online.';
export const NOT_YOURS = 'There is nothing here for you: look-for templates are for admins and district staff.';

export function isWriter(me) {
  return me.person.roles.includes('admin') || me.person.roles.includes('district_staff');
}

/** Whether `me` may change `template`: a school's writer only their school's (the API decides too). */
export function mayWrite(me, template) {
  return isWriter(me) && (!me.person.school_id || template.school_id === me.person.school_id);
}

function scopeSelect(ctx) {
  const own = ctx.me.person.school_id;
  const schools = [...(ctx.reference?.schools || [])].filter((s) => !own || s.id === own)
    .sort((a, b) => a.name.localeCompare(b.name));
  return h('select', {},
    own ? null : h('option', { value: '', selected: true }, 'District-wide: every school'),
    schools.map((s) => h('option', { value: s.id, selected: s.id === own }, s.name)));
}

export function templateForm({ ctx, template, title, submitWords, save }) {
  const editor = lookforEditor(template ? template.lookfors : [], ctx.announce);
  const problem = h('p', { class: 'message', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'button primary' }, submitWords);
  const form = h('form', { class: 'template-form', novalidate: true, 'aria-label': title },
    h('div', { class: 'form-grid' },
      field('name', 'Name', h('input', { type: 'text', maxlength: '200', autocomplete: 'off', value: template?.name || '' })),
      template ? null : field('school_id', 'For', scopeSelect(ctx),
        'District-wide templates reach every school; a school\'s own comes first there.')),
    field('problem_of_practice', 'Problem of practice', h('textarea', { rows: '3', maxlength: '5000',
      value: template?.problem_of_practice || '' }), 'What the school is working on, in a sentence or two.'),
    editor.element, problem, h('p', { class: 'actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    problem.textContent = '';
    const body = { name: form.elements.name.value, problem_of_practice: form.elements.problem_of_practice.value,
      lookfors: editor.value() };
    if (!template) body.school_id = form.elements.school_id.value || null;
    submit.disabled = true;
    try {
      await save(body);
      showFieldErrors(form, null);
      editor.showErrors(null);
    } catch (error) {
      const refused = error.status === 422 || (error.status === 403 && error.fields);
      const own = refused ? showFieldErrors(form, error) : null;
      const lookfor = refused ? editor.showErrors(error.fields?.lookfors) : null;
      const first = own || lookfor;
      if (first) {
        ctx.announce('Not saved: see the fields marked.');
        first.focus();
      } else {
        showFieldErrors(form, null);
        editor.showErrors(null);
        problem.textContent = trouble(error, NEEDS_CONNECTION, NOT_YOURS);
      }
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
