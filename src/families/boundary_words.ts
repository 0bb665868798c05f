// The last resort of the boundary classifier: when no rule reads a signal, the words it was reported in
// still lean somewhere ("answers cite a superseded handbook" leans to the context source). A multinomial
// logistic regression over the signal's words, kind and attributes, trained offline on the labelled sets
// (boundary_words_training.ts) and shipped as boundary_words_model.ts, says where, with a probability.
// Pure: the same evidence always gives the same vote.
import type { Boundary } from './types.js';

/** The six boundaries, in the order of the model's weights. */
export const WORD_MODEL_BOUNDARIES = ['prompt', 'tool_contract', 'context_source', 'model_route', 'permission', 'downstream_api'] as const satisfies readonly Boundary[];

export interface WordModel {
  /** One bias per boundary, in WORD_MODEL_BOUNDARIES order. */
  bias: readonly number[];
  /** Feature -> one weight per boundary; features not listed weigh nothing. */
  weights: Readonly<Record<string, readonly number[]>>;
}

/** What the model reads of a signal: a BoundaryEvidence is one. */
export interface WordEvidence {
  title: string;
  message?: string;
  errorType?: string;
  tool?: string;
  kind?: string;
  attributes?: Readonly<Record<string, string | number | boolean>>;
}

/** A vote is cast only when the model puts at least this probability on one boundary. */
export const WORD_VOTE_MIN_PROBABILITY = 0.5;
/** ... and reads at least this many of the signal's features. */
const MIN_KNOWN_FEATURES = 2;
/** Longest text read: the words past it change no decision worth the time. */
const MAX_TEXT = 4_000;
const MAX_ATTRIBUTE_VALUE = 24;

const STOP_WORDS = new Set(
  'the a an of to in on for and or is was were be been with by at from as it its this that not no but are has had have after before into than then when which who what while did does do via per our we you your they their them he she his her my me us so if'.split(' '),
);

function stem(word: string): string {
  return word.length > 4 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word;
}

/** A prefixed id (`cv_9ea29c201b`, `cus_Q8x2`, `req_7f3a`): its prefix says which kind of id, not what failed. */
const PREFIXED_ID = /\b[a-z]{1,5}_[a-z0-9]*\d[a-z0-9]*\b/gi;

/** Words of a text, lower case, stemmed, English function words and prefixed ids dropped. */
function words(text: string | undefined): string[] {
  if (!text) return [];
  return text
    .slice(0, MAX_TEXT)
    .replace(PREFIXED_ID, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 1 && !/^\d/.test(w) && !STOP_WORDS.has(w))
    .map(stem);
}

/**
 * The features a signal is read by, each once: its words (title, message, error type, tool), `kind:<kind>`,
 * `key:<attribute>` (digits as #) and `val:<attribute>=<value>` for short values without long numbers.
 */
export function wordFeatures(e: WordEvidence): string[] {
  const out = new Set<string>([...words(e.title), ...words(e.message), ...words(e.errorType), ...words(e.tool)]);
  if (e.kind) out.add(`kind:${e.kind}`);
  for (const [key, value] of Object.entries(e.attributes ?? {})) {
    out.add(`key:${key.replace(/\d+/g, '#')}`);
    if (typeof value === 'string' && value.length <= MAX_ATTRIBUTE_VALUE && !/\d{3}/.test(value)) out.add(`val:${key}=${value.toLowerCase()}`);
  }
  return [...out];
}

export interface WordVote {
  boundary: Boundary;
  probability: number;
  /** The words that pushed most towards the boundary, the strongest first (at most three). */
  words: string[];
}

/** A feature's weights; own keys only, so a word like "constructor" is not read off Object.prototype. */
function weightsOf(model: WordModel, feature: string): readonly number[] | undefined {
  return Object.hasOwn(model.weights, feature) ? model.weights[feature] : undefined;
}

/** The probabilities the model gives each boundary for these features, in WORD_MODEL_BOUNDARIES order. */
export function wordProbabilities(model: WordModel, features: readonly string[]): number[] {
  const z = [...model.bias];
  for (const f of features) {
    const w = weightsOf(model, f);
    if (w) for (let k = 0; k < z.length; k++) z[k]! += w[k]!;
  }
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** Where the signal's words lean, or null when they lean nowhere clearly enough. */
export function wordVote(e: WordEvidence, model: WordModel): WordVote | null {
  const features = wordFeatures(e).filter((f) => weightsOf(model, f) !== undefined);
  if (features.length < MIN_KNOWN_FEATURES) return null;
  const p = wordProbabilities(model, features);
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
  if (p[best]! < WORD_VOTE_MIN_PROBABILITY) return null;
  // A word's push: its weight for the winner over its mean weight across boundaries.
  const push = (f: string) => {
    const w = weightsOf(model, f)!;
    return w[best]! - w.reduce((a, b) => a + b, 0) / w.length;
  };
  const shown = features
    .filter((f) => !f.includes(':') && push(f) > 0)
    .sort((a, b) => push(b) - push(a) || a.localeCompare(b))
    .slice(0, 3);
  return { boundary: WORD_MODEL_BOUNDARIES[best]!, probability: p[best]!, words: shown };
}
