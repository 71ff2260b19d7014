/**
 * #/conflicts: every open conflict on this tablet (openConflicts()), grouped by walkthrough
 * (teacher and date). Each shows the field in words and both values side by side, with who wrote
 * each, on which device ("this tablet" or "another device") and when (from the value's HLC).
 * "Keep this" on either side, or for text "Merge": a textarea prefilled with both versions,
 * then "Save merged text". Each choice is resolveConflict(conflict, value), an ordinary change
 * that syncs like any edit; the conflict leaves the list at once. A merge being written survives
 * the re-renders a sync causes (keep-current.js).
 */
import { getRecord, openConflicts, resolveConflict } from '../records.js';
import { keepCurrent } from '../keep-current.js';
import { fieldLabel, hlcTime, isLongText, isTextField, templateOf, valueInWords } from '../fields.js';
import { SaveStatus, dayAndTime, h, namesOf, plural } from '../ui.js';

async function grouped() {
  const groups = new Map();
  for (const item of await openConflicts()) {
    const key = item.record.observation_id;
    if (!groups.has(key)) groups.set(key, { observation: await getRecord('observation', key), items: [] });
    groups.get(key).items.push(item);
  }
  return [...groups.entries()];
}

function author(side, me) {
  const where = side.device_id === me.device_id ? 'this tablet' : 'another device';
  const at = hlcTime(side.hlc);
  return `${side.by_name || 'Someone'}, on ${where}${at ? `, ${dayAndTime(at)}` : ''}`;
}

export async function render(main, params, ctx) {
  document.title = 'Conflicts · Rounds';
  const status = new SaveStatus();
  const merging = new Map(); // conflict id -> merged text being written
  const names = namesOf(ctx.reference);

  async function choose(conflict, value, words) {
    if (await status.track(resolveConflict(conflict, value))) {
      merging.delete(conflict.id);
      ctx.announce(`${words} It will sync like any change.`);
      await live.refresh();
      main.querySelector('h1')?.focus();
    }
  }

  function side(conflict, which, label, template) {
    const value = conflict[which];
    const id = `${conflict.id}-${which}`;
    const words = valueInWords(conflict.field, value.value, { reference: ctx.reference, template });
    const field = fieldLabel(conflict.field, template);
    // Reading a paragraph back to a screen reader helps no one: long text is named by its side.
    const kept = isLongText(conflict.field) || words.length > 60
      ? `Kept ${label.toLowerCase()} of ${field}.` : `Kept “${words}” for ${field}.`;
    return h('div', { class: 'conflict-side', role: 'group', 'aria-labelledby': `${id}-label` },
      h('h4', { id: `${id}-label` }, label),
      h('p', { class: 'conflict-value' }, words),
      h('p', { class: 'muted' }, author(value, ctx.me)),
      h('button', {
        type: 'button', class: 'button secondary', 'aria-describedby': `${id}-label`,
        onclick: () => choose(conflict, value.value, kept),
      }, 'Keep this'));
  }

  function mergeArea(conflict, template) {
    const label = fieldLabel(conflict.field, template);
    if (!merging.has(conflict.id)) {
      return h('button', {
        type: 'button', class: 'button secondary',
        onclick: () => {
          const both = [conflict.kept.value, conflict.lost.value].filter((text) => text).join('\n\n');
          merging.set(conflict.id, both);
          live.refresh().then(() => document.getElementById(`merge-${conflict.id}`)?.focus());
        },
      }, 'Merge');
    }
    const areaId = `merge-${conflict.id}`;
    return h('div', { class: 'field merge' },
      h('label', { for: areaId }, `Merged text for ${label}`),
      h('p', { id: `${areaId}-hint`, class: 'muted' }, 'Both versions are here; edit them into one.'),
      h('textarea', {
        id: areaId, rows: '6', value: merging.get(conflict.id), 'aria-describedby': `${areaId}-hint`,
        oninput: (event) => merging.set(conflict.id, event.target.value),
      }),
      h('div', { class: 'actions' },
        h('button', {
          type: 'button', class: 'button primary',
          onclick: () => choose(conflict, merging.get(conflict.id), `Saved the merged text for ${label}.`),
        }, 'Save merged text'),
        h('button', {
          type: 'button', class: 'button secondary',
          onclick: () => { merging.delete(conflict.id); live.refresh(); },
        }, 'Cancel merge')));
  }

  function conflictCard({ conflict }, template) {
    const headingId = `conflict-${conflict.id}`;
    return h('section', { class: 'conflict', 'aria-labelledby': headingId },
      h('h3', { id: headingId }, fieldLabel(conflict.field, template)),
      h('div', { class: 'conflict-sides' },
        side(conflict, 'kept', 'Showing now', template),
        side(conflict, 'lost', 'The other version', template)),
      isTextField(conflict.field, template) ? mergeArea(conflict, template) : null);
  }

  function group([observationId, { observation, items }]) {
    const data = observation?.data;
    const title = data ? `${names.person(data.teacher_id)} · ${dayAndTime(data.started_at)}`
      : 'A walkthrough no longer on this tablet';
    const template = templateOf(ctx.reference, data?.template_id);
    const headingId = `walkthrough-${observationId}`;
    return h('section', { class: 'card view-section', 'aria-labelledby': headingId },
      h('h2', { id: headingId }, title),
      data ? h('p', {}, h('a', { href: `#/observation/${observationId}` }, 'Open this walkthrough')) : null,
      items.map((item) => conflictCard(item, template)));
  }

  async function show() {
    const groups = await grouped();
    const total = groups.reduce((sum, [, g]) => sum + g.items.length, 0);
    return [
      h('h1', { tabindex: '-1' }, 'Conflicts'),
      total
        ? h('p', { class: 'lede' }, `${plural(total, 'field')} changed on two devices at once. Rounds shows the newer `
          + 'change for now and kept the other. Choose which to keep, or merge the text.')
        : h('p', { class: 'lede' }, 'No conflicts. When the same field is changed on two devices, both versions '
          + 'wait here for you to choose.'),
      status.element, status.problem,
      ...groups.map(group)];
  }

  const live = await keepCurrent(main, show);
  return live.stop;
}
