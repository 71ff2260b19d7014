/**
 * Today (#/today): what this tablet holds and whether it has reached the server.
 *
 * Observers see a "New walkthrough" button, their drafts (each opens #/capture/<id>) and their
 * recent submitted walkthroughs (#/observation/<id>); everyone else (district staff) sees the
 * submitted walkthroughs they may read. Each walkthrough shows the teacher, school, when, grade
 * and subject, and badges: "Not synced yet", "Refused", "Conflict". A summary says how many
 * changes are not synced yet, when the tablet last synced, and any sync problem, with links to
 * Conflicts and Rejected. Lists follow every local write and pull (`subscribe`, `onSyncStatus`).
 */
import { listObservations, subscribe } from '../records.js';
import { onSyncStatus, syncStatus } from '../sync.js';
import { dayAndTime, debounce, h, hasRole, namesOf, plural } from '../ui.js';

const RECENT_LIMIT = 20;

function badges(record) {
  const found = [];
  if (record.pending > 0) found.push(h('span', { class: 'tag pending' }, 'Not synced yet'));
  if (record.refused > 0) found.push(h('span', { class: 'tag refused' }, 'Refused'));
  if (record.conflicts && record.conflicts.length > 0) found.push(h('span', { class: 'tag conflict' }, 'Conflict'));
  return found.length ? h('span', { class: 'tags' }, found) : null;
}

function walkthroughItem(record, names, href) {
  const data = record.data;
  const classLine = [data.grade && `Grade ${data.grade}`, data.subject].filter(Boolean).join(' · ');
  return h('li', {},
    h('a', { class: 'walkthrough', href },
      h('span', { class: 'walkthrough-who' }, names.person(data.teacher_id)),
      h('span', { class: 'walkthrough-where' },
        [names.school(data.school_id), dayAndTime(data.started_at), classLine].filter(Boolean).join(' · ')),
      badges(record)));
}

function listSection(title, records, names, hrefOf, empty) {
  const id = `list-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return h('section', { class: 'list-section', 'aria-labelledby': id },
    h('h2', { id }, title),
    records.length
      ? h('ul', { class: 'walkthroughs' }, records.map((record) => walkthroughItem(record, names, hrefOf(record))))
      : h('p', { class: 'muted' }, empty));
}

function syncSummary(status) {
  const problems = [];
  if (status.state === 'offline') {
    problems.push(h('p', { class: 'note-box' },
      'This tablet is offline. Everything you record stays here and syncs when it is back online.'));
  }
  if (status.state === 'error' && status.last_error) {
    problems.push(h('p', { class: 'message' }, `Sync problem: ${status.last_error}`));
  }
  if (status.conflicts > 0) {
    problems.push(h('p', {}, h('a', { href: '#/conflicts' },
      `${plural(status.conflicts, 'conflict')} to settle: two devices changed the same thing`)));
  }
  if (status.refused > 0) {
    problems.push(h('p', {}, h('a', { href: '#/rejected' },
      `${plural(status.refused, 'change')} the server refused: fix and send again`)));
  }
  return h('section', { class: 'card sync-summary', 'aria-labelledby': 'sync-summary-heading' },
    h('h2', { id: 'sync-summary-heading' }, 'Sync'),
    h('dl', { class: 'details' },
      h('dt', {}, 'Not synced yet'),
      h('dd', {}, status.pending ? plural(status.pending, 'change') : 'Nothing: all changes are on the server'),
      h('dt', {}, 'Last synced'),
      h('dd', {}, status.last_sync_at ? dayAndTime(status.last_sync_at) : 'Not yet')),
    problems);
}

export async function render(main, params, ctx) {
  document.title = 'Today · Rounds';
  const observer = hasRole(ctx.me, 'observer');
  const names = namesOf(ctx.reference);
  const myId = ctx.me.person.id;
  const summary = h('div');
  const lists = h('div', { class: 'lists' });

  main.append(
    h('div', { class: 'screen-head' },
      h('h1', {}, 'Today'),
      observer ? h('a', { class: 'button primary', href: '#/new' }, 'New walkthrough') : null),
    h('div', { class: 'today-layout' }, lists, summary));

  const showSummary = (status) => summary.replaceChildren(syncSummary(status));

  async function showLists() {
    const all = await listObservations();
    const submitted = all.filter((r) => r.data.status === 'submitted');
    const sections = [];
    if (observer) {
      const drafts = all.filter((r) => r.data.status === 'draft' && r.data.observer_id === myId);
      sections.push(listSection('Drafts', drafts, names, (r) => `#/capture/${r.record_id}`,
        'No drafts. Start one with New walkthrough.'));
      sections.push(listSection('Recent walkthroughs', submitted.filter((r) => r.data.observer_id === myId)
        .slice(0, RECENT_LIMIT), names, (r) => `#/observation/${r.record_id}`,
      'Walkthroughs you submit appear here.'));
    }
    const readable = submitted.filter((r) => !observer || r.data.observer_id !== myId);
    if (!observer || (hasRole(ctx.me, 'district_staff') && readable.length)) {
      sections.push(listSection('Walkthroughs you can read', readable, names,
        (r) => `#/observation/${r.record_id}`, 'No submitted walkthroughs have reached this tablet yet.'));
    }
    // A sync may re-render the lists under a keyboard user: keep their place.
    const focused = lists.contains(document.activeElement) ? document.activeElement.getAttribute('href') : null;
    lists.replaceChildren(...sections);
    if (focused) lists.querySelector(`a[href="${focused}"]`)?.focus();
  }

  showSummary(syncStatus());
  await showLists();
  const stopList = subscribe(debounce(() => { showLists().catch((error) => console.error(error)); }, 250));
  const stopStatus = onSyncStatus(showSummary);
  return () => { stopList(); stopStatus(); };
}
