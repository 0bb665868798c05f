// Moves what the grouping engine learned about one family to another when they merge: its templates, its
// profile (folded into the target's) with the inverted index, and the workflow's feature frequencies,
// which count the two as one family from now on.
import { eq, sql } from 'drizzle-orm';
import { jsonParam, type Db } from '../../db/client.js';
import { familyFeatures, familyProfiles, familyTemplates } from '../../db/schema/index.js';
import { foldCounts } from './similarity.js';

export async function moveGroupingState(tx: Db, sourceId: string, targetId: string): Promise<void> {
  await tx.update(familyTemplates).set({ familyId: targetId }).where(eq(familyTemplates.familyId, sourceId));
  const [source] = await tx.select().from(familyProfiles).where(eq(familyProfiles.familyId, sourceId)).for('update');
  if (!source) return;
  const [target] = await tx.select().from(familyProfiles).where(eq(familyProfiles.familyId, targetId)).for('update');
  const scope = target?.scope ?? source.scope;
  const shared = Object.keys(source.features).filter((f) => target && f in target.features);
  const merged = foldCounts(target?.features ?? {}, source.features);
  const sources = foldCounts(target?.sources ?? {}, source.sources);
  if (target) {
    await tx.update(familyProfiles).set({ features: merged, signals: sql`${familyProfiles.signals} + ${source.signals}`, sources, updatedAt: sql`now()` }).where(eq(familyProfiles.familyId, targetId));
  } else {
    await tx.insert(familyProfiles).values({ familyId: targetId, scope, features: merged, signals: source.signals, sources });
  }
  await tx.delete(familyProfiles).where(eq(familyProfiles.familyId, sourceId));
  await tx.execute(sql`
    insert into family_features (scope, feature, family_id)
    select scope, feature, ${targetId}::uuid from family_features where family_id = ${sourceId}::uuid
    on conflict do nothing`);
  await tx.delete(familyFeatures).where(eq(familyFeatures.familyId, sourceId));
  // Two families became one: one fewer in the scope, and one fewer for every feature both had shown.
  await tx.execute(sql`
    update grouping_feature_stats set families = greatest(families - 1, 0)
    where scope = ${scope} and feature in (select jsonb_array_elements_text(${jsonParam(['', ...shared])}))`);
}

/**
 * The reverse of a merge's profile move: the source's features are indexed for it again, the target keeps
 * only the features it still has, and the frequencies count two families where the merge counted one.
 */
export async function restoreFeatureIndex(
  tx: Db,
  scope: string,
  sourceId: string,
  targetId: string,
  sourceFeatures: Readonly<Record<string, number>>,
  targetFeatures: Readonly<Record<string, number>>,
): Promise<void> {
  const features = Object.keys(sourceFeatures);
  if (features.length > 0) {
    await tx.execute(sql`
      insert into family_features (scope, feature, family_id)
      select ${scope}, feature, ${sourceId}::uuid from jsonb_array_elements_text(${jsonParam(features)}) as f(feature)
      on conflict do nothing`);
  }
  await tx.execute(sql`
    delete from family_features where family_id = ${targetId}::uuid
      and feature not in (select jsonb_array_elements_text(${jsonParam(Object.keys(targetFeatures))}))`);
  const shared = features.filter((f) => f in targetFeatures);
  await tx.execute(sql`
    update grouping_feature_stats set families = families + 1
    where scope = ${scope} and feature in (select jsonb_array_elements_text(${jsonParam(['', ...shared])}))`);
}
