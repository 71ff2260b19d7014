/**
 * #/people/<id>: one person an admin administers. Their name, roles and school (a form whose
 * refusals the API explains beside each field); their access: "Deactivate" says first what it will
 * do (how many tablets are signed out, and the changes those had not sent) and then what it did,
 * from the server's answer, "Reactivate" brings them back; a one-time password link, shown this
 * once with a copy button and its expiry; their devices (admin-devices.js).
 *
 * Each action's outcome is written beside it, focused and announced. `person` is updated in
 * place from each answer, so every part speaks of them as they now are.
 */
import { confirmDialog, dayAndTime, h, namesOf, plural } from '../ui.js';
import { devicesSection } from './admin-devices.js';
import {
  adminCall, chosenRoles, field, roleWords, rolesField, schoolSelect, showFieldErrors, trouble,
} from './admin-page.js';

const path = (person) => `/api/admin/people/${encodeURIComponent(person.id)}`;

function say(ctx, outcome, words) {
  outcome.textContent = words;
  outcome.focus();
  ctx.announce(words);
}

export async function renderPerson(main, personId, ctx, said) {
  document.title = 'Person · Rounds';
  const heading = h('h1', { tabindex: '-1' }, 'Person');
  const body = h('div', { class: 'person-page' }, h('p', { class: 'muted loading', role: 'status' }, 'Loading…'));
  main.append(h('p', { class: 'back-link' }, h('a', { href: '#/people' }, 'All people')), heading, body);
  let person;
  try {
    person = await adminCall('GET', `/api/admin/people/${encodeURIComponent(personId)}`);
  } catch (error) {
    if (error.status !== 404) {
      body.replaceChildren(h('p', { class: 'message', role: 'alert' }, trouble(error)));
      return;
    }
    person = null;
  }
  if (!person) {
    heading.textContent = 'Not found';
    body.replaceChildren(h('p', { class: 'message', role: 'alert' },
      'There is no such person among the people you administer.'));
    return;
  }
  const devices = devicesSection(person, ctx);
  try {
    await devices.refresh();
  } catch (error) {
    body.replaceChildren(h('p', { class: 'message', role: 'alert' }, trouble(error)));
    return;
  }
  const summary = h('p', { class: 'muted person-summary' });
  const showHead = () => {
    document.title = `${person.name} · People · Rounds`;
    heading.textContent = person.name;
    const school = person.school_id ? namesOf(ctx.reference).school(person.school_id) : 'District-wide';
    summary.replaceChildren(`${person.email} · ${roleWords(person.roles).join(', ')} · ${school} · `,
      h('span', { class: `tag ${person.active ? 'is-active' : 'inactive'}` }, person.active ? 'Active' : 'Deactivated'));
  };
  showHead();
  const welcome = h('p', { class: 'outcome', role: 'status' }, said || '');
  const password = passwordSection(person, ctx);
  const access = accessSection(person, ctx, devices, () => { showHead(); password.show(); });
  body.replaceChildren(summary, welcome, detailsSection(person, ctx, showHead), password.element, access, devices.element);
  if (said) ctx.announce(said);
}

// --- name, roles and school -------------------------------------------------------------------
function detailsSection(person, ctx, changed) {
  const outcome = h('p', { class: 'outcome', tabindex: '-1' });
  const problem = h('p', { class: 'message', role: 'alert' });
  const form = h('form', { novalidate: true, 'aria-labelledby': 'details-title' },
    h('div', { class: 'form-grid' },
      field('name', 'Name', h('input', { type: 'text', value: person.name, autocomplete: 'off', required: true })),
      field('school_id', 'School', schoolSelect(ctx, person.school_id, { districtWide: !ctx.me.person.school_id }))),
    rolesField('Roles', person.roles),
    h('p', { class: 'muted' }, 'New roles end their browser sessions: they sign in again in a browser.'),
    problem,
    h('p', { class: 'actions' }, h('button', { type: 'submit', class: 'button primary' }, 'Save changes')), outcome);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    problem.textContent = '';
    const wanted = { name: form.elements.name.value.trim(), roles: chosenRoles(form).sort(),
      school_id: form.elements.school_id.value || null };
    const changes = Object.fromEntries(Object.entries(wanted).filter(([key, value]) => (key === 'roles'
      ? value.join() !== [...person.roles].sort().join() : value !== person[key])));
    if (!Object.keys(changes).length) {
      showFieldErrors(form, null);
      say(ctx, outcome, 'Nothing to save: nothing was changed.');
      return;
    }
    try {
      Object.assign(person, await adminCall('PATCH', path(person), changes));
    } catch (error) {
      const first = error.status === 422 ? showFieldErrors(form, error) : null;
      outcome.textContent = '';
      if (first) {
        ctx.announce('Not saved: see the fields marked.');
        first.focus();
      } else {
        showFieldErrors(form, null);
        problem.textContent = trouble(error);
      }
      return;
    }
    showFieldErrors(form, null);
    changed();
    say(ctx, outcome, `Saved. ${person.name}: ${roleWords(person.roles).join(', ')}.`
      + (changes.roles ? ' Their browser sessions ended.' : ''));
  });
  return h('section', { class: 'card view-section', 'aria-labelledby': 'details-title' },
    h('h2', { id: 'details-title' }, 'Name, roles and school'), form);
}

// --- a one-time password link -----------------------------------------------------------------
function passwordSection(person, ctx) {
  const place = h('div', {});
  const element = h('section', { class: 'card view-section', 'aria-labelledby': 'password-title' },
    h('h2', { id: 'password-title' }, 'Password'), place);
  const copyLink = async (input, note) => {
    try {
      await navigator.clipboard.writeText(input.value);
      note.textContent = 'Link copied.';
    } catch {
      input.select();
      note.textContent = 'This browser did not let Rounds copy it: the link is selected, copy it yourself.';
    }
  };
  const shown = (link) => {
    const input = h('input', { type: 'text', readonly: true, value: link.url, class: 'link-field' });
    const note = h('p', { class: 'outcome', role: 'status' });
    return h('div', { class: 'link-box' },
      field('one-time-link', `One-time link for ${person.name}`, input,
        `Valid until ${dayAndTime(link.expires_at)}. Shown this once: Rounds keeps no copy, so leaving this page `
        + 'loses it (make a new one then).'),
      h('p', { class: 'actions' }, h('button', { type: 'button', class: 'button secondary',
        onclick: () => copyLink(input, note) }, 'Copy link')), note);
  };
  const show = () => {
    if (!person.active) {
      place.replaceChildren(h('p', {}, `${person.name} is deactivated: reactivate them before making a password link.`));
      return;
    }
    const outcome = h('p', { class: 'message', role: 'alert' });
    const result = h('div', {});
    const button = h('button', { type: 'button', class: 'button secondary' }, 'Create a one-time password link');
    button.addEventListener('click', async () => {
      outcome.textContent = '';
      button.disabled = true;
      try {
        const link = await adminCall('POST', `${path(person)}/password-link`);
        result.replaceChildren(shown(link));
        const input = result.querySelector('input');
        input.focus();
        input.select();
        ctx.announce(`One-time link made, valid until ${dayAndTime(link.expires_at)}. It is shown only this once.`);
      } catch (error) {
        outcome.textContent = trouble(error);
      }
      button.disabled = false;
    });
    place.replaceChildren(h('p', {}, `Rounds sends no email. Give ${person.name} a one-time link to set their `
      + 'password, yourself (in person, or by your district\'s mail). It works once, for 72 hours; a new link '
      + 'cancels the one before.'), h('p', { class: 'actions' }, button), outcome, result);
  };
  show();
  return { element, show };
}

// --- access: deactivate and reactivate --------------------------------------------------------
/** What deactivating will do, from the devices as they last reported themselves. */
function effectBefore(person, devices) {
  const live = devices.filter((d) => !d.revoked_at);
  const unsent = live.reduce((sum, d) => sum + (d.unsent || 0), 0);
  const silent = live.filter((d) => d.unsent === null || d.unsent === undefined).length;
  if (!live.length) return [`${person.name} has no tablet signed in. Every browser they use is signed out.`];
  return [`Their ${plural(live.length, 'tablet')} will be signed out, and every browser they use.`,
    unsent ? `As far as the server knows, ${plural(unsent, 'change')} on ${live.length === 1 ? 'it' : 'them'} `
      + 'had not been sent: they stay on the tablet and can no longer reach the server.'
      : 'As far as the server knows, every change on them was sent.',
    silent ? `${silent} of them never said how many changes it held.` : null,
    'Reactivating them later does not sign those tablets back in.'].filter(Boolean);
}

function accessSection(person, ctx, devices, changed) {
  const place = h('div', {});
  const outcome = h('p', { class: 'outcome', tabindex: '-1' });
  const problem = h('p', { class: 'message', role: 'alert' });
  const setActive = async (active) => {
    problem.textContent = '';
    outcome.textContent = '';
    let answer;
    try {
      answer = await adminCall('PATCH', path(person), { active });
    } catch (error) {
      problem.textContent = error.fields?.active ? [].concat(error.fields.active).join(' ') : trouble(error);
      return;
    }
    const { effect, ...shown } = answer;
    Object.assign(person, shown);
    await devices.refresh().catch(() => {});
    changed();
    show();
    say(ctx, outcome, active ? `${person.name} is active again. They sign in again on each tablet.`
      : `${person.name} is deactivated. ${effect ? effect.message : ''}`.trim());
  };
  const deactivate = async () => {
    problem.textContent = '';
    try {
      await devices.refresh();
    } catch (error) {
      problem.textContent = trouble(error);
      return;
    }
    const sure = await confirmDialog({ title: `Deactivate ${person.name}?`,
      body: [`${person.name} will no longer be able to sign in.`, ...effectBefore(person, devices.devices())],
      confirm: `Deactivate ${person.name}`, danger: true });
    if (sure) await setActive(false);
  };
  const show = () => {
    if (person.id === ctx.me.person.id) {
      place.replaceChildren(h('p', {}, 'This is you. Another admin can deactivate you.'));
    } else if (person.active) {
      place.replaceChildren(h('p', {}, `${person.name} can sign in.`), h('p', { class: 'actions' },
        h('button', { type: 'button', class: 'button danger-outline', onclick: deactivate }, 'Deactivate')));
    } else {
      place.replaceChildren(h('p', {}, `${person.name} is deactivated: they cannot sign in.`), h('p', { class: 'actions' },
        h('button', { type: 'button', class: 'button secondary', onclick: () => setActive(true) }, 'Reactivate')));
    }
  };
  show();
  return h('section', { class: 'card view-section', 'aria-labelledby': 'access-title' },
    h('h2', { id: 'access-title' }, 'Access'), place, problem, outcome);
}
