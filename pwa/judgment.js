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

/** A matcher for `list` ({language, patterns}); throws Error naming the first bad pattern. */
export function compileList(list) {
  const patterns = (list && list.patterns) || [];
  const compiled = patterns.map((pattern, index) => {
    try {
      return {
        match: pattern.match,
        regex: new RegExp(phraseSource(pattern.match), 'gu'),
        unless: (pattern.unless || []).map((phrase) => new RegExp(phraseSource(phrase), 'gu')),
      };
    } catch (error) {
      throw new Error(`Pattern ${index + 1} ("${pattern.match}"): ${error.message}`);
    }
  });
  // One pass finds any candidate; the patterns one by one only run when there is one.
  const any = compiled.length ? new RegExp(compiled.map((pattern) => pattern.regex.source).join('|'), 'u') : null;
  return { language: (list && list.language) || 'en', any, patterns: compiled };
}

function excused(pattern, text, at, end) {
  return pattern.unless.some((unless) => {
    unless.lastIndex = 0;
    for (let found = unless.exec(text); found; found = unless.exec(text)) {
      if (found.index <= at && found.index + found[0].length >= end) return true;
      if (found.index > at) return false;
      unless.lastIndex = found.index + 1;
    }
    return false;
  });
}

/** The first judgment in `text` as {match (the pattern), at, text (the words found)}, or null. */
export function findJudgment(matcher, text) {
  if (!matcher || !matcher.any || !text) return null;
  const plain = withoutSpeech(normalize(text));
  if (!matcher.any.test(plain)) return null;
  let first = null;
  for (const pattern of matcher.patterns) {
    pattern.regex.lastIndex = 0;
    for (let found = pattern.regex.exec(plain); found; found = pattern.regex.exec(plain)) {
      if (first && found.index >= first.at) break;
      const end = found.index + found[0].length;
      if (!excused(pattern, plain, found.index, end)) {
        first = { match: pattern.match, at: found.index, text: text.slice(found.index, end) };
        break;
      }
      pattern.regex.lastIndex = found.index + 1;
    }
  }
  return first;
}
