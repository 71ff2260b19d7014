/**
 * #/admin: where an admin finds the screens that run the district (or their school): people,
 * the roster import, look-for templates, schools and settings, and the audit log, each with a line
 * saying what it is for. Each opens its own screen, loaded only then. A school admin is told that
 * what they see there is their school's. Anyone who is not an admin is told there is nothing here
 * for them.
 */
import { h, hasRole } from '../ui.js';
import { notForYou, useAdminStylesheet } from './admin-page.js';

const PLACES = [
  ['people', 'People', 'Add a person, change roles or school, give a password link, revoke a lost tablet.'],
  ['roster', 'Roster import', 'Bring in the roster from a CSV file: see every change and every bad line before anything is written.'],
  ['templates', 'Look-for templates', 'Write the problem of practice and the look-fors observers see on Capture; publish a new version.'],
  ['settings', 'Schools and settings', 'School names and time zones, the district time zone, quiet hours, reminder delays and report privacy.'],
  ['judgment-words', 'Judgment words', 'The words the evidence-not-judgment hint notices in notes on Capture; save a new version for the district.'],
  ['audit', 'Audit', 'Sign-in failures, revoked tablets, roster imports and exports: who did what, and when.'],
];

export async function render(main, params, ctx) {
  if (!hasRole(ctx.me, 'admin')) {
    notForYou(main, 'Admin', 'There is nothing here for you: the admin screens are for admins.');
    return;
  }
  useAdminStylesheet();
  document.title = 'Admin · Rounds';
  const scope = ctx.me.person.school_id ? 'What you administer is your school.' : 'What you administer is your district.';
  main.append(
    h('div', { class: 'screen-head' }, h('div', {}, h('h1', { tabindex: '-1' }, 'Admin'), h('p', { class: 'muted' }, scope))),
    h('ul', { class: 'admin-places' }, PLACES.map(([name, title, words]) => h('li', { class: 'card admin-place' },
      h('h2', {}, h('a', { href: `#/${name}` }, title)), h('p', { class: 'muted' }, words)))),
  );
}
