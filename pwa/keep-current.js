/**
 * Keeping a screen current while someone uses it (observation, feedback, conflicts, rejected).
 *
 * `keepCurrent(main, show)` runs `show()` now and again after every data change
 * (records.subscribe), one run at a time, in order. It resolves, once the first run is done,
 * with `{refresh, stop}`: `refresh()` runs `show()` again and resolves when it has; `stop()`
 * ends it (a screen's cleanup), after which nothing is shown any more, since `main` then
 * belongs to the next screen. After each run, focus returns to the element with the id that had
 * it. While the person types in a text field of `main`, a change waits until they leave the
 * field, and what they typed is written first: a sync never pulls text out from under them.
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

  function refresh() {
    queue = queue.then(async () => {
      if (stopped) return;
      const focused = main.contains(document.activeElement) ? document.activeElement.id : '';
      await show();
      const again = focused && document.getElementById(focused);
      if (again && !main.contains(document.activeElement)) again.focus();
    }).catch((error) => console.error(error));
    return queue;
  }

  function changed() {
    if (!typingIn(main)) {
      refresh();
      return;
    }
    if (waiting) return;
    waiting = true;
    main.addEventListener('focusout', async () => {
      waiting = false;
      await flushEdits().catch(() => {});
      refresh();
    }, { once: true });
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
