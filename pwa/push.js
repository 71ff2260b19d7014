/**
 * Push on this tablet. `keepSubscribed()` (each start, where allowed) sends the subscription
 * again, anew if the browser dropped it: a rotated endpoint is never lost. `pushOffer(announce)`:
 * "Allow notifications" (subscribes with the server's key), plain words where push is
 * unavailable (no PushManager, denied, subscribing failed), or null once on.
 */
import { request } from './api.js';
import { readMeta } from './db.js';
import { h } from './ui.js';

const INBOX_ONLY = 'Feedback will show in your inbox in Rounds.';
let failed = false;

const able = () => !failed && 'PushManager' in window && 'Notification' in window && Notification.permission !== 'denied';

async function subscribe() {
  const token = await readMeta('token');
  const { pushManager } = await navigator.serviceWorker.ready;
  let subscription = await pushManager.getSubscription();
  if (!subscription) {
    const key = (await request('GET', '/api/push/key', undefined, { token })).public_key.replace(/-/g, '+').replace(/_/g, '/');
    subscription = await pushManager.subscribe({ userVisibleOnly: true,
      applicationServerKey: Uint8Array.from(atob(key.padEnd(Math.ceil(key.length / 4) * 4, '=')), (c) => c.charCodeAt(0)) });
  }
  await request('POST', '/api/push/subscriptions', subscription.toJSON(), { token });
}

export async function keepSubscribed() {
  if (able() && Notification.permission === 'granted' && navigator.onLine) await subscribe();
}

async function allow() {
  try {
    if ((await Notification.requestPermission()) !== 'granted') return false;
    await subscribe();
    return true;
  } catch (error) {
    console.warn('Push could not be turned on.', error);
    failed = true;
    return false;
  }
}

export async function pushOffer(announce) {
  const ask = able() && !(Notification.permission === 'granted'
    && await (await navigator.serviceWorker.ready).pushManager.getSubscription());
  if (able() && !ask) return null;
  const words = h('p', {}, ask ? 'Rounds can tell you on this tablet when there is news for you.' : INBOX_ONLY);
  const button = ask && h('button', {
    type: 'button', class: 'button secondary',
    onclick: async () => {
      button.remove();
      words.textContent = (await allow()) ? 'Notifications are on for this tablet.' : INBOX_ONLY;
      announce(words.textContent);
    },
  }, 'Allow notifications');
  return h('section', { class: 'card view-section', 'aria-label': 'Push notifications' }, words, button);
}
