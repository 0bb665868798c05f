// The families a person may want to merge a family with: the live families of its workflow whose profiles
// are most alike, each with its score and the evidence the two share, those other sources reported ahead.
// Grouping leaves a failure reported from several sources in several families when they share too little
// to join safely; on the studied agent sets, one in two to three of a family's top suggestions is the same
// failure (docs/grouping.md, "Related families"), too few to merge unasked, enough to put before the person
// who merges.
import { eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { families, familyProfiles } from '../../db/schema/index.js';
import { familiesSharingWith, liveProfiles, weighing } from './profile_index.js';
import { readableFeature } from './resolve.js';
import { alikeFamilies, RELATED } from './similarity.js';

export interface RelatedFamily {
  id: string;
  title: string;
  status: string;
  traceCount: number;
  lastSeen: Date;
  score: number;
  /** The most telling evidence the two share, readable (`status 429`, `refund`). */
  shared: string[];
  /** No source has reported to both families; such families are offered first (RELATED.otherSources). */
  otherSources: boolean;
}

/** `null` for an unknown family; none for a family merged away or without a profile. */
export async function relatedFamilies(db: Db, familyId: string, limit: number): Promise<RelatedFamily[] | null> {
  const [family] = await db.select({ id: families.id, mergedInto: families.mergedInto }).from(families).where(eq(families.id, familyId));
  if (!family) return null;
  if (family.mergedInto) return [];
  const [profile] = await db.select({ scope: familyProfiles.scope, features: familyProfiles.features, sources: familyProfiles.sources }).from(familyProfiles).where(eq(familyProfiles.familyId, familyId));
  if (!profile) return [];
  const features = Object.keys(profile.features);
  const { ids, frequencies } = await familiesSharingWith(db, profile.scope, familyId, features, RELATED.maxCandidates);
  const candidates = await liveProfiles(db, ids);
  const weight = await weighing(db, profile.scope, frequencies, candidates);
  const matches = alikeFamilies(profile, candidates, weight).slice(0, limit);
  if (matches.length === 0) return [];
  const rows = await db
    .select({ id: families.id, title: families.title, status: families.status, traceCount: families.traceCount, lastSeen: families.lastSeen })
    .from(families)
    .where(inArray(families.id, matches.map((m) => m.familyId)));
  const byId = new Map(rows.map((r) => [r.id, r]));
  return matches.map((m) => ({ ...byId.get(m.familyId)!, score: m.score, shared: m.shared.map(readableFeature), otherSources: m.otherSources }));
}
