/**
 * #/templates/<id>: one version of a look-for template.
 *
 * - A draft its writer may change: the form (admin-template-form.js), saved in place; "Publish
 *   version N" first says what happens (observers get it at their next sync; it never changes
 *   afterwards).
 * - A published version: it never changes, so "Make version N+1" says plainly that it makes the
 *   next version as a draft, with the same look-fors, and opens that draft (or the family's draft,
 *   if it has one already). A version the person may only read says so.
 * - "Preview as the observer sees it on Capture": the saved look-fors drawn by the code Capture
 *   draws them with (screens/lookfors.js); trying them records nothing.
 * - The history of the family: each version, its status, when it was published and by whom.
 * - Which schools use which version: an observer's tablet uses, at each school, the template
 *   screens/new.js `templateFor` picks among the published ones (the school's own newest version
 *   before a district-wide one), so the same code says it here.
 *
 * `renderTemplate(main, id, ctx)` returns a cleanup (it stops a previewed timer);
 * `sayOnArrival(id, words)` gives the words the screen says first when it next opens `id`.
 */
import { templateFor } from '../screens/new.js';
import { lookforControl, lookforControls } from '../screens/lookfors.js';
import { confirmDialog, dayAndTime, h, namesOf, plural } from '../ui.js';
import { adminCall, trouble } from './admin-page.js';
import { NEEDS_CONNECTION, NOT_YOURS, mayWrite, templateForm } from './admin-template-form.js';
import { KINDS } from './admin-template-lookfors.js';

let arrival = null;
const path = (id) => `/api/templates/${encodeURIComponent(id)}`;

export function sayOnArrival(id, words) {
  arrival = { id, words };
}

export function scopeWords(schoolId, names) {
  return schoolId ? names.school(schoolId) : 'District-wide';
}

export function versionWords(template) {
  return template.status === 'published'
    ? `Version ${template.version}, published ${template.published_at ? dayAndTime(template.published_at) : ''}`.trim()
    : `Version ${template.version}, draft`;
}

function say(ctx, outcome, words) {
  outcome.textContent = words;
  outcome.focus();
  ctx.announce(words);
}

export async function renderTemplate(main, templateId, ctx) {
  const said = arrival && arrival.id === templateId ? arrival.words : null;
  arrival = null;
  document.title = 'Look-for template · Rounds';
  const heading = h('h1', { tabindex: '-1' }, 'Look-for template');
  const body = h('div', { class: 'template-page' }, h('p', { class: 'muted loading', role: 'status' }, 'Loading…'));
  main.append(h('p', { class: 'back-link' }, h('a', { href: '#/templates' }, 'All templates')), heading, body);
  let template;
  let history;
  let published;
  try {
    [template, history, { templates: published }] = await Promise.all([adminCall('GET', path(templateId)),
      adminCall('GET', `${path(templateId)}/versions`), adminCall('GET', '/api/templates?status=published')]);
  } catch (error) {
    if (error.status === 404) {
      heading.textContent = 'Not found';
      body.replaceChildren(h('p', { class: 'message', role: 'alert' },
        'There is no such template among those you may read.'));
    } else {
      body.replaceChildren(h('p', { class: 'message', role: 'alert' }, trouble(error, NEEDS_CONNECTION, NOT_YOURS)));
    }
    return null;
  }
  const names = namesOf(ctx.reference);
  const summary = h('p', { class: 'muted template-summary' });
  const outcome = h('p', { class: 'outcome', tabindex: '-1', role: 'status' });
  const showHead = () => {
    document.title = `${template.name} · Look-for templates · Rounds`;
    heading.textContent = template.name;
    summary.replaceChildren(`${scopeWords(template.school_id, names)} · Version ${template.version} · `,
      h('span', { class: `tag ${template.status === 'draft' ? 'is-draft' : 'is-published'}` },
        template.status === 'draft' ? 'Draft' : 'Published'));
  };
  const preview = previewSection(() => template);
  // What leaving the screen stops: this page's preview, or that of the page it was redrawn as.
  let stop = preview.stop;
  const reopen = async (words) => {
    sayOnArrival(template.id, words);
    preview.stop();
    main.replaceChildren();
    stop = (await renderTemplate(main, template.id, ctx)) || (() => {});
    const said = main.querySelector('.outcome');
    if (said) said.focus();
  };
  const parts = [];
  if (template.status === 'draft' && mayWrite(ctx.me, template)) {
    parts.push(draftSection(template, ctx, outcome, (saved) => {
      template = saved;
      showHead();
      preview.refresh();
    }), preview.element, publishSection(template, ctx, reopen));
  } else {
    parts.push(publishedSection(template, history, ctx), preview.element);
  }
  parts.push(historySection(template, history), schoolsSection(template, published, ctx));
  showHead();
  body.replaceChildren(summary, outcome, ...parts);
  if (said) {
    outcome.textContent = said;
    ctx.announce(said);
  }
  return () => stop();
}

// --- a draft ----------------------------------------------------------------------------------
function draftSection(template, ctx, outcome, saved) {
  const form = templateForm({ ctx, template, title: 'Edit the draft', submitWords: 'Save draft', save: async (body) => {
    const answer = await adminCall('PATCH', path(template.id), body);
    saved(answer);
    say(ctx, outcome, `Saved. Version ${answer.version} is still a draft: observers see it once you publish it.`);
  } });
  return h('section', { class: 'card view-section', 'aria-labelledby': 'draft-title' },
    h('h2', { id: 'draft-title' }, 'Edit the draft'), form);
}

function publishSection(template, ctx, reopen) {
  const problem = h('p', { class: 'message', role: 'alert' });
  const publish = async () => {
    problem.textContent = '';
    const sure = await confirmDialog({ title: `Publish version ${template.version} of ${template.name}?`,
      body: ['Observers get it at their next sync, and use it for their next walkthroughs at the schools it is for.',
        `Version ${template.version} never changes afterwards: to change it, you edit it into a new version.`,
        'It is published as it was last saved: save your changes first.'],
      confirm: `Publish version ${template.version}` });
    if (!sure) return;
    try {
      await adminCall('POST', `${path(template.id)}/publish`);
    } catch (error) {
      problem.textContent = trouble(error, NEEDS_CONNECTION, NOT_YOURS);
      return;
    }
    await reopen(`Version ${template.version} is published. Observers get it at their next sync; it never changes now.`);
  };
  return h('section', { class: 'card view-section', 'aria-labelledby': 'publish-title' },
    h('h2', { id: 'publish-title' }, 'Publish'),
    h('p', {}, 'Observers see nothing of a draft. Once published, this version reaches their tablets at the next sync '
      + 'and never changes again.'),
    problem,
    h('p', { class: 'actions' }, h('button', { type: 'button', class: 'button primary', onclick: publish },
      `Publish version ${template.version}`)));
}

// --- a published version ----------------------------------------------------------------------
function publishedSection(template, history, ctx) {
  const section = h('section', { class: 'card view-section', 'aria-labelledby': 'change-title' },
    h('h2', { id: 'change-title' }, template.status === 'draft' ? 'A draft' : 'A published version'));
  if (!mayWrite(ctx.me, template)) {
    section.append(h('p', {}, template.school_id ? 'You may read this template but not change it.'
      : 'This template is district-wide: you may read it; district staff and district admins change it.'));
    return section;
  }
  const draft = history.versions.find((v) => v.status === 'draft');
  const newest = Math.max(...history.versions.map((v) => v.version));
  const words = `Version ${template.version} is published and never changes, so observations recorded with it keep `
    + 'their meaning.';
  if (draft) {
    section.append(h('p', {}, words), h('p', {}, `Version ${draft.version} is a draft already: change that one.`),
      h('p', { class: 'actions' }, h('a', { class: 'button primary', href: `#/templates/${encodeURIComponent(draft.id)}` },
        `Open version ${draft.version} (draft)`)));
    return section;
  }
  const problem = h('p', { class: 'message', role: 'alert' });
  const make = async () => {
    problem.textContent = '';
    try {
      const made = await adminCall('PATCH', path(template.id), {});
      sayOnArrival(made.id, `Version ${made.version} is a new draft, a copy of version ${template.version}. Observers `
        + `keep version ${template.version} until you publish this one.`);
      ctx.navigate(`#/templates/${encodeURIComponent(made.id)}`);
    } catch (error) {
      const existing = error.status === 409 && error.fields?.id?.[0];
      if (!existing) {
        problem.textContent = trouble(error, NEEDS_CONNECTION, NOT_YOURS);
        return;
      }
      sayOnArrival(existing, 'This template already had a draft: here it is.');
      ctx.navigate(`#/templates/${encodeURIComponent(existing)}`);
    }
  };
  section.append(h('p', {}, words),
    h('p', {}, `Editing it makes version ${newest + 1}, a draft with the same look-fors, and opens it. Observers keep `
      + `version ${template.version} until you publish version ${newest + 1}.`),
    problem,
    h('p', { class: 'actions' }, h('button', { type: 'button', class: 'button primary', onclick: make },
      `Edit as a new version (${newest + 1}, a draft)`)));
  return section;
}

// --- preview ----------------------------------------------------------------------------------
/** The saved look-fors as Capture draws them: the one standing for the task demand as on the Task
 * pane, the others as in the Look-fors part. Answers go nowhere. */
function previewSection(current) {
  let stops = [];
  const area = h('div', { id: 'template-preview', class: 'capture-preview', hidden: true });
  const toggle = h('button', { type: 'button', class: 'button secondary', 'aria-expanded': 'false',
    'aria-controls': 'template-preview' }, 'Preview as the observer sees it on Capture');
  const stop = () => {
    stops.forEach((pause) => pause());
    stops = [];
  };
  const draw = () => {
    stop();
    const template = current();
    const ignore = () => {};
    const bound = template.lookfors.filter((lookfor) => lookfor.binds);
    const controls = lookforControls(template.lookfors.filter((lookfor) => !lookfor.binds), {}, ignore);
    stops.push(controls.stop);
    // Through h(): replaceChildren itself would write a null part as the text "null".
    area.replaceChildren(...h('div', {},
      h('p', { class: 'muted' }, `Version ${template.version} as it is saved. Try the controls: nothing is recorded.`),
      bound.length ? h('section', { class: 'preview-part', 'aria-labelledby': 'preview-task-title' },
        h('h3', { id: 'preview-task-title' }, 'On the Task pane'),
        bound.map((lookfor) => h('div', { class: 'task-demand' }, lookforControl(lookfor, null, ignore, stops)))) : null,
      h('section', { class: 'preview-part lookfors', 'aria-labelledby': 'preview-lookfors-title' },
        h('h3', { id: 'preview-lookfors-title' }, 'Look-fors'),
        h('p', { class: 'muted' }, template.name),
        template.problem_of_practice ? h('p', { class: 'problem' }, 'Problem of practice: ', template.problem_of_practice)
          : null,
        bound.map((lookfor) => h('p', { class: 'muted bound-elsewhere' }, `${lookfor.label}: in the Task pane.`)),
        controls.element)).childNodes);
  };
  toggle.addEventListener('click', () => {
    const opening = area.hidden;
    area.hidden = !opening;
    toggle.setAttribute('aria-expanded', String(opening));
    if (opening) draw();
    else stop();
  });
  const element = h('section', { class: 'card view-section', 'aria-labelledby': 'preview-title' },
    h('h2', { id: 'preview-title' }, 'Preview'), h('p', { class: 'actions' }, toggle), area);
  return { element, stop, refresh: () => { if (!area.hidden) draw(); } };
}

// --- history and schools ----------------------------------------------------------------------
/** "Published by A; made by B", leaving out whoever is not recorded (a template seeded by a script). */
function byWhom(version) {
  const said = [version.published_by ? `Published by ${version.published_by.name}` : null,
    version.created_by ? `made by ${version.created_by.name}` : null].filter(Boolean).join('; ');
  return said ? said[0].toUpperCase() + said.slice(1) : 'Not recorded';
}

function historySection(template, history) {
  const kind = new Map(KINDS);
  return h('section', { class: 'card view-section', 'aria-labelledby': 'history-title' },
    h('h2', { id: 'history-title' }, 'Versions'),
    h('p', { class: 'muted' }, `${plural(template.lookfors.length, 'look-for')} in this version: `
      + `${template.lookfors.map((l) => `${l.label} (${kind.get(l.kind) || l.kind})`).join('; ')}.`),
    h('table', { class: 'template-table' },
      h('thead', {}, h('tr', {}, ['Version', 'Status', 'Published', 'By'].map((words) => h('th', { scope: 'col' }, words)))),
      h('tbody', {}, history.versions.map((v) => h('tr', { 'aria-current': v.id === template.id ? 'page' : null },
        h('th', { scope: 'row' }, v.id === template.id ? `Version ${v.version} (this one)`
          : h('a', { href: `#/templates/${encodeURIComponent(v.id)}` }, `Version ${v.version}`)),
        h('td', {}, v.status === 'draft' ? 'Draft' : 'Published'),
        h('td', {}, v.published_at ? dayAndTime(v.published_at) : 'Not yet'),
        h('td', {}, byWhom(v)))))));
}

/** What each school covered by the template uses: this family's version, another template, or none. */
function schoolsSection(template, published, ctx) {
  const schools = [...(ctx.reference?.schools || [])]
    .filter((s) => !template.school_id || s.id === template.school_id).sort((a, b) => a.name.localeCompare(b.name));
  const uses = (school) => {
    const chosen = templateFor(published, school.id);
    if (!chosen) return 'No published template: walkthroughs there start without look-fors.';
    if (chosen.family_id === template.family_id) return `Version ${chosen.version} of this template`;
    return `Another template: ${chosen.name}, version ${chosen.version}`;
  };
  return h('section', { class: 'card view-section', 'aria-labelledby': 'schools-title' },
    h('h2', { id: 'schools-title' }, 'Which schools use which version'),
    h('p', { class: 'muted' }, 'At each school, observers use one template: the newest published version of the '
      + 'school\'s own template, else of a district-wide one (the most recently published first). Their tablets get '
      + 'it at their next sync.'),
    schools.length ? h('table', { class: 'template-table template-schools' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'School'), h('th', { scope: 'col' }, 'Observers use'))),
      h('tbody', {}, schools.map((school) => h('tr', {}, h('th', { scope: 'row' }, school.name), h('td', {}, uses(school))))))
      : h('p', {}, 'No school of yours is on this tablet yet: they come with the next sync.'));
}
