/**
 * Today (#/today): what this tablet holds and whether it has reached the server.
 *
 * Observers: "New walkthrough", their drafts (#/capture/<id>) and recent submitted walkthroughs
 * (#/observation/<id>), each with what the teacher did: read (`read_at`), acknowledged, replied,
 * rated. District staff: the submitted walkthroughs they may read. Anyone else is told, by role,
 * what they can do instead. Items show teacher, school, when, class and badges (not synced,
 * refused, conflict); a summary shows what is unsynced, the last sync and any problem, with
 * links to Conflicts and Rejected. Lists follow every local write and pull.
 */
import { feedbackOf, listObservations, subscribe } from '../records.js';
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

/** What the teacher has done with the feedback of a submitted walkthrough, as far as this tablet
 * knows. Acknowledging, replying or rating also means the teacher read it. */
function responseMarks(feedback) {
  const f = feedback?.data;
  if (!f || !f.released) return h('span', { class: 'response-marks' }, h('span', { class: 'mark' }, 'No feedback shared'));
  const marks = [
    [Boolean(f.read_at || f.acknowledged_at || f.reflection || f.usefulness), 'Read', 'Not read yet'],
    [Boolean(f.acknowledged_at), 'Acknowledged', 'Not acknowledged'],
    [Boolean(f.reflection && f.reflection.trim()), 'Replied', 'No reply'],
    [Boolean(f.usefulness), `Rated ${f.usefulness} of 5`, 'Not rated'],
  ];
  return h('span', { class: 'response-marks' },
    marks.map(([done, yes, no]) => h('span', { class: done ? 'mark done' : 'mark' }, done ? yes : no)));
}

function walkthroughItem(record, names, href, extra) {
  const data = record.data;
  const classLine = [data.grade && `Grade ${data.grade}`, data.subject].filter(Boolean).join(' · ');
  return h('li', {},
    h('a', { class: 'walkthrough', href },
      h('span', { class: 'walkthrough-who' }, names.person(data.teacher_id)),
      h('span', { class: 'walkthrough-where' },
        [names.school(data.school_id), dayAndTime(data.started_at), classLine].filter(Boolean).join(' · ')),
      extra ? extra(record) : null,
      badges(record)));
}

function listSection(title, records, names, hrefOf, empty, extra = null) {
  const id = `list-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return h('section', { class: 'list-section', 'aria-labelledby': id },
    h('h2', { id }, title),
    records.length
      ? h('ul', { class: 'walkthroughs' },
        records.map((record) => walkthroughItem(record, names, hrefOf(record), extra)))
      : h('p', { class: 'muted' }, empty));
}

/** For someone who neither observes nor reads walkthroughs as district staff: what they can do. */
function whatYouCanDo(me, names) {
  const roles = me.person.roles;
  const scope = me.person.school_id ? names.school(me.person.school_id) : 'your district';
  const parts = [];
  if (roles.includes('admin')) {
    parts.push(h('p', {}, `You administer Rounds for ${scope}: people, rosters, look-for templates and devices, `
      + 'with the admin API or the server’s command line. Walkthroughs are read only by their observer, the '
      + 'observed teacher and district staff, so none appear here. Account shows this tablet and signs out.'));
  }
  if (roles.includes('teacher')) {
    parts.push(h('p', {}, 'Walkthroughs of your own teaching, and the feedback on them, are under ',
      h('a', { href: '#/feedback' }, 'Feedback for me'), '.'));
  }
  if (!parts.length) {
    parts.push(h('p', {}, 'Your account has no role that records or reads walkthroughs.'));
  }
  return h('section', { class: 'list-section', 'aria-labelledby': 'list-what-you-can-do' },
    h('h2', { id: 'list-what-you-can-do' }, 'What you can do here'), parts);
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
      h('dt', {}, 'Waiting to sync'),
      h('dd', {}, status.pending ? `${plural(status.pending, 'change')}, kept on this tablet until then`
        : 'Nothing: everything is on the server'),
      h('dt', {}, 'Last synced'),
      h('dd', {}, status.last_sync_at ? dayAndTime(status.last_sync_at) : 'Not yet')),
    problems);
}

export async function render(main, params, ctx) {
  document.title = 'Today · Rounds';
  const observer = hasRole(ctx.me, 'observer');
  const districtStaff = hasRole(ctx.me, 'district_staff');
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
      const recent = submitted.filter((r) => r.data.observer_id === myId).slice(0, RECENT_LIMIT);
      const feedback = new Map(await Promise.all(recent.map(async (r) => [r.record_id, await feedbackOf(r.record_id)])));
      sections.push(listSection('Recent walkthroughs', recent, names, (r) => `#/observation/${r.record_id}`,
        'Walkthroughs you submit appear here.', (r) => responseMarks(feedback.get(r.record_id))));
    }
    const readable = submitted.filter((r) => !observer || r.data.observer_id !== myId);
    if (districtStaff && (!observer || readable.length)) {
      sections.push(listSection('Walkthroughs you can read', readable, names,
        (r) => `#/observation/${r.record_id}`, 'No submitted walkthroughs from the schools you oversee have '
          + 'reached this tablet yet. They appear here once an observer submits one and this tablet syncs.'));
    }
    if (!observer && !districtStaff) sections.push(whatYouCanDo(ctx.me, names));
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
