/**
 * #/account: who is signed in (name, email, roles), this tablet (device name and id), whether the
 * browser keeps Rounds' storage (storageState()) and how much is used, "Export backup" (a JSON
 * file of everything on this tablet, downloaded as rounds-backup-<date>.json) and "Sign out".
 * Signing out wipes the tablet only when everything is on the server: otherwise it says how many
 * changes are waiting and signs nothing out; once signed out it goes to #/signin.
 */
import { exportBackup, signOut, storageState } from '../session.js';
import { h, plural } from '../ui.js';

const ROLE_NAMES = { observer: 'Observer', teacher: 'Teacher', district_staff: 'District staff', admin: 'Admin' };

function roleNames(roles) {
  return (roles || []).map((role) => ROLE_NAMES[role] || role.replace(/_/g, ' ')).join(', ');
}

function bytes(count) {
  if (count === null || count === undefined) return null;
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = count;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit ? value.toFixed(value < 10 ? 1 : 0) : value} ${units[unit]}`;
}

function section(id, title, ...content) {
  return h('section', { class: 'card view-section', 'aria-labelledby': id }, h('h2', { id }, title), content);
}

function details(rows) {
  return h('dl', { class: 'details' }, rows.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
}

function storageWords({ persisted, usage, quota }) {
  const kept = persisted
    ? 'Protected: the browser keeps what Rounds stores on this tablet until you sign out.'
    : 'Not protected: the browser may clear what Rounds stores here if this tablet runs short of space, so sync '
      + 'often and export a backup before a long time offline. Adding Rounds to the home screen usually protects it.';
  const used = usage !== null && quota !== null
    ? `Rounds uses ${bytes(usage)} of the ${bytes(quota)} this browser allows it.`
    : 'The browser does not say how much space Rounds uses.';
  return [h('p', { id: 'storage-kept' }, kept), h('p', {}, used)];
}

function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export async function render(main, params, ctx) {
  document.title = 'Account · Rounds';
  const { person, device_id: deviceId, device_name: deviceName } = ctx.me;
  const storage = await storageState();
  const message = h('p', { class: 'message', role: 'alert' });

  async function download() {
    const name = `rounds-backup-${today()}.json`;
    const url = URL.createObjectURL(await exportBackup());
    const link = h('a', { href: url, download: name, hidden: true }, name);
    document.body.append(link);
    link.click();
    link.remove();
    // The download has started by now; the object URL only holds the file's memory.
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    ctx.announce(`Backup saved as ${name}.`);
  }

  async function leave(event) {
    const button = event.currentTarget;
    button.disabled = true;
    button.textContent = 'Signing out…';
    message.textContent = '';
    try {
      const result = await signOut();
      if (result.signedOut) {
        ctx.navigate('#/signin');
        return;
      }
      const waiting = result.pending || 0;
      const refused = result.refused || 0;
      message.textContent = waiting
        ? `${plural(waiting, 'change')} ${waiting === 1 ? 'is' : 'are'} not on the server yet. `
          + 'Connect and sync before signing out, or Export backup first.'
        : `${plural(refused, 'change')} the server refused ${refused === 1 ? 'waits' : 'wait'} under Rejected. `
          + 'Send them again or discard them before signing out.';
    } catch (error) {
      message.textContent = `Not signed out: ${error.message || 'something went wrong'}. Try again.`;
    }
    button.disabled = false;
    button.textContent = 'Sign out';
  }

  main.replaceChildren(
    h('h1', { tabindex: '-1' }, 'Account'),
    section('who-heading', 'Signed in',
      details([['Name', person.name], ['Email', person.email], ['Roles', roleNames(person.roles)]])),
    section('device-heading', 'This tablet', details([['Name', deviceName || 'Not named'],
      ['Device id', h('code', { class: 'device-id' }, deviceId)]])),
    section('storage-heading', 'Storage', storageWords(storage)),
    section('backup-heading', 'Backup',
      h('p', { id: 'backup-hint' }, 'A file of everything Rounds holds on this tablet, including changes not '
        + 'synced yet. '
        + 'Keep it safe: it contains what you recorded.'),
      h('button', { type: 'button', class: 'button secondary', 'aria-describedby': 'backup-hint', onclick: download },
        'Export backup')),
    section('signout-heading', 'Sign out',
      h('p', { id: 'signout-hint' },
        'Signing out deletes Rounds’ data from this tablet, but only once all of it is on the server.'),
      message,
      h('button', { type: 'button', class: 'button secondary', 'aria-describedby': 'signout-hint', onclick: leave },
        'Sign out')),
  );
}
