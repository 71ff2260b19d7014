/**
 * #/reports/<report>: district staff's reports (online only), one at a time: Coverage (the
 * default), Look-fors, Feedback loop, Instructional core. A filter form (school from the tablet's
 * reference data, from/to, grade, subject, template version; days for coverage) narrows the
 * figures. The filters live in the address, `#/reports/<report>?school=…&from=…` (the same names
 * as the API's), so that a view can be bookmarked, shared and reloaded; the report tabs carry them.
 * Showing other figures pushes a history entry without re-rendering the screen, so Back returns to
 * the previous filters. Each report has its "Download CSV" of the same figures with the same
 * filters. For anyone but district staff the API answers 404 and the screen says there is nothing
 * here for them; offline it says reports need a connection.
 */
import { h, namesOf, uid } from '../ui.js';
import { bars, boxes, nWords, number, share, spread, stacked, table } from './charts.js';
import { csvLink, fetchReport, problem, useStylesheet } from './report-page.js';

const REPORTS = [['coverage', 'Coverage'], ['lookfors', 'Look-fors'], ['feedback-loop', 'Feedback loop'],
  ['core', 'Instructional core']];
const NOT_YOURS = 'There is nothing here for you: reports are for district staff.';
const STATES = { kept_on_time: 'Kept on time', kept_late: 'Kept late', overdue: 'Overdue', open: 'Open, not yet due' };
// In the order they are written in the address and the API's query.
const FILTERS = ['school', 'from', 'to', 'grade', 'subject', 'template', 'days'];

/** The filters in the query part of a `#/reports/<report>?…` address, every one a string. */
function filtersIn(hash) {
  const query = new URLSearchParams(hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : '');
  return Object.fromEntries(FILTERS.map((key) => [key, (query.get(key) || '').trim()]));
}

function addressOf(name, filters) {
  const query = new URLSearchParams(FILTERS.filter((key) => filters[key]).map((key) => [key, filters[key]]));
  const text = query.toString();
  return `#/reports/${name}${text ? `?${text}` : ''}`;
}

const levelRows = (distribution) => distribution.levels.map((l) => ({ label: l.level, count: l.count }));

function section(title, ...content) {
  const id = uid('report-part');
  return h('section', { class: 'card view-section report-part', 'aria-labelledby': id }, h('h2', { id }, title), content);
}

// --- Coverage ---------------------------------------------------------------------------------
function shade(visits, most) {
  if (!visits) return 'shade-0';
  return `shade-${Math.min(3, Math.ceil((visits / most) * 3))}`;
}

function weeksGrid(weeks) {
  const most = Math.max(1, ...weeks.schools.flatMap((s) => s.cells.map((c) => c.n_observations)));
  const caption = 'Visits each week, per school (distinct teachers visited in brackets; weeks start on Monday)';
  return h('div', { class: 'scroll-box', role: 'region', 'aria-label': caption, tabindex: '0' },
    h('table', { class: 'figures weeks-grid' }, h('caption', {}, caption),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'School'),
        weeks.weeks.map((week) => h('th', { scope: 'col' }, week)))),
      h('tbody', {}, weeks.schools.map((school) => h('tr', {}, h('th', { scope: 'row' }, school.school),
        school.cells.map((cell) => h('td', { class: shade(cell.n_observations, most) },
          `${cell.n_observations} (${cell.n_teachers})`)))))));
}

function coverage(report) {
  const perTeacher = report.visits_per_teacher;
  const load = report.observers;
  return [
    section(`Teachers not visited in the last ${report.days} days`,
      table('Teachers not visited, per school', ['School', 'Active teachers', 'Not visited'],
        report.not_visited.map((s) => [s.school, number(s.n_teachers), number(s.n_not_visited)])),
      report.not_visited.filter((s) => s.teachers.length).map((s) => h('details', {},
        h('summary', {}, `Who, at ${s.school}`),
        h('ul', {}, s.teachers.map((t) => h('li', {}, `${t.teacher}: `, t.last_visit
          ? `last visited ${t.last_visit} (${t.days_since_last_visit} days ago)` : 'never visited')))))),
    section('Visits each week', report.weeks.weeks.length ? weeksGrid(report.weeks)
      : h('p', { class: 'muted' }, 'No visits to show.')),
    section('Visits per teacher',
      spread('Visits per teacher, all schools', `${number(perTeacher.overall.n_teachers)} teachers, `
        + `${number(perTeacher.overall.n_observations)} visits`, perTeacher.overall.quartiles,
      perTeacher.overall.histogram, 'visits'),
      perTeacher.by_school.map((s) => spread(`Visits per teacher at ${s.school}`, `${number(s.n_teachers)} teachers, `
        + `${number(s.n_observations)} visits`, s.quartiles, s.histogram, 'visits'))),
    section("Observers' load",
      spread('Visits per observer', `${number(load.distribution.n_observers)} observers, `
        + `${number(load.distribution.n_observations)} visits`, load.distribution.quartiles,
      load.distribution.histogram, 'visits'),
      table('Each observer, busiest first', ['Observer', 'Visits', 'Different teachers'],
        load.per_observer.map((o) => [o.observer, number(o.n_observations), number(o.n_teachers)]))),
  ];
}

// --- Look-fors --------------------------------------------------------------------------------
const GROUPS = [['by_school', 'school', 'School'], ['by_grade', 'grade', 'Grade'], ['by_subject', 'subject', 'Subject'],
  ['by_month', 'month', 'Month']];

const groupName = (g, field) => g[field] || 'Not recorded';

function groupTable(lookfor, [key, field, word]) {
  const groups = lookfor[key];
  const caption = `${lookfor.label} by ${word.toLowerCase()}`;
  if (lookfor.levels) {
    return table(caption, [word, ...lookfor.levels, 'Unreadable', 'Walkthroughs', 'Teachers'],
      groups.map((g) => [groupName(g, field), ...g.levels.map((l) => number(l.count)), number(g.unreadable),
        number(g.n_observations), number(g.n_teachers)]));
  }
  if (lookfor.unit) {
    return table(`${caption} (${lookfor.unit})`, [word, 'Smallest', 'First quartile', 'Median', 'Third quartile',
      'Largest', 'Walkthroughs', 'Teachers'], groups.map((g) => [groupName(g, field),
      ...['min', 'q1', 'median', 'q3', 'max'].map((q) => number(g.quartiles?.[q])),
      number(g.n_observations), number(g.n_teachers)]));
  }
  return table(caption, [word, 'Walkthroughs answered', 'Teachers'],
    groups.map((g) => [groupName(g, field), number(g.n_observations), number(g.n_teachers)]));
}

/** Levels per group, with "Unreadable" as one more segment when some group has answers that fit no level. */
function levelsChart(title, n, levels, groups, name, numbers) {
  const unreadable = groups.some((g) => g.unreadable);
  return stacked(title, n, unreadable ? [...levels, 'Unreadable'] : levels,
    groups.map((g) => ({ label: name(g), n: nWords(g),
      counts: [...g.levels.map((l) => l.count), ...(unreadable ? [g.unreadable] : [])] })), numbers);
}

/** A look-for by school, grade, subject or month: a chart over its table, or the table alone for text. */
function groupFigure(lookfor, group) {
  const [key, field, word] = group;
  const groups = lookfor[key];
  if (!groups.length) return null;
  const title = `${lookfor.label} by ${word.toLowerCase()}`;
  const numbers = groupTable(lookfor, group);
  // A grade alone ("3") says little in a chart's row; the table has its column heading.
  const name = (g) => (field === 'grade' && g.grade ? `Grade ${g.grade}` : groupName(g, field));
  if (lookfor.levels) return levelsChart(title, nWords(lookfor.overall), lookfor.levels, groups, name, numbers);
  if (lookfor.unit) {
    return boxes(title, nWords(lookfor.overall), groups.map((g) => ({ label: name(g), n: nWords(g),
      quartiles: g.quartiles })), lookfor.unit, numbers);
  }
  return numbers;
}

function lookforPart(lookfor) {
  const overall = lookfor.overall;
  let picture;
  if (lookfor.levels) {
    picture = [bars(lookfor.label, nWords(overall), levelRows(overall)),
      overall.unreadable ? h('p', { class: 'muted' }, `${overall.unreadable} answers fit no level (counted in n).`) : null];
  } else if (lookfor.unit) {
    picture = spread(lookfor.label, nWords(overall), overall.quartiles, overall.histogram, lookfor.unit);
  } else {
    picture = h('p', {}, `Answered in ${nWords(overall)}.`);
  }
  return h('div', { class: 'lookfor-part', 'data-lookfor': lookfor.key },
    h('h3', {}, lookfor.label), picture,
    h('details', {}, h('summary', {}, 'By school, grade, subject and month'),
      GROUPS.map((group) => groupFigure(lookfor, group))));
}

function lookfors(report) {
  if (!report.templates.length) return [h('p', { class: 'muted' }, 'No submitted walkthroughs match these filters.')];
  return report.templates.map((t) => section(`${t.name}, version ${t.version} (${nWords(t)})`,
    t.lookfors.map(lookforPart)));
}

// --- Feedback loop ----------------------------------------------------------------------------
function loopFigures(group, where) {
  const { released, acknowledged, usefulness, commitments } = group;
  return [
    h('p', {}, `Feedback released for ${number(released.n_observations)} of ${number(group.n_observations)} visits `
      + `(${share(released.share_of_visits)}); acknowledged by the teacher for ${number(acknowledged.n_observations)} `
      + `of those (${share(acknowledged.share_of_released)}).`),
    spread(`Hours from visit to released feedback${where}`, nWords(released),
      released.hours_to_release.quartiles, released.hours_to_release.histogram, 'hours'),
    spread(`Hours from release to acknowledgement${where}`, nWords(acknowledged),
      acknowledged.hours_to_acknowledge.quartiles, acknowledged.hours_to_acknowledge.histogram, 'hours'),
    bars(`How useful teachers rated the feedback (1 to 5)${where}`, nWords(usefulness), levelRows(usefulness)),
    bars(`Support commitments${where}`, nWords(commitments),
      commitments.states.map((s) => ({ label: STATES[s.state] || s.state, count: s.count }))),
  ];
}

function feedbackLoop(report) {
  return [section('All schools', loopFigures(report.overall, '')),
    ...report.by_school.map((school) => section(school.school, loopFigures(school, ` at ${school.school}`)))];
}

// --- Instructional core -----------------------------------------------------------------------
function core(report) {
  const demand = report.task_demand;
  const inference = report.inference;
  const inferenceRow = (g, first) => [first, number(g.n_notes), number(g.n_inference), share(g.share_inference),
    number(g.n_observations), number(g.n_teachers)];
  const inferenceHeaders = ['Notes', 'Marked inference', 'Share', 'Walkthroughs', 'Teachers'];
  return [
    section('Task demand',
      bars('Task demand, all months', nWords(demand.overall), levelRows(demand.overall)),
      demand.by_month.length ? levelsChart('Task demand by month', nWords(demand.overall), demand.levels,
        demand.by_month, (m) => m.month,
        table('Task demand by month', ['Month', ...demand.levels, 'Unreadable', 'Walkthroughs', 'Teachers'],
          demand.by_month.map((m) => [m.month, ...m.levels.map((l) => number(l.count)), number(m.unreadable),
            number(m.n_observations), number(m.n_teachers)]))) : null),
    section('Notes marked as inference',
      h('p', {}, `${number(inference.overall.n_inference)} of ${number(inference.overall.n_notes)} evidence notes `
        + `(${share(inference.overall.share_inference)}) were marked as inference, in ${nWords(inference.overall)}.`),
      bars('Notes marked as inference, by month', nWords(inference.overall),
        inference.by_month.map((m) => ({ label: m.month, count: m.n_inference }))),
      table('Inference by month', ['Month', ...inferenceHeaders], inference.by_month.map((m) => inferenceRow(m, m.month))),
      table('Inference by month and school', ['Month and school', ...inferenceHeaders],
        inference.by_month_and_school.map((m) => inferenceRow(m, `${m.month}, ${m.school}`)))),
  ];
}

const SHOW = { coverage, lookfors, 'feedback-loop': feedbackLoop, core };

// --- the screen -------------------------------------------------------------------------------
function field(label, input) {
  input.id = uid('filter');
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input,
    h('p', { class: 'field-error', 'data-for': input.name }));
}

function filterForm(ctx, name, filters, apply) {
  const names = namesOf(ctx.reference);
  const schools = [...(ctx.reference?.schools || [])].sort((a, b) => a.name.localeCompare(b.name));
  const templates = ctx.reference?.templates || [];
  const select = (key, first, options) => h('select', { name: key },
    h('option', { value: '' }, first),
    options.map(([value, words]) => h('option', { value, selected: filters[key] === value }, words)));
  const input = (key, type) => h('input', { name: key, type, value: filters[key] });
  const form = h('form', { class: 'card report-filters', 'aria-label': 'Filters', novalidate: true },
    h('div', { class: 'filter-fields' },
      field('School', select('school', 'All my schools', schools.map((s) => [s.id, names.school(s.id)]))),
      field('From', input('from', 'date')),
      field('To', input('to', 'date')),
      field('Grade', input('grade', 'text')),
      field('Subject', input('subject', 'text')),
      field('Template version', select('template', 'Every version',
        templates.map((t) => [t.id, `${t.name}, version ${t.version}`]))),
      name === 'coverage' ? field('Not visited in the last … days', h('input', {
        name: 'days', type: 'number', min: '1', inputmode: 'numeric', value: filters.days, placeholder: '30' })) : null),
    h('p', { class: 'actions' }, h('button', { type: 'submit', class: 'button primary' }, 'Show figures')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    // A filter this report has no field for (days, away from Coverage) stays as it was.
    apply(Object.fromEntries(FILTERS.map((key) => [key, form.elements[key] ? form.elements[key].value.trim()
      : filters[key]])));
  });
  return form;
}

function showFieldErrors(form, error) {
  for (const slot of form.querySelectorAll('.field-error')) {
    const messages = error?.fields?.[slot.dataset.for];
    slot.textContent = messages ? [].concat(messages).join(' ') : '';
    const input = form.elements[slot.dataset.for];
    if (input) input.setAttribute('aria-invalid', messages ? 'true' : 'false');
  }
}

export async function render(main, params, ctx) {
  // The address is `#/reports/<report>?<filters>`: the router hands the query on with the name.
  const requested = (params[0] || '').split('?')[0];
  const name = SHOW[requested] ? requested : 'coverage';
  const title = REPORTS.find(([key]) => key === name)[1];
  document.title = `Reports: ${title} · Rounds`;
  useStylesheet();
  let filters = filtersIn(location.hash);
  const results = h('div', { class: 'report-results' });
  const tabs = REPORTS.map(([key, words]) => h('a', { href: addressOf(key, filters),
    'aria-current': key === name ? 'page' : null }, words));
  let form = null;
  let asked = 0;
  const load = async (announce) => {
    asked += 1;
    const mine = asked;
    const current = Object.fromEntries(FILTERS.filter((key) => key !== 'days' || name === 'coverage')
      .map((key) => [key, filters[key]]));
    results.replaceChildren(h('p', { class: 'muted loading', role: 'status' }, 'Loading figures…'));
    let report;
    try {
      report = await fetchReport(name, current);
    } catch (error) {
      if (mine !== asked) return;
      showFieldErrors(form, error);
      if (error.status === 404) form.hidden = true;
      results.replaceChildren(problem(error, NOT_YOURS));
      return;
    }
    if (mine !== asked) return;
    showFieldErrors(form, null);
    results.replaceChildren(h('p', { class: 'actions' }, csvLink(name, current)), ...SHOW[name](report));
    if (announce) ctx.announce('Figures updated.');
  };
  form = filterForm(ctx, name, filters, (chosen) => {
    filters = chosen;
    const address = addressOf(name, filters);
    // Not through the router: the screen stays, with focus where it is; Back gives the previous filters.
    if (address !== location.hash) history.pushState(null, '', address);
    tabs.forEach((tab, i) => tab.setAttribute('href', addressOf(REPORTS[i][0], filters)));
    load(true);
  });
  main.append(h('h1', { tabindex: '-1' }, 'Reports'),
    h('p', { class: 'lede' }, 'Distributions across the schools in your scope, each with its n: read n before the figure.'),
    h('nav', { class: 'report-tabs', 'aria-label': 'Reports' },
      h('ul', {}, tabs.map((tab) => h('li', {}, tab)))),
    h('h2', { class: 'report-title' }, title), form, results);
  await load(false);
}
