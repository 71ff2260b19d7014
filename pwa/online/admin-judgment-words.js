/**
 * #/judgment-words: the district's judgment words, which the evidence-not-judgment hint looks for
 * in observers' notes on Capture (online only; docs/judgment-hint.md).
 *
 * The current list is one pattern a line, `match` or `match; unless: phrase, phrase`, in a text
 * box with its language. An admin of the whole district saves it as a new version (it replaces the
 * current one; tablets get it at their next sync); the API's refusals are shown line by line
 * beside the box and nothing is saved. A school admin reads the list, not changes it. Below: every
 * saved version, newest first. Anyone who is not an admin is told there is nothing here for them.
 *
 * `asLines(patterns)` and `fromLines(text)` turn the API's patterns into lines and back:
 * fromLines answers {patterns, lines} where lines[i] is the line number of patterns[i].
 */
import { dayAndTime, h, hasRole } from '../ui.js';
import { adminCall, field, notForYou, showFieldErrors, trouble, useAdminStylesheet } from './admin-page.js';

const TITLE = 'Judgment words';
const OFFLINE = 'Judgment words need a connection. They open when this tablet is online.';
const NOT_YOURS = 'There is nothing here for you: judgment words are for admins.';
const UNLESS = '; unless:';
const HOW = 'One pattern a line. Whole words, any case; a|b offers two words in one place (too fast|slow); '
  + 'a final * any ending (seem* finds seemed, seems); "; unless: great depression, great lakes" excuses a '
  + 'match inside those phrases. Quoted speech is never flagged.';

export function asLines(patterns) {
  return patterns.map((p) => (p.unless && p.unless.length ? `${p.match}${UNLESS} ${p.unless.join(', ')}` : p.match))
    .join('\n');
}

export function fromLines(text) {
  const patterns = [];
  const lines = [];
  text.split('\n').forEach((line, index) => {
    if (!line.trim()) return;
    const cut = line.indexOf(';');
    const match = (cut < 0 ? line : line.slice(0, cut)).trim();
    const rest = cut < 0 ? '' : line.slice(cut + 1).trim().replace(/^unless:\s*/i, '');
    const unless = rest.split(',').map((phrase) => phrase.trim()).filter(Boolean);
    patterns.push(unless.length ? { match, unless } : { match });
    lines.push(index + 1);
  });
  return { patterns, lines };
}

/** The API's field messages with each pattern's messages said by its line. */
function byLine(fields, lines) {
  const { patterns, ...rest } = fields || {};
  if (!patterns || Array.isArray(patterns)) return { ...rest, ...(patterns ? { patterns } : {}) };
  const said = Object.entries(patterns).flatMap(([index, problems]) => Object.entries(problems)
    .flatMap(([part, messages]) => (Array.isArray(messages) ? messages : Object.values(messages).flat())
      .map((message) => `Line ${lines[Number(index)]}${part === 'unless' ? ' (unless)' : ''}: ${message}`)));
  return { ...rest, patterns: said };
}

function versionWords(version) {
  if (version.source === 'default') return 'The default list shipped with Rounds (English).';
  return `Version ${version.version}, saved ${dayAndTime(version.created_at)}`
    + `${version.created_by_name ? ` by ${version.created_by_name}` : ''}.`;
}

function history(versions) {
  return h('section', { class: 'card view-section', 'aria-labelledby': 'judgment-history' },
    h('h2', { id: 'judgment-history' }, 'Saved versions'),
    versions.length ? h('ul', {}, versions.map((version) => h('li', {}, versionWords(version),
      ` ${version.patterns.length} patterns, language ${version.language}.`)))
      : h('p', { class: 'muted' }, 'None yet: the district uses the default list.'));
}

export async function render(main, params, ctx) {
  if (!hasRole(ctx.me, 'admin')) {
    notForYou(main, TITLE, NOT_YOURS);
    return;
  }
  useAdminStylesheet();
  document.title = `${TITLE} · Rounds`;
  const body = h('div', {}, h('p', { class: 'muted loading', role: 'status' }, 'Loading…'));
  main.append(h('h1', { tabindex: '-1' }, TITLE),
    h('p', { class: 'muted' }, 'While an observer types a note on Capture, the tablet looks for these words and '
      + 'asks what was seen or heard that shows them. Notes are checked on the tablet only.'), body);
  let words;
  try {
    words = await adminCall('GET', '/api/admin/judgment-words');
  } catch (error) {
    body.replaceChildren(h('p', { class: 'message', role: 'alert' }, trouble(error, OFFLINE, NOT_YOURS)));
    return;
  }
  show(body, words, ctx);
}

function show(body, words, ctx) {
  const { current } = words;
  const readOnly = !words.may_change;
  const language = h('input', { type: 'text', value: current.language, maxlength: '16', autocomplete: 'off',
    spellcheck: 'false', readonly: readOnly });
  const list = h('textarea', { rows: '16', class: 'judgment-list', spellcheck: 'false', readonly: readOnly,
    value: asLines(current.patterns) });
  const outcome = h('p', { class: 'outcome', tabindex: '-1' });
  const form = h('form', { class: 'card view-section', 'aria-labelledby': 'judgment-current', novalidate: true },
    h('h2', { id: 'judgment-current' }, 'Current list'),
    h('p', { class: 'muted' }, versionWords(current)),
    readOnly ? h('p', {}, 'An admin of the whole district changes this list; every school shares it.') : null,
    field('language', 'Language (a tag such as en or es)', language),
    field('patterns', `Words and phrases (${current.patterns.length})`, list, HOW),
    readOnly ? null : h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'button primary' }, 'Save as a new version')),
    outcome);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const { patterns, lines } = fromLines(list.value);
    outcome.textContent = '';
    try {
      const saved = await adminCall('PUT', '/api/admin/judgment-words', { language: language.value.trim(), patterns });
      show(body, saved, ctx);
      const said = body.querySelector('.outcome');
      said.textContent = `Saved as version ${saved.current.version}. Tablets get it at their next sync.`;
      said.focus();
      ctx.announce(said.textContent);
    } catch (error) {
      const first = error.status === 422 ? showFieldErrors(form, { fields: byLine(error.fields, lines) }) : null;
      if (first) {
        ctx.announce('Not saved: see the fields marked.');
        first.focus();
      } else {
        showFieldErrors(form, null);
        outcome.textContent = trouble(error, OFFLINE, NOT_YOURS);
        outcome.focus();
      }
    }
  });
  body.replaceChildren(form, history(words.history));
}
