/**
 * The outbox: ops waiting for the server, numbered 1, 2, 3... per device, never reused or skipped.
 *
 * `readStamp(tx)` then `addOp(tx, stamp, change)` stamp a change with the next seq, a fresh
 * op_id and a tick of the device's clock, and store it inside the caller's transaction (which
 * must include the 'outbox' and 'meta' stores), so the record change and its op commit together or not at all.
 * An op leaves the outbox only in `acknowledge`, for seqs the server acknowledged; ops it
 * refused move to the 'rejected' store in the same transaction.
 */
import { getMeta, putMeta, req, transact } from './db.js';
import { observe, tick } from './hlc.js';

/** What the next op needs from 'meta': {me, seq, clock}, read in one go. */
export async function readStamp(tx) {
  const [me, seq, clock] = await Promise.all([getMeta(tx, 'me'), getMeta(tx, 'seq', 0), getMeta(tx, 'clock')]);
  if (!me) throw new Error('No one is signed in on this tablet.');
  return { me, seq, clock };
}

/**
 * Stores the op of one change and advances seq and clock, given `readStamp`'s answer from the
 * same transaction. Returns {op, written}: the op at once, and a promise of its writes (their
 * failure aborts the transaction, so nobody has to wait for them one by one).
 */
export function addOp(tx, stamp, { entity, record_id, base_version, fields, resolve_conflict }) {
  const seq = stamp.seq + 1;
  const stamped = tick(stamp.clock, stamp.me.device_id);
  const op = { op_id: crypto.randomUUID(), seq, entity, record_id, base_version, hlc: stamped.hlc, fields };
  if (resolve_conflict) op.resolve_conflict = resolve_conflict;
  stamp.seq = seq;
  stamp.clock = stamped.state;
  const written = Promise.all([putMeta(tx, 'seq', seq), putMeta(tx, 'clock', stamped.state),
    req(tx.objectStore('outbox').add(op))]);
  return { op, written };
}

/** Unsent and refused ops of one record, oldest first: what the tablet shows on top of the
 * server's copy until the server has taken (or a person has dropped) them. */
export async function opsOf(tx, entity, recordId) {
  const unsent = await req(tx.objectStore('outbox').index('record').getAll([entity, recordId]));
  const refused = await req(tx.objectStore('rejected').index('record').getAll([entity, recordId]));
  return [...refused.map((entry) => entry.op), ...unsent].sort((a, b) => a.seq - b.seq);
}

/** The oldest unsent ops, at most `limit`, in seq order. */
export function nextBatch(limit) {
  return transact(['outbox'], 'readonly', (tx) => req(tx.objectStore('outbox').getAll(null, limit)));
}

export function countUnsent() {
  return transact(['outbox'], 'readonly', (tx) => req(tx.objectStore('outbox').count()));
}

/**
 * Takes in a push answer for `sent` ops in one transaction: deletes every op up to acked_seq,
 * keeps refused ones (status rejected or mismatch) in 'rejected' with the server's messages,
 * and moves the clock past the server's time.
 */
export function acknowledge(sent, answer) {
  return transact(['outbox', 'rejected', 'meta'], 'readwrite', async (tx) => {
    const byId = new Map(sent.map((op) => [op.op_id, op]));
    const now = new Date().toISOString();
    for (const result of answer.results || []) {
      const op = byId.get(result.op_id);
      if (!op || op.seq > answer.acked_seq) continue;
      if (result.status === 'rejected' || result.status === 'mismatch') {
        const errors = result.errors && Object.keys(result.errors).length ? result.errors
          : { op: ['The server already holds a different change under this number.'] };
        await req(tx.objectStore('rejected').put({ op_id: op.op_id, op, errors, received_at: now }));
      }
    }
    await req(tx.objectStore('outbox').delete(IDBKeyRange.upperBound(answer.acked_seq)));
    if (answer.server_time) await putMeta(tx, 'clock', observe(await getMeta(tx, 'clock'), answer.server_time));
  });
}
