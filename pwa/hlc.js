/**
 * Hybrid logical clocks, as the server reads them: "<ms since epoch, 15 digits>:<counter, 5
 * digits>:<node>", compared as strings (sync/hlc.py). A clock state is {ms, counter}.
 *
 * `tick(state, node)` -> {state, hlc}: stamps a local event after everything seen so far.
 * `observe(state, remote)` -> state: takes in a clock seen from the server (max of both).
 */
const MAX_COUNTER = 99999;
const PATTERN = /^([0-9]{15}):([0-9]{5}):([0-9a-z-]{1,64})$/;

export function format(ms, counter, node) {
  return `${String(ms).padStart(15, '0')}:${String(counter).padStart(5, '0')}:${node}`;
}

export function parse(hlc) {
  const match = PATTERN.exec(hlc || '');
  if (!match) return null;
  return { ms: Number(match[1]), counter: Number(match[2]), node: match[3] };
}

/** Milliseconds since the epoch of a clock string (for showing when something was written). */
export function msOf(hlc) {
  const parsed = parse(hlc);
  return parsed ? parsed.ms : null;
}

export function tick(state, node, wall = Date.now()) {
  let { ms, counter } = state || { ms: 0, counter: 0 };
  if (wall > ms) {
    ms = wall;
    counter = 0;
  } else if (counter < MAX_COUNTER) {
    counter += 1;
  } else {
    // Counter exhausted within one millisecond: borrow the next millisecond.
    ms += 1;
    counter = 0;
  }
  return { state: { ms, counter }, hlc: format(ms, counter, node) };
}

export function observe(state, remote) {
  const seen = parse(remote);
  const local = state || { ms: 0, counter: 0 };
  if (!seen) return local;
  if (seen.ms > local.ms || (seen.ms === local.ms && seen.counter > local.counter)) {
    return { ms: seen.ms, counter: seen.counter };
  }
  return local;
}
