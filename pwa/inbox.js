/**
 * The inbox as the last sync fetched it (meta 'inbox') and read marks not sent yet (meta
 * 'inbox_read'). `syncInbox(token)` sends the marks, then fetches GET /api/inbox; `readInbox()`
 * is {items, unread} with waiting marks applied (offline too); `markRead(ids)` queues marks.
 */
import { request } from './api.js';
import { getMeta, putMeta, transact } from './db.js';
import { notify } from './records.js';

const EMPTY = { items: [], unread: 0 };

function stored() {
  return transact(['meta'], 'readonly', (tx) => Promise.all([getMeta(tx, 'inbox', EMPTY), getMeta(tx, 'inbox_read', [])]));
}

export async function readInbox() {
  const [inbox, marks] = await stored();
  const waiting = new Set(marks);
  const items = inbox.items.map((item) => (waiting.has(item.id) && !item.read_at ? { ...item, read_at: 'waiting' } : item));
  const markedHere = inbox.items.filter((item) => waiting.has(item.id) && !item.read_at).length;
  return { items, unread: Math.max(0, inbox.unread - markedHere) };
}

export async function markRead(ids) {
  await transact(['meta'], 'readwrite', async (tx) => {
    const marks = await getMeta(tx, 'inbox_read', []);
    await putMeta(tx, 'inbox_read', [...new Set([...marks, ...ids])]);
  });
  notify();
}

export async function syncInbox(token) {
  const [before, marks] = await stored();
  if (marks.length) await request('POST', '/api/inbox/read', { ids: marks }, { token });
  const inbox = await request('GET', '/api/inbox', undefined, { token });
  // Written only when something changed: a write here would queue the next tap's write behind it.
  if (!marks.length && JSON.stringify(before) === JSON.stringify(inbox)) return;
  await transact(['meta'], 'readwrite', async (tx) => {
    const now = await getMeta(tx, 'inbox_read', []);
    await putMeta(tx, 'inbox_read', now.filter((id) => !marks.includes(id)));
    await putMeta(tx, 'inbox', inbox);
  });
  notify();
}
