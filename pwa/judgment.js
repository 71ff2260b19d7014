/**
 * The evidence-not-judgment matcher: does a note read as a judgment or an inference?
 *
 * Pure logic, no DOM: `compileList(list)` turns a district's word list (reference data,
 * docs/judgment-hint.md) into a matcher once; `findJudgment(matcher, text)` answers the first
 * judgment found as {match, at, text}, or null. Nothing leaves the tablet.
 *
 * The pattern language (server/rounds/judgment_words.py validates the same rules):
 * - a list is {language, patterns: [{match, unless?}]};
 * - `match` is one to six words separated by spaces; a word is letters, digits, ' and -;
 *   `a|b` offers alternatives for one word; a final `*` stands for any ending (`seem*`: seem,
 *   seemed, seems, seemingly); whole words only, whatever the case;
 * - `unless` lists phrases in the same language: a match inside one of them does not count
 *   ("engag* unless engaged in").
 * Words people said are evidence, so quoted speech is skipped: text between double quotes (typed
 * or curly), between single quotes that open and close at word edges, and a line's words after
 * a speaker label (`T:`, `S2:`, `Ss:`, `Teacher:`, `Student:`). A quote still open at the end is
 * skipped too: the observer is typing what was said. Negation changes nothing: "not engaged" is
 * a judgment all the same.
 */
const WORD = /^[\p{L}\p{N}'-]+\*?$/u;
const LIMITS = { words: 6, stemLetters: 3 };
// How far before a match an exception containing it may start (phrases are at most 100 characters).
const UNLESS_REACH = 400;
const EDGE_BEFORE = "(?<![\\p{L}\\p{N}'-])";
const EDGE_AFTER = "(?![\\p{L}\\p{N}])";
const SPEAKER = /(^|[\n.!?;]\s*)(?:t|s\d*|ss|teacher|students?(?:\s*\d+)?)\s*:[^\n]*/giu;
const DOUBLE_QUOTED = /["“”][^"“”]*(?:["“”]|$)/gu;
const SINGLE_QUOTED = /(?<![\p{L}\p{N}])['‘](?:[^'‘’\n]|['’](?=[\p{L}\p{N}]))*?(?:['’](?![\p{L}\p{N}])|$)/gu;

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The source of one word slot of a phrase; throws Error on a word outside the language. */
function wordSource(word) {
  const alternatives = word.split('|');
  return `(?:${alternatives.map((alternative) => {
    if (!WORD.test(alternative)) throw new Error(`"${alternative}" is not a word of letters, digits, ' or -.`);
    if (!alternative.endsWith('*')) return escape(alternative);
    const stem = alternative.slice(0, -1);
    if ([...stem.replace(/['-]/g, '')].length < LIMITS.stemLetters) {
      throw new Error(`"${alternative}": a word ending in * needs at least ${LIMITS.stemLetters} letters before it.`);
    }
    return `${escape(stem)}[\\p{L}\\p{N}'-]*`;
  }).join('|')})`;
}

/** The regular expression source of a phrase: words apart by spaces, whole words only. */
export function phraseSource(phrase) {
  const words = normalize(phrase).trim().split(/\s+/u).filter(Boolean);
  if (!words.length) throw new Error('A pattern needs at least one word.');
  if (words.length > LIMITS.words) throw new Error(`A pattern has at most ${LIMITS.words} words.`);
  return `${EDGE_BEFORE}${words.map(wordSource).join('\\s+')}${EDGE_AFTER}`;
}

/** Lower case, typographic apostrophes as ', so that "Didn’t" is "didn't". */
function normalize(text) {
  return text.toLowerCase().replace(/[’ʼ]/g, "'");
}

/** Spaces instead of quoted speech, keeping every other character where it was. */
export function withoutSpeech(text) {
  const blank = (found) => found.replace(/[^\n]/g, ' ');
  const keepLead = (found, lead) => lead + blank(found.slice(lead.length));
  return text.replace(DOUBLE_QUOTED, blank).replace(SPEAKER, keepLead).replace(SINGLE_QUOTED, blank);
}

/** The regex of a phrase, made when first needed: V8 compiles a regex on its first use, and only
 * the patterns a note's words point to are ever used. */
function regexOf(holder, key, phrase, flags) {
  if (!holder[key]) holder[key] = new RegExp(phraseSource(phrase), flags);
  return holder[key];
}

/**
 * A matcher for `list` ({language, patterns}); throws Error naming the first bad pattern.
 * Patterns are indexed by their first word (a word ending in * by its first three characters),
 * so that each keystroke looks its note's words up instead of running every pattern.
 */
export function compileList(list) {
  const exact = new Map();
  const stems = new Map();
  const index = (map, key, pattern) => {
    if (!map.has(key)) map.set(key, []);
    if (!map.get(key).includes(pattern)) map.get(key).push(pattern);
  };
  ((list && list.patterns) || []).forEach((entry, position) => {
    const pattern = { match: entry.match, unless: entry.unless || [], regexes: {} };
    try {
      phraseSource(entry.match);
      pattern.unless.forEach(phraseSource);
    } catch (error) {
      throw new Error(`Pattern ${position + 1} ("${entry.match}"): ${error.message}`);
    }
    const first = normalize(entry.match).trim().split(/\s+/u)[0];
    for (const word of first.split('|')) {
      if (word.endsWith('*')) index(stems, word.slice(0, LIMITS.stemLetters), pattern);
      else index(exact, word, pattern);
    }
  });
  return { language: (list && list.language) || 'en', exact, stems };
}

const TOKEN = /[\p{L}\p{N}'-]+/gu;

/** Where each word of `text` starts, and the patterns that might match there. */
function* candidates(matcher, text) {
  TOKEN.lastIndex = 0;
  for (let token = TOKEN.exec(text); token; token = TOKEN.exec(text)) {
    const word = token[0];
    const found = new Set(matcher.stems.get(word.slice(0, LIMITS.stemLetters)) || []);
    // A pattern's word may end where the token goes on with - or ' ("good" in "good-natured").
    for (let end = 1; end <= word.length; end += 1) {
      if (end === word.length || word[end] === '-' || word[end] === "'") {
        for (const pattern of matcher.exact.get(word.slice(0, end)) || []) found.add(pattern);
      }
    }
    if (found.size) yield [token.index, found];
  }
}

function excused(pattern, text, at, end) {
  return pattern.unless.some((phrase, position) => {
    const unless = regexOf(pattern.regexes, `unless${position}`, phrase, 'gu');
    unless.lastIndex = Math.max(0, at - UNLESS_REACH);
    for (let found = unless.exec(text); found && found.index <= at; found = unless.exec(text)) {
      if (found.index + found[0].length >= end) return true;
      unless.lastIndex = found.index + 1;
    }
    return false;
  });
}

/** The first judgment in `text` as {match (the pattern), at, text (the words found)}, or null. */
export function findJudgment(matcher, text) {
  if (!matcher || !text) return null;
  const plain = withoutSpeech(normalize(text));
  for (const [at, patterns] of candidates(matcher, plain)) {
    for (const pattern of patterns) {
      const regex = regexOf(pattern.regexes, 'match', pattern.match, 'uy');
      regex.lastIndex = at;
      const found = regex.exec(plain);
      if (found && !excused(pattern, plain, at, at + found[0].length)) {
        return { match: pattern.match, at, text: text.slice(at, at + found[0].length) };
      }
    }
  }
  return null;
}
