/**
 * #/feedback: feedback about me, for the observed teacher. Lists the submitted walkthroughs of
 * my teaching whose feedback has been shared, newest first; those I have not opened yet are
 * marked "New" (opening one records `read_at`, see observation.js). Each opens
 * #/observation/<id>. Anyone with none (a peer teacher, or someone who typed the address) gets
 * the empty state and nothing else. Re-renders when the data changes (a sync may bring new
 * feedback while the screen is open).
 */
import { feedbackOf, listObservations } from '../records.js';
import { keepCurrent } from '../keep-current.js';
import { dayAndTime, h, namesOf, plural } from '../ui.js';

async function feedbackAboutMe(me) {
  const mine = (await listObservations())
    .filter((record) => record.data.teacher_id === me.person.id && record.data.status === 'submitted');
  const withFeedback = await Promise.all(mine.map(async (record) => ({
    record, feedback: await feedbackOf(record.record_id),
  })));
  return withFeedback.filter(({ feedback }) => feedback && feedback.data.released);
}

/** Opened at least once: acknowledging or answering it also means it was read. */
function isRead(feedback) {
  const f = feedback.data;
  return Boolean(f.read_at || f.acknowledged_at || f.reflection || f.usefulness);
}

function item({ record, feedback }, names) {
  const data = record.data;
  const isNew = !isRead(feedback);
  const context = [data.grade ? `Grade ${data.grade}` : null, data.subject].filter(Boolean).join(', ');
  return h('li', {},
    h('a', { class: 'walkthrough', href: `#/observation/${record.record_id}` },
      h('span', { class: 'walkthrough-who' },
        isNew ? h('span', { class: 'tag' }, 'New') : null, isNew ? ' ' : null,
        `${dayAndTime(data.started_at)} · ${names.person(data.observer_id)}`),
      h('span', { class: 'walkthrough-where' }, [context, names.school(data.school_id)].filter(Boolean).join(' · ')),
      feedback.data.next_step ? h('span', {}, `Next step: ${feedback.data.next_step}`) : null));
}

async function show(ctx) {
  const items = await feedbackAboutMe(ctx.me);
  const names = namesOf(ctx.reference);
  const fresh = items.filter(({ feedback }) => !isRead(feedback)).length;
  const heading = h('h1', { tabindex: '-1' }, 'Feedback for me');
  if (!items.length) {
    return [heading, h('p', { class: 'lede' },
      'No feedback yet. When someone observes your class and shares feedback, it appears here.')];
  }
  return [heading,
    h('p', { class: 'lede' },
      fresh ? `${plural(fresh, 'new walkthrough')} to read.` : 'You have read all your feedback.'),
    h('ul', { class: 'walkthroughs', 'aria-label': 'Walkthroughs of my teaching' },
      items.map((entry) => item(entry, names)))];
}

export async function render(main, params, ctx) {
  document.title = 'Feedback for me · Rounds';
  const live = await keepCurrent(main, () => show(ctx));
  return live.stop;
}
