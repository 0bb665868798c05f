// The template miner: an online log-template learner in the spirit of Drain (He et al., ICWS 2017). Masked
// texts of one scope (tenant + workflow) are split into tokens; texts with the same number of tokens and
// the same first token share a leaf, and a text joins the leaf's template it agrees with at the most
// positions, if that is at least MINER.similarity of them. Positions where a joining text differs become
// wildcards, so values no mask rule knows are discovered as occurrences arrive.
//
// One departure from Drain, decided from evidence rather than by rule: two texts differing only in one
// word (`cupsd startup succeeded` / `cupsd shutdown succeeded`, `KeyError: 'shipping_address'` /
// `KeyError: 'billing_address'`) are different failures until that position has shown MINER.distinctValues
// different words among rare templates (each seen at most MINER.rareOccurrences times). Then it is a
// variable (a user name, a product), and those templates become one. A word that has recurred on its own
// names a failure of its own and is never absorbed. A text that founds a template tells its siblings
// (templates it differs from only in a word; until g-2026-12-06.3 also two, but a name of two words varies
// too) apart from itself, so the similarity step does not join what the miner kept apart. Pure: the caller
// loads a leaf and stores the decision.
import { isModelName, PLACEHOLDER, WILDCARD } from './mask.js';

export const MINER = {
  /** Share of a template's positions a text must agree with to join it (Drain's sim_th; 0.4 in Drain3). */
  similarity: 0.5,
  /** Distinct words at one position, among rare templates, that make the position a variable. */
  distinctValues: 3,
  /** A template seen more often than this is established: its words are not generalized away. */
  rareOccurrences: 3,
  /**
   * Texts differing in at most this many words, and nothing else, are siblings: told apart, not alike. Two
   * until g-2026-12-06.3: `… (Pacific Harmony, draft …)` and `… (Ocean Star, draft …)` were told apart (tune-9's
   * recall 0.395 with two, 0.434 with one).
   */
  siblingWords: 1,
  /** Templates compared per leaf, most recently seen first. */
  maxCandidates: 200,
  /** Longest text the miner reads, in tokens; the rest is dropped. */
  maxTokens: 64,
} as const;

/** Splits a masked text into the miner's tokens: at spaces and at `= ( ) [ ] { } , ;`, which are kept. */
export function minerTokens(masked: string): string[] {
  // A list of values of one kind (`blk_1 blk_2 blk_3`) is one value, however long.
  const collapsed = masked.replace(/(<[a-z*]+>)(?:[\s,;]+\1)+/g, '$1');
  return collapsed
    .split(/(\s+|[=()[\]{},;])/)
    .filter((token) => token !== '' && !/^\s+$/.test(token))
    .slice(0, MINER.maxTokens);
}

/** The leaf a text's templates live in: its length and its first token (`*` when that is a value). */
export function leafOf(tokens: readonly string[]): string {
  const first = tokens[0] ?? '';
  return `${tokens.length}:${isValueLike(first) ? '*' : first}`;
}

export interface MinerTemplate {
  id: string;
  tokens: readonly string[];
  /** Occurrences seen by the template's family, for telling established templates from rare ones. */
  occurrences: number;
}

export type MinerDecision<T extends MinerTemplate> =
  | { action: 'join'; template: T; tokens: string[]; score: number }
  | { action: 'generalize'; template: T; absorbed: T[]; tokens: string[]; position: number; score: number }
  /** `siblings`: the templates the text differs from only in a word or two, which it is told apart from. */
  | { action: 'new'; tokens: string[]; siblings: T[] };

/**
 * Which template of the leaf a text joins, and the template afterwards; `generalize` when the text is the
 * word that makes a position a variable, absorbing the rare templates that differ from it only there.
 */
export function matchTemplate<T extends MinerTemplate>(tokens: readonly string[], leaf: readonly T[]): MinerDecision<T> {
  let best: { template: T; score: number; wildcards: number } | null = null;
  const wordSiblings = new Map<number, T[]>();
  const siblings: T[] = [];
  for (const template of leaf) {
    if (template.tokens.length !== tokens.length) continue;
    const compared = compare(template.tokens, tokens);
    if (compared.words.length > 0 || compared.kept > 0) {
      if (differsByAWord(compared)) siblings.push(template);
      if (compared.words.length === 1 && compared.kept === 0 && compared.others === 0) {
        const position = compared.words[0]!;
        wordSiblings.set(position, [...(wordSiblings.get(position) ?? []), template]);
      }
      continue;
    }
    if (!best || compared.score > best.score || (compared.score === best.score && compared.wildcards > best.wildcards)) {
      best = { template, score: compared.score, wildcards: compared.wildcards };
    }
  }
  if (best && best.score >= MINER.similarity) {
    return { action: 'join', template: best.template, tokens: merged(best.template.tokens, tokens), score: best.score };
  }
  for (const [position, siblings] of wordSiblings) {
    const rare = siblings.filter((s) => s.occurrences <= MINER.rareOccurrences);
    const values = new Set([tokens[position], ...rare.map((s) => s.tokens[position])]);
    if (values.size < MINER.distinctValues) continue;
    const [template, ...absorbed] = [...rare].sort((a, b) => b.occurrences - a.occurrences || a.id.localeCompare(b.id));
    const generalized = merged(template!.tokens, tokens).map((token, i) => (i === position ? WILDCARD : token));
    return { action: 'generalize', template: template!, absorbed, tokens: generalized, position, score: (tokens.length - 1) / tokens.length };
  }
  return { action: 'new', tokens: [...tokens], siblings };
}

/** Whether two templates are siblings: they differ in a word or two and nothing else, so the miner told them apart. */
export function siblingTemplates(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && differsByAWord(compare(a, b));
}

function differsByAWord(compared: ReturnType<typeof compare>): boolean {
  const differ = compared.words.length + compared.kept;
  return differ > 0 && differ <= MINER.siblingWords && compared.others === 0;
}

/**
 * How a template and a text differ: the share of positions where they agree (wildcards do not count as
 * agreeing, as in Drain3; a delimiter both have is not counted), and the differing positions split into
 * words, kept values (HTTP statuses, error codes and model names: names of what failed, never a variable)
 * and other values.
 */
function compare(template: readonly string[], tokens: readonly string[]): { score: number; wildcards: number; words: number[]; kept: number; others: number } {
  let equal = 0;
  let counted = 0;
  let wildcards = 0;
  let kept = 0;
  let others = 0;
  const words: number[] = [];
  for (let i = 0; i < template.length; i++) {
    const a = template[i]!;
    const b = tokens[i]!;
    // Any two JSON bodies or key=value lists agree in their delimiters: those positions are not counted.
    if (a === b && DELIMITER.test(a)) continue;
    counted++;
    if (a === WILDCARD) wildcards++;
    else if (a === b) equal++;
    else if (isWord(a) && isWord(b)) words.push(i);
    else if ((isKeptNumber(a) && isKeptNumber(b)) || (isModel(a) && isModel(b)) || (isCodeField(a) && isCodeField(b))) kept++;
    else others++;
  }
  return { score: counted === 0 ? 1 : equal / counted, wildcards, words, kept, others };
}

/**
 * A number the masking kept (it keeps only HTTP statuses and error codes): `POST /v1/refunds 400` and
 * `POST /v1/refunds 403`, `Twilio error 21211:` and `Twilio error 21610:` are different failures, however
 * often each recurs.
 */
function isKeptNumber(token: string): boolean {
  return /^-?\d+:?$/.test(token);
}

/**
 * An error code in a compact JSON body (`"error_code":"ITEM_LOGIN_REQUIRED"`, `"error":"not_in_channel"`):
 * the API's name for the failure, so two of them are other failures like two statuses. From
 * g-2026-12-05.6 also a number such a body holds that the masking kept (`"status":401`, `"code":21211`,
 * KEPT_NUMBER_FIELD): the masking keeps a number only where it reads as a status or an error code.
 */
function isCodeField(token: string): boolean {
  return /^"(?:error_?code|errorCode|code|error|decline_code)":"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+",?$/.test(token) || KEPT_NUMBER_FIELD.test(token);
}

const KEPT_NUMBER_FIELD = /^"\w+":-?\d+,?$/;

/** A model name, which the masking keeps: `chat gpt-4o` and `chat claude-sonnet-4-5` are other calls. */
function isModel(token: string): boolean {
  return isModelName(token.replace(/[:,.!?]$/, ''));
}

const DELIMITER = /^[=()[\]{},;]$/;

function merged(template: readonly string[], tokens: readonly string[]): string[] {
  return template.map((token, i) => (token === tokens[i] ? token : WILDCARD));
}

/** A word: letters (with `_ . -` inside, optionally quoted, optionally ending in punctuation), no digits. */
export function isWord(token: string): boolean {
  return /^['"`]?[A-Za-z][A-Za-z_.-]*['"`]?[:.!?]?$/.test(token);
}

/** A placeholder or a token with digits in it: a value rather than a name. */
function isValueLike(token: string): boolean {
  return PLACEHOLDER.test(token) || /\d|</.test(token);
}

/** A template as stored and shown: its tokens joined by single spaces. */
export function templateText(tokens: readonly string[]): string {
  return tokens.join(' ');
}
