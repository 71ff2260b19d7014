/**
 * #/templates: the look-for templates an admin or a district staff member writes (online only; a
 * school admin writes their school's, and reads the district-wide ones it uses, as the API
 * decides). Templates are listed by family, the versions of one template: its scope (district-wide
 * or which school) and each version with its status. The list narrows by scope and by status.
 * "New template" opens the form (admin-template-form.js); saving makes version 1, a draft, and
 * opens it. #/templates/<id> opens one version (admin-template-editor.js). The filters are kept
 * while the app runs. Anyone else is told there is nothing here for them; offline the screen
 * says it needs a connection.
 */
import { h, namesOf, plural } from '../ui.js';
import { adminCall, field, notForYou, trouble, useAdminStylesheet, useStylesheet } from './admin-page.js';
import { renderTemplate, sayOnArrival, scopeWords, versionWords } from './admin-template-editor.js';
import { NEEDS_CONNECTION, NOT_YOURS, isWriter, mayWrite, templateForm } from './admin-template-form.js';

const TITLE = 'Look-for templates';
const filters = { scope: '', status: '' };

export async function render(main, params, ctx) {
  useAdminStylesheet();
  useStylesheet('/online/templates.css');
  if (!isWriter(ctx.me)) {
    notForYou(main, TITLE, NOT_YOURS);
    return null;
  }
  if (params[0]) return renderTemplate(main, params[0], ctx);
  document.title = `${TITLE} · Rounds`;
  const results = h('div', {}, h('p', { class: 'muted loading', role: 'status' }, 'Loading templates…'));
  main.append(h('div', { class: 'screen-head' }, h('div', {}, h('h1', { tabindex: '-1' }, TITLE),
    h('p', { class: 'muted' }, 'What observers look for on Capture. Observers get a published version at their next sync.'))),
  ...newPanel(ctx), results);
  let templates;
  try {
    ({ templates } = await adminCall('GET', '/api/templates'));
  } catch (error) {
    results.replaceChildren(h('p', { class: 'message', role: 'alert' }, trouble(error, NEEDS_CONNECTION, NOT_YOURS)));
    return null;
  }
  results.replaceChildren(...familyList(templates, ctx));
  return null;
}

// --- a new template ---------------------------------------------------------------------------
function newPanel(ctx) {
  const toggle = h('button', { type: 'button', class: 'button primary', 'aria-expanded': 'false',
    'aria-controls': 'new-template' }, 'New template');
  const panel = h('section', { id: 'new-template', class: 'card new-template', 'aria-labelledby': 'new-template-title',
    hidden: true }, h('h2', { id: 'new-template-title' }, 'New template'),
  h('p', { class: 'muted' }, 'Saving makes version 1, a draft: observers see nothing of it until you publish it.'),
  templateForm({ ctx, template: null, title: 'New template', submitWords: 'Save as a draft', save: async (body) => {
    const template = await adminCall('POST', '/api/templates', body);
    sayOnArrival(template.id, `${template.name} is saved as a draft, version 1. Preview it, then publish it when it `
      + 'is ready.');
    ctx.navigate(`#/templates/${encodeURIComponent(template.id)}`);
  } }));
  toggle.addEventListener('click', () => {
    const opening = panel.hidden;
    panel.hidden = !opening;
    toggle.setAttribute('aria-expanded', String(opening));
    if (opening) panel.querySelector('input').focus();
  });
  return [h('p', { class: 'actions' }, toggle), panel];
}

// --- the list ---------------------------------------------------------------------------------
/** The families of `templates`, each {id, versions (oldest first), newest, school_id}, by name. */
function families(templates) {
  const byFamily = new Map();
  for (const template of templates) {
    if (!byFamily.has(template.family_id)) byFamily.set(template.family_id, []);
    byFamily.get(template.family_id).push(template);
  }
  return [...byFamily.entries()].map(([id, versions]) => {
    versions.sort((a, b) => a.version - b.version);
    return { id, versions, newest: versions[versions.length - 1], school_id: versions[0].school_id };
  }).sort((a, b) => a.newest.name.localeCompare(b.newest.name));
}

function matches(family) {
  if (filters.scope === 'district' ? family.school_id !== null : filters.scope && family.school_id !== filters.scope) {
    return false;
  }
  return !filters.status || family.versions.some((t) => t.status === filters.status);
}

function filterForm(ctx, apply) {
  const names = namesOf(ctx.reference);
  const own = ctx.me.person.school_id;
  const schools = [...(ctx.reference?.schools || [])].filter((s) => !own || s.id === own)
    .sort((a, b) => a.name.localeCompare(b.name));
  const select = (key, options) => h('select', {}, options.map(([value, words]) => h('option', {
    value, selected: filters[key] === value }, words)));
  const form = h('form', { class: 'card template-filters', role: 'search', 'aria-labelledby': 'find-templates-title',
    novalidate: true }, h('h2', { id: 'find-templates-title' }, 'Find templates'),
  h('div', { class: 'form-grid' },
    field('scope', 'For', select('scope', [['', 'Every scope'], ['district', 'District-wide'],
      ...schools.map((s) => [s.id, names.school(s.id)])])),
    field('status', 'Status', select('status', [['', 'Drafts and published'], ['draft', 'With a draft'],
      ['published', 'With a published version']]))));
  const read = () => {
    for (const key of Object.keys(filters)) filters[key] = form.elements[key].value;
    apply();
  };
  form.addEventListener('change', read);
  form.addEventListener('submit', (event) => { event.preventDefault(); read(); });
  return form;
}

function familyItem(family, ctx, names) {
  const { newest } = family;
  const current = family.versions.find((t) => t.status === 'draft') || newest;
  return h('li', { class: 'card template-family' },
    h('h3', {}, h('a', { href: `#/templates/${encodeURIComponent(current.id)}` }, newest.name)),
    h('p', { class: 'muted template-scope' }, scopeWords(family.school_id, names),
      mayWrite(ctx.me, newest) ? null : [' · ', h('span', { class: 'tag' }, 'Read only')]),
    h('ul', { class: 'version-list', 'aria-label': `Versions of ${newest.name}` },
      [...family.versions].reverse().map((t) => h('li', {},
        h('a', { href: `#/templates/${encodeURIComponent(t.id)}` }, versionWords(t)),
        ' ', h('span', { class: `tag ${t.status === 'draft' ? 'is-draft' : 'is-published'}` },
          t.status === 'draft' ? 'Draft' : 'Published')))));
}

function familyList(templates, ctx) {
  const names = namesOf(ctx.reference);
  const all = families(templates);
  const count = h('p', { id: 'templates-count', class: 'muted', 'aria-live': 'polite' });
  const list = h('ul', { class: 'template-families' });
  const show = () => {
    const shown = all.filter(matches);
    list.replaceChildren(...shown.map((family) => familyItem(family, ctx, names)));
    count.textContent = shown.length === all.length ? `${plural(all.length, 'template')}.`
      : `${shown.length} of ${plural(all.length, 'template')} match.`;
  };
  show();
  return [filterForm(ctx, show), h('section', { class: 'templates-section', 'aria-labelledby': 'templates-title' },
    h('h2', { id: 'templates-title' }, 'Templates'), count, list)];
}
