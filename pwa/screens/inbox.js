/**
 * #/inbox: the person's notifications as the last sync brought them (offline too), newest first,
 * unread ones "New". Tapping one marks it read (sent at the next sync) and opens its walkthrough.
 */
import { markRead, readInbox } from '../inbox.js';
import { keepCurrent } from '../keep-current.js';
import { pushOffer } from '../push.js';
import { readMeta } from '../db.js';
import { dayAndTime, h, plural } from '../ui.js';

function item(entry) {
  const unread = !entry.read_at;
  const words = [h('span', { class: 'walkthrough-who' }, unread ? [h('span', { class: 'tag' }, 'New'), ' '] : null, entry.text),
    h('span', { class: 'walkthrough-where' }, dayAndTime(entry.created_at))];
  const read = () => { if (unread) markRead([entry.id]).catch((error) => console.error(error)); };
  return h('li', {}, entry.observation_id
    ? h('a', { class: 'walkthrough', href: `#/observation/${entry.observation_id}`, onclick: read }, words)
    : h('button', { type: 'button', class: 'walkthrough', onclick: read, 'aria-disabled': unread ? null : 'true' }, words));
}

async function show(offer) {
  const [{ items, unread }, last] = await Promise.all([readInbox(), readMeta('last_sync_at')]);
  return [h('h1', { tabindex: '-1' }, 'Inbox'),
    h('p', { class: 'lede' }, unread ? `${plural(unread, 'new notification')}.` : 'Nothing new.',
      last ? ` As of the last sync, ${dayAndTime(last)}.` : ' Not synced yet.'),
    offer,
    items.length
      ? h('ul', { class: 'walkthroughs', 'aria-label': 'Notifications' }, items.map(item))
      : h('p', { class: 'muted' }, 'No notifications yet. News about your walkthroughs and feedback shows here.')];
}

export async function render(main, params, ctx) {
  document.title = 'Inbox · Rounds';
  const offer = await pushOffer(ctx.announce);
  const live = await keepCurrent(main, () => show(offer));
  return live.stop;
}
