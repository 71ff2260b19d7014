/**
 * #/settings: the district's name, time zone and settings, and its schools (online only).
 *
 * Every setting the API lists is a labelled field saying in plain words what it changes, with its
 * range and its error slot; the district's fields are saved together, and the API's refusals are
 * written beside each field (nothing is saved then). Schools: each with its name and time zone
 * (empty: the district's), changed one school at a time; "Add a school" for an admin of the whole
 * district. A school admin sees the district read-only (the API lets them change only their own
 * school) and their own school. Anyone who is not an admin is told there is nothing here for them;
 * offline the screen says it needs a connection.
 *
 * `settingLabel(name)`: a setting's name in words, for the audit list too.
 */
import { h, hasRole, uid } from '../ui.js';
import { adminCall, field, notForYou, showFieldErrors, trouble, useAdminStylesheet, useStylesheet } from './admin-page.js';

const TITLE = 'Schools and settings';
const OFFLINE = 'Schools and settings need a connection. They open when this tablet is online.';
const NOT_YOURS = 'There is nothing here for you: schools and settings are for admins.';
const GROUPS = [['feedback_loop', 'Notifications and reminders'], ['privacy', 'Privacy of exports']];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const CLOCK = 'On each school\'s clock: its own time zone, or the district\'s.';
// [label, what it affects]; a setting the screen does not know is shown with the API's description.
const WORDS = {
  quiet_enabled: ['Quiet hours', 'On: no push notifications between the start and end below; they wait until '
    + 'quiet hours end. Off: notifications go out at any hour.'],
  quiet_start: ['Quiet hours start', `No push notifications from this time of day. ${CLOCK}`],
  quiet_end: ['Quiet hours end', 'Notifications held overnight go out from this time. Earlier than the start means '
    + 'the next morning; it may not be the same as the start.'],
  quiet_weekends: ['Quiet all day when school is out', 'Yes: no push notifications at all on days that are not '
    + 'school days.'],
  digest_at: ['Morning digest', `The morning summary of what waits goes out at or after this time. ${CLOCK}`],
  acknowledge_after_school_days: ['Remind teachers to acknowledge feedback after', 'School days after feedback is '
    + 'released before a teacher who has not acknowledged it is reminded.'],
  requested_after_school_days: ['Remind observers of requested support after', 'School days before an observer '
    + 'who has not answered a teacher\'s request for support is reminded.'],
  due_soon_days: ['A commitment is "due soon"', 'This many school days before its due date.'],
  max_reminders: ['Most reminders about one thing', 'No more than this many reminders of each kind about one thing.'],
  school_days: ['School days', 'Reminders count these days only.'],
  suppression_threshold: ['Privacy threshold (k)', 'In de-identified exports, any count of fewer people than this '
    + 'is hidden.'],
};
const TIMEZONE_WORDS = 'The district\'s local days, weeks and months: reports count by them, and every school '
  + 'without a time zone of its own keeps its quiet hours by it.';

export const settingLabel = (name) => (WORDS[name] ? WORDS[name][0] : name);

function zoneList() {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return h('datalist', { id: 'time-zones' }, [...new Set(['UTC', ...zones])].map((zone) => h('option', { value: zone })));
}

const zoneInput = (value, placeholder) => h('input', { type: 'text', list: 'time-zones', value: value || '',
  autocomplete: 'off', spellcheck: 'false', placeholder });

function say(ctx, outcome, words) {
  outcome.textContent = words;
  outcome.focus();
  ctx.announce(words);
}

/** The API's 422 as one flat map, each setting under its own name beside `name` and `timezone`. */
function flatFields(error) {
  const { settings, ...rest } = error.fields || {};
  if (Array.isArray(settings)) return { ...rest, settings };
  return { ...rest, ...(settings || {}) };
}

/** A form's problem: field errors beside their fields (focus the first), or words in `problem`. */
function refused(ctx, form, problem, error, fields = error.fields) {
  const first = error.status === 422 ? showFieldErrors(form, { fields }) : null;
  if (first) {
    ctx.announce('Not saved: see the fields marked.');
    first.focus();
  } else {
    showFieldErrors(form, null);
    problem.textContent = trouble(error, OFFLINE, NOT_YOURS);
  }
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
  let schools;
  try {
    [district, { schools }] = await Promise.all([adminCall('GET', '/api/admin/settings'),
      adminCall('GET', '/api/admin/schools')]);
  } catch (error) {
    body.replaceChildren(h('p', { class: 'message', role: 'alert' }, trouble(error, OFFLINE, NOT_YOURS)));
    return;
  }
  body.replaceChildren(zoneList(), districtSection(district, ctx), schoolsSection(district, schools, ctx));
}

// --- the district ----------------------------------------------------------------------------
function settingInput(setting) {
  if (setting.kind === 'flag') {
    const [on, off] = setting.name === 'quiet_enabled' ? ['On', 'Off'] : ['Yes', 'No'];
    return h('select', {}, h('option', { value: 'true', selected: setting.value }, on),
      h('option', { value: 'false', selected: !setting.value }, off));
  }
  if (setting.kind === 'clock') return h('input', { type: 'time', value: setting.value });
  return h('input', { type: 'number', inputmode: 'numeric', min: setting.minimum, max: setting.maximum, step: 1,
    value: String(setting.value) });
}

function settingField(setting) {
  const [label, words] = WORDS[setting.name] || [setting.name, setting.description];
  const range = setting.kind === 'count' ? ` From ${setting.minimum} to ${setting.maximum}; by default ${setting.default}.`
    : '';
  if (setting.kind !== 'weekdays') return field(setting.name, label, settingInput(setting), `${words}${range}`);
  const hintId = uid('school-days-hint');
  const errorId = uid('school-days-error');
  return h('fieldset', { class: 'field days-field', 'aria-describedby': `${hintId} ${errorId}` },
    h('legend', {}, label), h('p', { id: hintId, class: 'muted hint' }, words),
    h('div', { class: 'day-choices' }, DAYS.map((day, number) => h('label', { class: 'day-choice' },
      h('input', { type: 'checkbox', name: setting.name, value: String(number),
        checked: setting.value.includes(number) }), day))),
    h('p', { id: errorId, class: 'field-error', 'data-for': setting.name }));
}

/** What the form holds for `setting`, as the API takes it (a value it cannot read is sent as typed). */
function valueOf(form, setting) {
  if (setting.kind === 'weekdays') {
    return [...form.querySelectorAll(`input[name="${setting.name}"]:checked`)].map((box) => Number(box.value));
  }
  const text = form.elements[setting.name].value.trim();
  if (setting.kind === 'flag') return text === 'true';
  if (setting.kind === 'count') return /^-?\d+$/.test(text) ? Number(text) : text;
  return text;
}

function districtSection(district, ctx) {
  const outcome = h('p', { class: 'outcome', tabindex: '-1' });
  const problem = h('p', { class: 'message', role: 'alert' });
  const groups = GROUPS.map(([group, title]) => [title, district.settings.filter((s) => s.group === group)]);
  const others = district.settings.filter((s) => !GROUPS.some(([group]) => group === s.group));
  if (others.length) groups.push(['Other settings', others]);
  const fields = h('fieldset', { class: 'district-fields', disabled: !district.may_change },
    h('legend', { class: 'visually-hidden' }, 'The district'),
    h('div', { class: 'form-grid' },
      field('name', 'District name', h('input', { type: 'text', value: district.name, autocomplete: 'off' })),
      field('timezone', 'District time zone', zoneInput(district.timezone, 'America/Chicago'),
        `${TIMEZONE_WORDS} An IANA name, such as America/Chicago.`)),
    groups.map(([title, settings]) => h('section', { class: 'setting-group', 'aria-label': title }, h('h3', {}, title),
      h('div', { class: 'form-grid' }, settings.map(settingField)))));
  const form = h('form', { novalidate: true, 'aria-labelledby': 'district-title' }, fields, problem,
    district.may_change ? h('p', { class: 'actions' }, h('button', { type: 'submit', class: 'button primary' },
      'Save district settings')) : null, outcome);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    problem.textContent = '';
    const changes = {};
    for (const key of ['name', 'timezone']) {
      if (form.elements[key].value.trim() !== district[key]) changes[key] = form.elements[key].value.trim();
    }
    const settings = {};
    for (const setting of district.settings) {
      const value = valueOf(form, setting);
      if (JSON.stringify(value) !== JSON.stringify(setting.value)) settings[setting.name] = value;
    }
    if (Object.keys(settings).length) changes.settings = settings;
    if (!Object.keys(changes).length) {
      showFieldErrors(form, null);
      say(ctx, outcome, 'Nothing to save: nothing was changed.');
      return;
    }
    outcome.textContent = '';
    try {
      Object.assign(district, await adminCall('PATCH', '/api/admin/settings', changes));
    } catch (error) {
      refused(ctx, form, problem, error, flatFields(error));
      return;
    }
    showFieldErrors(form, null);
    const changed = [...(changes.name ? ['District name'] : []), ...(changes.timezone ? ['Time zone'] : []),
      ...Object.keys(settings).map(settingLabel)];
    say(ctx, outcome, `Saved: ${changed.join(', ')}.`);
  });
  return h('section', { class: 'card view-section', 'aria-labelledby': 'district-title' },
    h('h2', { id: 'district-title' }, 'The district'),
    district.may_change ? null : h('p', { class: 'read-only-note' }, 'Only an admin of the whole district changes these. '
      + 'You change your own school\'s name and time zone, below.'),
    form);
}

// --- schools ---------------------------------------------------------------------------------
const zoneWords = (school, district) => (school.timezone ? school.timezone
  : `The district's (${district.timezone})`);

function schoolForm(school, district, ctx) {
  const heading = h('h3', { id: uid('school') }, school.name);
  const said = h('p', { class: 'muted school-zone' }, `Time zone: ${zoneWords(school, district)}`);
  const outcome = h('p', { class: 'outcome', tabindex: '-1' });
  const problem = h('p', { class: 'message', role: 'alert' });
  const form = h('form', { novalidate: true, 'aria-labelledby': heading.id },
    h('div', { class: 'form-grid' },
      field('name', 'School name', h('input', { type: 'text', value: school.name, autocomplete: 'off' })),
      field('timezone', 'School time zone', zoneInput(school.timezone, district.timezone),
        'Its quiet hours and school days. Empty: the district\'s.')),
    problem, h('p', { class: 'actions' }, h('button', { type: 'submit', class: 'button secondary',
      'aria-describedby': heading.id }, 'Save school')), outcome);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    problem.textContent = '';
    const changes = {};
    const name = form.elements.name.value.trim();
    const timezone = form.elements.timezone.value.trim() || null;
    if (name !== school.name) changes.name = name;
    if (timezone !== school.timezone) changes.timezone = timezone;
    if (!Object.keys(changes).length) {
      showFieldErrors(form, null);
      say(ctx, outcome, 'Nothing to save: nothing was changed.');
      return;
    }
    outcome.textContent = '';
    try {
      Object.assign(school, await adminCall('PATCH', `/api/admin/schools/${encodeURIComponent(school.id)}`, changes));
    } catch (error) {
      refused(ctx, form, problem, error);
      return;
    }
    showFieldErrors(form, null);
    heading.textContent = school.name;
    said.textContent = `Time zone: ${zoneWords(school, district)}`;
    say(ctx, outcome, `Saved. ${school.name}, time zone ${zoneWords(school, district)}.`);
  });
  return h('li', { class: 'school-card', 'data-school': school.id }, heading, said, form);
}

function addSchoolForm(district, ctx, added) {
  const problem = h('p', { class: 'message', role: 'alert' });
  const form = h('form', { novalidate: true, 'aria-labelledby': 'add-school-title' },
    h('div', { class: 'form-grid' },
      field('name', 'New school\'s name', h('input', { type: 'text', autocomplete: 'off' })),
      field('timezone', 'Its time zone', zoneInput('', district.timezone), 'Empty: the district\'s.')),
    problem, h('p', { class: 'actions' }, h('button', { type: 'submit', class: 'button primary' }, 'Add school')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    problem.textContent = '';
    const body = { name: form.elements.name.value.trim(), timezone: form.elements.timezone.value.trim() || null };
    try {
      added(await adminCall('POST', '/api/admin/schools', body));
    } catch (error) {
      refused(ctx, form, problem, error);
      return;
    }
    showFieldErrors(form, null);
    form.reset();
  });
  return h('section', { class: 'add-school', 'aria-labelledby': 'add-school-title' },
    h('h3', { id: 'add-school-title' }, 'Add a school'), form);
}

function schoolsSection(district, schools, ctx) {
  const list = h('ul', { class: 'school-list' }, schools.map((school) => schoolForm(school, district, ctx)));
  const outcome = h('p', { class: 'outcome', tabindex: '-1' });
  const none = schools.length ? null : h('p', {}, 'No school yet.');
  const add = district.may_change ? addSchoolForm(district, ctx, (school) => {
    none?.remove();
    list.append(schoolForm(school, district, ctx));
    say(ctx, outcome, `${school.name} was added, time zone ${zoneWords(school, district)}.`);
  }) : null;
  return h('section', { class: 'card view-section', 'aria-labelledby': 'schools-title' },
    h('h2', { id: 'schools-title' }, district.may_change ? 'Schools' : 'Your school'),
    h('p', { class: 'muted' }, 'A school\'s name is how the roster import finds it; two schools of the district may '
      + 'not share one.'),
    none, list, outcome, add);
}
