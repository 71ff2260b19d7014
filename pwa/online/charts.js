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
 * - `stacked(title, n, levels, rows, numbers)`: one 100%-stacked horizontal bar per group, `rows` =
 *   [{label, n, counts}] with `counts` in the order of `levels` (the template's); each level has
 *   its shade and its own pattern, named in a legend in the same order as the segments.
 * - `boxes(title, n, rows, unit, numbers)`: one box plot per group on one shared axis, `rows` =
 *   [{label, n, quartiles}] (quartiles null: nothing to count in that group).
 *   Both take `numbers`, the table of the exact figures that goes under "Numbers".
 * - `table(caption, headers, rows)`: a plain table in a box that scrolls sideways by itself.
 * - `nWords(figure)`: "4 walkthroughs of 3 teachers"; `number(x)`, `share(x)` in words.
 */
import { h, plural, uid } from '../ui.js';

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

function shortened(text, length = 24) {
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
const quartileWords = (quartiles) => QUARTILE_WORDS
  .map(([key, word]) => `${word.toLowerCase()} ${number(quartiles[key])}`).join(', ');

/** Text at `x` anchored so that it stays inside the picture, however near an edge `x` is. */
function anchorAt(x) {
  if (x < 90) return 'start';
  return x > WIDTH - 90 ? 'end' : 'middle';
}

function boxPlot(quartiles, unit) {
  const one = quartiles.max <= quartiles.min;
  // One value: a scale around it, so that it stands in the middle rather than on an edge.
  const low = one ? quartiles.min - 1 : quartiles.min;
  const high = one ? quartiles.min + 1 : quartiles.max;
  const x = (value) => 20 + ((value - low) / (high - low)) * (WIDTH - 40);
  return svg('svg', { viewBox: `0 0 ${WIDTH} 84`, width: '100%', class: 'chart-svg' },
    svg('line', { x1: x(quartiles.min), x2: x(quartiles.max), y1: 32, y2: 32, class: 'chart-line' }),
    svg('line', { x1: x(quartiles.min), x2: x(quartiles.min), y1: 20, y2: 44, class: 'chart-line' }),
    svg('line', { x1: x(quartiles.max), x2: x(quartiles.max), y1: 20, y2: 44, class: 'chart-line' }),
    svg('rect', { x: x(quartiles.q1), y: 14, width: Math.max(x(quartiles.q3) - x(quartiles.q1), 1), height: 36,
      class: 'chart-box' }),
    svg('line', { x1: x(quartiles.median), x2: x(quartiles.median), y1: 14, y2: 50, class: 'chart-median' }),
    one ? svg('text', { x: x(quartiles.min), y: 72, 'text-anchor': 'middle', class: 'chart-text' },
      `${number(quartiles.min)} ${unit}`) : [
      svg('text', { x: x(quartiles.min), y: 72, 'text-anchor': 'start', class: 'chart-text' }, number(quartiles.min)),
      svg('text', { x: x(quartiles.max), y: 72, 'text-anchor': 'end', class: 'chart-text' },
        `${number(quartiles.max)} ${unit}`)],
    svg('text', { x: x(quartiles.median), y: 10, 'text-anchor': anchorAt(x(quartiles.median)), class: 'chart-text' },
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
  const words = quartileWords(quartiles);
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

// --- per group: stacked bars and box plots on one axis ------------------------------------------
const PATTERNS = 6;
// A mark per pattern (none, stripes, dots, lines, cross, bars): segments differ by more than shade.
const MARKS = [null, 'M-2,2 L2,-2 M0,8 L8,0 M6,10 L10,6', 'dot', 'M0,4 H8', 'M0,0 L8,8 M0,8 L8,0', 'M4,0 V8'];

function patterns(count) {
  const ids = [];
  const defs = svg('defs', {});
  for (let i = 0; i < count; i += 1) {
    // Shades spread from lightest to darkest whatever the number of levels, so two levels contrast most.
    const shade = count === 1 ? PATTERNS - 1 : Math.round((i * (PATTERNS - 1)) / (count - 1));
    const mark = MARKS[i % MARKS.length];
    const markClass = shade < 3 ? 'chart-mark' : 'chart-mark on-dark';
    const id = uid('level');
    ids.push(id);
    defs.append(svg('pattern', { id, width: 8, height: 8, patternUnits: 'userSpaceOnUse' },
      svg('rect', { width: 8, height: 8, class: `chart-level-${shade}` }),
      mark === 'dot' ? svg('circle', { cx: 4, cy: 4, r: 1.6, class: `${markClass} filled` })
        : mark ? svg('path', { d: mark, class: markClass }) : null));
  }
  return { defs, fill: (i) => `url(#${ids[i]})` };
}

function percent(count, total) {
  return total ? Math.round((count / total) * 100) : 0;
}

const legendSwatch = (fill) => svg('svg', { viewBox: '0 0 18 18', width: 18, height: 18, class: 'chart-swatch' },
  svg('rect', { x: 1, y: 1, width: 16, height: 16, fill, class: 'chart-segment' }));

export function stacked(title, n, levels, rows, numbers) {
  const row = 58;
  const { defs, fill } = patterns(levels.length);
  const plotted = rows.map((r, i) => {
    const y = i * row;
    const total = r.counts.reduce((sum, count) => sum + count, 0);
    let x = 0;
    const segments = r.counts.map((count, level) => {
      const width = total ? (count / total) * WIDTH : 0;
      // Its share written on it when there is room; the exact counts are in the label and the table.
      const segment = width > 0 ? svg('g', {},
        svg('rect', { x, y: y + 24, width, height: 28, fill: fill(level), class: 'chart-segment' }),
        width >= 44 ? svg('text', { x: x + width / 2, y: y + 43, 'text-anchor': 'middle',
          class: 'chart-segment-text' }, `${percent(count, total)}%`) : null) : null;
      x += width;
      return segment;
    });
    return svg('g', {},
      svg('text', { x: 0, y: y + 17, class: 'chart-text' }, `${shortened(r.label, 30)} · n = ${r.n}`),
      total ? segments : svg('rect', { x: 0, y: y + 24, width: WIDTH, height: 28, class: 'chart-empty' }));
  });
  const legend = h('ul', { class: 'chart-legend' },
    levels.map((level, i) => h('li', {}, legendSwatch(fill(i)), level)));
  const picture = h('div', {}, legend, svg('svg', { viewBox: `0 -2 ${WIDTH} ${rows.length * row + 4}`, width: '100%',
    class: 'chart-svg' }, defs, plotted));
  const rowWords = (r) => {
    const total = r.counts.reduce((sum, count) => sum + count, 0);
    const shares = levels.map((level, i) => `${level} ${number(r.counts[i])} (${percent(r.counts[i], total)}%)`);
    return `${r.label}, ${r.n}: ${shares.join(', ')}`;
  };
  const label = `${title}, ${n}, share of each level in the order ${levels.join(', ')}: `
    + `${rows.map(rowWords).join('; ')}.`;
  return figure(title, n, label, picture, numbers);
}

/** Round steps (1, 2 or 5 times a power of ten) from below `low` to above `high`. */
function ticks(low, high) {
  const raw = (high - low) / 4 || 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw);
  const first = Math.floor(low / step) * step;
  const values = [];
  for (let value = first; value < high + step; value += step) {
    values.push(Math.round(value * 1e6) / 1e6);
    if (value >= high) break;
  }
  return values;
}

export function boxes(title, n, rows, unit, numbers) {
  const counted = rows.filter((r) => r.quartiles);
  if (!counted.length) return h('div', {}, h('p', { class: 'muted' }, `${title}: nothing to count yet.`), numbers);
  const smallest = Math.min(...counted.map((r) => r.quartiles.min));
  const largest = Math.max(...counted.map((r) => r.quartiles.max));
  // One value everywhere: a scale around it, so that it does not sit on the edge.
  const axis = smallest === largest ? ticks(smallest > 0 ? Math.max(0, smallest - 1) : smallest - 1, largest + 1)
    : ticks(smallest, largest);
  const low = axis[0];
  const high = axis[axis.length - 1] > low ? axis[axis.length - 1] : low + 1;
  // Room at both ends for half a tick label.
  const x = (value) => 30 + ((value - low) / (high - low)) * (WIDTH - 60);
  const row = 60;
  const top = 26;
  const bottom = top + rows.length * row;
  const scale = (y) => axis.map((value) => svg('text', { x: x(value), y, 'text-anchor': 'middle', class: 'chart-text' },
    number(value)));
  const plots = rows.map((r, i) => {
    const y = top + i * row;
    const q = r.quartiles;
    const words = `${shortened(r.label, 30)} · n = ${r.n}`;
    if (!q) return svg('text', { x: 0, y: y + 17, class: 'chart-text' }, `${words} · nothing to count`);
    return svg('g', {},
      svg('text', { x: 0, y: y + 17, class: 'chart-text' }, words),
      svg('line', { x1: x(q.min), x2: x(q.max), y1: y + 38, y2: y + 38, class: 'chart-line' }),
      [q.min, q.max].map((end) => svg('line', { x1: x(end), x2: x(end), y1: y + 28, y2: y + 48,
        class: 'chart-line' })),
      svg('rect', { x: x(q.q1), y: y + 25, width: Math.max(x(q.q3) - x(q.q1), 1), height: 26, class: 'chart-box' }),
      svg('line', { x1: x(q.median), x2: x(q.median), y1: y + 22, y2: y + 54, class: 'chart-median' }));
  });
  const picture = svg('svg', { viewBox: `0 0 ${WIDTH} ${bottom + 48}`, width: '100%', class: 'chart-svg' },
    axis.map((value) => svg('line', { x1: x(value), x2: x(value), y1: top - 4, y2: bottom, class: 'chart-grid' })),
    scale(16), plots,
    svg('line', { x1: x(low), x2: x(high), y1: bottom, y2: bottom, class: 'chart-line' }), scale(bottom + 20),
    svg('text', { x: WIDTH, y: bottom + 42, 'text-anchor': 'end', class: 'chart-text' }, unit));
  const rowWords = (r) => `${r.label}, ${r.n}: ${r.quartiles ? quartileWords(r.quartiles) : 'nothing to count'}`;
  const label = `${title} in ${unit}, ${n}, on one scale from ${number(low)} to ${number(high)}: `
    + `${rows.map(rowWords).join('; ')}.`;
  return figure(title, n, label, picture, numbers);
}
