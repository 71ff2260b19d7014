/**
 * Charts for the online report screens, drawn as inline SVG by our own code.
 *
 * Every chart is a `<figure class="chart">`: a caption with its n, the picture (`role="img"`, its
 * aria-label saying what it shows with the numbers), and `<details>` "Numbers" holding the exact
 * figures as a `<table>`. No style attributes (the CSP refuses them): sizes are SVG attributes,
 * colours are classes of online/reports.css.
 *
 * - `bars(title, n, rows)`: horizontal bars, `rows` = [{label, count}] (levels, states...).
 * - `spread(title, n, quartiles, histogram, unit)`: a box plot of min, q1, median, q3 and max,
 *   and the histogram's bins as bars.
 * - `table(caption, headers, rows)`: a plain table in a box that scrolls sideways by itself.
 * - `nWords(figure)`: "4 walkthroughs of 3 teachers"; `number(x)`, `share(x)` in words.
 */
import { h, plural } from '../ui.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 600;
const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

function svg(tag, attrs, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) element.append(child);
  }
  return element;
}

export function number(value) {
  return value === null || value === undefined ? '–' : numberFormat.format(value);
}

export function share(value) {
  return value === null || value === undefined ? 'none to count' : `${Math.round(value * 100)}%`;
}

/** "4 walkthroughs of 3 teachers" (or of observers, or notes: whatever the figure counts). */
export function nWords(figure) {
  if (!figure) return '';
  const parts = [plural(figure.n_observations ?? 0, 'walkthrough')];
  if (figure.n_teachers !== undefined) parts.push(`of ${plural(figure.n_teachers, 'teacher')}`);
  return parts.join(' ');
}

export function table(caption, headers, rows) {
  return h('div', { class: 'scroll-box', role: 'region', 'aria-label': caption, tabindex: '0' },
    h('table', { class: 'figures' }, h('caption', {}, caption),
      h('thead', {}, h('tr', {}, headers.map((header) => h('th', { scope: 'col' }, header)))),
      h('tbody', {}, rows.map(([first, ...rest]) => h('tr', {}, h('th', { scope: 'row' }, first),
        rest.map((cell) => h('td', {}, cell)))))));
}

function figure(title, n, label, picture, numbers) {
  picture.setAttribute('role', 'img');
  picture.setAttribute('aria-label', label);
  return h('figure', { class: 'chart' },
    h('figcaption', {}, h('strong', {}, title), n ? h('span', { class: 'chart-n' }, ` · n = ${n}`) : null),
    picture,
    h('details', {}, h('summary', {}, 'Numbers'), numbers));
}

function shortened(text, length = 26) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

export function bars(title, n, rows) {
  const row = 30;
  const labelWidth = 210;
  const barWidth = WIDTH - labelWidth - 60;
  const most = Math.max(1, ...rows.map((r) => r.count));
  const picture = svg('svg', { viewBox: `0 0 ${WIDTH} ${rows.length * row + 4}`, width: '100%', class: 'chart-svg' },
    rows.map((r, i) => {
      const y = i * row + 2;
      const width = Math.round((r.count / most) * barWidth);
      return svg('g', {},
        svg('text', { x: labelWidth - 8, y: y + 19, 'text-anchor': 'end', class: 'chart-text' }, shortened(r.label)),
        svg('rect', { x: labelWidth, y: y + 4, width: Math.max(width, 1), height: row - 8, class: 'chart-bar' }),
        svg('text', { x: labelWidth + width + 6, y: y + 19, class: 'chart-text' }, number(r.count)));
    }));
  const label = `${title}, ${n}: ${rows.map((r) => `${r.label} ${number(r.count)}`).join(', ')}.`;
  return figure(title, n, label, picture, table(title, ['Level', 'Count'], rows.map((r) => [r.label, number(r.count)])));
}

const QUARTILE_WORDS = [['min', 'Smallest'], ['q1', 'First quartile'], ['median', 'Median'],
  ['q3', 'Third quartile'], ['max', 'Largest']];

function boxPlot(quartiles, unit) {
  const low = quartiles.min;
  const high = quartiles.max > low ? quartiles.max : low + 1;
  const x = (value) => 20 + ((value - low) / (high - low)) * (WIDTH - 40);
  return svg('svg', { viewBox: `0 0 ${WIDTH} 84`, width: '100%', class: 'chart-svg' },
    svg('line', { x1: x(quartiles.min), x2: x(quartiles.max), y1: 32, y2: 32, class: 'chart-line' }),
    svg('line', { x1: x(quartiles.min), x2: x(quartiles.min), y1: 20, y2: 44, class: 'chart-line' }),
    svg('line', { x1: x(quartiles.max), x2: x(quartiles.max), y1: 20, y2: 44, class: 'chart-line' }),
    svg('rect', { x: x(quartiles.q1), y: 14, width: Math.max(x(quartiles.q3) - x(quartiles.q1), 1), height: 36,
      class: 'chart-box' }),
    svg('line', { x1: x(quartiles.median), x2: x(quartiles.median), y1: 14, y2: 50, class: 'chart-median' }),
    svg('text', { x: x(quartiles.min), y: 72, 'text-anchor': 'start', class: 'chart-text' }, number(quartiles.min)),
    svg('text', { x: x(quartiles.max), y: 72, 'text-anchor': 'end', class: 'chart-text' },
      `${number(quartiles.max)} ${unit}`),
    svg('text', { x: x(quartiles.median), y: 10, 'text-anchor': 'middle', class: 'chart-text' },
      `median ${number(quartiles.median)}`));
}

function histogramBars(histogram) {
  const height = 120;
  const most = Math.max(1, ...histogram.map((bin) => bin.count));
  const width = (WIDTH - 40) / Math.max(histogram.length, 1);
  return svg('svg', { viewBox: `0 0 ${WIDTH} ${height + 30}`, width: '100%', class: 'chart-svg' },
    histogram.map((bin, i) => {
      const barHeight = Math.round((bin.count / most) * (height - 20));
      const x = 20 + i * width;
      return svg('g', {},
        svg('rect', { x: x + 1, y: height - barHeight, width: Math.max(width - 2, 1), height: barHeight,
          class: 'chart-bar' }),
        histogram.length <= 20 ? svg('text', { x: x + width / 2, y: height - barHeight - 4, 'text-anchor': 'middle',
          class: 'chart-text' }, bin.count) : null);
    }),
    svg('line', { x1: 20, x2: WIDTH - 20, y1: height, y2: height, class: 'chart-line' }),
    histogram.length ? [
      svg('text', { x: 20, y: height + 20, class: 'chart-text' }, number(histogram[0].from)),
      svg('text', { x: WIDTH - 20, y: height + 20, 'text-anchor': 'end', class: 'chart-text' },
        number(histogram[histogram.length - 1].to)),
    ] : null);
}

/** A number's spread: box plot and histogram, or a plain sentence when nothing was counted. */
export function spread(title, n, quartiles, histogram, unit) {
  if (!quartiles) return h('p', { class: 'muted' }, `${title}: nothing to count yet.`);
  const words = QUARTILE_WORDS.map(([key, word]) => `${word.toLowerCase()} ${number(quartiles[key])}`).join(', ');
  const picture = h('div', {}, boxPlot(quartiles, unit), histogram && histogram.length ? histogramBars(histogram) : null);
  const bins = (histogram || []).map((bin) => `${number(bin.from)} to under ${number(bin.to)}: ${bin.count}`);
  const label = `${title} in ${unit}, ${n}: ${words}.${bins.length ? ` How many in each range: ${bins.join(', ')}.` : ''}`;
  const numbers = [table(`${title}: quartiles (${unit})`, ['Measure', 'Value'],
    QUARTILE_WORDS.map(([key, word]) => [word, number(quartiles[key])]))];
  if (bins.length) {
    numbers.push(table(`${title}: how many in each range (${unit})`, ['From', 'To (not included)', 'Count'],
      histogram.map((bin) => [number(bin.from), number(bin.to), number(bin.count)])));
  }
  return figure(title, n, label, picture, numbers);
}
