// What grouping needs to know about a signal before any family is looked at: the text it is grouped by,
// that text masked and split for the miner, its features for the similarity step, and its keys (the
// upstream's, the fingerprint of the current version, and those of legacy versions in their transition
// window). Pure and cached per text: a failure's occurrences mostly bring the same text again.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { BoundaryRule } from './legacy_2026_11_22/boundary.js';
import type { Signal } from '../types.js';
import { FEATURE, isProtocolStatus, isStatusConstant, PROVIDER_FAULT_CODE, PROVIDER_STATUS, signalFeatures, textWords } from './features.js';
import { LEGACY_TITLE_SOURCE, legacyKeys } from './legacy_2026_11_22/keys.js';
import { maskText } from './mask.js';
import { leafOf, minerTokens } from './miner.js';
import { GROUPING_VERSION, legacyVersionsAt } from './version.js';

export const FINGERPRINT_SOURCE = `fingerprint:${GROUPING_VERSION}`;
/** Keys of a title's word set, for finding near-duplicate wordings whatever the number of families. */
export const TITLE_WORDS_SOURCE = `title:${GROUPING_VERSION}`;

export interface GroupingKey {
  source: string;
  key: string;
  url?: string;
}

export interface GroupingPlan {
  title: string;
  /** Who sent the signal (its `source`): families of other sources are compared at a lower bar. */
  source: string;
  /** Where the miner and the similarity step look: the current version and the workflow. */
  scope: string;
  /** The masked text the signal is grouped by. */
  template: string;
  tokens: string[];
  leaf: string;
  features: string[];
  /**
   * Whether the similarity step compares the signal: when it carries words people chose (a title,
   * description, feedback or evaluator reason) or names what failed (a tool, an error type). A raw log
   * line (its title is its message cut short) and nothing more is left to the miner: its words are its
   * template, and the miner decides which of them vary.
   */
  comparable: boolean;
  /** What the semantic step embeds: the title and the message (or description). */
  semanticText: string;
  tool?: string;
  upstream?: GroupingKey;
  fingerprint: GroupingKey;
  /**
   * The title's words as a set, and that set with any one word left out (from four words on): a wording
   * that differs by a word finds the family directly, a lookup that costs the same with any number of
   * families. Only for signals whose title is not a log line cut short.
   */
  titleWords: GroupingKey[];
  /**
   * The keys of the legacy versions still in their transition window: fingerprints, newest version first,
   * and g-2026-11-22's title keys (for message-less signals).
   */
  legacy: { fingerprints: GroupingKey[]; titles: GroupingKey[] } | null;
}

/**
 * The text a signal is grouped by: its message (the error text or evaluator reason), or, when it has
 * none, its title with the tool and error type it names, so a message-less occurrence of a tool error is
 * compared by what failed rather than founding a family of its own. From g-2026-12-05.5 a message-less
 * signal's text also says how the call failed, as its attributes do (`status 403`, `code 57014`): a span
 * named for its endpoint (`POST /v2/translate`) is the same for every failure there.
 */
export function groupingText(signal: Pick<Signal, 'title' | 'message' | 'tool' | 'errorType' | 'attributes'>, version: string = GROUPING_VERSION): string {
  if (signal.message?.trim()) return signal.message;
  const attributes = TEXT_WITHOUT_ATTRIBUTES.has(version) ? [] : failureAttributes(signal.attributes ?? {}, version);
  return [signal.title, signal.tool, signal.errorType, ...attributes].filter(Boolean).join(' ');
}

/** The versions whose grouping text of a message-less signal was its title, tool and error type only. */
const TEXT_WITHOUT_ATTRIBUTES = new Set(['g-2026-12-04', 'g-2026-12-05', 'g-2026-12-05.2', 'g-2026-12-05.3', 'g-2026-12-05.4']);

/** OpenTelemetry's attributes for how a call failed, in this order; then a provider's code (`plaid.error_code`). */
const FAILURE_CODE_ATTRIBUTES = ['error.type', 'exception.type', 'db.response.status_code', 'rpc.jsonrpc.error_code', 'gen_ai.response.finish_reasons'];
const PROVIDER_CODE_ATTRIBUTE = /[._](?:error[._]?code|error)$/;
/**
 * From g-2026-12-06.4 also a provider's fault code (`qbo.fault.code: 6140`) and a status it names by a
 * constant (`maps.status: OVER_QUERY_LIMIT`, `maps.element.status: ZERO_RESULTS`): before, two failures of
 * one endpoint that said their codes only there shared a fingerprint. From g-2026-12-06.5 the keys the
 * features read codes under (features.ts), so also a message code (`authnet.message_code: E00027`).
 */
const readsFaults = (version: string) => version >= 'g-2026-12-06.4';
/** From g-2026-12-07.2 also a protocol's status (`opcua.status_name: BadNodeIdUnknown`, features.ts). */
const readsProtocolStatus = (version: string) => version >= 'g-2026-12-07.2';
const FAULT_KEYS = { fault: PROVIDER_FAULT_CODE, status: PROVIDER_STATUS };
const FAULT_KEYS_2026_12_06_4 = { fault: /[._]fault[._]?code$/, status: /[._]status$/ };
const faultKeys = (version: string) => (version >= 'g-2026-12-06.5' ? FAULT_KEYS : FAULT_KEYS_2026_12_06_4);

/** How a call failed, as its attributes say it: the HTTP status and the codes, as words the masking keeps. */
function failureAttributes(attributes: Readonly<Record<string, string | number | boolean>>, version: string): string[] {
  const words: string[] = [];
  const status = String(attributes['http.response.status_code'] ?? attributes['http.status_code'] ?? '');
  if (/^[45]\d\d$/.test(status)) words.push(`status ${status}`);
  const keys = faultKeys(version);
  const isProviderCode = (key: string) =>
    PROVIDER_CODE_ATTRIBUTE.test(key) ||
    (readsFaults(version) && (keys.fault.test(key) || (keys.status.test(key) && isStatusConstant(String(attributes[key]))))) ||
    (readsProtocolStatus(version) && isProtocolStatus(key, String(attributes[key]).trim()));
  const providers = Object.keys(attributes).filter((key) => isProviderCode(key) && !FAILURE_CODE_ATTRIBUTES.includes(key)).sort();
  for (const key of [...FAILURE_CODE_ATTRIBUTES, ...providers]) {
    const code = String(attributes[key] ?? '').trim();
    // A code is one short token; a sentence is a message, and the status is said already.
    if (code !== '' && code !== status && code.length <= 64 && !/\s/.test(code)) words.push(`code ${code}`);
  }
  // From g-2026-12-06.4 also the span's exception message (`exception.message: 'clarity_grade'`): before, two
  // KeyErrors of one span on two fields shared a fingerprint.
  if (readsFaults(version) && typeof attributes['exception.message'] === 'string') words.push(attributes['exception.message'].slice(0, 200));
  return words;
}

/** A signal whose title is only its message cut short (a log line sent as a signal). */
export function isLogLine(signal: Pick<Signal, 'title' | 'message'>): boolean {
  const title = signal.title.trim().replace(/(?:…|\.\.\.)$/, '');
  return Boolean(signal.message) && title.length > 0 && signal.message!.trim().startsWith(title);
}

export function groupingScope(workflow: string): string {
  return `${GROUPING_VERSION}/${workflow}`;
}

export function planGrouping(signal: Signal, boundaryRules: readonly BoundaryRule[], now: Date): GroupingPlan {
  const { template, tokens } = maskedText(groupingText(signal));
  const tool = signal.tool?.trim() || undefined;
  const logLine = isLogLine(signal);
  // Features and title-word keys are read only when no key places the signal: most occurrences of a
  // known failure never need them (together about 50 µs a signal).
  let features: string[] | undefined;
  let titleWords: GroupingKey[] | undefined;
  return {
    title: signal.title,
    source: signal.source,
    scope: groupingScope(signal.workflow),
    template,
    tokens,
    leaf: leafOf(tokens),
    get features() {
      return (features ??= signalFeatures(signal));
    },
    comparable: !logLine || Boolean(tool || signal.errorType?.trim()),
    semanticText: [signal.title, signal.message ?? signal.description].filter(Boolean).join('\n'),
    tool,
    upstream: signal.upstream ? { source: signal.upstream.source, key: signal.upstream.id, url: signal.upstream.url } : undefined,
    fingerprint: { source: FINGERPRINT_SOURCE, key: fingerprintOf(signal.workflow, tool, template) },
    get titleWords() {
      return (titleWords ??= logLine ? [] : titleWordKeys(signal.workflow, signal.title));
    },
    legacy: legacyPlan(signal, tool, boundaryRules, legacyVersionsAt(now)),
  };
}

/**
 * The current version's exact key: the workflow, the tool when the signal names one, and the masked text.
 * Neither tenant, kind, error type nor boundary is part of it: the same failure arrives from several
 * sources that word those differently, and a boundary is a label that may change.
 */
export function fingerprintOf(workflow: string, tool: string | undefined, template: string, version: string = GROUPING_VERSION): string {
  return createHash('sha256').update([version, workflow, tool ?? '', template].join('\u0000')).digest('hex').slice(0, 40);
}

/** A legacy version's fingerprint key (g-2026-12-04 and later): the same recipe over the text as that version masks it. */
export function fingerprintKey(signal: Pick<Signal, 'workflow' | 'title' | 'message' | 'tool' | 'errorType'>, tool: string | undefined, version: string): GroupingKey {
  return { source: `fingerprint:${version}`, key: fingerprintOf(signal.workflow, tool, maskText(groupingText(signal, version), version), version) };
}

const MAX_TITLE_WORDS = 24;

export function titleWordKeys(workflow: string, title: string): GroupingKey[] {
  const words = [...new Set(textWords(maskText(title)).filter((w) => w.startsWith(FEATURE.word)))].sort().slice(0, MAX_TITLE_WORDS);
  if (words.length === 0) return [];
  const sets = [words, ...(words.length >= 4 ? words.map((_, i) => words.filter((__, j) => j !== i)) : [])];
  const keyOf = (set: readonly string[]) => createHash('sha256').update([GROUPING_VERSION, workflow, ...set].join('\u0000')).digest('hex').slice(0, 40);
  return [...new Set(sets.map(keyOf))].map((key) => ({ source: TITLE_WORDS_SOURCE, key }));
}

function legacyPlan(signal: Signal, tool: string | undefined, boundaryRules: readonly BoundaryRule[], versions: readonly string[]): GroupingPlan['legacy'] {
  if (versions.length === 0) return null;
  // A failure's occurrences bring the same fields again: their legacy keys are kept (with the rules they
  // were classified by: a new config is a new set of rules).
  const memoKey = JSON.stringify([versions, rulesId(boundaryRules), signal.workflow, signal.tenant, signal.kind, signal.tool, signal.errorType, signal.boundary, signal.title, signal.message ?? signal.description ?? null]);
  let plan = recentLegacyPlans.get(memoKey);
  if (!plan) {
    plan = { fingerprints: [], titles: [] };
    for (const version of versions) {
      if (version === LEGACY_2026_11_22) {
        const keys = legacyKeys(signal, boundaryRules);
        plan.fingerprints.push(keys.fingerprint);
        plan.titles = keys.titles.map((key) => ({ source: LEGACY_TITLE_SOURCE, key }));
      } else {
        plan.fingerprints.push(fingerprintKey(signal, tool, version));
      }
    }
    if (memoKey.length <= MEMO_MAX_TEXT) recentLegacyPlans.set(memoKey, plan);
  }
  return plan;
}

/** The first version, whose keys were made by other code (legacy_2026_11_22/, kept frozen). */
const LEGACY_2026_11_22 = 'g-2026-11-22';

const recentLegacyPlans = new LRUCache<string, NonNullable<GroupingPlan['legacy']>>({ max: 2_000 });
const ruleSetIds = new WeakMap<readonly BoundaryRule[], number>();
let nextRuleSetId = 0;
const rulesId = (rules: readonly BoundaryRule[]) => ruleSetIds.get(rules) ?? (ruleSetIds.set(rules, ++nextRuleSetId), nextRuleSetId);

// Texts up to this length are memoized: masking is the costliest step, and recurrences repeat their text.
const MEMO_MAX_TEXT = 2_048;
const recentTexts = new LRUCache<string, { template: string; tokens: string[] }>({
  max: 2_000,
  memoMethod: (text) => maskAndSplit(text),
});

function maskedText(text: string): { template: string; tokens: string[] } {
  return text.length > MEMO_MAX_TEXT ? maskAndSplit(text) : recentTexts.memo(text);
}

function maskAndSplit(text: string): { template: string; tokens: string[] } {
  const template = maskText(text);
  return { template, tokens: minerTokens(template) };
}
