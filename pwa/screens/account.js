/**
 * #/account: who is signed in (name, email, roles), this tablet (device name and id), whether the
 * browser keeps Rounds' storage (storageState()) and how much is used, "Export backup" (a JSON
 * file of everything on this tablet, downloaded as rounds-backup-<date>.json) and "Sign out".
 * Signing out wipes the tablet only when everything is on the server: otherwise it says how many
 * changes are waiting and signs nothing out; once signed out it goes to #/signin.
 * Notifications: which kinds this person wants pushed (GET/PUT /api/push/preferences, online only).
 */
import { request } from '../api.js';
import { readMeta } from '../db.js';
import { pushOffer } from '../push.js';
import { exportBackup, signOut, storageState } from '../session.js';
import { details, h, localDay, plural, section } from '../ui.js';

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

async function pushChoices(announce) {
  const offer = await pushOffer(announce);
  const said = h('p', { class: 'message', role: 'alert' });
  const token = await readMeta('token');
  let choices;
  try {
    choices = await request('GET', '/api/push/preferences', undefined, { token });
  } catch {
    return [offer, h('p', {}, 'Connect to choose which notifications are sent. The inbox always has everything.')];
  }
  const off = new Set(choices.push_off);
  const save = async (kind, on) => {
    if (on) off.delete(kind); else off.add(kind);
    said.textContent = '';
    await request('PUT', '/api/push/preferences', { push_off: [...off] }, { token })
      .then(() => announce('Saved.'), (error) => { said.textContent = `Not saved: ${error.message}`; });
  };
  return [offer, h('p', { id: 'push-hint' }, 'Ticked kinds are sent as notifications. The inbox in Rounds always has everything.'),
    choices.kinds.map(({ kind, label }) => h('div', { class: 'field check' },
      h('input', { id: `push-${kind}`, type: 'checkbox', checked: !off.has(kind), 'aria-describedby': 'push-hint',
        onchange: (event) => save(kind, event.target.checked) }),
      h('label', { for: `push-${kind}` }, label))), said];
}

export async function render(main, params, ctx) {
  document.title = 'Account · Rounds';
  const { person, device_id: deviceId, device_name: deviceName } = ctx.me;
  const storage = await storageState();
  const message = h('p', { class: 'message', role: 'alert' });

  async function download() {
    const name = `rounds-backup-${localDay()}.json`;
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

  // Filled in when the server answers: a slow network must not hold up the screen.
  const notifications = h('div', {}, h('p', { class: 'muted' }, 'Asking the server…'));
  pushChoices(ctx.announce).then((nodes) => notifications.replaceChildren(...nodes.flat().filter(Boolean)));
  main.replaceChildren(
    h('h1', { tabindex: '-1' }, 'Account'),
    section('who-heading', 'Signed in',
      details([['Name', person.name], ['Email', person.email], ['Roles', roleNames(person.roles)]])),
    section('device-heading', 'This tablet', details([['Name', deviceName || 'Not named'],
      ['Device id', h('code', { class: 'device-id' }, deviceId)]])),
    section('storage-heading', 'Storage', storageWords(storage)),
    section('push-heading', 'Notifications', notifications),
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
