/**
 * #/my-ratings: how teachers rated the signed-in observer's feedback (online only): the ratings
 * 1 to 5 as bars with their n, and their quartiles. No teacher is named. For someone who has
 * never observed the API answers 404 and the screen says there is nothing here yet; offline it
 * says reports need a connection.
 */
import { h } from '../ui.js';
import { bars, nWords, number, table } from './charts.js';
import { csvLink, fetchReport, problem, useStylesheet } from './report-page.js';

const TITLE = 'How teachers rated my feedback';
const NOT_YOURS = 'There is nothing here for you: this shows how teachers rated the feedback you gave them.';

function figures(report) {
  const usefulness = report.usefulness;
  if (!usefulness.n_observations) {
    return [h('p', { class: 'muted' }, 'No teacher has rated your feedback yet.')];
  }
  const quartiles = usefulness.quartiles;
  return [
    bars('How useful teachers rated your feedback (1 to 5)', nWords(usefulness),
      usefulness.levels.map((l) => ({ label: l.level, count: l.count }))),
    quartiles ? table('The spread of your ratings', ['Measure', 'Rating'], [['Lowest', number(quartiles.min)],
      ['First quartile', number(quartiles.q1)], ['Median', number(quartiles.median)],
      ['Third quartile', number(quartiles.q3)], ['Highest', number(quartiles.max)]]) : null,
  ];
}

export async function render(main, params, ctx) {
  document.title = `${TITLE} · Rounds`;
  useStylesheet();
  const results = h('div', { class: 'report-results' }, h('p', { class: 'muted loading', role: 'status' }, 'Loading figures…'));
  main.append(h('h1', { tabindex: '-1' }, TITLE),
    h('p', { class: 'lede' }, 'The ratings teachers gave the feedback you shared with them, 1 (not useful) to 5 '
      + '(very useful). No teacher is named.'),
    h('p', {}, h('a', { href: '#/commitments' }, 'Back to My commitments')),
    results);
  try {
    const report = await fetchReport('my-feedback', {});
    results.replaceChildren(h('section', { class: 'card view-section report-part', 'aria-label': TITLE },
      figures(report), h('p', { class: 'actions' }, csvLink('my-feedback', {}))));
  } catch (error) {
    results.replaceChildren(problem(error, NOT_YOURS));
  }
}
