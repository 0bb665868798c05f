// The similarity step: a signal no key or template placed is compared with the families of its workflow
// that share a telling feature with it. The score is the weighted overlap coefficient of the two feature
// sets (shared weight over the smaller side's weight: a short title covered by a family scores high, and so
// does a long description that covers a young family), each feature weighted by how rare it is among the
// workflow's families (inverse document frequency) and, on the family's side, by the share of its signals
// that said it. Evidence that two failures differ vetoes a match
// however many words agree: another tool, failure class (a 429 is not a 401), HTTP status, error code or
// failed check; a rate limit or rejected credential of one provider is one failure whichever of its tools
// met it. Evidence that they are one lowers the bar: the same thing failing the same way (sameFailure).
// Two families that have grown alike are one failure too (alikeProfiles), as arrival order had split it, and so
// are two whose reports are alike on average, one source's pairs counting for less (alikeReports).
// Pure: the caller loads the candidates and the frequencies.
import { addCounts } from '../counts.js';
import { FEATURE } from './features.js';

export const SIMILARITY = {
  /**
   * Share of the signal's weighted evidence a family must have shown for the signal to join it. 0.32 until
   * fullShare came in (2026-12-07): a family's rarely said words then weighed less, so less was needed.
   */
  threshold: 0.31,
  /**
   * Share of a family's signals that must have said a feature for it to count fully when a signal is scored
   * against the family; one said by fewer counts by that share. A family of ten that one signal wrongly joined
   * with `invoice` does not say `invoice`. Before, any feature a family had ever shown counted fully, so a
   * grown family covered a short signal by words one of its signals said once. Chosen with the threshold on
   * the tune sets (docs/grouping.md, measured 2026-12-07).
   */
  fullShare: 0.2,
  /**
   * The score a signal the upstream grouped (a LangSmith issue) needs to join a family holding another
   * of that upstream's groups, which it must also be worded like but for a word: the upstream said they
   * differ, so only a near duplicate overrides it (the bar g-2026-11-22 set for near-duplicate titles).
   * From g-2026-12-06.3 the same thing failing the same way overrides it too, at its own bar (resolve.ts).
   */
  acrossUpstream: 0.75,
  /**
   * The score that suffices when the signal and the family name the same thing failing the same way (see
   * sameFailure): the failure is recognised by what it is, whatever words each source wrapped it in.
   */
  sameFailure: 0.2,
  /** Fewest features (that weigh) a signal must share with a family: one shared word is not a match. */
  minShared: 2,
  /** Candidate families scored per signal, those sharing the most telling features first. */
  maxCandidates: 32,
  /**
   * A feature shared by more than this share of a workflow's families, or by more than maxPostings of
   * them, is too common to find candidates by (it still counts in the score). The second bound keeps the
   * candidate query as cheap with 100,000 families as with 100.
   */
  commonShare: 0.2,
  maxPostings: 200,
  /** Features a family keeps for comparison, the most frequent first. */
  maxProfileFeatures: 160,
  /**
   * The score a signal needs with each of two families for it to show they are one failure (see
   * bridges): arrival order splits a failure whose first reports shared too little.
   */
  bridge: 0.5,
} as const;

/** Inverse document frequency among a workflow's families, smoothed so a first family still weighs. */
export function rarity(familiesWithFeature: number, families: number): number {
  return Math.log((families + 1) / (familiesWithFeature + 1)) + 1;
}

export interface Profile {
  familyId: string;
  /** Feature -> how many of the family's compared signals had it. */
  features: Readonly<Record<string, number>>;
  /** The score this family needs, when higher than the threshold (see SIMILARITY.acrossUpstream). */
  threshold?: number;
  /** How many signals the family compared (learned features from); unknown counts as one. */
  signals?: number;
  /** Which sources sent those signals, source -> count; absent or empty when not known. */
  sources?: Readonly<Record<string, number>>;
}

export interface SimilarityMatch {
  familyId: string;
  score: number;
  /** The most telling features the signal and the family share, for the explanation. */
  shared: string[];
  /** Whether the family names the same thing failing the same way (sameFailure): its bar was the lower one. */
  sameFailure: boolean;
}

/**
 * Every family that reaches its bar for a signal's features, the best first; ties go to the earlier
 * candidate. `rarityOf(feature)` is the feature's weight; tools weigh nothing (their words do) and only veto.
 */
export function similarFamilies(features: readonly string[], candidates: readonly Profile[], rarityOf: (feature: string) => number): SimilarityMatch[] {
  const overlap = overlapOf(features, rarityOf);
  const matches: SimilarityMatch[] = [];
  const servesFailure = namesServiceFailure(features);
  for (const candidate of candidates) {
    if (vetoed(features, candidate.features) || (servesFailure && agentFailure(candidate))) continue;
    const found = overlap(candidate.features, candidate.signals);
    if (!found) continue;
    const same = sameFailure(features, candidate.features);
    if (found.score >= Math.max(same ? SIMILARITY.sameFailure : SIMILARITY.threshold, candidate.threshold ?? 0)) {
      matches.push({ familyId: candidate.familyId, ...found, sameFailure: same });
    }
  }
  // Array.prototype.sort is stable: equal scores keep the candidates' order.
  return matches.sort((a, b) => b.score - a.score);
}

/** A family offered to merge with another (alikeFamilies). */
export interface RelatedMatch {
  familyId: string;
  score: number;
  shared: string[];
  /** No source has sent signals to both families (fromOtherSources): offered ahead of one source's. */
  otherSources: boolean;
}

/**
 * Families a person may merge with a family: other families of its scope whose profiles it is alike with
 * (scored as a signal is, the family's profile for the signal's features), at or above RELATED.threshold,
 * that no evidence on either side tells apart. Below the bar a signal needs, so offered, never merged. The
 * most alike first, those of other sources ranked as if they scored RELATED.otherSources more.
 */
export function alikeFamilies(family: Pick<Profile, 'features' | 'sources'>, candidates: readonly Profile[], rarityOf: (feature: string) => number): RelatedMatch[] {
  const features = Object.keys(family.features);
  const overlap = overlapOf(features, rarityOf);
  const matches: RelatedMatch[] = [];
  for (const candidate of candidates) {
    if (vetoed(features, candidate.features) || vetoed(Object.keys(candidate.features), family.features)) continue;
    const found = overlap(candidate.features);
    if (found && found.score >= RELATED.threshold) matches.push({ familyId: candidate.familyId, ...found, otherSources: fromOtherSources(family, candidate) });
  }
  const rank = (m: RelatedMatch) => m.score + (m.otherSources ? RELATED.otherSources : 0);
  return matches.sort((a, b) => rank(b) - rank(a));
}

export const RELATED = {
  /**
   * The score a family must reach to be offered. Chosen on tune-6 to tune-8 (docs/grouping.md, "Related
   * families"): at 0.15 about three in five of the top three offered are the same failure. A higher bar is
   * right more often but offers far fewer of them (tune-6, top three, 0.25: 71% right against 60%, and
   * merging the right ones reaches pairwise recall 0.60 against 0.83).
   */
  threshold: 0.15,
  /**
   * How far ahead a family of other sources is ranked: as if it scored this much more. Two families one
   * source reported alike are more often two of its failures. Chosen on the odd tune sets, where the first
   * offer was the same failure 70.9% of the time against 68.2% (docs/grouping.md, "Related families").
   */
  otherSources: 0.1,
  /** Candidate families scored, those sharing the most telling features first; also the most offered. */
  maxCandidates: 32,
} as const;

/**
 * The weighted overlap coefficient of a signal's features (or a family's) with each family's: shared weight
 * over the smaller side's weight, with the most telling features shared. None below SIMILARITY.minShared
 * shared features; tools weigh nothing (their words do) and only veto. A shared feature counts by the share of
 * the family's `signals` that said it (SIMILARITY.fullShare). A stated value (`val:30day`) counts when shared
 * and is not in either side's weight: a value the other side does not state says nothing. The signal's own
 * weight is summed once.
 */
function overlapOf(features: readonly string[], rarityOf: (feature: string) => number): (family: Readonly<Record<string, number>>, signals?: number) => { score: number; shared: string[] } | null {
  const weight = (feature: string) => (feature.startsWith(FEATURE.tool) ? 0 : rarityOf(feature));
  const counted = (feature: string) => (feature.startsWith(FEATURE.value) ? 0 : weight(feature));
  const total = features.reduce((sum, feature) => sum + counted(feature), 0);
  return (family, signals = 1) => {
    const shared = features.filter((feature) => (family[feature] ?? 0) > 0 && weight(feature) > 0 && !isPointer(feature));
    if (total === 0 || shared.length < SIMILARITY.minShared) return null;
    const theirs = Object.keys(family).reduce((sum, feature) => sum + counted(feature), 0);
    const said = (feature: string) => Math.min(1, family[feature]! / (Math.max(1, signals) * SIMILARITY.fullShare));
    const score = Math.min(1, shared.reduce((sum, feature) => sum + weight(feature) * said(feature), 0) / Math.min(total, theirs));
    return { score, shared: [...shared].sort((a, b) => weight(b) - weight(a)).slice(0, 5) };
  };
}

/**
 * An attribute kept by its key alone (`attr:conversation.id`, `attr:span_id`, `attr:eval.case_id`): its value
 * pointed at one occurrence or measured it. Every report of one source's format carries the key, so it is no
 * evidence that two reports are one failure; it still weighs in the signal's total, so a signal is compared
 * by what it says. Measured: the fifth agent holdout's precision 0.818 -> 0.874, tune-5's 0.913 -> 0.909.
 */
function isPointer(feature: string): boolean {
  return feature.startsWith(FEATURE.attribute) && !feature.includes('=');
}

/**
 * The vocabularies that name a failure exactly: an API's named codes, numeric codes, code-like error types
 * and missing names. Each is compared only with its own kind: two of one kind that differ veto a match.
 */
const CODES = [FEATURE.code, FEATURE.errno, FEATURE.errorType, FEATURE.missing];

/**
 * Evidence that says two failures differ: both name a tool (of one layer: toolsVetoed), a failure class, a
 * status, an error code, or the check that failed (an evaluator, metric, guardrail or monitor attribute), and
 * none is shared. Other tools do not count when both sides are one provider's account failure
 * (sharesAccountFailure).
 */
export function vetoed(features: readonly string[], family: Readonly<Record<string, number>>): boolean {
  const checks = new Set(features.flatMap((f) => CHECK_ATTRIBUTE.exec(f)?.[1] ?? []));
  if (!sharesAccountFailure(features, family) && toolsVetoed(features, family)) return true;
  for (const prefix of [FEATURE.failure, FEATURE.status, ...CODES, ...[...checks].map((key) => `${FEATURE.attribute}${key}=`)]) {
    const mine = features.filter((f) => f.startsWith(prefix));
    if (mine.length === 0) continue;
    const theirs = Object.keys(family).filter((f) => f.startsWith(prefix));
    if (theirs.length > 0 && !mine.some((f) => (family[f] ?? 0) > 0)) return true;
  }
  return false;
}

/** A tool's or an operation's name, so `send_sms` and the last part of `notify.send_sms` are one name. */
const toolName = (f: string) => f.slice(f.startsWith(FEATURE.operation) ? FEATURE.operation.length : FEATURE.tool.length);
const isOperation = (f: string) => f.startsWith(FEATURE.operation);

/** Whether a profile shows a feature; a tool by its name, whichever layer named it. */
function shows(profile: Readonly<Record<string, number>>, feature: string): boolean {
  if (!feature.startsWith(FEATURE.tool)) return (profile[feature] ?? 0) > 0;
  const name = toolName(feature);
  return (profile[FEATURE.tool + name] ?? 0) > 0 || (profile[FEATURE.operation + name] ?? 0) > 0;
}

/**
 * Two signals that name no tool in common are two failures, but only when they name tools of one layer. From
 * g-2026-12-07.3 an agent's tool (`send_for_signature`, `notify_parents`) and the provider's operation it calls
 * (`docusign.create_envelope`, `twilio.messages.create`, as a gateway names it) do not tell two failures
 * apart: one failure arrives named both ways, from the agent's spans and from the gateway's lines, and before,
 * the two vetoed each other and stayed two families.
 */
function toolsVetoed(features: readonly string[], family: Readonly<Record<string, number>>): boolean {
  const mine = features.filter((f) => f.startsWith(FEATURE.tool));
  const theirs = Object.keys(family).filter((f) => f.startsWith(FEATURE.tool));
  if (mine.length === 0 || theirs.length === 0) return false;
  if (mine.some((f) => shows(family, f))) return false;
  return (mine.some((f) => !isOperation(f)) && theirs.some((f) => !isOperation(f))) || (mine.some(isOperation) && theirs.some(isOperation));
}

/**
 * Whether a signal and a family name the same thing failing the same way: a tool or an identifier in
 * common (an operation, model, host or error name written in the text: `InvokeModel`, `gpt-4o`,
 * `overloaded_error`, `BambooHR`) and a failure class in common, of the classes that belong to the service
 * or the account rather than to the call's arguments (a timeout, a rate limit, a rejected credential, a
 * server error), so one tool's timeouts are one failure. Invalid requests, missing resources and syntax
 * errors depend on what was asked: two of them on one tool are often two failures, which the words must tell.
 */
export function sameFailure(features: readonly string[], family: Readonly<Record<string, number>>): boolean {
  const shares = (f: string) => (family[f] ?? 0) > 0;
  const names = (f: string) => (f.startsWith(FEATURE.tool) || f.startsWith(FEATURE.identifier)) && shows(family, f);
  return features.some(names) && IDENTITY_CLASSES.some((c) => features.includes(c) && shares(c));
}

/**
 * Whether a signal names a failure of the service or account it called (IDENTITY_CLASSES). From
 * g-2026-12-06.4 it joins no family of two signals or more that never showed a failure class (agentFailure).
 * Such a family is what the agent did wrong (booked a rider over the weight limit, confirmed a discontinued
 * fabric), told by users, evals and staff in words that may name the same tool; a timeout of that tool is
 * another failure with its own fix. Before, "check_fabric deadline exceeded" joined the complaints about a
 * discontinued fabric, and a timeout-rate alert bridged a tool's timeouts with its weight-limit failures.
 * A family of one signal may be a failure whose class its first report did not say ("gave up after 3
 * retries"), so it is not told apart this way.
 */
function namesServiceFailure(features: readonly string[]): boolean {
  return IDENTITY_CLASSES.some((c) => features.includes(c));
}

function agentFailure(family: Profile): boolean {
  return (family.signals ?? 1) >= 2 && !Object.keys(family.features).some((f) => f.startsWith(FEATURE.failure) && (family.features[f] ?? 0) > 0);
}

const IDENTITY_CLASSES = ['rate_limited', 'timeout', 'unauthenticated', 'forbidden', 'server_error', 'connection', 'context_length', 'content_filter'].map((c) => `${FEATURE.failure}${c}`);

/**
 * A rate limit or a rejected credential belongs to the account at a provider, not to the call that met it:
 * every tool of that provider fails alike. Two signals share such a failure when they share its class and
 * their tools are the same provider's: the first part of the tool's name (`hubspot_search_contacts`,
 * `hubspot_get_company`), unless that part is a verb or a namespace (`get_weather`, `mcp__slack__post`).
 */
function sharesAccountFailure(features: readonly string[], family: Readonly<Record<string, number>>): boolean {
  if (!ACCOUNT_CLASSES.some((c) => features.includes(c) && (family[c] ?? 0) > 0)) return false;
  const mine = providersOf(features);
  const theirs = providersOf(Object.keys(family));
  return [...mine].some((provider) => theirs.has(provider));
}

function providersOf(features: readonly string[]): Set<string> {
  const providers = new Set<string>();
  for (const feature of features) {
    if (!feature.startsWith(FEATURE.tool)) continue;
    const [first, ...rest] = toolName(feature).split('_');
    if (rest.length > 0 && first && !NOT_PROVIDERS.has(first)) providers.add(first);
  }
  return providers;
}

const ACCOUNT_CLASSES = [`${FEATURE.failure}rate_limited`, `${FEATURE.failure}unauthenticated`];

/** First parts of tool names that say what a tool does or where it is listed, not whose API it calls. */
const NOT_PROVIDERS = new Set(
  'get set list search find lookup fetch read write create update delete remove add send post put patch run call query check submit cancel book tool tools functions function mcp api http'.split(' '),
);

/**
 * Whether two families a signal is close to are one failure: they name what failed alike (a tool, host,
 * endpoint, exception or error code in common), their hosts do not differ, and no evidence tells them
 * apart. A shared failure class alone is not enough: many providers answer 429.
 */
export function bridges(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  const shared = (prefix: RegExp) => Object.keys(a).some((f) => prefix.test(f) && shows(b, f));
  const hosts = (p: Readonly<Record<string, number>>) => Object.keys(p).filter((f) => f.startsWith(FEATURE.host));
  const otherHosts = hosts(a).length > 0 && hosts(b).length > 0 && !shared(HOST);
  return shared(NAMED) && !otherHosts && !vetoed(Object.keys(a), b) && !vetoed(Object.keys(b), a);
}

const NAMED = new RegExp(`^(?:${[FEATURE.tool, FEATURE.host, FEATURE.path, FEATURE.exception, ...CODES].join('|')})`);
const HOST = new RegExp(`^${FEATURE.host}`);
const NAMED_OR_IDENTIFIED = new RegExp(`^(?:${[FEATURE.tool, FEATURE.host, FEATURE.path, FEATURE.exception, FEATURE.identifier, ...CODES].join('|')})`);

/** Attributes whose value names the check that failed: `attr:evaluator=citation_coverage`. */
const CHECK_ATTRIBUTE = /^attr:((?:[\w-]+\.)*(?:evaluator|metric|eval[._-]?name|evaluation[._-]?name|guardrail(?:[._-]?name)?|check|policy|detector|monitor(?:[._-]?name)?))=/;

export const CONSOLIDATION = {
  /** The cosine of two families' weighted profiles at which they are one failure (see alikeProfiles). */
  threshold: 0.35,
  /**
   * The cosine that suffices for two families no source has sent signals to both of (see fromOtherSources).
   * Chosen on the tune sets' final families (docs/grouping.md, "Families from other sources").
   */
  acrossSources: 0.3,
  /** Signals each family must have compared: a family of one signal is that signal, which the similarity step placed. */
  minSignals: 2,
  /** Share of a family's signals that show a feature for it to be what the family says throughout. */
  dominant: 0.5,
  /** Candidate families compared, those sharing the most telling features first. */
  maxCandidates: 32,
} as const;

/**
 * How alike two families of two signals or more are, once both have grown: the cosine of their profiles,
 * each feature counted by the share of the family's signals that showed it and weighed by its rarity, or
 * null when evidence tells them apart. Symmetric, unlike the overlap a signal is scored by, so a grown
 * family does not cover a young one by its many words. Only what the reports say counts: words, statuses,
 * classes, codes, exceptions, hosts and endpoints, not stated values, attributes or identifiers (every report of one
 * source's format carries the same ones: `session_name=…-prod`, `issue.trace.added`) nor tools, which veto.
 * Told apart: a veto either way on the whole profiles or on what each says in most of its signals (a
 * profile that grew by a wrong join still says what it mostly is), one naming a failure of the service it
 * called and the other not, both naming one with nothing named in common (a model's timeouts and a fare
 * search's), or exceptions that differ.
 */
export function alikeProfiles(a: Profile, b: Profile, rarityOf: (feature: string) => number): number | null {
  if (familiesApart(a, b)) return null;
  const weight = (feature: string) => (COMPARED.test(feature) ? rarityOf(feature) : 0);
  const vector = (p: Profile) => {
    const signals = Math.max(1, p.signals ?? 1);
    return Object.entries(p.features).flatMap(([feature, count]) => (weight(feature) > 0 && count > 0 ? [[feature, (count / signals) * weight(feature)] as const] : []));
  };
  const va = vector(a);
  const vb = new Map(vector(b));
  const norm = (values: Iterable<number>) => Math.sqrt([...values].reduce((sum, x) => sum + x * x, 0));
  const dot = va.reduce((sum, [feature, x]) => sum + x * (vb.get(feature) ?? 0), 0);
  const denominator = norm(va.map(([, x]) => x)) * norm(vb.values());
  return denominator > 0 ? dot / denominator : 0;
}

/**
 * Whether no source sent signals to both families: a tracker's exceptions and a staff report, say. Reports one source sends about one failure share its format and join by template or
 * words; two families of one source that stayed apart share its format's words, not their failure's. So
 * what families of different sources share says more, and they need less of it (CONSOLIDATION.acrossSources),
 * and a grown family may take in one signal of another source. Unknown sources on either side: not.
 */
export function fromOtherSources(a: Pick<Profile, 'sources'>, b: Pick<Profile, 'sources'>): boolean {
  const sent = (p: Pick<Profile, 'sources'>) => Object.entries(p.sources ?? {}).flatMap(([source, count]) => (count > 0 ? [source] : []));
  const [mine, theirs] = [sent(a), new Set(sent(b))];
  return mine.length > 0 && theirs.size > 0 && !mine.some((source) => theirs.has(source));
}

/**
 * The cosine at which a grown family (`own`) and a candidate are one failure, or null when the candidate is
 * not compared: a family of one signal is that signal, which the similarity step placed, unless a source the
 * family has not heard from sent it. Families of other sources need less in common (fromOtherSources).
 */
export function consolidationBar(own: Pick<Profile, 'sources'>, candidate: Pick<Profile, 'signals' | 'sources'>): { bar: number; otherSources: boolean } | null {
  if (fromOtherSources(own, candidate)) return { bar: CONSOLIDATION.acrossSources, otherSources: true };
  return (candidate.signals ?? 1) >= CONSOLIDATION.minSignals ? { bar: CONSOLIDATION.threshold, otherSources: false } : null;
}

/**
 * For a signal no family is similar enough to: the grown family of other sources it is alike
 * (CONSOLIDATION.acrossSources), compared as the family of its one signal would be once founded. Without
 * it, arrival order founds that family, which consolidation merges into this one only when one of the two
 * next grows. The most alike; ties to the earlier candidate.
 */
export function alikeOfOtherSources(features: readonly string[], source: string, candidates: readonly Profile[], rarityOf: (feature: string) => number): { familyId: string; score: number } | null {
  const own: Profile = { familyId: '', features: foldProfile({}, features), signals: 1, sources: { [source]: 1 } };
  let best: { familyId: string; score: number } | null = null;
  for (const candidate of candidates) {
    if ((candidate.signals ?? 1) < CONSOLIDATION.minSignals || !fromOtherSources(own, candidate)) continue;
    const score = alikeProfiles(own, candidate, rarityOf);
    if (score !== null && score >= CONSOLIDATION.acrossSources && (!best || score > best.score)) best = { familyId: candidate.familyId, score };
  }
  return best;
}

export const FRAGMENT = {
  /** Reports a family may have and still be taken in whole by a bigger family (fragmentOf). */
  maxReports: 4,
  /** The score each of its reports needs against the bigger family, scored as a signal is (similarFamilies). */
  bar: 0.4,
  /** The cosine of the two profiles (alikeProfiles) below which they are not compared this way. */
  alike: 0.2,
} as const;

/**
 * The bigger family a family of few reports is a fragment of: arrival order founded it before the failure's
 * family had the words to take its reports in, and now every one of its reports (`reports`, one list of
 * features each) would join that family as a signal does, at FRAGMENT.bar, and join no other of `bigger`
 * before it. The two profiles must be somewhat alike (FRAGMENT.alike) and nothing may tell them apart
 * (alikeProfiles). The lowest of the reports' scores, or null. Chosen on the tune and boundary sets
 * (docs/grouping.md, "A family of few reports").
 */
export function fragmentOf(fragment: Profile, reports: ReadonlyArray<readonly string[]>, bigger: readonly Profile[], rarityOf: (feature: string) => number): { familyId: string; score: number } | null {
  if (reports.length === 0) return null;
  const barred = bigger.map((profile) => ({ ...profile, threshold: Math.max(FRAGMENT.bar, profile.threshold ?? 0) }));
  let into: string | undefined;
  let least = 1;
  for (const features of reports) {
    const best = similarFamilies(features, barred, rarityOf)[0];
    if (!best || (into !== undefined && best.familyId !== into)) return null;
    into = best.familyId;
    least = Math.min(least, best.score);
  }
  const alike = alikeProfiles(fragment, bigger.find((profile) => profile.familyId === into)!, rarityOf);
  return alike !== null && alike >= FRAGMENT.alike ? { familyId: into!, score: least } : null;
}

export const REPORTS = {
  /**
   * The average over two families' pairs of reports (alikeReports) at which they are one failure. Chosen on the
   * tune sets among 0.25, 0.225 and 0.20, both halves alike (docs/grouping.md, "Two families compared report by
   * report").
   */
  threshold: 0.225,
  /**
   * How much lower a pair of reports of one source scores, when under oneSourceBelow: one source words a
   * workflow's failures in one format and vocabulary, so two of its reports that share a third of their weight
   * are more often two failures; two sources that share as much are nearly always one (docs/grouping.md,
   * "Where recall stops").
   */
  oneSource: 0.3,
  oneSourceBelow: 0.6,
  /** How much higher a pair naming the same thing failing the same way (sameFailure) scores. */
  sameFailure: 0.1,
  /** A family's reports compared, its latest first: a bound on the cost (offline, 16 gave what all did). */
  maxReports: 16,
} as const;

/** One report of a family, as two families are compared report by report (alikeReports). */
export interface Report {
  features: readonly string[];
  source: string;
}

/**
 * How alike two families are report by report: the average of reportPairScore over every pair of a report of
 * each, or null when evidence tells one pair apart. Profiles pool a family's reports, so they cannot tell a
 * report of the family's own source from another's; this can.
 */
export function alikeReports(a: readonly Report[], b: readonly Report[], rarityOf: (feature: string) => number): number | null {
  if (a.length === 0 || b.length === 0) return null;
  const [ra, rb] = [a.map((r) => readReport(r, rarityOf)), b.map((r) => readReport(r, rarityOf))];
  let sum = 0;
  for (const x of ra) {
    for (const y of rb) {
      const score = pairScore(x, y);
      if (score === null) return null;
      sum += score;
    }
  }
  return sum / (ra.length * rb.length);
}

/**
 * Two reports' score: what a signal of one scores against a family of the other alone (similarFamilies' overlap,
 * not its bar), the lower of the two ways; REPORTS.oneSource lower for a pair of one source under
 * REPORTS.oneSourceBelow, REPORTS.sameFailure higher for a pair naming the same thing failing the same way. Null
 * when evidence tells them apart (vetoed, either way).
 */
export function reportPairScore(x: Report, y: Report, rarityOf: (feature: string) => number): number | null {
  return pairScore(readReport(x, rarityOf), readReport(y, rarityOf));
}

type ReadReport = Report & { profile: Record<string, number>; overlap: ReturnType<typeof overlapOf> };

function readReport(report: Report, rarityOf: (feature: string) => number): ReadReport {
  return { ...report, profile: foldProfile({}, report.features), overlap: overlapOf(report.features, rarityOf) };
}

function pairScore(x: ReadReport, y: ReadReport): number | null {
  if (vetoed(x.features, y.profile) || vetoed(y.features, x.profile)) return null;
  let score = Math.min(x.overlap(y.profile)?.score ?? 0, y.overlap(x.profile)?.score ?? 0);
  if (x.source === y.source && score < REPORTS.oneSourceBelow) score -= REPORTS.oneSource;
  if (sameFailure(x.features, y.profile)) score += REPORTS.sameFailure;
  return score;
}

/** Features two families are compared by: not attributes, identifiers, tools or stated values (see alikeProfiles). */
const COMPARED = new RegExp(`^(?!${[FEATURE.attribute, FEATURE.identifier, FEATURE.tool, FEATURE.value].join('|')})`);

function familiesApart(a: Profile, b: Profile): boolean {
  const dominant = (p: Profile) => Object.fromEntries(Object.entries(p.features).filter(([, count]) => count >= Math.max(1, p.signals ?? 1) * CONSOLIDATION.dominant));
  const [da, db] = [dominant(a), dominant(b)];
  const servesFailure = (p: Readonly<Record<string, number>>) => namesServiceFailure(Object.keys(p));
  const exceptions = (p: Profile) => Object.keys(p.features).filter((f) => f.startsWith(FEATURE.exception));
  const [ea, eb] = [exceptions(a), exceptions(b)];
  return (
    vetoed(Object.keys(a.features), b.features) ||
    vetoed(Object.keys(b.features), a.features) ||
    vetoed(Object.keys(da), db) ||
    vetoed(Object.keys(db), da) ||
    servesFailure(da) !== servesFailure(db) ||
    (servesFailure(da) && !Object.keys(a.features).some((f) => NAMED_OR_IDENTIFIED.test(f) && shows(b.features, f))) ||
    (ea.length > 0 && eb.length > 0 && !ea.some((f) => (b.features[f] ?? 0) > 0))
  );
}

/** A family's profile after one more signal, keeping the most frequent features. */
export function foldProfile(profile: Readonly<Record<string, number>>, features: readonly string[]): Record<string, number> {
  return foldCounts(profile, Object.fromEntries(features.map((feature) => [feature, 1])));
}

/** Two profiles added up, keeping the most frequent features. */
export function foldCounts(profile: Readonly<Record<string, number>>, more: Readonly<Record<string, number>>): Record<string, number> {
  const next = addCounts(profile, more);
  const entries = Object.entries(next);
  if (entries.length <= SIMILARITY.maxProfileFeatures) return next;
  return Object.fromEntries(entries.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, SIMILARITY.maxProfileFeatures));
}
