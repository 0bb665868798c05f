// Reduces an error message to a template that is the same for every occurrence of one failure (ids,
// numbers, timestamps... become named placeholders), and scores how alike two family titles are.

/** Part of every fingerprint: changing any pattern below means a new version, never an edit of this one. */
export const TEMPLATE_VERSION = '2026-11-22';

/**
 * Applied in this order, each to the output of the previous one (Sentry-style), so the more specific
 * shapes claim their text first: a UUID is never read as hex plus numbers, a timestamp never as numbers.
 *
 * A "token" below is a run of letters, digits, `_` and `-`: patterns match whole tokens, so `run-9f8e7d6c`
 * is one id rather than `run-<hex>`, and digits inside a name (`search_v2`, `x86_64`) are left alone.
 * Single words of letters then digits (`sha256`, `utf8`, `user123`) are names, as there is no telling them
 * apart; ids either carry a prefix (`ord_8812`, `req-7f3a9`, `us-east-1`, also `utf-8`) or switch between
 * letters and digits at least twice (`7f3a9`, `N3kd9x`). Dotted versions like `1.2.3` are left alone.
 */
const PATTERNS: ReadonlyArray<{ name: string; pattern: RegExp; accept?: (match: string) => boolean }> = [
  { name: 'url', pattern: /\b[a-z][a-z0-9+.-]{0,15}:\/\/[^\s"'<>`]*[^\s"'<>`.,;:!?)\]}]/gi },
  { name: 'email', pattern: /(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
  { name: 'uuid', pattern: /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi },
  {
    name: 'timestamp',
    pattern: /\b\d{4}-[01]\d-[0-3]\d(?:[T ][0-2]\d:[0-5]\d(?::[0-5]\d(?:[.,]\d{1,9})?)?(?:Z|[+-][0-2]\d(?::?[0-5]\d)?)?)?(?!\w)/g,
  },
  { name: 'timestamp', pattern: /\b[0-2]\d:[0-5]\d:[0-5]\d(?:[.,]\d{1,9})?(?:Z|[+-][0-2]\d:?[0-5]\d)?(?!\w)/g },
  { name: 'ip', pattern: /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d)/g },
  {
    name: 'ip',
    pattern:
      /(?<![\w:])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?)(?![\w:])/gi,
  },
  { name: 'hex', pattern: /(?<![\w-])(?:0x[0-9a-f]+|(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,})(?![\w-])/gi },
  // Apostrophes inside words (can't, user's) are not quotes; quoted model names stay (see protectModelNames).
  { name: 'quoted', pattern: /(?<!\w)(?:'[^'\n\uE000]{0,100}'|"[^"\n\uE000]{0,100}"|`[^`\n\uE000]{0,100}`)(?!\w)/g },
  {
    name: 'duration',
    pattern:
      /(?<![\w.])(?:\d+(?:\.\d+)? ?(?:nanoseconds?|microseconds?|milliseconds?|seconds?|minutes?|hours?|days?|weeks?|secs?|mins?|hrs?|ns|us|µs|ms)|(?:\d+(?:\.\d+)?(?:ms|us|µs|ns|[hmsdw]))+)(?!\w)/g,
  },
  { name: 'size', pattern: /(?<![\w.])\d+(?:\.\d+)?(?: ?(?:[KMGTPE]i?B|[kKmMgGtT][bB]|bytes?)|B)(?!\w)/g },
  { name: 'id', pattern: /(?<![\w&#])#\d+(?!\w)/g },
  {
    name: 'id',
    pattern: /(?<![\w-])[A-Za-z]+(?:[_-][A-Za-z]+)*[_-](?:\d+|(?=[A-Za-z]*\d)[A-Za-z0-9]{4,})(?:[_-][A-Za-z0-9]+)*(?![\w-])/g,
  },
  {
    name: 'id',
    pattern:
      /(?<![\w-])(?=[A-Za-z0-9]{5,}(?![\w-]))[A-Za-z0-9]*?(?:[A-Za-z]\d|\d[A-Za-z])[A-Za-z0-9]*?(?:[A-Za-z]\d|\d[A-Za-z])[A-Za-z0-9]*(?![\w-])/g,
  },
  // Generated compound ids (mail queue ids like `h71qac-134860a3.77`, job ids like `job_7f3a9-k2d81`): joined
  // segments with letters and digits switching at least twice and three or more digits in all.
  { name: 'id', pattern: /(?<![\w-])[A-Za-z0-9]+(?:[_-][A-Za-z0-9]+)+(?:\.\d+)?(?![\w-])/g, accept: isGeneratedCompoundId },
  { name: 'id', pattern: /(?<![\w-])[a-z]+_[A-Za-z]{10,}(?![\w-])/g, accept: isRandomCaseId },
  { name: 'num', pattern: /(?<![\w.])-?\d+(?:,\d{3})*(?:\.\d+)?(?!\w|\.\d)/g },
];

/**
 * Random-looking suffixes without digits (`req_cQcnTfkVDRlnPl`, Stripe's ids): ten or more letters whose
 * case flips at least four times, which words (even camelCase ones) do not.
 */
function isRandomCaseId(token: string): boolean {
  const suffix = token.slice(token.search(/[_-]/) + 1);
  return suffix.length >= 10 && (suffix.match(/[a-z](?=[A-Z])|[A-Z](?=[a-z])/g)?.length ?? 0) >= 4;
}

function isGeneratedCompoundId(token: string): boolean {
  if (token.length < 8 || token.includes('<')) return false;
  const switches = token.match(/[A-Za-z](?=\d)|\d(?=[A-Za-z])/g)?.length ?? 0;
  const digits = token.match(/\d/g)?.length ?? 0;
  return switches >= 2 && digits >= 3;
}

/**
 * Model names are kept verbatim: "gpt-4o timed out" and "claude-3-5-sonnet timed out" are different
 * failures, while by shape `gpt-4o` is indistinguishable from an id like `req-4o`. Known model families are
 * therefore recognised by name (with their version and date suffixes) before any pattern runs.
 */
const MODEL_NAME =
  /(?<![\w-])(?:chatgpt|gpt|o(?=\d)|claude|gemini|gemma|codellama|llama|mistral|mixtral|codestral|ministral|pixtral|deepseek|qwen|phi|grok|command-r|text-embedding|text-davinci)(?:\d+(?:\.\d+)?[a-z]*)?(?:[-.:][a-z0-9]+)*(?![\w-])/gi;

// Private-use characters bracket a letters-only index, which no pattern can match.
const PROTECTED_START = '\uE000';
const PROTECTED_END = '\uE001';
const PROTECTED = /\uE000([a-z]+)\uE001/g;

export function messageTemplate(text: string): string {
  const { text: guarded, restore } = protectModelNames(text.replace(/[\uE000\uE001]/g, '\uFFFD'));
  let template = guarded;
  for (const { name, pattern, accept } of PATTERNS) {
    template = template.replace(pattern, (match) => (accept && !accept(match) ? match : `<${name}>`));
  }
  // A numeric suffix left behind a placeholder (`<id>.84`) belongs to it.
  return restore(template.replace(/>(?:\.\d+)+(?![\w.])/g, '>')).replace(/\s+/g, ' ').trim();
}

function protectModelNames(text: string): { text: string; restore: (template: string) => string } {
  const names: string[] = [];
  const guarded = text.replace(MODEL_NAME, (name) => {
    names.push(name);
    return `${PROTECTED_START}${lettersIndex(names.length - 1)}${PROTECTED_END}`;
  });
  const restore = (template: string): string =>
    template.replace(PROTECTED, (_, index: string) => names[letterIndexValue(index)] ?? '');
  return { text: guarded, restore };
}

function lettersIndex(n: number): string {
  return n.toString(26).replace(/./g, (digit) => String.fromCharCode(97 + parseInt(digit, 26)));
}

function letterIndexValue(letters: string): number {
  return parseInt(letters.replace(/./g, (letter) => (letter.charCodeAt(0) - 97).toString(26)), 26);
}

// ---------------------------------------------------------------------------------------------------------
// Title similarity

/**
 * Function words, pronouns and frequency fillers ("across runs", "sometimes"): they say how a report is
 * phrased, not what failed. Negations and ordering words (not, no, without, before, after) carry meaning
 * and stay.
 */
const STOPWORDS = new Set([
  'a', 'an', 'the', 'and', 'or', 'but', 'of', 'in', 'on', 'at', 'to', 'for', 'from', 'by', 'with', 'into', 'onto',
  'via', 'is', 'are', 'was', 'were', 'be', 'been', 'being', 'it', 'its', 'this', 'that', 'these', 'those', 'as',
  'during', 'when', 'while', 'than', 'then', 'there', 'their', 'has', 'have', 'had', 'do', 'does', 'did', 'so', 'if',
  'i', 'me', 'my', 'mine', 'we', 'us', 'our', 'you', 'your', 'he', 'she', 'his', 'her', 'they', 'them',
  'across', 'runs', 'sometimes', 'often', 'always', 'again', 'still', 'repeatedly', 'occasionally', 'intermittently',
  // Every report here is about an agent, and says it was seen: neither tells two failures apart.
  'agent', 'bot', 'chatbot', 'assistant', 'detected', 'observed', 'reported', 'noticed',
]);

/**
 * "didn't" and "doesn't" read as "did not", "does not": the auxiliary is a stopword, the negation stays.
 * "Misrouted" reads as "wrong routed", for the mis- verbs failure reports use (a list: "missing" is not one).
 */
const CONTRACTIONS: ReadonlyArray<[RegExp, string]> = [
  [/\bmis(?=(?:classif|rout|label|categori|interpret|read|understo|understand|configur|format|match|order|assign)\w*)/g, 'wrong '],
  [/\bcan[\u2019']t\b/g, 'can not'],
  [/\bwon[\u2019']t\b/g, 'will not'],
  [/n[\u2019']t\b/g, ' not'],
  [/[\u2019']s\b/g, ''],
];

/** Words people use interchangeably when reporting a failure, read as one. */
const SYNONYMS: Readonly<Record<string, string>> = {
  never: 'not',
  incorrect: 'wrong',
  inaccurate: 'wrong',
  erroneous: 'wrong',
  mistaken: 'wrong',
  choice: 'selection',
  choices: 'selection',
};

/** Tokens for near-duplicate title matching: lowercased, stopwords dropped, stemmed, sorted, unique. */
export function normalizeTitle(title: string): string[] {
  const expanded = CONTRACTIONS.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), title.toLowerCase());
  const tokens = expanded
    .split(/[^\p{L}\p{N}]+/u)
    .filter((token) => token !== '' && !STOPWORDS.has(token))
    .map((token) => stem(SYNONYMS[token] ?? token));
  return [...new Set(tokens)].sort();
}

/** Jaccard similarity of the normalized tokens; 0 when neither title has any, so empty titles never match. */
export function titleSimilarity(a: string, b: string): number {
  return tokenSimilarity(normalizeTitle(a), normalizeTitle(b));
}

/** Jaccard similarity of two token lists (as normalizeTitle returns them). */
export function tokenSimilarity(a: readonly string[], b: readonly string[]): number {
  const left = new Set(a);
  const right = new Set(b);
  const union = new Set([...left, ...right]).size;
  if (union === 0) return 0;
  let shared = 0;
  for (const token of left) if (right.has(token)) shared++;
  return shared / union;
}

/**
 * A crude two-step suffix stripper, enough for the inflections titles use (no dependency, no dictionary):
 *  1. inflection: -ies/-ied -> y, -sses -> ss, -ated/-ating -> ate, -ing, -ed (undoubling stopp -> stop), -ly
 *     (only on longer words: reply stays), -s (not after s, u or i: class, status, analysis);
 *  2. derivation: -ation, -ion, -ency, -ence, -ancy, -ance, -ment, -ent, -ant, -ity, -ness, -able, -ible,
 *     -ive, -ure, -al, -ate, only the first suffix the word ends with, only if 4+ letters remain;
 *  3. a final silent e goes (route/routing -> rout).
 * So inconsistency/inconsistent -> inconsist, selection/selecting/selected -> select, calls/calling -> call.
 */
function stem(word: string): string {
  let stemmed = stripInflection(word);
  stemmed = stripDerivation(stemmed);
  if (stemmed.length >= 5 && stemmed.endsWith('e')) stemmed = stemmed.slice(0, -1);
  return stemmed;
}

const INFLECTIONS: ReadonlyArray<{ suffix: string; replacement: string; minStem: number; undouble?: boolean }> = [
  { suffix: 'sses', replacement: 'ss', minStem: 1 },
  { suffix: 'ies', replacement: 'y', minStem: 2 },
  { suffix: 'ied', replacement: 'y', minStem: 2 },
  { suffix: 'ated', replacement: 'ate', minStem: 1 },
  { suffix: 'ating', replacement: 'ate', minStem: 1 },
  { suffix: 'ing', replacement: '', minStem: 3, undouble: true },
  { suffix: 'ed', replacement: '', minStem: 3, undouble: true },
  { suffix: 'ly', replacement: '', minStem: 5 },
  { suffix: 's', replacement: '', minStem: 3 },
];

const DERIVATIONS = [
  'ation', 'ion', 'ency', 'ence', 'ancy', 'ance', 'ment', 'ent', 'ant', 'ity', 'ness', 'able', 'ible', 'ive', 'ure', 'al', 'ate',
];

function stripInflection(word: string): string {
  if (/(?:ss|us|is)$/.test(word)) return word;
  for (const { suffix, replacement, minStem, undouble } of INFLECTIONS) {
    if (!word.endsWith(suffix)) continue;
    const base = word.slice(0, -suffix.length);
    if (base.length < minStem) return word;
    // stopped -> stop, running -> run; but call, pass, buzz keep their double letter.
    return undouble && /([bdgkmnprt])\1$/.test(base) ? base.slice(0, -1) : base + replacement;
  }
  return word;
}

function stripDerivation(word: string): string {
  const suffix = DERIVATIONS.find((candidate) => word.endsWith(candidate));
  if (suffix === undefined) return word;
  const base = word.slice(0, -suffix.length);
  return base.length >= 4 ? base : word;
}
