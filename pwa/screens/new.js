/**
 * New walkthrough (#/new): school, teacher, start: at most three taps, recent choices first.
 *
 * A person with one school skips the school step. The teachers are the people of that school
 * with the 'teacher' role, except the observer. The template is the school's published one,
 * preferred over a district-wide one (school_id null), latest version first; with none the
 * walkthrough starts without look-fors. "Start walkthrough" calls `startObservation` and opens
 * #/capture/<id>. Each step's heading takes focus when it appears.
 */
import { recentChoices, startObservation } from '../records.js';
import { h, hasRole, writeProblem } from '../ui.js';

/** Recent ids first (most recent first), then the rest by name. */
function ordered(items, recentIds) {
  const rank = new Map(recentIds.map((id, index) => [id, index]));
  return [...items].sort((a, b) => {
    const ra = rank.has(a.id) ? rank.get(a.id) : Infinity;
    const rb = rank.has(b.id) ? rank.get(b.id) : Infinity;
    return ra - rb || a.name.localeCompare(b.name);
  }).map((item) => ({ ...item, recent: rank.has(item.id) }));
}

/** The template an observer at this school uses, or null: the latest published version of each
 * family; the school's own before the district's; then the most recently published. */
export function templateFor(templates, schoolId) {
  const latest = new Map();
  for (const t of templates) {
    if (t.status !== 'published' || (t.school_id !== schoolId && t.school_id !== null)) continue;
    const kept = latest.get(t.family_id);
    if (!kept || t.version > kept.version) latest.set(t.family_id, t);
  }
  const fitting = [...latest.values()].sort((a, b) => (b.school_id === schoolId) - (a.school_id === schoolId)
    || (b.published_at || '').localeCompare(a.published_at || '') || a.name.localeCompare(b.name));
  return fitting[0] || null;
}

function choiceList(items, onChoose) {
  return h('ul', { class: 'choices' }, items.map((item) => h('li', {},
    h('button', { type: 'button', class: 'choice', onclick: () => onChoose(item) },
      h('span', {}, item.name),
      // The space keeps "Recent" a word of its own in the button's accessible name.
      item.recent ? [' ', h('span', { class: 'choice-note' }, 'Recent')] : null))));
}

export async function render(main, params, ctx) {
  document.title = 'New walkthrough · Rounds';
  main.append(h('h1', {}, 'New walkthrough'));
  if (!hasRole(ctx.me, 'observer')) {
    main.append(h('p', {}, 'Only observers start walkthroughs. Ask your Rounds admin if you should be one.'));
    return null;
  }
  const { schools, people, templates } = ctx.reference;
  const recent = await recentChoices();
  const myId = ctx.me.person.id;
  const step = h('div', { class: 'step' });
  const problem = h('p', { class: 'message', role: 'alert' });
  main.append(step, problem);
  const oneSchool = schools.length === 1;
  let school = oneSchool ? schools[0] : null;
  let teacher = null;

  function show(heading, ...content) {
    const title = h('h2', { tabindex: '-1' }, heading);
    step.replaceChildren(title, ...content);
    return title;
  }

  function chooseSchool(moveFocus) {
    teacher = null;
    if (!schools.length) {
      show('No school yet', h('p', {}, 'You are not linked to a school in Rounds yet. Ask your Rounds admin.'));
      return;
    }
    const title = show('Which school?', choiceList(ordered(schools, recent.schools), (chosen) => {
      school = chosen;
      chooseTeacher(true);
    }));
    if (moveFocus) title.focus();
  }

  function chooseTeacher(moveFocus) {
    teacher = null;
    const teachers = people.filter((p) => p.school_id === school.id && p.roles.includes('teacher') && p.id !== myId);
    const back = oneSchool ? null
      : h('button', { type: 'button', class: 'button secondary small', onclick: () => chooseSchool(true) }, 'Change school');
    const list = teachers.length
      ? choiceList(ordered(teachers, recent.teachers), (chosen) => {
        teacher = chosen;
        confirmStart();
      })
      : h('p', {}, `No teachers at ${school.name} are in Rounds yet.`);
    const title = show('Which teacher?', h('p', { class: 'chosen' }, school.name, ' ', back), list);
    if (moveFocus) title.focus();
  }

  function confirmStart() {
    const template = templateFor(templates, school.id);
    const start = h('button', { type: 'button', class: 'button primary start' }, 'Start walkthrough');
    start.addEventListener('click', async () => {
      start.disabled = true;
      problem.textContent = '';
      try {
        const id = await startObservation({
          school_id: school.id, teacher_id: teacher.id,
          template_id: template ? template.id : null, template_version: template ? template.version : null,
        });
        ctx.navigate(`#/capture/${id}`);
      } catch (error) {
        problem.textContent = writeProblem(error);
        start.disabled = false;
      }
    });
    const title = show('Ready to start',
      h('dl', { class: 'details' },
        h('dt', {}, 'Teacher'), h('dd', {}, teacher.name),
        h('dt', {}, 'School'), h('dd', {}, school.name),
        h('dt', {}, 'Look-fors'), h('dd', {}, template
          ? `${template.name} (version ${template.version})`
          : 'None for this school: you will record notes only.')),
      start,
      h('p', {}, h('button', { type: 'button', class: 'button secondary small', onclick: () => chooseTeacher(true) },
        'Change teacher')));
    title.focus();
  }

  if (school) chooseTeacher(false);
  else chooseSchool(false);
  return null;
}
