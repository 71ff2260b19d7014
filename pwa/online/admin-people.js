/**
 * #/people: the people an admin administers (online only; a school admin sees their school's, as
 * the API decides), found by name or email and narrowed by school, role and whether they are
 * active; "Add a person" opens a form whose refusals the API explains field by field, beside each
 * field. Each name opens #/people/<id> (admin-person.js): their name, roles and school, access,
 * password link and devices. The search and filters are kept while the app runs, so coming back
 * from a person finds the list as it was left. Anyone who is not an admin is told there is nothing
 * here for them (the API would refuse them too); offline the screen says it needs a connection.
 */
import { h, hasRole, namesOf, plural } from '../ui.js';
import {
  NOT_YOURS, ROLES, adminCall, chosenRoles, field, roleWords, rolesField, schoolSelect, showFieldErrors, trouble,
  useAdminStylesheet,
} from './admin-page.js';
import { renderPerson } from './admin-person.js';

const filters = { text: '', school: '', role: '', status: '' };
// What the person screen says first after arriving there from the add form.
let added = null;

export async function render(main, params, ctx) {
  useAdminStylesheet();
  if (!hasRole(ctx.me, 'admin')) {
    document.title = 'People · Rounds';
    main.append(h('h1', { tabindex: '-1' }, 'People'), h('p', { class: 'message', role: 'alert' }, NOT_YOURS));
    return;
  }
  if (params[0]) {
    const said = added && added.id === params[0] ? added.words : null;
    added = null;
    await renderPerson(main, params[0], ctx, said);
    return;
  }
  document.title = 'People · Rounds';
  const results = h('div', { class: 'people-results' }, h('p', { class: 'muted loading', role: 'status' }, 'Loading people…'));
  const heading = h('h1', { tabindex: '-1' }, 'People');
  main.append(h('div', { class: 'screen-head' }, h('div', {}, heading,
    h('p', { class: 'muted' }, ctx.me.person.school_id ? 'The people of your school.' : 'The people of your district.'))),
  ...addPanel(ctx), results);
  let people;
  try {
    ({ people } = await adminCall('GET', '/api/admin/people'));
  } catch (error) {
    results.replaceChildren(h('p', { class: 'message', role: 'alert' }, trouble(error)));
    return;
  }
  results.replaceChildren(...peopleList(people, ctx));
}

// --- adding a person --------------------------------------------------------------------------
function addPanel(ctx) {
  const toggle = h('button', { type: 'button', class: 'button primary', 'aria-expanded': 'false',
    'aria-controls': 'add-person' }, 'Add a person');
  const form = addForm(ctx, () => close());
  const panel = h('section', { id: 'add-person', class: 'card add-person', 'aria-labelledby': 'add-person-title',
    hidden: true }, h('h2', { id: 'add-person-title' }, 'Add a person'), form);
  const close = () => {
    panel.hidden = true;
    toggle.setAttribute('aria-expanded', 'false');
    toggle.focus();
  };
  toggle.addEventListener('click', () => {
    const opening = panel.hidden;
    panel.hidden = !opening;
    toggle.setAttribute('aria-expanded', String(opening));
    if (opening) form.elements.name.focus();
  });
  return [h('p', { class: 'actions' }, toggle), panel];
}

function addForm(ctx, cancel) {
  const schoolWide = Boolean(ctx.me.person.school_id);
  const problem = h('p', { class: 'message', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'button primary' }, 'Add person');
  const form = h('form', { novalidate: true, 'aria-labelledby': 'add-person-title' },
    h('div', { class: 'form-grid' },
      field('name', 'Name', h('input', { type: 'text', autocomplete: 'off', required: true })),
      field('email', 'Email', h('input', { type: 'email', autocomplete: 'off', required: true }),
        'They sign in with it, once they have set a password with a one-time link.'),
      field('school_id', 'School', schoolSelect(ctx, schoolWide ? ctx.me.person.school_id : '',
        { districtWide: !schoolWide }))),
    rolesField('Roles', ['teacher']),
    problem,
    h('p', { class: 'actions' }, submit,
      h('button', { type: 'button', class: 'button secondary', onclick: cancel }, 'Cancel')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    problem.textContent = '';
    const body = { name: form.elements.name.value, email: form.elements.email.value,
      roles: chosenRoles(form), school_id: form.elements.school_id.value || null };
    submit.disabled = true;
    try {
      const person = await adminCall('POST', '/api/admin/people', body);
      added = { id: person.id, words: `${person.name} was added. They can sign in once they have set a password: `
        + 'create a one-time password link for them below.' };
      ctx.navigate(`#/people/${encodeURIComponent(person.id)}`);
    } catch (error) {
      const first = error.status === 422 ? showFieldErrors(form, error) : null;
      if (first) {
        ctx.announce('The person was not added: see the fields marked.');
        first.focus();
      } else {
        showFieldErrors(form, null);
        problem.textContent = trouble(error);
      }
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

// --- finding people ---------------------------------------------------------------------------
function matches(person) {
  const text = filters.text.trim().toLowerCase();
  if (text && !person.name.toLowerCase().includes(text) && !person.email.toLowerCase().includes(text)) return false;
  if (filters.school === 'none' ? person.school_id !== null : filters.school && person.school_id !== filters.school) {
    return false;
  }
  if (filters.role && !person.roles.includes(filters.role)) return false;
  if (filters.status === 'active' && !person.active) return false;
  return !(filters.status === 'inactive' && person.active);
}

function filterForm(ctx, apply) {
  const names = namesOf(ctx.reference);
  const schools = [...(ctx.reference?.schools || [])].sort((a, b) => a.name.localeCompare(b.name));
  const select = (key, options) => h('select', {}, options.map(([value, words]) => h('option', {
    value, selected: filters[key] === value }, words)));
  const form = h('form', { class: 'card people-filters', role: 'search', 'aria-labelledby': 'find-people-title',
    novalidate: true }, h('h2', { id: 'find-people-title' }, 'Find people'),
    h('div', { class: 'form-grid' },
      field('text', 'Name or email', h('input', { type: 'search', value: filters.text, autocomplete: 'off' })),
      field('school', 'School', select('school', [['', 'Every school'], ...schools.map((s) => [s.id, names.school(s.id)]),
        ...(ctx.me.person.school_id ? [] : [['none', 'No school (district-wide)']])])),
      field('role', 'Role', select('role', [['', 'Any role'], ...ROLES])),
      field('status', 'Active', select('status', [['', 'Active and deactivated'], ['active', 'Active only'],
        ['inactive', 'Deactivated only']]))));
  const read = () => {
    for (const key of Object.keys(filters)) filters[key] = form.elements[key].value;
    apply();
  };
  form.addEventListener('input', read);
  form.addEventListener('change', read);
  form.addEventListener('submit', (event) => { event.preventDefault(); read(); });
  return form;
}

function personRow(person, names) {
  const school = person.school_id ? names.school(person.school_id) : 'District-wide';
  return h('li', { class: `person-row${person.active ? '' : ' is-inactive'}` },
    h('a', { class: 'person-name', href: `#/people/${encodeURIComponent(person.id)}` }, person.name),
    h('span', { class: 'person-email' }, person.email),
    h('span', { class: 'person-roles' }, roleWords(person.roles).join(', ')),
    h('span', { class: 'person-school' }, school),
    h('span', { class: `tag ${person.active ? 'is-active' : 'inactive'}` }, person.active ? 'Active' : 'Deactivated'));
}

function peopleList(people, ctx) {
  const names = namesOf(ctx.reference);
  const count = h('p', { id: 'people-count', class: 'muted', 'aria-live': 'polite' });
  const list = h('ul', { class: 'people-list', 'aria-labelledby': 'people-list-title' });
  const show = () => {
    const shown = people.filter(matches);
    list.replaceChildren(...shown.map((person) => personRow(person, names)));
    count.textContent = shown.length === people.length ? `${plural(people.length, 'person', 'people')}.`
      : `${shown.length} of ${plural(people.length, 'person', 'people')} match.`;
  };
  show();
  return [filterForm(ctx, show),
    h('section', { class: 'people-section', 'aria-labelledby': 'people-list-title' },
      h('h2', { id: 'people-list-title' }, 'Everyone you administer'), count, list)];
}
