/**
 * A person's devices on #/people/<id>: each with its name, when it was enrolled and last synced,
 * its app version and the changes it had not sent, as it last reported them, and whether it is
 * revoked. "Revoke (lost tablet)" says what becomes of the tablet's unsent changes before the
 * admin confirms, and the server's own words after.
 *
 * `devicesSection(person, ctx)` -> `{element, devices(), refresh()}`: `devices()` the list as
 * last fetched, `refresh()` fetches it again (throws the API's error).
 */
import { confirmDialog, dayAndTime, h, plural } from '../ui.js';
import { adminCall, trouble } from './admin-page.js';

const STAYS = 'Changes not yet sent stay on that tablet and can no longer reach the server; whoever has the '
  + 'tablet can still save them in a backup file (Account).';

const nameOf = (device) => device.name || 'Unnamed device';

/** What revoking `device` will do to its unsent changes, in the words the server uses after. */
export function fateOfUnsent(unsent) {
  if (unsent === null || unsent === undefined) return `It never said how many changes it held. ${STAYS}`;
  if (unsent === 0) return 'When it last synced, it had sent every change it held.';
  return `When it last synced, ${plural(unsent, 'change')} on it had not been sent. ${STAYS}`;
}

function unsentWords(device) {
  if (device.unsent === null || device.unsent === undefined) return 'Not reported';
  return `${device.unsent} (when it synced ${dayAndTime(device.unsent_at)})`;
}

export function devicesSection(person, ctx) {
  let devices = [];
  const list = h('ul', { class: 'device-list' });
  const outcome = h('p', { class: 'outcome', tabindex: '-1' });
  const element = h('section', { class: 'card view-section', 'aria-labelledby': 'devices-title' },
    h('h2', { id: 'devices-title' }, 'Devices'),
    h('p', { class: 'muted' }, 'Each tablet or browser they signed in on, as it last reported itself when it synced.'),
    outcome, list);

  const revoke = async (device, button) => {
    const sure = await confirmDialog({
      title: `Revoke ${nameOf(device)}?`,
      body: [`${nameOf(device)} (${person.name}) is signed out at once and can no longer sync.`, fateOfUnsent(device.unsent)],
      confirm: 'Revoke this device', danger: true });
    if (!sure) return;
    button.disabled = true;
    outcome.textContent = '';
    try {
      const answer = await adminCall('DELETE', `/api/admin/people/${encodeURIComponent(person.id)}/devices/`
        + encodeURIComponent(device.id));
      devices = devices.map((d) => (d.id === answer.device.id ? answer.device : d));
      show();
      outcome.textContent = `${nameOf(device)} is revoked. ${answer.message}`;
    } catch (error) {
      button.disabled = false;
      outcome.textContent = `${nameOf(device)} was not revoked. ${trouble(error)}`;
    }
    outcome.focus();
    ctx.announce(outcome.textContent);
  };

  const row = (device) => {
    const title = h('h3', { id: `device-${device.id}` }, nameOf(device));
    const button = device.revoked_at ? null : h('button', { type: 'button', class: 'button danger-outline small',
      'aria-describedby': title.id }, 'Revoke (lost tablet)');
    if (button) button.addEventListener('click', () => revoke(device, button));
    return h('li', { class: `device-card${device.revoked_at ? ' is-revoked' : ''}`, 'data-device': device.id }, title,
      h('dl', { class: 'details' },
        h('dt', {}, 'Status'), h('dd', {}, device.revoked_at ? `Revoked ${dayAndTime(device.revoked_at)}` : 'Signed in'),
        h('dt', {}, 'Last sync'), h('dd', {}, device.last_sync_at ? dayAndTime(device.last_sync_at) : 'Never synced'),
        h('dt', {}, 'App version'), h('dd', {}, device.app_version || 'Not reported'),
        h('dt', {}, 'Unsent changes'), h('dd', {}, unsentWords(device)),
        h('dt', {}, 'Enrolled'), h('dd', {}, dayAndTime(device.created_at))),
      button);
  };

  const show = () => {
    list.replaceChildren(...devices.map(row));
    if (!devices.length) list.replaceChildren(h('li', { class: 'muted' }, 'No device: they have not signed in on a tablet yet.'));
  };

  const refresh = async () => {
    ({ devices } = await adminCall('GET', `/api/admin/people/${encodeURIComponent(person.id)}/devices`));
    show();
  };

  return { element, refresh, devices: () => devices };
}
