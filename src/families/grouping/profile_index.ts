// Reads of the similarity step's index: the families of a scope that share a feature, their profiles, and
// how many families of the scope have shown each feature. Shared by the similarity step (resolve.ts) and
// the related families a person may merge (related.ts). Every read is by key and bounded.
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { families, familyFeatures, familyProfiles, groupingFeatureStats } from '../../db/schema/index.js';
import { rarity, SIMILARITY, type Profile } from './similarity.js';

/** How many families of the scope have shown each feature; the feature '' counts the scope's families. */
export async function featureFrequencies(tx: Db, scope: string, features: readonly string[]): Promise<Map<string, number>> {
  const rows = await tx
    .select({ feature: groupingFeatureStats.feature, families: groupingFeatureStats.families })
    .from(groupingFeatureStats)
    .where(and(eq(groupingFeatureStats.scope, scope), inArray(groupingFeatureStats.feature, ['', ...features])));
  return new Map(rows.map((r) => [r.feature, r.families]));
}

/**
 * The features worth finding candidates by: shown by some family of the scope, and by no more than a
 * share of them (SIMILARITY.commonShare, at most SIMILARITY.maxPostings), so the lookup costs the same with
 * 100,000 families as with 100.
 */
export function tellingFeatures(features: readonly string[], frequencies: ReadonlyMap<string, number>): string[] {
  const familiesInScope = frequencies.get('') ?? 0;
  const common = Math.min(SIMILARITY.maxPostings, Math.max(1, familiesInScope * SIMILARITY.commonShare));
  return features.filter((f) => (frequencies.get(f) ?? 0) > 0 && (frequencies.get(f) ?? 0) <= common);
}

/**
 * The frequencies among the other families of the scope, for a family of it: the family itself is one of
 * the scope's families and has shown each of its own features.
 */
export function amongOthers(frequencies: ReadonlyMap<string, number>): Map<string, number> {
  return new Map([...frequencies].map(([feature, count]) => [feature, count - 1]));
}

/**
 * The other families of the scope to compare a family with (two grown families alike, related families):
 * those sharing the most of its features that are telling among the others, most first; and the
 * frequencies of its features, to weigh them by.
 */
export async function familiesSharingWith(tx: Db, scope: string, familyId: string, features: readonly string[], limit: number): Promise<{ ids: string[]; frequencies: Map<string, number> }> {
  const frequencies = await featureFrequencies(tx, scope, features);
  const ids = await familiesSharing(tx, scope, tellingFeatures(features, amongOthers(frequencies)), limit + 1);
  return { ids: ids.filter((id) => id !== familyId).slice(0, limit), frequencies };
}

/** The families of the scope sharing the most of the given features, most first, ties to the older id. */
export async function familiesSharing(tx: Db, scope: string, features: readonly string[], limit: number): Promise<string[]> {
  if (features.length === 0) return [];
  const rows = await tx
    .select({ familyId: familyFeatures.familyId })
    .from(familyFeatures)
    .where(and(eq(familyFeatures.scope, scope), inArray(familyFeatures.feature, [...features])))
    .groupBy(familyFeatures.familyId)
    .orderBy(desc(sql`count(*)`), familyFeatures.familyId)
    .limit(limit);
  return rows.map((r) => r.familyId);
}

/** The profiles of those families that were not merged away, in the order given. */
export async function liveProfiles(tx: Db, ids: readonly string[]): Promise<Profile[]> {
  if (ids.length === 0) return [];
  const rows = await tx
    .select({ familyId: familyProfiles.familyId, features: familyProfiles.features, signals: familyProfiles.signals, sources: familyProfiles.sources })
    .from(familyProfiles)
    .innerJoin(families, eq(families.id, familyProfiles.familyId))
    .where(and(inArray(familyProfiles.familyId, [...ids]), isNull(families.mergedInto)));
  const order = new Map(ids.map((id, i) => [id, i]));
  return rows.sort((a, b) => order.get(a.familyId)! - order.get(b.familyId)!);
}

/**
 * The weight of a feature for the similarity scores: its rarity among the scope's families. The
 * frequencies of the candidates' own features are read into `frequencies` too, so both sides are weighed.
 */
export async function weighing(tx: Db, scope: string, frequencies: Map<string, number>, profiles: readonly Profile[]): Promise<(feature: string) => number> {
  const theirs = profiles.flatMap((p) => Object.keys(p.features)).filter((f) => !frequencies.has(f));
  for (const [feature, count] of await featureFrequencies(tx, scope, [...new Set(theirs)])) frequencies.set(feature, count);
  const familiesInScope = frequencies.get('') ?? 0;
  return (feature: string) => rarity(frequencies.get(feature) ?? 0, familiesInScope);
}
