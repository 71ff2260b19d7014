/**
 * What #/roster says about the file it takes: each column and what it means, the rules of an
 * import (matched by email, never removes or reactivates anyone, all or nothing), and a sample CSV
 * to download (the example of docs/roster.md).
 */
import { h } from '../ui.js';

// The example of docs/roster.md.
const SAMPLE = 'email,name,roles,school,school_timezone,password\n'
  + 'ana@school.org,Ana Ruiz,teacher;observer,Lincoln,America/Denver,\n'
  + 'cy@district.org,Cy Lee,district_staff,,,a long password\n';
const COLUMNS = [
  ['email', 'Required. How the person signs in; people already in Rounds are matched by it (capitals do not matter).'],
  ['name', 'Required. Their name as Rounds shows it.'],
  ['roles', 'Required. One or more of teacher, observer, district_staff, admin, separated by ";" or spaces.'],
  ['school', 'The column is required; the cell is the school\'s exact name, empty for district-wide people. A '
    + 'teacher needs a school. A school not yet in Rounds is created (by district-wide admins only).'],
  ['school_timezone', 'Optional. The school\'s time zone as an IANA name, such as America/Chicago.'],
  ['password', 'Optional, 10 to 1024 characters. Without one, the person cannot sign in until you give them a '
    + 'one-time password link from People. A new password ends their browser sessions.'],
];

function downloadSample(ctx) {
  const name = 'rounds-roster-sample.csv';
  const url = URL.createObjectURL(new Blob([SAMPLE], { type: 'text/csv' }));
  const link = h('a', { href: url, download: name, hidden: true }, name);
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  ctx.announce(`Sample saved as ${name}.`);
}

export function helpSection(ctx) {
  return h('section', { class: 'card view-section roster-help', 'aria-labelledby': 'roster-help-title' },
    h('h2', { id: 'roster-help-title' }, 'What the columns mean'),
    h('p', {}, 'The header line names the columns, in any order. People are matched by email and keep whether '
      + 'they are active: an import never removes anyone, nor brings a deactivated person back (do that in People). '
      + 'It is all or nothing: one bad line and nothing is written.'),
    h('dl', { class: 'details roster-columns' }, COLUMNS.map(([name, words]) => [h('dt', {}, h('code', {}, name)),
      h('dd', {}, words)])),
    h('p', { class: 'actions' }, h('button', { type: 'button', class: 'button secondary',
      onclick: () => downloadSample(ctx) }, 'Download a sample CSV')));
}
