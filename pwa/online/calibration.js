/**
 * #/calibration, "My calibration" (online only): the lessons the signed-in observer co-observed
 * once every observer has submitted (GET /api/calibration), first the agreement per look-for
 * across them (overall, then with each partner), each figure with its n and a reading in plain
 * words (look-fors no two observers answered in one lesson are only listed), then each lesson with every observer's answers side by side. docs/calibration.md says
 * what the figures mean. Offline it says it needs a connection.
 */
import { get } from '../api.js';
import { NEEDS_CONNECTION, dayAndTime, h, plural } from '../ui.js';
import { table } from './charts.js';
import { useStylesheet } from './report-page.js';

const TITLE = 'My calibration';
const CLOSENESS = { same: 'Same', next_level: 'One level apart', different: 'Different' };

/** "67% (2 of 3)" for a share, "0.42 (n = 12)" for kappa and alpha; "–" when there is none. */
export function shareText(figure) {
  if (!figure || figure.value === null) return '–';
  return `${Math.round(figure.value * 100)}% (${Math.round(figure.value * figure.n)} of ${figure.n})`;
}

export function coefficientText(figure) {
  if (!figure || figure.value === null) return '–';
  return `${figure.value.toFixed(2)} (n = ${figure.n})`;
}

export function answerText(value) {
  if (value === null || value === undefined) return 'Not answered';
  if (value === true) return 'Yes';
  if (value === false) return 'No';
  return String(value);
}

function lookforCard(line) {
  const id = `cal-${line.key}`;
  const rows = [['All observers', shareText(line.exact), line.adjacent ? shareText(line.adjacent) : 'not a scale',
    '', coefficientText(line.alpha)],
  ...line.partners.map((p) => [`You and ${p.name || 'a colleague'}`, shareText(p.exact),
    p.adjacent ? shareText(p.adjacent) : 'not a scale', coefficientText(p.kappa), ''])];
  return h('section', { class: 'card view-section report-part', 'aria-labelledby': id },
    h('h3', { id }, line.label),
    h('p', { class: 'reading' }, line.reading),
    table(`Agreement on ${line.label}, over ${plural(line.n, 'lesson')}`,
      ['Who', 'Same answer', 'Within one level', "Cohen's kappa", "Krippendorff's alpha"], rows),
    line.partners.map((p) => h('p', { class: 'muted' }, `You and ${p.name || 'a colleague'}: ${p.reading}`)));
}

function lessonCard(visit) {
  const id = `visit-${visit.co_observation_id}`;
  const names = visit.observers.map((o) => (o.you ? 'You' : o.name || 'A colleague'));
  const rows = visit.lookfors.map((lf) => [lf.label,
    ...visit.observers.map((o) => answerText((lf.values.find((v) => v.observer_id === o.id) || {}).value)),
    lf.closeness ? CLOSENESS[lf.closeness] : '–']);
  const when = visit.started_at ? dayAndTime(visit.started_at) : '';
  return h('section', { class: 'card view-section report-part', 'aria-labelledby': id },
    h('h3', { id }, `${visit.teacher_name || 'A lesson'}${when ? `, ${when}` : ''}`),
    h('p', { class: 'muted' }, `${visit.school_name || ''} · with ${names.filter((n) => n !== 'You').join(', ')}`,
      ' · ', h('a', { href: `#/observation/${visit.observation_id}` }, 'Your walkthrough')),
    rows.length ? table(`Answers in this lesson`, ['Look-for', ...names, 'Compared'], rows)
      : h('p', { class: 'muted' }, 'This walkthrough had no look-fors to compare.'));
}

export async function render(main) {
  document.title = `${TITLE} · Rounds`;
  useStylesheet();
  const results = h('div', { class: 'report-results' }, h('p', { class: 'muted loading', role: 'status' }, 'Loading…'));
  main.append(h('h1', { tabindex: '-1' }, TITLE),
    h('p', { class: 'lede' }, 'Lessons you observed together with colleagues, each on your own tablet, once everyone '
      + 'has submitted: how alike you answered each look-for, and what to talk about before the next visit.'),
    results);
  let body;
  try {
    body = await get('/api/calibration');
  } catch (error) {
    results.replaceChildren(h('p', { class: 'message', role: 'alert' }, error && error.status === 0 ? NEEDS_CONNECTION
      : `Your calibration could not be shown: ${error.message}`));
    return;
  }
  if (!body.co_observations.length) {
    results.replaceChildren(h('p', {}, 'No calibration results yet. On New walkthrough, choose Co-observe (calibration) '
      + 'and give the code to a colleague, who joins with it. Results appear here once every observer has submitted.'));
    return;
  }
  const compared = body.lookfors.filter((line) => line.n > 0);
  const notYet = body.lookfors.filter((line) => line.n === 0).map((line) => line.label);
  results.replaceChildren(
    h('h2', {}, `Agreement per look-for (${plural(body.co_observations.length, 'lesson')})`),
    ...compared.map(lookforCard),
    notYet.length ? h('p', { class: 'muted' }, `Not yet answered by two of you in the same lesson: ${notYet.join('; ')}.`) : '',
    h('h2', {}, 'Lesson by lesson'),
    ...body.co_observations.map(lessonCard));
}
