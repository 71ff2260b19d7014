/**
 * New walkthrough (#/new): school, teacher, start: at most three taps, recent choices first.
 *
 * A person with one school skips the school step. The teachers are the people of that school
 * with the 'teacher' role, except the observer. The template is the school's published one,
 * preferred over a district-wide one (school_id null), latest version first; with none the
 * walkthrough starts without look-fors. "Start walkthrough" calls `startObservation` and opens
 * #/capture/<id>. Each step's heading takes focus when it appears.
 *
 * A calibration visit (docs/calibration.md): on the last step the first observer taps
 * "Co-observe" and the tablet shows a short code; the others pick the same teacher, tap "Join a
 * co-observation" and type it. Every tablet derives the same co_observation_id from the teacher
 * and the code (UUIDv5), so no network is needed; the code's last character is a check character,
 * so a mistyped code is caught here. The walkthrough starts linked, in one op.
 */
import { recentChoices, startObservation, uuidV5 } from '../records.js';
import { h, hasRole, uid, writeProblem } from '../ui.js';

// Letters and digits that are hard to mix up when read across a classroom.
const CODE_ALPHABET = 'ACDEFGHJKMNPQRTUVWXY345679';
const CODE_CHECK = 23;
const CO_OBSERVATION_NAMESPACE = '9b0e3c1a-5d7f-4e2b-8a6c-3f1d2e4b5a69';

function checkCharacter(body) {
  let sum = 0;
  for (let i = 0; i < body.length; i += 1) sum += (i + 1) * CODE_ALPHABET.indexOf(body[i]);
  return CODE_ALPHABET[sum % CODE_CHECK];
}

/** A new code: five random characters and a check character, shown as "K7M-4QP". */
export function newCode() {
  const random = crypto.getRandomValues(new Uint8Array(5));
  const body = [...random].map((n) => CODE_ALPHABET[n % CODE_ALPHABET.length]).join('');
  return body + checkCharacter(body);
}

/** The code as typed, in canonical form ("k7m 4qp" -> "K7M4QP"), or null if it is not a code. */
export function readCode(typed) {
  const code = typed.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== 6 || [...code].some((c) => !CODE_ALPHABET.includes(c))) return null;
  return checkCharacter(code.slice(0, 5)) === code[5] ? code : null;
}

const shownCode = (code) => `${code.slice(0, 3)}-${code.slice(3)}`;

/** UUIDv5(CO_OBSERVATION_NAMESPACE, "<teacher id>:<code>"): the same on every member's tablet. */
export function coObservationId(teacherId, code) {
  return uuidV5(CO_OBSERVATION_NAMESPACE, `${teacherId}:${code}`);
}

/** Recent ids first (most recent first), then the rest by name. */
function ordered(items, recentIds) {
  const rank = new Map(recentIds.map((id, index) => [id, index]));
  return [...items].sort((a, b) => {
    const ra = rank.has(a.id) ? rank.get(a.id) : Infinity;
    const rb = rank.has(b.id) ? rank.get(b.id) : Infinity;
    return ra - rb || a.name.localeCompare(b.name);
  }).map((item) => ({ ...item, recent: rank.has(item.id) }));
}

/** The template an observer at this school uses, or null: the latest published version of each
 * family; the school's own before the district's; then the most recently published. */
export function templateFor(templates, schoolId) {
  const latest = new Map();
  for (const t of templates) {
    if (t.status !== 'published' || (t.school_id !== schoolId && t.school_id !== null)) continue;
    const kept = latest.get(t.family_id);
    if (!kept || t.version > kept.version) latest.set(t.family_id, t);
  }
  const fitting = [...latest.values()].sort((a, b) => (b.school_id === schoolId) - (a.school_id === schoolId)
    || (b.published_at || '').localeCompare(a.published_at || '') || a.name.localeCompare(b.name));
  return fitting[0] || null;
}

function choiceList(items, onChoose) {
  return h('ul', { class: 'choices' }, items.map((item) => h('li', {},
    h('button', { type: 'button', class: 'choice', onclick: () => onChoose(item) },
      h('span', {}, item.name),
      // The space keeps "Recent" a word of its own in the button's accessible name.
      item.recent ? [' ', h('span', { class: 'choice-note' }, 'Recent')] : null))));
}

export async function render(main, params, ctx) {
  document.title = 'New walkthrough · Rounds';
  main.append(h('h1', {}, 'New walkthrough'));
  if (!hasRole(ctx.me, 'observer')) {
    main.append(h('p', {}, 'Only observers start walkthroughs. Ask your Rounds admin if you should be one.'));
    return null;
  }
  const { schools, people, templates } = ctx.reference;
  const recent = await recentChoices();
  const myId = ctx.me.person.id;
  const step = h('div', { class: 'step' });
  const problem = h('p', { class: 'message', role: 'alert' });
  main.append(step, problem);
  const oneSchool = schools.length === 1;
  let school = oneSchool ? schools[0] : null;
  let teacher = null;

  function show(heading, ...content) {
    const title = h('h2', { tabindex: '-1' }, heading);
    step.replaceChildren(title, ...content);
    return title;
  }

  function chooseSchool(moveFocus) {
    teacher = null;
    if (!schools.length) {
      show('No school yet', h('p', {}, 'You are not linked to a school in Rounds yet. Ask your Rounds admin.'));
      return;
    }
    const title = show('Which school?', choiceList(ordered(schools, recent.schools), (chosen) => {
      school = chosen;
      chooseTeacher(true);
    }));
    if (moveFocus) title.focus();
  }

  function chooseTeacher(moveFocus) {
    teacher = null;
    const teachers = people.filter((p) => p.school_id === school.id && p.roles.includes('teacher') && p.id !== myId);
    const back = oneSchool ? null
      : h('button', { type: 'button', class: 'button secondary small', onclick: () => chooseSchool(true) }, 'Change school');
    const list = teachers.length
      ? choiceList(ordered(teachers, recent.teachers), (chosen) => {
        teacher = chosen;
        confirmStart();
      })
      : h('p', {}, `No teachers at ${school.name} are in Rounds yet.`);
    const title = show('Which teacher?', h('p', { class: 'chosen' }, school.name, ' ', back), list);
    if (moveFocus) title.focus();
  }

  function calibrationChoice(start) {
    // mode: null (an ordinary walkthrough), 'lead' (showing `code`) or 'join' (typing one).
    const state = { mode: null, code: null, input: null };
    const panel = h('div', { class: 'calibration-choice' });
    const codeProblem = h('p', { class: 'message', role: 'alert' });

    function draw(focus) {
      start.textContent = state.mode ? 'Start co-observed walkthrough' : 'Start walkthrough';
      codeProblem.textContent = '';
      const single = h('button', { type: 'button', class: 'button secondary small', onclick: () => { state.mode = null; draw(); } },
        'Not a calibration visit');
      if (state.mode === 'lead') {
        panel.replaceChildren(h('h3', {}, 'Co-observe (calibration visit)'),
          h('p', {}, 'Code for the other observers: ', h('strong', { class: 'co-code', tabindex: '-1' }, shownCode(state.code))),
          h('p', { class: 'muted' }, `The others choose ${teacher.name}, then Join a co-observation, and type this code. `
            + 'Nobody sees another observer\'s look-fors until everyone has submitted.'), single);
        if (focus) panel.querySelector('.co-code').focus();
      } else if (state.mode === 'join') {
        const id = uid('co-code');
        state.input = h('input', { id, type: 'text', class: 'co-code-input', autocomplete: 'off', autocapitalize: 'characters',
          spellcheck: 'false', maxlength: '9', inputmode: 'text' });
        panel.replaceChildren(h('h3', {}, 'Join a co-observation'),
          h('label', { for: id }, 'Code on the first observer\'s tablet'), state.input, codeProblem,
          h('p', { class: 'muted' }, 'Nobody sees another observer\'s look-fors until everyone has submitted.'), single);
        if (focus) state.input.focus();
      } else {
        panel.replaceChildren(h('h3', {}, 'Calibration visit (optional)'),
          h('p', { class: 'muted' }, 'Observing this lesson with a colleague, each on your own tablet? Link your walkthroughs '
            + 'to compare your look-fors afterwards.'),
          h('div', { class: 'actions' },
            h('button', { type: 'button', class: 'button secondary', onclick: () => { state.mode = 'lead'; state.code = state.code || newCode(); draw(true); } },
              'Co-observe (calibration)'),
            h('button', { type: 'button', class: 'button secondary', onclick: () => { state.mode = 'join'; draw(true); } },
              'Join a co-observation')));
      }
    }

    /** The chosen code, null for an ordinary walkthrough; throws (and says so) for a bad one. */
    function chosenCode() {
      if (state.mode === 'lead') return state.code;
      if (state.mode !== 'join') return null;
      const code = readCode(state.input.value);
      if (code) return code;
      codeProblem.textContent = 'That code does not look right. Check it on the first observer\'s tablet: six letters and digits.';
      state.input.setAttribute('aria-invalid', 'true');
      state.input.focus();
      throw new Error('bad code');
    }

    draw(false);
    return { panel, chosenCode };
  }

  function confirmStart() {
    const template = templateFor(templates, school.id);
    const start = h('button', { type: 'button', class: 'button primary start' }, 'Start walkthrough');
    const calibration = calibrationChoice(start);
    start.addEventListener('click', async () => {
      let code;
      try { code = calibration.chosenCode(); } catch { return; }
      start.disabled = true;
      problem.textContent = '';
      try {
        const id = await startObservation({
          school_id: school.id, teacher_id: teacher.id,
          template_id: template ? template.id : null, template_version: template ? template.version : null,
          co_observation_id: code ? await coObservationId(teacher.id, code) : null,
        });
        ctx.navigate(`#/capture/${id}`);
      } catch (error) {
        problem.textContent = writeProblem(error);
        start.disabled = false;
      }
    });
    const title = show('Ready to start',
      h('dl', { class: 'details' },
        h('dt', {}, 'Teacher'), h('dd', {}, teacher.name),
        h('dt', {}, 'School'), h('dd', {}, school.name),
        h('dt', {}, 'Look-fors'), h('dd', {}, template
          ? `${template.name} (version ${template.version})`
          : 'None for this school: you will record notes only.')),
      start,
      calibration.panel,
      h('p', {}, h('button', { type: 'button', class: 'button secondary small', onclick: () => chooseTeacher(true) },
        'Change teacher')));
    title.focus();
  }

  if (school) chooseTeacher(false);
  else chooseSchool(false);
  return null;
}
