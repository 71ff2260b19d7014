/**
 * #/roster: an admin brings in the roster from a CSV file (docs/roster.md), online only.
 *
 * "Preview" sends the chosen file (`POST /api/admin/roster/preview`, text/csv), which writes
 * nobody. A file with bad lines is refused whole: each bad line is listed with its line number,
 * column and message beside the line's own text from the file, and the admin chooses a corrected
 * file and previews again. A good file shows what the import would do: the people added, updated
 * (with what changes), unchanged and, only if the admin ticked the option, deactivated. "Import"
 * confirms it; the scheduler writes it, and the screen follows it (queued, running with its rows,
 * done with what was written, or failed with why) in a status region until it ends. The recent
 * imports are listed with who made them, when and how they ended; a pending one reopens there to
 * be reviewed and imported, an unfinished one to be followed, a failed one to show its lines. A
 * sample CSV downloads from the page, beside what the columns mean.
 *
 * A school admin imports their school's people only (the API refuses other rows, line by line):
 * the screen says so first. Anyone else is told there is nothing here for them. `render` returns
 * a cleanup that stops following an import.
 */
import { request } from '../api.js';
import { readMeta } from '../db.js';
import { dayAndTime, h, hasRole, namesOf, plural } from '../ui.js';
import { adminCall, notForYou, roleWords, trouble, useAdminStylesheet, useStylesheet } from './admin-page.js';
import { helpSection } from './admin-roster-help.js';

export const NEEDS_CONNECTION = 'Roster import needs a connection. It opens when this tablet is online.';
const NOT_YOURS = 'There is nothing here for you: roster import is for admins.';
const GONE = 'That import is not among the imports you administer.';
const POLL_MS = 1500;
// A district's file is checked in a few seconds (docs/roster.md); past this the Wi-Fi has lost it.
const SEND_TIMEOUT_MS = 120000;
// Enough to check a file by eye; the counts always cover every row.
const LIST_LIMIT = 200;
const STATES = { pending: 'Previewed, not imported', confirmed: 'Queued', running: 'Running', done: 'Done',
  failed: 'Failed' };

/** The API's answer to a CSV body, as `request` (api.js) answers a JSON one: it sends JSON only. */
async function sendCsv(path, file) {
  const token = await readMeta('token');
  return request('POST', path, file, { token, contentType: 'text/csv', timeoutMs: SEND_TIMEOUT_MS });
}

const wordsFor = (error) => trouble(error, NEEDS_CONNECTION, NOT_YOURS);
const number = (count) => count.toLocaleString();
const count = (n, one, many) => `${number(n)} ${n === 1 ? one : (many || `${one}s`)}`;

export async function render(main, params, ctx) {
  if (!hasRole(ctx.me, 'admin')) {
    notForYou(main, 'Roster import', NOT_YOURS);
    return null;
  }
  useAdminStylesheet();
  useStylesheet('/online/roster.css');
  document.title = 'Roster import · Rounds';
  const schoolId = ctx.me.person.school_id;
  const school = schoolId ? namesOf(ctx.reference).school(schoolId) : null;
  const screen = { ctx, school, follower: { timer: null, stopped: false }, lines: [] };
  screen.result = h('div', { class: 'roster-result' });
  screen.recent = recentSection(screen);
  main.append(
    h('div', { class: 'screen-head' }, h('div', {}, h('h1', { tabindex: '-1' }, 'Roster import'),
      h('p', { class: 'muted' }, school
        ? `You administer ${school}: the file may list ${school}'s people only. Rows of another school or `
          + 'district-wide rows are refused, and only a district-wide admin can create schools.'
        : 'Bring in the people of your district from a CSV file. Nothing is written until you have seen the '
          + 'preview and chosen Import.'))),
    fileSection(screen), screen.result, screen.recent.element, helpSection(ctx));
  await screen.recent.refresh();
  return () => stopFollowing(screen);
}

// --- choosing and previewing a file -----------------------------------------------------------
function fileSection(screen) {
  const where = screen.school ? `at ${screen.school}` : 'in your district';
  const file = h('input', { id: 'roster-file', name: 'file', type: 'file', accept: '.csv,text/csv',
    'aria-describedby': 'roster-file-hint' });
  const missing = h('input', { id: 'deactivate-missing', name: 'deactivate_missing', type: 'checkbox',
    'aria-describedby': 'deactivate-missing-hint' });
  const problem = h('p', { class: 'message', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'button primary' }, 'Preview');
  const form = h('form', { novalidate: true, 'aria-labelledby': 'roster-file-title' },
    h('div', { class: 'field' }, h('label', { for: 'roster-file' }, 'Roster file (CSV)'),
      h('p', { id: 'roster-file-hint', class: 'muted hint' }, 'A header line naming the columns, then one person a '
        + 'line (at most 10,000). What the columns mean, and a sample file, are at the foot of this page.'), file),
    h('div', { class: 'field check' }, missing,
      h('label', { for: 'deactivate-missing' }, 'Deactivate people who are missing from this file')),
    h('p', { id: 'deactivate-missing-hint', class: 'muted hint deactivate-hint' }, `Off unless you tick it. Ticked, `
      + `everyone active ${where} whom the file does not list (never you) is deactivated by the import: they can `
      + 'no longer sign in and their tablets are signed out. The preview names them first.'),
    problem,
    h('p', { class: 'actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    problem.textContent = '';
    const chosen = file.files[0];
    if (!chosen) {
      problem.textContent = 'Choose a CSV file first.';
      file.focus();
      return;
    }
    stopFollowing(screen);
    submit.disabled = true;
    submit.textContent = 'Checking the file…';
    try {
      screen.lines = (await chosen.text()).split(/\r\n|\r|\n/);
      const query = missing.checked ? '?deactivate_missing=true' : '?deactivate_missing=false';
      showPlan(screen, await sendCsv(`/api/admin/roster/preview${query}`, chosen), chosen.name);
      screen.recent.refresh();
    } catch (error) {
      if (error.status === 422 && error.code === 'invalid_roster') showBadLines(screen, error, chosen.name);
      else {
        screen.result.replaceChildren();
        problem.textContent = wordsFor(error);
      }
    } finally {
      submit.disabled = false;
      submit.textContent = 'Preview';
    }
  });
  return h('section', { class: 'card view-section', 'aria-labelledby': 'roster-file-title' },
    h('h2', { id: 'roster-file-title' }, 'Choose a file'), form);
}

/** The problems of `fields` ({"<line>": {"<column>": [messages]}}), each beside its line's text. */
function problemList(screen, fields) {
  const keys = Object.keys(fields || {}).sort((a, b) => (Number(a) || Infinity) - (Number(b) || Infinity));
  return h('ol', { class: 'bad-lines' }, keys.map((key) => {
    const line = Number(key);
    const text = line ? screen.lines[line - 1] : undefined;
    return h('li', { class: 'bad-line', 'data-line': key },
      h('h3', {}, line ? `Line ${line}${line === 1 ? ' (the header)' : ''}` : 'The file as a whole'),
      text === undefined ? null : h('pre', { class: 'line-text' }, text || '(an empty line)'),
      h('ul', { class: 'line-problems' }, Object.entries(fields[key]).map(([column, messages]) => h('li', {},
        ['roster', 'csv', 'header'].includes(column) ? '' : h('strong', {}, `Column ${column}: `),
        [].concat(messages).join(' ')))));
  }));
}

function focusHeading(heading) {
  heading.focus();
  heading.scrollIntoView({ block: 'start' });
}

function showBadLines(screen, error, fileName) {
  const lines = Object.keys(error.fields || {}).length;
  const heading = h('h2', { id: 'roster-result-title', tabindex: '-1' },
    `${fileName}: ${plural(lines, 'bad line')}`);
  screen.result.replaceChildren(h('section', { class: 'card view-section roster-refused',
    'aria-labelledby': 'roster-result-title' }, heading,
  h('p', { class: 'message' }, 'Nothing was written, and nothing can be imported until every bad line is fixed. '
    + 'Correct the file, choose it again above and preview it again.'),
  problemList(screen, error.fields)));
  focusHeading(heading);
  screen.ctx.announce(`${fileName} was not imported: ${plural(lines, 'line has', 'lines have')} problems.`);
}

// --- the plan ---------------------------------------------------------------------------------
function limited(entries, row) {
  const shown = entries.slice(0, LIST_LIMIT).map(row);
  if (entries.length > LIST_LIMIT) shown.push(h('li', { class: 'muted' }, `…and ${number(entries.length - LIST_LIMIT)} more.`));
  return shown;
}

const schoolWords = (name) => name || 'district-wide';
const changeWords = (column, { from, to }) => {
  if (column === 'roles') return `roles ${roleWords(from).join(', ')} → ${roleWords(to).join(', ')}`;
  if (column === 'school') return `school ${schoolWords(from)} → ${schoolWords(to)}`;
  return `${column} ${from} → ${to}`;
};

function planGroup(id, title, entries, row, note = null) {
  if (!entries.length) return null;
  return h('section', { class: 'plan-group', 'aria-labelledby': id },
    h('h3', { id }, `${title} (${number(entries.length)})`), note ? h('p', { class: 'muted hint' }, note) : null,
    h('ul', { class: 'plan-list' }, limited(entries, row)));
}

function planSummary(counts) {
  const parts = [count(counts.added, 'person', 'people') + ' added', `${number(counts.updated)} updated`,
    `${number(counts.unchanged)} unchanged`];
  if (counts.deactivated) parts.push(`${number(counts.deactivated)} deactivated`);
  if (counts.schools_created) parts.push(`${count(counts.schools_created, 'school')} created`);
  return `${parts.join(', ')}.`;
}

function showPlan(screen, rosterImport, fileName = null) {
  const { plan } = rosterImport;
  const counts = plan.counts;
  const heading = h('h2', { id: 'roster-result-title', tabindex: '-1' },
    fileName ? `Preview of ${fileName}` : 'Preview of an import not yet confirmed');
  const problem = h('p', { class: 'message', role: 'alert' });
  const importButton = h('button', { type: 'button', class: 'button primary' }, 'Import');
  const deactivating = rosterImport.options.deactivate_missing;
  const noPassword = counts.without_password ? h('p', {}, `${count(counts.without_password, 'person', 'people')} `
    + 'will have no password: they cannot sign in until you give each of them a one-time password link from '
    + 'People.') : null;
  importButton.addEventListener('click', async () => {
    importButton.disabled = true;
    problem.textContent = '';
    try {
      const path = `/api/admin/roster/imports/${encodeURIComponent(rosterImport.id)}/confirm`;
      follow(screen, await adminCall('POST', path), fileName);
    } catch (error) {
      importButton.disabled = false;
      problem.textContent = error.status === 409 ? `${error.message} Preview the file again.`
        : trouble(error, NEEDS_CONNECTION, GONE);
    }
  });
  screen.result.replaceChildren(h('section', { class: 'card view-section roster-plan',
    'aria-labelledby': 'roster-result-title' }, heading,
  h('p', { class: 'plan-summary' }, planSummary(counts)),
  h('p', {}, 'Nothing has been written yet. Import writes exactly this; if anything here changes before it runs, '
    + 'the import fails and writes nothing.'),
  noPassword,
  deactivating ? null : h('p', { class: 'muted' }, 'People missing from the file stay as they are (the option to '
    + 'deactivate them was not ticked).'),
  planGroup('plan-deactivated', 'To be deactivated', plan.deactivated,
    (p) => h('li', {}, h('strong', {}, p.name), ` · ${p.email}`),
    'Active people missing from the file: they will no longer be able to sign in, and their tablets are signed out.'),
  planGroup('plan-added', 'Added', plan.added, (p) => h('li', {}, `Line ${p.line} · `, h('strong', {}, p.name),
    ` · ${p.email} · ${roleWords(p.roles).join(', ')} · ${p.school || 'District-wide'} · `
    + `${p.password ? 'password given' : 'no password yet'}`)),
  planGroup('plan-updated', 'Updated', plan.updated, (p) => h('li', {}, `Line ${p.line} · `, h('strong', {}, p.email),
    `: ${Object.entries(p.changes).map(([column, change]) => changeWords(column, change)).join('; ')}`)),
  planGroup('plan-schools', 'Schools', [...plan.schools_created.map((s) => ({ ...s, created: true })),
    ...plan.schools_updated], (s) => h('li', {}, s.created
    ? `${s.name}: created${s.timezone ? ` (${s.timezone})` : ''}`
    : `${s.name}: time zone ${s.timezone.from || 'the district\'s'} → ${s.timezone.to}`)),
  planGroup('plan-passwords', 'Passwords to set', plan.passwords_to_check,
    (p) => h('li', {}, `Line ${p.line} · ${p.email}`),
    'People already here whose row gives a password: it is set unless it already is theirs.'),
  planGroup('plan-unchanged', 'Unchanged', plan.unchanged, (p) => h('li', {}, `Line ${p.line} · ${p.email}`)),
  problem, h('p', { class: 'actions' }, importButton)));
  focusHeading(heading);
  screen.ctx.announce(`Preview: ${planSummary(counts)} Nothing is written until you choose Import.`);
}

// --- following an import ----------------------------------------------------------------------
/** Stops the import followed so far, a request on its way included; the next one gets a new follower. */
function stopFollowing(screen) {
  screen.follower.stopped = true;
  clearTimeout(screen.follower.timer);
  screen.follower = { timer: null, stopped: false };
}

function doneWords(counts) {
  const parts = [`${count(counts.people_created, 'person', 'people')} added`, `${number(counts.people_updated)} updated`,
    `${number(counts.people_unchanged)} unchanged`];
  if (counts.people_deactivated) parts.push(`${number(counts.people_deactivated)} deactivated`);
  if (counts.passwords_changed) parts.push(`${count(counts.passwords_changed, 'password')} set`);
  if (counts.schools_created) parts.push(`${count(counts.schools_created, 'school')} created`);
  return `${parts.join(', ')}.`;
}

function progressWords(rosterImport) {
  const { done, total } = rosterImport.progress;
  if (rosterImport.state === 'confirmed') return 'Queued: the server starts the import within seconds.';
  if (rosterImport.state === 'running') return `Running: ${number(done)} of ${count(total, 'row')} prepared.`;
  if (rosterImport.state === 'done') return `Done: ${doneWords(rosterImport.counts)}`;
  if (rosterImport.state === 'failed') return `Failed: ${rosterImport.error.message}`;
  return 'Previewed, not imported yet.';
}

/** Shows `rosterImport` as it goes, asking the server again until it is done or failed. */
function follow(screen, rosterImport, fileName = null) {
  stopFollowing(screen);
  const follower = screen.follower;
  const heading = h('h2', { id: 'roster-result-title', tabindex: '-1' },
    fileName ? `Import of ${fileName}` : `Import previewed ${dayAndTime(rosterImport.created_at)}`);
  const status = h('p', { class: 'import-status', role: 'status' });
  const bar = h('progress', { 'aria-label': 'Rows prepared' });
  const outcome = h('div', {});
  screen.result.replaceChildren(h('section', { class: 'card view-section roster-progress',
    'aria-labelledby': 'roster-result-title' }, heading, status, bar, outcome));
  focusHeading(heading);
  const show = (current) => {
    const words = progressWords(current);
    // Said again only when it changes: a screen reader would otherwise repeat it at every poll.
    if (status.textContent !== words) status.textContent = words;
    bar.max = Math.max(1, current.progress.total);
    bar.value = current.state === 'done' ? bar.max : current.progress.done;
    bar.hidden = current.state === 'failed';
    if (current.state === 'done' && current.counts.without_password) {
      const n = current.counts.without_password;
      const who = n === 1 ? '1 person in this file has' : `${number(n)} people in this file have`;
      outcome.replaceChildren(h('p', {}, `${who} no password yet: they cannot sign in until you give each of them a `
        + 'one-time password link. Open '
        + 'them in ', h('a', { href: '#/people' }, 'People'), ' and choose "Create a one-time password link". '
        + 'Rounds sends no email.'));
    } else if (current.state === 'failed') {
      outcome.replaceChildren(h('p', {}, 'Nothing was written.'), problemList(screen, current.error.fields));
    }
  };
  const poll = async () => {
    if (follower.stopped) return;
    try {
      const current = await adminCall('GET', `/api/admin/roster/imports/${encodeURIComponent(rosterImport.id)}`);
      if (follower.stopped) return;
      show(current);
      if (current.state === 'done' || current.state === 'failed') {
        screen.ctx.announce(status.textContent);
        screen.recent.refresh();
        return;
      }
    } catch (error) {
      if (follower.stopped) return;
      status.textContent = error.status === 0 ? `${NEEDS_CONNECTION} The import goes on at the server; this screen `
        + 'follows it again once the tablet is back online.' : trouble(error, NEEDS_CONNECTION, GONE);
      if (error.status !== 0) return;
    }
    follower.timer = setTimeout(poll, POLL_MS);
  };
  show(rosterImport);
  follower.timer = setTimeout(poll, POLL_MS);
}

// --- recent imports ---------------------------------------------------------------------------
function recentSection(screen) {
  const names = namesOf(screen.ctx.reference);
  const list = h('div', { class: 'recent-imports' }, h('p', { class: 'muted', role: 'status' }, 'Loading imports…'));
  const who = (id) => {
    if (!id) return 'an admin no longer in Rounds';
    return id === screen.ctx.me.person.id ? 'you' : names.person(id);
  };
  const open = async (summary, button) => {
    button.disabled = true;
    try {
      const rosterImport = await adminCall('GET', `/api/admin/roster/imports/${encodeURIComponent(summary.id)}`);
      screen.lines = [];
      if (rosterImport.state === 'pending') showPlan(screen, rosterImport);
      else follow(screen, rosterImport);
    } catch (error) {
      screen.result.replaceChildren(h('p', { class: 'message', role: 'alert' }, trouble(error, NEEDS_CONNECTION, GONE)));
    }
    button.disabled = false;
  };
  const row = (summary) => {
    const action = { pending: 'Review and import', confirmed: 'Follow its progress', running: 'Follow its progress',
      failed: Object.keys(summary.error?.fields || {}).length ? 'Show the lines at fault' : null }[summary.state];
    const outcome = {
      done: () => doneWords(summary.counts),
      failed: () => summary.error.message,
      running: () => `${number(summary.progress.done)} of ${count(summary.progress.total, 'row')} prepared.`,
    }[summary.state]?.() || `To do: ${planSummary(summary.plan_counts)}`;
    const button = action ? h('button', { type: 'button', class: 'button secondary small' }, action) : null;
    if (button) button.addEventListener('click', () => open(summary, button));
    return h('li', { class: `import-row is-${summary.state}`, 'data-import': summary.id },
      h('p', { class: 'import-when' }, h('strong', {}, dayAndTime(summary.created_at)),
        ` · by ${who(summary.admin_id)} · ${count(summary.progress.total, 'row')}`
        + `${summary.options.deactivate_missing ? ' · deactivating people missing from the file' : ''}`),
      h('p', { class: 'import-outcome' }, h('span', { class: `tag state-${summary.state}` }, STATES[summary.state]),
        ' ', outcome),
      button);
  };
  const refresh = async () => {
    try {
      const { imports } = await adminCall('GET', '/api/admin/roster/imports');
      list.replaceChildren(imports.length ? h('ul', { class: 'import-list' }, imports.map(row))
        : h('p', { class: 'muted' }, 'No roster import yet.'));
    } catch (error) {
      list.replaceChildren(h('p', { class: 'message', role: 'alert' }, wordsFor(error)));
    }
  };
  return { refresh, element: h('section', { class: 'card view-section', 'aria-labelledby': 'recent-imports-title' },
    h('h2', { id: 'recent-imports-title' }, 'Recent imports'), list) };
}
