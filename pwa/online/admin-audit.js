/**
 * #/audit: the audit events an admin may read (online only), newest first, each said in words
 * ("Sign-in failed for x@y", "Tablet 'Room 12 iPad' of Tess Turner revoked by Dana") with its
 * time in the district's time zone and its details; "Show older events" reads the next page.
 *
 * Filters (kinds, the person who did it, from/to days) live in the address,
 * `#/audit/?kind=…&kind=…&actor=…&from=…&to=…` (the API's names; the router hands the query on
 * as the first parameter), so a reload or a bookmark keeps them; showing other events pushes a
 * history entry without re-rendering the screen. A filter the API refuses (`to` before `from`) is
 * said beside its field. Anyone who is not an admin is told there is nothing here for them;
 * offline the screen says it needs a connection.
 */
import { h, hasRole, plural, uid } from '../ui.js';
import { adminCall, field, notForYou, showFieldErrors, trouble, useAdminStylesheet, useStylesheet } from './admin-page.js';
import { settingLabel } from './admin-settings.js';

const TITLE = 'Audit';
const OFFLINE = 'The audit log needs a connection. It opens when this tablet is online.';
const NOT_YOURS = 'There is nothing here for you: the audit log is for admins.';
const PAGE = 25;
const KINDS = [
  ['login_failed', 'Sign-in failed'], ['login_throttled', 'Sign-ins paused after too many tries'],
  ['device_revoked', 'Tablet revoked'], ['roster_imported', 'Roster import'], ['export', 'Export'],
  ['settings_changed', 'District settings changed'], ['school_added', 'School added'],
  ['school_changed', 'School changed'], ['person_created', 'Person added'], ['person_changed', 'Person changed'],
  ['person_activated', 'Person reactivated'], ['person_deactivated', 'Person deactivated'],
  ['password_link_made', 'Password link made'],
];
const FIELD_WORDS = { name: 'Name', timezone: 'Time zone', roles: 'Roles', school_id: 'School' };

/** The filters in the query part of a `#/audit/?…` address. */
function filtersIn(hash) {
  const query = new URLSearchParams(hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : '');
  return { kind: query.getAll('kind').filter((kind) => KINDS.some(([known]) => known === kind)),
    actor: query.get('actor') || '', from: query.get('from') || '', to: query.get('to') || '' };
}

function queryOf(filters) {
  const query = new URLSearchParams();
  for (const kind of filters.kind) query.append('kind', kind);
  for (const key of ['actor', 'from', 'to']) if (filters[key]) query.set(key, filters[key]);
  return query;
}

function addressOf(filters) {
  const text = queryOf(filters).toString();
  return text ? `#/audit/?${text}` : '#/audit';
}

// --- each event in words ---------------------------------------------------------------------
const shown = (value) => (value === null || value === undefined || value === '' ? 'none'
  : [].concat(value).join(', '));

/** "Time zone: America/New_York → Europe/Paris" for each field an event changed. */
function changes(before = {}, after = {}) {
  const rows = [];
  for (const key of Object.keys(after)) {
    if (key === 'settings') {
      for (const name of Object.keys(after.settings)) {
        rows.push(`${settingLabel(name)}: ${shown(before.settings?.[name])} → ${shown(after.settings[name])}`);
      }
    } else {
      rows.push(`${FIELD_WORDS[key] || key}: ${key in before ? `${shown(before[key])} → ` : ''}${shown(after[key])}`);
    }
  }
  return rows;
}

function exportDetails(d) {
  const filters = Object.entries(d.filters || {}).map(([key, value]) => `${key} ${value}`);
  return [d.format ? `Format: ${d.format}` : null, filters.length ? `Filters: ${filters.join(', ')}` : 'No filters',
    d.identified === false ? `Counts of fewer than ${d.k} people hidden` : null,
    d.complete === false ? 'Stopped before the end' : null];
}

/** [sentence, detail lines] for `event`. */
function inWords(event) {
  const d = event.detail || {};
  const by = event.actor_name ? `by ${event.actor_name}` : 'from the command line';
  const who = event.subject_name || 'someone no longer listed';
  switch (event.kind) {
    case 'login_failed':
      return [`Sign-in failed for ${event.email}`, [d.reason === 'inactive' ? 'The account is deactivated.'
        : 'Wrong email or password.']];
    case 'login_throttled':
      return [`Sign-ins paused for ${event.email} after too many tries`, []];
    case 'device_revoked':
      return [`Tablet '${event.subject_name || 'Unnamed device'}' of ${event.subject_owner_name
        || 'someone no longer listed'} revoked ${by}`,
      [d.unsent ? `${plural(d.unsent, 'change')} on it had not been sent.` : null]];
    case 'roster_imported':
      return [`Roster import ${by}: ${d.people_created || 0} added, ${d.people_updated || 0} updated`
        + `${d.people_deactivated ? `, ${d.people_deactivated} deactivated` : ''}`,
      [`${plural(d.rows || 0, 'line')} read.`, d.schools_created ? `${plural(d.schools_created, 'school')} added.` : null]];
    case 'export':
      return [`Export of observations (${d.identified === false ? 'de-identified' : 'identified'}) ${by}`,
        exportDetails(d)];
    case 'settings_changed':
      return [`District settings changed ${by}`, changes(d.before, d.after)];
    case 'school_added':
      return [`School '${d.after?.name || who}' added ${by}`, changes({}, d.after)];
    case 'school_changed':
      return [`School '${who}' changed ${by}`, changes(d.before, d.after)];
    case 'person_created':
      return [`${who} (${event.email}) added ${by}`, [d.roles ? `Roles: ${shown(d.roles)}` : null]];
    case 'person_changed':
      return [`${who} changed ${by}`, [d.name ? `Name: ${d.name}` : null, d.roles ? `Roles: ${shown(d.roles)}` : null,
        'school_id' in d ? 'School changed' : null]];
    case 'person_activated':
      return [`${who} reactivated ${by}`, []];
    case 'person_deactivated':
      return [`${who} deactivated ${by}`, [d.devices_revoked !== undefined
        ? `${plural(d.devices_revoked, 'tablet')} signed out; ${plural(d.unsent_changes || 0, 'change')} not sent.` : null]];
    case 'password_link_made':
      return [`Password link made for ${who} ${by}`, []];
    default:
      return [`${event.kind} ${by}`, []];
  }
}

function eventItem(event, when) {
  const [sentence, lines] = inWords(event);
  const details = [...lines, event.ip ? `From ${event.ip}` : null].filter(Boolean);
  return h('li', { class: 'audit-event', 'data-kind': event.kind },
    h('p', { class: 'audit-what' }, sentence),
    h('p', { class: 'muted audit-when' }, h('time', { datetime: event.at }, when(event.at))),
    details.length ? h('ul', { class: 'audit-details' }, details.map((line) => h('li', {}, line))) : null);
}

function clockOf(zone) {
  const options = { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: 'numeric',
    minute: '2-digit' };
  let format;
  try {
    format = new Intl.DateTimeFormat(undefined, { ...options, timeZone: zone });
  } catch {
    format = new Intl.DateTimeFormat(undefined, options);
  }
  return (iso) => format.format(new Date(iso));
}

// --- filters ---------------------------------------------------------------------------------
function filterForm(filters, people, apply) {
  const errorId = uid('kind-error');
  const known = people.some((person) => person.id === filters.actor);
  const actor = h('select', {}, h('option', { value: '' }, 'Anyone'),
    filters.actor && !known ? h('option', { value: filters.actor, selected: true }, 'The person chosen') : null,
    people.map((person) => h('option', { value: person.id, selected: person.id === filters.actor }, person.name)));
  const form = h('form', { class: 'card audit-filters', role: 'search', 'aria-labelledby': 'audit-filters-title',
    novalidate: true }, h('h2', { id: 'audit-filters-title' }, 'Which events'),
  h('fieldset', { class: 'field kind-field', 'aria-describedby': errorId },
    h('legend', {}, 'Kinds (none ticked: every kind)'),
    h('div', { class: 'kind-choices' }, KINDS.map(([kind, words]) => h('label', { class: 'kind-choice' },
      h('input', { type: 'checkbox', name: 'kind', value: kind, checked: filters.kind.includes(kind) }), words))),
    h('p', { id: errorId, class: 'field-error', 'data-for': 'kind' })),
  h('div', { class: 'form-grid' },
    field('actor', 'Done by', actor),
    field('from', 'From', h('input', { type: 'date', value: filters.from })),
    field('to', 'To', h('input', { type: 'date', value: filters.to }))),
  h('p', { class: 'actions' }, h('button', { type: 'submit', class: 'button primary' }, 'Show events'),
    h('a', { class: 'button secondary', href: '#/audit' }, 'Clear filters')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    apply({ kind: [...form.querySelectorAll('input[name="kind"]:checked')].map((box) => box.value),
      actor: form.elements.actor.value, from: form.elements.from.value, to: form.elements.to.value });
  });
  return form;
}

export async function render(main, params, ctx) {
  if (!hasRole(ctx.me, 'admin')) {
    notForYou(main, TITLE, NOT_YOURS);
    return;
  }
  useAdminStylesheet();
  useStylesheet('/online/settings.css');
  document.title = `${TITLE} · Rounds`;
  const body = h('div', {}, h('p', { class: 'muted loading', role: 'status' }, 'Loading…'));
  main.append(h('h1', { tabindex: '-1' }, TITLE), body);
  let district;
  let people;
  try {
    [district, { people }] = await Promise.all([adminCall('GET', '/api/admin/settings'),
      adminCall('GET', '/api/admin/people')]);
  } catch (error) {
    body.replaceChildren(h('p', { class: 'message', role: 'alert' }, trouble(error, OFFLINE, NOT_YOURS)));
    return;
  }
  let filters = filtersIn(location.hash);
  const when = clockOf(district.timezone);
  const count = h('p', { id: 'audit-count', class: 'muted', 'aria-live': 'polite' });
  const list = h('ol', { class: 'audit-list', 'aria-labelledby': 'audit-list-title' });
  const problem = h('p', { class: 'message', role: 'alert' });
  const more = h('button', { type: 'button', class: 'button secondary', hidden: true }, 'Show older events');
  let cursor = null;
  let asked = 0;
  let form = null;

  const load = async (older) => {
    asked += 1;
    const mine = asked;
    problem.textContent = '';
    const query = queryOf(filters);
    query.set('limit', String(PAGE));
    if (older) query.set('cursor', String(cursor));
    more.disabled = true;
    let page;
    try {
      page = await adminCall('GET', `/api/audit?${query}`);
    } catch (error) {
      if (mine !== asked) return false;
      more.disabled = false;
      if (showFieldErrors(form, error.status === 422 ? error : null)) {
        list.replaceChildren();
        more.hidden = true;
        count.textContent = 'No events shown: see the filters marked.';
      } else {
        problem.textContent = trouble(error, OFFLINE, NOT_YOURS);
      }
      return false;
    }
    if (mine !== asked) return false;
    showFieldErrors(form, null);
    const items = page.events.map((event) => eventItem(event, when));
    if (older) list.append(...items);
    else list.replaceChildren(...items);
    cursor = page.next_cursor;
    more.hidden = cursor === null;
    more.disabled = false;
    const shownCount = list.children.length;
    count.textContent = shownCount ? `${plural(shownCount, 'event')} shown, newest first${cursor === null ? '.'
      : '; there are older ones.'}` : 'No event matches.';
    return items;
  };

  more.addEventListener('click', async () => {
    const items = await load(true);
    // Focus the first new event, so the reader carries on where the list grew.
    if (items && items.length) {
      items[0].tabIndex = -1;
      items[0].focus();
    }
  });
  form = filterForm(filters, people, (chosen) => {
    filters = chosen;
    const address = addressOf(filters);
    // Not through the router: the screen stays, with focus where it is; Back gives the previous filters.
    if (address !== location.hash) history.pushState(null, '', address);
    load(false).then((items) => { if (items) ctx.announce(count.textContent); });
  });
  body.replaceChildren(
    h('p', { class: 'lede' }, `What was done in ${ctx.me.person.school_id ? 'your school' : 'your district'}: sign-in `
      + 'failures, revoked tablets, roster imports, exports, changes to settings, schools and people. Times are in '
      + `the district's time zone (${district.timezone}).`),
    form,
    h('section', { class: 'audit-section', 'aria-labelledby': 'audit-list-title' },
      h('h2', { id: 'audit-list-title' }, 'Events'), count, problem, list, h('p', { class: 'actions' }, more)));
  await load(false);
}
