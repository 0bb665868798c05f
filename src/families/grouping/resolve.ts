// Finds the family of a signal whose keys name none, inside the caller's transaction and under the
// grouping lock: the legacy title keys, then the template miner, then (for signals with words people
// chose or a tool or error type, not a bare log line) the similarity step and, when configured, the
// semantic step; a split rule may send the signal to the family split out; else a new family. A family
// that grew is then compared with the families of its workflow, as wholes and report by report, and two
// alike are merged; so is a young family its upstream issue's later signals taught their words
// (learnFromIssue). Every step reads by indexed keys and bounded lists (a leaf's recent templates, the
// families sharing a rare feature), never a scan, so the cost per signal does not grow with the number of
// families.
import { and, desc, eq, inArray, isNotNull, isNull, or, sql } from 'drizzle-orm';
import { jsonParam, rowsOf, uuidArray, type Db } from '../../db/client.js';
import { families, familyEmbeddings, familyFeatures, familyKeys, familyOccurrences, familyProfiles, familyTemplates, familyTitles, groupingFeatureStats, groupingRules } from '../../db/schema/index.js';
import { cosine, foldVector, type Embedder } from './embeddings.js';
import { countNames } from '../counts.js';
import { mergeFamilies, type MergeOutcome } from '../merge.js';
import { bestNearDuplicate, titleTokens } from './legacy_2026_11_22/keys.js';
import { isUpstreamKey } from '../keys.js';
import { FEATURE, storedReportFeatures } from './features.js';
import { matchTemplate, MINER, siblingTemplates, templateText } from './miner.js';
import type { GroupingKey, GroupingPlan } from './plan.js';
import { familiesSharing, familiesSharingWith, featureFrequencies, liveProfiles, tellingFeatures, weighing } from './profile_index.js';
import { alikeOfOtherSources, alikeProfiles, alikeReports, bridges, CONSOLIDATION, consolidationBar, foldCounts, foldProfile, FRAGMENT, fragmentOf, rarity, REPORTS, sameFailure, SIMILARITY, similarFamilies, vetoed, type Profile, type Report, type SimilarityMatch } from './similarity.js';

export type MatchedBy =
  | 'upstream'
  | 'fingerprint'
  | 'legacy_fingerprint'
  | 'legacy_title'
  | 'template'
  | 'template_generalized'
  | 'similarity'
  | 'semantic'
  | 'split_rule'
  | 'new';

export interface Resolution {
  familyId: string;
  matchedBy: MatchedBy;
  /** How strongly the rule matched, 0..1 (1 for keys). */
  score: number;
  /** A short human explanation of the match. */
  reason?: string;
  /**
   * The merge (its rule) that took away the family the signal joined, made on the signal's account: the
   * signal is recorded in the family the merge went into, and goes back with the other if it is undone.
   */
  mergedAwayBy?: string;
  /** The merges placing the signal made, in order, each of a family into another by a rule. */
  merges?: ReadonlyArray<Merged>;
}

export interface Merged {
  from: string;
  into: string;
  ruleId: string;
}

export const keyId = (k: { source: string; key: string }) => `${k.source}\u0000${k.key}`;

/**
 * When a template or a family's meaning was last seen, for the steps that compare the most recent first: the
 * clock's time, as `now()` is one time for a whole transaction, and a batch is one (assign.ts).
 */
const seenNow = () => sql`clock_timestamp()`;

/** Which family each key names today, following merges to the family a merged-away one went into. */
export async function lookupKeys(tx: Db, keys: readonly GroupingKey[]): Promise<Map<string, string>> {
  const wanted = new Map(keys.map((k) => [keyId(k), { source: k.source, key: k.key }]));
  if (wanted.size === 0) return new Map();
  const rows = await rowsOf<{ source: string; key: string; family_id: string }>(
    tx,
    sql`select k.source, k.key, k.family_id from family_keys k
        join jsonb_to_recordset(${jsonParam([...wanted.values()])}) as w(source text, key text) on k.source = w.source and k.key = w.key`,
  );
  const live = await liveFamilies(tx, rows.map((r) => r.family_id));
  return new Map(rows.flatMap((r) => (live.has(r.family_id) ? [[keyId(r), live.get(r.family_id)!] as const] : [])));
}

/** Each family id mapped to the family it stands for now: itself, or where its merges led. */
export async function liveFamilies(tx: Db, ids: readonly string[]): Promise<Map<string, string>> {
  const resolved = new Map<string, string>();
  let pending = [...new Set(ids)];
  const hops = new Map(pending.map((id) => [id, id]));
  for (let depth = 0; pending.length > 0 && depth < 8; depth++) {
    const rows = await tx.select({ id: families.id, mergedInto: families.mergedInto }).from(families).where(inArray(families.id, pending));
    const next: string[] = [];
    for (const row of rows) {
      for (const [origin, at] of hops) {
        if (at !== row.id) continue;
        if (row.mergedInto) {
          hops.set(origin, row.mergedInto);
          next.push(row.mergedInto);
        } else {
          resolved.set(origin, row.id);
          hops.delete(origin);
        }
      }
    }
    pending = [...new Set(next)];
  }
  return resolved;
}

export interface ResolveContext {
  actor: string;
  /** Creates the family (with its first keys) when nothing matched. */
  create: () => Promise<string>;
  /** The optional semantic step; null or absent keeps grouping deterministic. */
  embedder?: Embedder | null;
  /** Occurrences placed earlier in the same batch, not yet counted on their families. */
  placedInBatch?: ReadonlyMap<string, number>;
}

/** The family for a signal none of whose keys is known; the state each step learns is written as it goes. */
export async function resolveFamily(tx: Db, plan: GroupingPlan, ctx: ResolveContext): Promise<Resolution> {
  const semantic = ctx.embedder && plan.comparable ? lazyVector(ctx.embedder, plan.semanticText) : null;
  const found = (await legacyTitleMatch(tx, plan)) ?? (await deterministicMatch(tx, plan, ctx)) ?? (semantic ? await semanticMatch(tx, plan, ctx.embedder!, await semantic()) : null);
  const placed = found ? await followSplitRules(tx, plan, found) : { familyId: await ctx.create(), matchedBy: 'new' as const, score: 1 };
  const profile = await learn(tx, plan, placed);
  if (semantic) await learnVector(tx, plan.scope, placed.familyId, ctx.embedder!.model, await semantic());
  // A bare log line is grouped by the miner alone (plan.ts): its family is not compared by words.
  const grew = plan.comparable && placed.matchedBy !== 'new' && placed.matchedBy !== 'split_rule';
  return grew ? consolidate(tx, plan.scope, placed, profile, [{ features: plan.features, source: plan.source }], ctx.actor, ctx.placedInBatch) : placed;
}

/** The template miner, then the similarity step among the families the miner did not tell apart. */
async function deterministicMatch(tx: Db, plan: GroupingPlan, ctx: ResolveContext): Promise<Resolution | null> {
  const miner = await templateMatch(tx, plan, ctx);
  return miner.found ?? (plan.comparable ? await similarityMatch(tx, plan, miner.apart, ctx.actor) : null);
}

/** The signal's vector, asked for at most once, and only when a step needs it. */
function lazyVector(embedder: Embedder, text: string): () => Promise<number[] | null> {
  let vector: Promise<number[] | null> | null = null;
  return () => (vector ??= embedder.embed(text));
}

/** The recently seen families of the scope whose vector (by the same model) is closest, if close enough. */
async function semanticMatch(tx: Db, plan: GroupingPlan, embedder: Embedder, vector: number[] | null): Promise<Resolution | null> {
  if (!vector) return null;
  const rows = await tx
    .select({ familyId: familyEmbeddings.familyId, vector: familyEmbeddings.vector })
    .from(familyEmbeddings)
    .innerJoin(families, eq(families.id, familyEmbeddings.familyId))
    .where(and(eq(familyEmbeddings.scope, plan.scope), eq(familyEmbeddings.model, embedder.model), isNull(families.mergedInto)))
    .orderBy(desc(familyEmbeddings.seenAt))
    .limit(SEMANTIC_CANDIDATES);
  let best: { familyId: string; score: number } | null = null;
  for (const row of rows) {
    const score = cosine(vector, row.vector);
    if (score >= embedder.threshold && (!best || score > best.score)) best = { familyId: row.familyId, score };
  }
  return best ? { familyId: best.familyId, matchedBy: 'semantic', score: best.score, reason: `close in meaning (${best.score.toFixed(2)})` } : null;
}

/** Families compared by meaning: the most recently seen of the scope, so the cost does not grow with their number. */
const SEMANTIC_CANDIDATES = 200;

async function learnVector(tx: Db, scope: string, familyId: string, model: string, vector: number[] | null): Promise<void> {
  if (!vector) return;
  const [known] = await tx.select().from(familyEmbeddings).where(eq(familyEmbeddings.familyId, familyId)).for('update');
  if (!known) {
    await tx.insert(familyEmbeddings).values({ familyId, scope, model, vector, signals: 1, seenAt: seenNow() });
  } else if (known.model !== model || known.vector.length !== vector.length) {
    await tx.update(familyEmbeddings).set({ model, vector, signals: 1, seenAt: seenNow() }).where(eq(familyEmbeddings.familyId, familyId));
  } else {
    await tx
      .update(familyEmbeddings)
      .set({ vector: foldVector(known.vector, known.signals, vector), signals: known.signals + 1, seenAt: seenNow() })
      .where(eq(familyEmbeddings.familyId, familyId));
  }
}

/** A message-less signal of the legacy version: its title keys and the family's known wordings. */
async function legacyTitleMatch(tx: Db, plan: GroupingPlan): Promise<Resolution | null> {
  const titles = plan.legacy?.titles ?? [];
  if (titles.length === 0) return null;
  const hits = await lookupKeys(tx, titles);
  const ids = [...new Set(hits.values())];
  if (ids.length === 0) return null;
  const rows = await tx.select({ id: families.id, title: families.title, createdAt: families.createdAt }).from(families).where(inArray(families.id, ids));
  const wordings = await tx.select().from(familyTitles).where(inArray(familyTitles.familyId, ids));
  const candidates = rows.map((f) => ({ ...f, titles: [titleTokens(f.title), ...wordings.filter((w) => w.familyId === f.id).map((w) => w.tokens.split(' '))] }));
  const best = bestNearDuplicate(plan.title, candidates);
  return best ? { familyId: best.id, matchedBy: 'legacy_title', score: 1, reason: 'a near-duplicate title (grouping g-2026-11-22)' } : null;
}

/**
 * The miner over the leaf's recent templates whose family does not name another tool (nor hold another
 * group of the signal's upstream). A generalization merges the rare templates' families into the one the
 * text joins.
 */
async function templateMatch(tx: Db, plan: GroupingPlan, ctx: ResolveContext): Promise<{ found: Resolution | null; apart: ReadonlySet<string> }> {
  if (plan.tokens.length === 0) return { found: null, apart: new Set() };
  const rows = await tx
    .select({ id: familyTemplates.id, tokens: familyTemplates.tokens, familyId: familyTemplates.familyId, occurrences: families.eventCount, tool: families.tool })
    .from(familyTemplates)
    .innerJoin(families, eq(families.id, familyTemplates.familyId))
    .where(and(eq(familyTemplates.scope, plan.scope), eq(familyTemplates.leaf, plan.leaf), isNull(families.mergedInto)))
    .orderBy(desc(familyTemplates.seenAt))
    .limit(MINER.maxCandidates);
  // The upstream grouped this signal apart from its other groups: the miner does not join or absorb those.
  const otherUpstream = plan.upstream ? await familiesWithOtherUpstream(tx, plan.upstream, rows.map((r) => r.familyId)) : new Set<string>();
  const leaf = rows
    .filter((r) => (!plan.tool || !r.tool || r.tool === plan.tool) && !otherUpstream.has(r.familyId))
    .map((r) => ({ ...r, tokens: r.tokens.split(' '), occurrences: r.occurrences + (ctx.placedInBatch?.get(r.familyId) ?? 0) }));
  const decision = await vettedTemplate(tx, plan, leaf);
  if (decision.action === 'new') return { found: null, apart: new Set(decision.siblings.map((s) => s.familyId)) };
  const { template } = decision;
  await tx.update(familyTemplates).set({ tokens: templateText(decision.tokens), seenAt: seenNow() }).where(eq(familyTemplates.id, template.id));
  if (decision.action === 'join') {
    return { found: { familyId: template.familyId, matchedBy: 'template', score: decision.score, reason: `template "${templateText(decision.tokens)}"` }, apart: new Set() };
  }
  // A family a person kept apart from the template's keeps its own template and stays a family.
  const apart = await keptApart(tx, template.familyId, decision.absorbed.map((a) => a.familyId));
  const merges: Merged[] = [];
  for (const absorbed of decision.absorbed.filter((a) => !apart.has(a.familyId))) {
    await tx.delete(familyTemplates).where(eq(familyTemplates.id, absorbed.id));
    if (absorbed.familyId === template.familyId) continue;
    const merged = await mergeFamilies(tx, { sourceId: absorbed.familyId, targetId: template.familyId, actor: `${ctx.actor} (grouping: a value that varies)` });
    if (merged.result === 'merged') merges.push({ from: absorbed.familyId, into: template.familyId, ruleId: merged.ruleId });
  }
  return {
    found: {
      familyId: template.familyId,
      matchedBy: 'template_generalized',
      score: decision.score,
      reason: `template "${templateText(decision.tokens)}": position ${decision.position + 1} varies`,
      merges,
    },
    apart: new Set(),
  };
}

/**
 * The families of the scope worded the same but for a word, and those sharing the signal's rarer
 * features, scored by weighted overlap; not those the miner told apart from the signal (`apart`).
 */
async function similarityMatch(tx: Db, plan: GroupingPlan, apart: ReadonlySet<string>, actor: string): Promise<Resolution | null> {
  if (plan.features.length === 0) return null;
  const frequencies = await featureFrequencies(tx, plan.scope, plan.features);
  if ((frequencies.get('') ?? 0) === 0) return null;
  // Candidates: families whose wording differs by at most a word (by key), then those sharing the most
  // telling features.
  const byWording = [...new Set((await lookupKeys(tx, plan.titleWords)).values())];
  const byFeatures = await familiesSharing(tx, plan.scope, tellingFeatures(plan.features, frequencies), SIMILARITY.maxCandidates);
  const hits = [...new Set([...byWording, ...byFeatures])];
  if (hits.length === 0) return null;
  const profiles = await liveProfiles(tx, hits);
  const weight = await weighing(tx, plan.scope, frequencies, profiles);
  const otherUpstream = plan.upstream ? await familiesWithOtherUpstream(tx, plan.upstream, profiles.map((p) => p.familyId)) : new Set<string>();
  // Another of the upstream's groups is joined only as a near duplicate (worded the same but for a word) or,
  // from g-2026-12-06.3, when the two name the same thing failing the same way (sameFailure): the upstream
  // split one tool's timeouts into two issues by their wording.
  const nearDuplicate = new Set(byWording);
  const candidates = profiles
    .filter((p) => !apart.has(p.familyId))
    .flatMap((p) => {
      if (!otherUpstream.has(p.familyId) || sameFailure(plan.features, p.features)) return [p];
      return nearDuplicate.has(p.familyId) ? [{ ...p, threshold: SIMILARITY.acrossUpstream }] : [];
    });
  const [best, second] = similarFamilies(plan.features, candidates, weight);
  if (!best) return familyOfOtherSources(plan, candidates, frequencies);
  const reason = `similar (${best.score.toFixed(2)}): ${best.shared.map(readableFeature).join(', ')}`;
  // A signal close to two families (or naming the same thing failing the same way as each) that name what
  // failed alike shows they are one: the later one joins the earlier (arrival order had kept them apart).
  const profileOf = (id: string) => candidates.find((c) => c.familyId === id)!.features;
  const close = (m: SimilarityMatch) => m.score >= SIMILARITY.bridge || m.sameFailure;
  const bridged = second && close(best) && close(second) && bridges(profileOf(best.familyId), profileOf(second.familyId));
  if (bridged && !(await keptApart(tx, best.familyId, [second.familyId])).has(second.familyId)) {
    const { earlier, merges } = await mergeIntoEarlier(tx, best.familyId, second.familyId, `${actor} (grouping: a signal like both)`);
    return { familyId: earlier, matchedBy: 'similarity', score: best.score, reason: `${reason}; like another family too (${second.score.toFixed(2)}), merged into this one`, merges };
  }
  return { familyId: best.familyId, matchedBy: 'similarity', score: best.score, reason };
}

/**
 * The grown family of other sources the signal is alike, as the family it would found would be
 * (alikeOfOtherSources). Its features are weighed as that family's would be, the signal counted among the
 * scope's families: weighed as a signal's, rarer, they made one more wrong join on the first boundary set
 * (docs/grouping.md, "A signal alike a family of other sources").
 */
function familyOfOtherSources(plan: GroupingPlan, candidates: readonly Profile[], frequencies: ReadonlyMap<string, number>): Resolution | null {
  const own = new Set(plan.features);
  const familiesInScope = (frequencies.get('') ?? 0) + 1;
  const asFamily = (feature: string) => rarity((frequencies.get(feature) ?? 0) + (own.has(feature) ? 1 : 0), familiesInScope);
  const alike = alikeOfOtherSources(plan.features, plan.source, candidates, asFamily);
  return alike ? { familyId: alike.familyId, matchedBy: 'similarity', score: alike.score, reason: `alike a family of other sources (${alike.score.toFixed(2)})` } : null;
}

/**
 * A family that grew is compared with the families of its scope alike it (alikeProfiles): arrival order
 * splits a failure whose first reports shared too little, and once both fragments have grown they say the
 * same. Failing that, they are compared report by report (alikeByReports), which tells one source's reports
 * from another's. The later family is merged into the earlier, as a bridge merges, and the signal's reason says
 * so. Not with families a person kept apart, nor those the miner told apart by a word. `placedInBatch`: the
 * signals placed earlier in the batch, whose occurrences are recorded but not yet counted on their families.
 */
async function consolidate(tx: Db, scope: string, placed: Resolution, own: Profile, latest: readonly Report[], actor: string, placedInBatch: ReadonlyMap<string, number> = new Map()): Promise<Resolution> {
  if ((own.signals ?? 1) < CONSOLIDATION.minSignals) return placed;
  const features = Object.keys(own.features);
  const { ids, frequencies } = await familiesSharingWith(tx, scope, placed.familyId, features, CONSOLIDATION.maxCandidates);
  const apart = new Set([...(await keptApart(tx, placed.familyId, ids)), ...(await toldApartByMiner(tx, placed.familyId, ids))]);
  const profiles = await liveProfiles(tx, ids.filter((id) => !apart.has(id)));
  if (profiles.length === 0) return placed;
  const candidates = profiles.flatMap((profile) => {
    const compared = consolidationBar(own, profile);
    return compared ? [{ profile, ...compared }] : [];
  });
  const weight = await weighing(tx, scope, frequencies, profiles);
  // null: evidence tells the two apart.
  const alike = new Map(profiles.map((profile) => [profile.familyId, alikeProfiles(own, profile, weight)]));
  let best: { familyId: string; score: number; otherSources: boolean } | null = null;
  for (const { profile, bar, otherSources } of candidates) {
    const score = alike.get(profile.familyId)!;
    if (score !== null && score >= bar && (!best || score > best.score)) best = { familyId: profile.familyId, score, otherSources };
  }
  if (best) {
    const another = best.otherSources ? 'another of other sources' : 'another';
    return mergedWith(tx, placed, best.familyId, `${actor} (grouping: two families alike)`, `its family alike ${another} (${best.score.toFixed(2)}), merged into one`);
  }
  const upstreams = await upstreamKeys(tx, [own.familyId, ...profiles.map((p) => p.familyId)]);
  const comparable = profiles.filter((p) => alike.get(p.familyId) !== null && !otherGroups(upstreams.get(own.familyId), upstreams.get(p.familyId)));
  const byReports = await alikeByReports(tx, own, latest, comparable, weight);
  if (byReports) {
    return mergedWith(tx, placed, byReports.familyId, `${actor} (grouping: two families alike report by report)`, `its family's reports alike another's (${byReports.score.toFixed(2)}), merged into one`);
  }
  return joinFragment(tx, placed, own, latest.map((r) => r.features), candidates.map((c) => c.profile), { weight, upstreams, placedInBatch }, actor);
}

/**
 * The family among `others` whose reports are most alike the grown family's, on average (alikeReports), at
 * REPORTS.threshold or more. The caller leaves out those whose profile evidence tells apart (alikeProfiles) and
 * those holding another group of the family's upstream. `latest` are the reports that just grew it, not yet
 * recorded.
 */
async function alikeByReports(tx: Db, own: Profile, latest: readonly Report[], others: readonly Profile[], weight: (feature: string) => number): Promise<{ familyId: string; score: number } | null> {
  if (others.length === 0) return null;
  const reports = await familyReports(tx, [own.familyId, ...others.map((o) => o.familyId)]);
  const mine = [...latest, ...(reports.get(own.familyId) ?? [])].slice(0, REPORTS.maxReports);
  let best: { familyId: string; score: number } | null = null;
  for (const other of others) {
    const score = alikeReports(mine, reports.get(other.familyId) ?? [], weight);
    if (score !== null && score >= REPORTS.threshold && (!best || score > best.score)) best = { familyId: other.familyId, score };
  }
  return best;
}

/**
 * Each family's latest reports (REPORTS.maxReports): the features and source of its occurrences grouping read the
 * words of (not its repeats: assign.ts), or for one recorded before those were kept, the features of its masked
 * text under the family's title, source unknown: two such count as one source's (the discounted pair).
 */
async function familyReports(tx: Db, ids: readonly string[]): Promise<Map<string, Report[]>> {
  const rows = await rowsOf<{ family_id: string; title: string; template: string | null; features: string[] | null; source: string | null }>(
    tx,
    sql`select f.id as family_id, fam.title, o.template, o.features, o.source
        from unnest(${uuidArray(ids)}) as f(id)
        join families fam on fam.id = f.id
        cross join lateral (
          select id, occurred_at, template, features, source from family_occurrences
          where family_id = f.id and (features is not null or source is null)
          order by occurred_at desc, id desc limit ${REPORTS.maxReports}
        ) o
        order by f.id, o.occurred_at desc, o.id desc`,
  );
  const reports = new Map<string, Report[]>();
  for (const row of rows) {
    const features = row.features ?? (row.template !== null ? storedReportFeatures(row.title, row.template) : null);
    if (features) reports.set(row.family_id, [...(reports.get(row.family_id) ?? []), { features, source: row.source ?? '' }]);
  }
  return reports;
}

/** The signal's resolution once its family and `other` are merged into the earlier of the two. */
async function mergedWith(tx: Db, placed: Resolution, other: string, actor: string, why: string): Promise<Resolution> {
  const { earlier, later, merged, merges } = await mergeIntoEarlier(tx, placed.familyId, other, actor);
  const reason = `${placed.reason ?? placed.matchedBy}; ${why}`;
  const mergedAwayBy = merged.result === 'merged' && later === placed.familyId ? merged.ruleId : undefined;
  return { ...placed, familyId: earlier, reason, merges: [...(placed.merges ?? []), ...merges], ...(mergedAwayBy ? { mergedAwayBy } : {}) };
}

/**
 * A family that grew and no candidate are alike as wholes (consolidate), but one of them may be a fragment of
 * the other: a family of few reports (FRAGMENT.maxReports), each of which would now join the bigger
 * (fragmentOf). Either the family that grew is the fragment, or a candidate smaller than it is. `latest` are
 * the features of the signals that just grew it; a family's earlier reports are read back as their masked
 * text under the family's title, as a split reads them (their features as recorded did no better: docs/grouping.md).
 */
async function joinFragment(
  tx: Db,
  placed: Resolution,
  own: Profile,
  latest: ReadonlyArray<readonly string[]>,
  others: readonly Profile[],
  { weight, upstreams, placedInBatch }: { weight: (feature: string) => number; upstreams: Upstreams; placedInBatch: ReadonlyMap<string, number> },
  actor: string,
): Promise<Resolution> {
  const counted = await eventCounts(tx, [own.familyId, ...others.map((o) => o.familyId)]);
  const size = (p: Profile) => (counted.get(p.familyId) ?? 0) + (placedInBatch.get(p.familyId) ?? 0) + (p === own ? latest.length : 0);
  const few = (p: Profile) => size(p) >= CONSOLIDATION.minSignals && size(p) <= FRAGMENT.maxReports;
  const tries = [
    ...(few(own) ? [{ fragment: own, bigger: others.filter((o) => size(o) > size(own)) }] : []),
    ...others.filter((o) => few(o) && size(o) < size(own)).map((o) => ({ fragment: o, bigger: [own, ...others.filter((x) => x !== o && size(x) > size(o))] })),
  ].filter((t) => t.bigger.length > 0);
  if (tries.length === 0) return placed;
  const reports = await reportsOf(tx, tries.map((t) => t.fragment.familyId));
  for (const { fragment, bigger } of tries) {
    const said = [...(fragment === own ? latest : []), ...(reports.get(fragment.familyId) ?? [])];
    // Another of the upstream's groups is joined only as a near duplicate, as a signal joins it (similarityMatch).
    const barred = bigger.map((b) => (otherGroups(upstreams.get(fragment.familyId), upstreams.get(b.familyId)) ? { ...b, threshold: SIMILARITY.acrossUpstream } : b));
    const into = fragmentOf(fragment, said, barred, weight);
    if (!into || (fragment !== own && into.familyId !== own.familyId)) continue;
    const other = fragment === own ? into.familyId : fragment.familyId;
    return mergedWith(tx, placed, other, `${actor} (grouping: a fragment of a family)`, `each report of the smaller family alike the other (${into.score.toFixed(2)}), merged into one`);
  }
  return placed;
}

/** Family id -> its upstream keys (a LangSmith issue's id), as `source` -> keys. */
type Upstreams = ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<string>>>;

/** Each family's upstream keys (a LangSmith issue's id), as `source` -> keys. */
async function upstreamKeys(tx: Db, ids: readonly string[]): Promise<Map<string, Map<string, Set<string>>>> {
  const rows = await tx.select({ familyId: familyKeys.familyId, source: familyKeys.source, key: familyKeys.key }).from(familyKeys).where(and(inArray(familyKeys.familyId, [...ids]), isUpstreamKey()));
  const keys = new Map<string, Map<string, Set<string>>>();
  for (const row of rows) {
    const bySource = keys.get(row.familyId) ?? new Map<string, Set<string>>();
    bySource.set(row.source, (bySource.get(row.source) ?? new Set()).add(row.key));
    keys.set(row.familyId, bySource);
  }
  return keys;
}

/** Whether two families hold different groups of one upstream (two LangSmith issues), and none in common. */
function otherGroups(a: ReadonlyMap<string, ReadonlySet<string>> | undefined, b: ReadonlyMap<string, ReadonlySet<string>> | undefined): boolean {
  if (!a || !b) return false;
  return [...a].some(([source, mine]) => {
    const theirs = b.get(source);
    return theirs !== undefined && ![...mine].some((key) => theirs.has(key));
  });
}

async function eventCounts(tx: Db, ids: readonly string[]): Promise<Map<string, number>> {
  const rows = await tx.select({ id: families.id, events: families.eventCount }).from(families).where(inArray(families.id, [...ids]));
  return new Map(rows.map((r) => [r.id, r.events]));
}

/** Each family's reports, one list of features per masked text it holds (storedReportFeatures). */
async function reportsOf(tx: Db, ids: readonly string[]): Promise<Map<string, string[][]>> {
  const rows = await tx
    .selectDistinct({ familyId: familyOccurrences.familyId, title: families.title, template: familyOccurrences.template })
    .from(familyOccurrences)
    .innerJoin(families, eq(families.id, familyOccurrences.familyId))
    .where(inArray(familyOccurrences.familyId, [...ids]));
  const reports = new Map<string, string[][]>();
  for (const row of rows) if (row.template !== null) reports.set(row.familyId, [...(reports.get(row.familyId) ?? []), storedReportFeatures(row.title, row.template)]);
  return reports;
}

/** Two families grouping found to be one: the later made is merged into the earlier (arrival order had split them). */
async function mergeIntoEarlier(tx: Db, a: string, b: string, actor: string): Promise<{ earlier: string; later: string; merged: MergeOutcome; merges: Merged[] }> {
  const [earlier, later] = await tx.select({ id: families.id }).from(families).where(inArray(families.id, [a, b])).orderBy(families.createdAt, families.id);
  const merged = await mergeFamilies(tx, { sourceId: later!.id, targetId: earlier!.id, actor });
  return { earlier: earlier!.id, later: later!.id, merged, merges: merged.result === 'merged' ? [{ from: later!.id, into: earlier!.id, ruleId: merged.ruleId }] : [] };
}

/**
 * Those of `others` with a template the miner told apart from one of the family's (siblings: worded alike but
 * for a word, `Severity overestimated` and `Severity underestimated`), which the similarity step never joins.
 */
async function toldApartByMiner(tx: Db, familyId: string, others: readonly string[]): Promise<Set<string>> {
  if (others.length === 0) return new Set();
  const rows = await tx.select({ familyId: familyTemplates.familyId, tokens: familyTemplates.tokens }).from(familyTemplates).where(inArray(familyTemplates.familyId, [familyId, ...others]));
  const own = rows.filter((r) => r.familyId === familyId).map((r) => r.tokens.split(' '));
  return new Set(rows.filter((r) => r.familyId !== familyId && own.some((tokens) => siblingTemplates(tokens, r.tokens.split(' ')))).map((r) => r.familyId));
}

/**
 * Those of `others` a person kept apart from the family: a merge of the two that was undone, or a split of
 * one from the other in force. Grouping does not merge them by itself (consolidation, bridges, the miner's
 * generalization); a person still can.
 */
async function keptApart(tx: Db, familyId: string, others: readonly string[]): Promise<Set<string>> {
  if (others.length === 0) return new Set();
  const ids = [familyId, ...others];
  const rows = await tx
    .select({ familyId: groupingRules.familyId, fromFamilyId: groupingRules.fromFamilyId })
    .from(groupingRules)
    .where(
      and(
        inArray(groupingRules.familyId, ids),
        inArray(groupingRules.fromFamilyId, ids),
        or(and(eq(groupingRules.kind, 'merge'), isNotNull(groupingRules.undoneAt)), and(eq(groupingRules.kind, 'split'), isNull(groupingRules.undoneAt))),
      ),
    );
  return new Set(rows.flatMap((r) => (r.familyId === familyId ? [r.fromFamilyId] : r.fromFamilyId === familyId ? [r.familyId] : [])));
}

/**
 * The miner's decision among the leaf's templates, leaving out each whose family the signal's evidence tells
 * apart (another status, failure class, code or failed check: see vetoed), since g-2026-12-06.3. The miner
 * reads the text's shape: two JSON error bodies of one API differ only in values it may have made variables
 * (a 401's `"code":"UNAUTHORIZED"` and a 503's `"code":"SERVICE_UNAVAILABLE"`). Bare log lines are not
 * compared, and tools are the miner's own rule (a family's first tool, above): one provider's throttling body
 * met by two of its tools is one failure.
 */
async function vettedTemplate<T extends { familyId: string; id: string; tokens: string[]; occurrences: number }>(tx: Db, plan: GroupingPlan, leaf: T[]) {
  let candidates = leaf;
  let evidence: string[] | undefined;
  for (;;) {
    const decision = matchTemplate(plan.tokens, candidates);
    if (decision.action === 'new' || !plan.comparable) return decision;
    const involved = decision.action === 'join' ? [decision.template] : [decision.template, ...decision.absorbed];
    evidence ??= plan.features.filter((f) => !f.startsWith(FEATURE.tool));
    const told = new Set((await liveProfiles(tx, involved.map((t) => t.familyId))).filter((p) => vetoed(evidence!, p.features)).map((p) => p.familyId));
    if (told.size === 0) return decision;
    candidates = candidates.filter((t) => !told.has(t.familyId));
  }
}

/**
 * The candidates that already hold another group of the signal's upstream (another LangSmith issue). None holds
 * the signal's own group: that one's key would have placed the signal.
 */
async function familiesWithOtherUpstream(tx: Db, upstream: GroupingKey, familyIds: readonly string[]): Promise<Set<string>> {
  if (familyIds.length === 0) return new Set();
  const keys = await upstreamKeys(tx, familyIds);
  const mine = new Map([[upstream.source, new Set([upstream.key])]]);
  return new Set(familyIds.filter((id) => otherGroups(mine, keys.get(id))));
}

/** `w:refund` reads as refund, `status:429` as status 429, `attr:metric=faithfulness` as metric=faithfulness. */
export function readableFeature(feature: string): string {
  const [prefix, value] = [feature.slice(0, feature.indexOf(':')), feature.slice(feature.indexOf(':') + 1)];
  return prefix === 'w' || prefix === 'id' || prefix === 'attr' ? value : `${prefix} ${value}`;
}

/** A person's split of the chosen family: a signal with a split-out signature goes where it was split to. */
async function followSplitRules(tx: Db, plan: GroupingPlan, found: Resolution): Promise<Resolution> {
  const rules = await tx
    .select({ id: groupingRules.id, familyId: groupingRules.familyId, signatures: groupingRules.signatures })
    .from(groupingRules)
    .where(and(eq(groupingRules.fromFamilyId, found.familyId), eq(groupingRules.kind, 'split'), isNull(groupingRules.undoneAt)));
  for (const rule of rules) {
    const keys = new Set(rule.signatures.flatMap((s) => s.keys.map(keyId)));
    const templates = rule.signatures.map((s) => s.template);
    if (keys.has(keyId(plan.fingerprint)) || templates.includes(plan.template) || matchTemplate(plan.tokens, templates.map((t, i) => ({ id: String(i), tokens: t.split(' '), occurrences: 0 }))).action === 'join') {
      const [target] = [...(await liveFamilies(tx, [rule.familyId])).values()];
      if (target) return { familyId: target, matchedBy: 'split_rule', score: 1, reason: `split rule ${rule.id}`, ...(found.merges ? { merges: found.merges } : {}) };
    }
  }
  return found;
}

/**
 * What the family learns from a signal that needed more than a key, or was found by a legacy version's
 * key: its keys, its template (so the next occurrence is found by the miner or its fingerprint) and its
 * features (for the similarity step).
 */
export async function learn(tx: Db, plan: GroupingPlan, resolution: Resolution): Promise<Profile> {
  const { familyId } = resolution;
  await insertKeys(tx, familyId, [plan.upstream, plan.fingerprint, ...plan.titleWords].filter((k): k is GroupingKey => Boolean(k)));
  if (plan.tokens.length > 0 && resolution.matchedBy !== 'template' && resolution.matchedBy !== 'template_generalized') {
    await tx.insert(familyTemplates).values({ scope: plan.scope, leaf: plan.leaf, tokens: templateText(plan.tokens), familyId, seenAt: seenNow() });
  }
  return learnFeatures(tx, plan.scope, familyId, [plan.features], { [plan.source]: 1 });
}

export const ISSUE_LEARNING = {
  /**
   * A family stops learning from its issue's signals at this many: by then one more signal moves a feature's
   * share by 1/33 or less, and learning takes the grouping lock, which a busy issue's batches should not.
   */
  maxSignals: 32,
} as const;

/**
 * The families of `placed` (signals an upstream issue key placed) that learn from them, each with how many
 * more signals it learns from: those whose profile is of the signals' scope and has fewer than
 * ISSUE_LEARNING.maxSignals signals.
 */
export async function familiesLearningFromIssues(tx: Db, placed: ReadonlyArray<{ familyId: string; scope: string }>): Promise<Map<string, number>> {
  if (placed.length === 0) return new Map();
  const rows = await tx
    .select({ familyId: familyProfiles.familyId, scope: familyProfiles.scope, signals: familyProfiles.signals })
    .from(familyProfiles)
    .where(inArray(familyProfiles.familyId, [...new Set(placed.map((p) => p.familyId))]));
  const room = new Map(rows.filter((r) => r.signals < ISSUE_LEARNING.maxSignals).map((r) => [r.familyId, { scope: r.scope, left: ISSUE_LEARNING.maxSignals - r.signals }]));
  return new Map(
    placed.flatMap((p) => {
      const free = room.get(p.familyId);
      return free?.scope === p.scope ? [[p.familyId, free.left] as const] : [];
    }),
  );
}

/**
 * The words of signals an upstream issue placed in its family (each trace of an issue words the failure its
 * own way; the family had learned the first one's only), folded into the family's profile, which is then
 * compared with the grown families of the scope as any family that grew (consolidate).
 */
export async function learnFromIssue(tx: Db, plans: readonly GroupingPlan[], placed: Resolution, actor: string, placedInBatch?: ReadonlyMap<string, number>): Promise<Resolution> {
  const profile = await learnFeatures(tx, plans[0]!.scope, placed.familyId, plans.map((plan) => plan.features), countNames(plans.map((plan) => plan.source)));
  return consolidate(tx, plans[0]!.scope, placed, profile, plans.map((plan) => ({ features: plan.features, source: plan.source })), actor, placedInBatch);
}

export async function insertKeys(tx: Db, familyId: string, keys: readonly GroupingKey[]): Promise<void> {
  if (keys.length === 0) return;
  await tx
    .insert(familyKeys)
    .values(keys.map((k) => ({ source: k.source, key: k.key, url: k.url, familyId })))
    .onConflictDoNothing();
}

/**
 * Folds signals' features (one list a signal) into the family's profile; features new to the family join
 * the index and the frequencies. The profile as it is now.
 */
export async function learnFeatures(tx: Db, scope: string, familyId: string, signals: ReadonlyArray<readonly string[]>, sources: Readonly<Record<string, number>>): Promise<Profile> {
  const [profile] = await tx.select().from(familyProfiles).where(eq(familyProfiles.familyId, familyId)).for('update');
  const before = profile?.features ?? {};
  const after = signals.reduce<Record<string, number>>((folded, features) => foldProfile(folded, features), before);
  const added = Object.keys(after).filter((f) => !(f in before));
  const sent = foldCounts(profile?.sources ?? {}, sources);
  if (profile) {
    await tx.update(familyProfiles).set({ features: after, signals: sql`${familyProfiles.signals} + ${signals.length}`, sources: sent, updatedAt: sql`now()` }).where(eq(familyProfiles.familyId, familyId));
  } else {
    await tx.insert(familyProfiles).values({ familyId, scope, features: after, signals: signals.length, sources: sent });
  }
  const learned: Profile = { familyId, features: after, signals: (profile?.signals ?? 0) + signals.length, sources: sent };
  const counted = profile ? added : ['', ...added];
  if (counted.length === 0) return learned;
  if (added.length > 0) await tx.insert(familyFeatures).values(added.map((feature) => ({ scope, feature, familyId }))).onConflictDoNothing();
  await tx
    .insert(groupingFeatureStats)
    .values(counted.map((feature) => ({ scope, feature, families: 1 })))
    .onConflictDoUpdate({ target: [groupingFeatureStats.scope, groupingFeatureStats.feature], set: { families: sql`${groupingFeatureStats.families} + 1` } });
  return learned;
}
