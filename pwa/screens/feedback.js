/**
 * #/feedback: feedback about me, for the observed teacher. Lists the submitted walkthroughs of
 * my teaching whose feedback has been shared, newest first; those not yet acknowledged are
 * marked "New". Each opens #/observation/<id>. Re-renders when the data changes (a sync may
 * bring new feedback while the screen is open).
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

function item({ record, feedback }, names) {
  const data = record.data;
  const isNew = !feedback.data.acknowledged_at;
  const context = [data.grade ? `Grade ${data.grade}` : null, data.subject].filter(Boolean).join(', ');
  return h('li', {},
    h('a', { class: 'walkthrough', href: `#/observation/${record.record_id}` },
      h('span', { class: 'walkthrough-who' },
        isNew ? h('span', { class: 'tag' }, 'New') : null, isNew ? ' ' : null,
        `${dayAndTime(data.started_at)} · ${names.person(data.observer_id)}`),
      h('span', { class: 'walkthrough-where' }, [context, names.school(data.school_id)].filter(Boolean).join(' · ')),
      feedback.data.next_step ? h('span', {}, `Next step: ${feedback.data.next_step}`) : null));
}

async function show(main, ctx) {
  const items = await feedbackAboutMe(ctx.me);
  const names = namesOf(ctx.reference);
  const fresh = items.filter(({ feedback }) => !feedback.data.acknowledged_at).length;
  main.replaceChildren(
    h('h1', { tabindex: '-1' }, 'Feedback for me'),
    items.length
      ? h('p', { class: 'lede' },
        fresh ? `${plural(fresh, 'new walkthrough')} to read.` : 'You have read all your feedback.')
      : h('p', { class: 'lede' },
        'No feedback yet. When someone observes your class and shares feedback, it appears here.'),
    items.length ? h('ul', { class: 'walkthroughs', 'aria-label': 'Walkthroughs of my teaching' },
      items.map((entry) => item(entry, names))) : null,
  );
}

export async function render(main, params, ctx) {
  document.title = 'Feedback for me · Rounds';
  const live = await keepCurrent(main, () => show(main, ctx));
  return live.stop;
}
