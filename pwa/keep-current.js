/**
 * Keeping a screen current while someone uses it (observation, feedback, conflicts, rejected,
 * inbox, commitments).
 *
 * `keepCurrent(main, show)` runs `show()` now and again after every data change
 * (records.subscribe), one run at a time, in order. `show()` reads what it needs and resolves
 * with what `main` should hold: an array of nodes, a function returning them (called only at the
 * moment they go in), or null for "nothing to change". keepCurrent puts them in `main` itself, and
 * only if the person is not typing in a text field of `main` at that moment: reading takes time on
 * a slow tablet, and a person who tapped into a field meanwhile must keep both the field and what
 * they type in it. Such a change waits until they leave the field, and what they typed is written
 * first: a sync never pulls text out from under them. After each change, focus returns to the
 * element (by id) that had it when the nodes went in.
 * It resolves, once the first run is done, with `{refresh, stop}`: `refresh()` runs `show()` again
 * and resolves when it has; `stop()` ends it (a screen's cleanup), after which nothing is shown
 * any more, since `main` then belongs to the next screen.
 */
import { flushEdits, subscribe } from './records.js';

const NOT_TYPING = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'date', 'datetime-local', 'number']);

function typingIn(main) {
  const active = document.activeElement;
  if (!active || !main.contains(active)) return false;
  return active.tagName === 'TEXTAREA' || (active.tagName === 'INPUT' && !NOT_TYPING.has(active.type));
}

export async function keepCurrent(main, show) {
  let queue = Promise.resolve();
  let stopped = false;
  let waiting = false;

  /** Runs `refresh()` once the person has left the text field they are in, their words written. */
  function afterTyping() {
    if (waiting) return;
    waiting = true;
    main.addEventListener('focusout', async () => {
      waiting = false;
      await flushEdits().catch(() => {});
      refresh();
    }, { once: true });
  }

  function put(result) {
    if (stopped || !result) return;
    if (typingIn(main)) {
      afterTyping();
      return;
    }
    const nodes = typeof result === 'function' ? result() : result;
    const focused = main.contains(document.activeElement) ? document.activeElement.id : '';
    main.replaceChildren(...nodes.filter(Boolean));
    const again = focused && document.getElementById(focused);
    if (again && !main.contains(document.activeElement)) again.focus();
  }

  function refresh() {
    queue = queue.then(async () => {
      if (stopped) return;
      put(await show());
    }).catch((error) => console.error(error));
    return queue;
  }

  function changed() {
    if (typingIn(main)) afterTyping();
    else refresh();
  }

  await refresh();
  const unsubscribe = subscribe(changed);
  return {
    refresh,
    stop() {
      stopped = true;
      unsubscribe();
    },
  };
}
