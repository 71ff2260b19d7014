/**
 * #/calibration-report, for district staff (online only): which look-fors observers read
 * differently, from every co-observed lesson of the schools they study that all its observers
 * submitted (GET /api/reports/calibration). One row per look-for, least alike first: lessons (n),
 * same answer, within one level (scales), Krippendorff's alpha and the reading. No observer is
 * named or ranked. Anyone else is told the figures are for district staff.
 */
import { h, plural } from '../ui.js';
import { table } from './charts.js';
import { coefficientText, shareText } from './calibration.js';
import { fetchReport, problem, useStylesheet } from './report-page.js';

const TITLE = 'Calibration across the district';
const NOT_YOURS = 'These figures are for district staff. Your own calibration results are under My calibration.';

export async function render(main) {
  document.title = `${TITLE} · Rounds`;
  useStylesheet();
  const results = h('div', { class: 'report-results' }, h('p', { class: 'muted loading', role: 'status' }, 'Loading figures…'));
  main.append(h('h1', { tabindex: '-1' }, TITLE),
    h('p', { class: 'lede' }, 'How alike observers answered each look-for when they watched the same lesson, each on '
      + 'their own tablet. Look-fors read least alike come first: they are the ones to talk through together. '
      + 'No observer is named or ranked.'),
    h('p', {}, h('a', { href: '#/reports' }, 'Back to Reports')),
    results);
  let report;
  try {
    report = await fetchReport('calibration', {});
  } catch (error) {
    results.replaceChildren(problem(error, NOT_YOURS));
    return;
  }
  if (!report.lookfors.length) {
    results.replaceChildren(h('p', {}, 'No co-observed lesson yet that every observer has submitted.'));
    return;
  }
  const rows = report.lookfors.map((line) => [line.label, plural(line.n, 'lesson'), shareText(line.exact),
    line.adjacent ? shareText(line.adjacent) : 'not a scale', coefficientText(line.alpha), line.reading]);
  results.replaceChildren(h('section', { class: 'card view-section report-part', 'aria-label': TITLE },
    h('p', {}, `From ${plural(report.co_observations, 'co-observed lesson')}.`),
    table('Agreement per look-for, least alike first',
      ['Look-for', 'Lessons', 'Same answer', 'Within one level', "Krippendorff's alpha", 'What it means'], rows)));
}
