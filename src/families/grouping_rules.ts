// The grouping decisions people (and the template miner) made, as rules every worker honours: merges and
// splits. Listed by the API, and undone: an undone merge moves back exactly what it moved and makes the
// merged-away family live again; an undone split merges the split family back into the one it came from.
import { and, asc, desc, eq, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { families, familyKeys, familyOccurrences, familyProfiles, familyTemplates, groupingRules, tickets, traces } from '../db/schema/index.js';
import { subtractCounts } from './counts.js';
import { restoreFeatureIndex } from './grouping/state.js';
import { recordHistory } from './history.js';
import { mergeFamilies, unmergedBoundary, type MergeDetail } from './merge.js';

export interface GroupingRuleJson {
  id: string;
  kind: 'merge' | 'split';
  /** Merge: the family signals now go to. Split: the family split out. */
  family_id: string;
  /** Merge: the family merged away. Split: the family it was split from. */
  from_family_id: string;
  signatures: Array<{ template: string }>;
  actor: string;
  created_at: string;
  undone_at: string | null;
  undone_by: string | null;
}

type RuleRow = typeof groupingRules.$inferSelect;

function toJson(rule: RuleRow): GroupingRuleJson {
  return {
    id: rule.id,
    kind: rule.kind,
    family_id: rule.familyId,
    from_family_id: rule.fromFamilyId,
    signatures: rule.signatures.map((s) => ({ template: s.template })),
    actor: rule.actor,
    created_at: rule.createdAt.toISOString(),
    undone_at: rule.undoneAt?.toISOString() ?? null,
    undone_by: rule.undoneBy,
  };
}

/** Rules newest first, optionally of one family (either side) and only the ones in force. */
export async function listGroupingRules(
  db: Db,
  filter: { familyId?: string; active?: boolean },
  page: { limit: number; before?: { at: string; id: string } },
): Promise<{ items: GroupingRuleJson[]; next: { at: string; id: string } | null }> {
  const where: SQL[] = [];
  if (filter.familyId) where.push(or(eq(groupingRules.familyId, filter.familyId), eq(groupingRules.fromFamilyId, filter.familyId))!);
  if (filter.active) where.push(isNull(groupingRules.undoneAt));
  if (page.before) {
    where.push(or(lt(groupingRules.createdAt, sql`${page.before.at}::timestamptz`), and(eq(groupingRules.createdAt, sql`${page.before.at}::timestamptz`), lt(groupingRules.id, page.before.id)))!);
  }
  const rows = await db
    .select({ rule: groupingRules, at: sql<string>`${groupingRules.createdAt}::text` })
    .from(groupingRules)
    .where(and(...where))
    .orderBy(desc(groupingRules.createdAt), desc(groupingRules.id))
    .limit(page.limit + 1);
  const last = rows[page.limit - 1];
  return { items: rows.slice(0, page.limit).map((r) => toJson(r.rule)), next: rows.length > page.limit && last ? { at: last.at, id: last.rule.id } : null };
}

export async function getGroupingRule(db: Db, id: string): Promise<GroupingRuleJson | null> {
  const [rule] = await db.select().from(groupingRules).where(eq(groupingRules.id, id));
  return rule ? toJson(rule) : null;
}

export type UndoOutcome =
  | { result: 'undone'; rule: GroupingRuleJson; families: string[] }
  | { result: 'not_found' }
  | { result: 'conflict'; message: string };

export async function undoGroupingRule(db: Db, input: { ruleId: string; actor: string }): Promise<UndoOutcome> {
  return db.transaction(async (tx) => {
    const [rule] = await tx.select().from(groupingRules).where(eq(groupingRules.id, input.ruleId)).for('update');
    if (!rule) return { result: 'not_found' as const };
    if (rule.undoneAt) return { result: 'conflict' as const, message: `rule ${rule.id} was already undone at ${rule.undoneAt.toISOString()}` };
    const outcome = rule.kind === 'merge' ? await undoMerge(tx, rule, input.actor) : await undoSplit(tx, rule, input.actor);
    if (outcome) return outcome;
    const [undone] = await tx.update(groupingRules).set({ undoneAt: sql`now()`, undoneBy: input.actor }).where(eq(groupingRules.id, rule.id)).returning();
    return { result: 'undone' as const, rule: toJson(undone!), families: [rule.familyId, rule.fromFamilyId] };
  });
}

/** Moves back what the merge moved; the merged-away family is live again, with its ticket if it took it along. */
async function undoMerge(tx: Db, rule: RuleRow, actor: string): Promise<{ result: 'conflict'; message: string } | null> {
  const detail = rule.detail as unknown as MergeDetail;
  const sourceId = rule.fromFamilyId;
  const targetId = rule.familyId;
  const rows = await tx.select().from(families).where(inArray(families.id, [sourceId, targetId])).orderBy(asc(families.id)).for('update');
  const source = rows.find((r) => r.id === sourceId);
  const target = rows.find((r) => r.id === targetId);
  if (!source || !target) return { result: 'conflict', message: 'a family of this rule no longer exists' };
  if (source.mergedInto !== targetId) return { result: 'conflict', message: `family ${sourceId} is no longer merged into ${targetId}` };
  if (target.mergedInto) return { result: 'conflict', message: `family ${targetId} was merged into ${target.mergedInto} since; undo that first` };

  if (detail.traces.length > 0) await tx.update(traces).set({ familyId: sourceId }).where(and(eq(traces.familyId, targetId), inArray(traces.id, detail.traces)));
  if (detail.occurrences.length > 0) {
    await tx.update(familyOccurrences).set({ familyId: sourceId }).where(and(eq(familyOccurrences.familyId, targetId), inArray(familyOccurrences.id, detail.occurrences)));
  }
  for (const key of detail.keys) {
    await tx.update(familyKeys).set({ familyId: sourceId }).where(and(eq(familyKeys.source, key.source), eq(familyKeys.key, key.key), eq(familyKeys.familyId, targetId)));
  }
  if (detail.templates.length > 0) await tx.update(familyTemplates).set({ familyId: sourceId }).where(and(eq(familyTemplates.familyId, targetId), inArray(familyTemplates.id, detail.templates)));
  if (detail.profile) await restoreProfile(tx, sourceId, targetId, detail.profile);
  if (detail.ticket_moved) await tx.update(tickets).set({ familyId: sourceId, updatedAt: sql`now()` }).where(eq(tickets.familyId, targetId));

  const [hasTicket] = await tx.select({ id: tickets.id }).from(tickets).where(eq(tickets.familyId, sourceId));
  const status = detail.source_status === 'ignored' || detail.source_status === 'resolved' ? detail.source_status : hasTicket ? 'open' : 'watching';
  await tx.update(families).set({ mergedInto: null, status: status as typeof source.status }).where(eq(families.id, sourceId));
  // The votes the source brought leave with it; those of signals the target took in since stay.
  if (detail.target_boundary) await tx.update(families).set(unmergedBoundary(target, source, detail.target_boundary)).where(eq(families.id, targetId));
  for (const id of [sourceId, targetId]) await recount(tx, id);
  await recordHistory(tx, sourceId, 'unmerged', actor, { from: targetId, rule: rule.id, traces: detail.traces.length });
  await recordHistory(tx, targetId, 'unmerged', actor, { family: sourceId, rule: rule.id, traces: detail.traces.length });
  return null;
}

/** The split family goes back into the family it was split from. */
async function undoSplit(tx: Db, rule: RuleRow, actor: string): Promise<{ result: 'conflict'; message: string } | null> {
  const merged = await mergeFamilies(tx, { sourceId: rule.familyId, targetId: rule.fromFamilyId, actor: `${actor} (undo of split ${rule.id})` });
  return merged.result === 'merged' ? null : { result: 'conflict', message: 'message' in merged ? merged.message : `no family ${merged.id}` };
}

/**
 * The source's profile as it was, and the target's without it. The frequencies count the two as two
 * families again; the moved templates and keys went back above.
 */
async function restoreProfile(tx: Db, sourceId: string, targetId: string, profile: NonNullable<MergeDetail['profile']>): Promise<void> {
  const [target] = await tx.select().from(familyProfiles).where(eq(familyProfiles.familyId, targetId)).for('update');
  if (!target) return;
  const remaining = subtractCounts(target.features, profile.features);
  const sources = subtractCounts(target.sources, profile.sources ?? {});
  await tx.update(familyProfiles).set({ features: remaining, signals: sql`greatest(${familyProfiles.signals} - ${profile.signals}, 0)`, sources }).where(eq(familyProfiles.familyId, targetId));
  await tx.insert(familyProfiles).values({ familyId: sourceId, scope: profile.scope, features: profile.features, signals: profile.signals, sources: profile.sources ?? {} }).onConflictDoNothing();
  await restoreFeatureIndex(tx, profile.scope, sourceId, targetId, profile.features, remaining);
}

/** Counters and seen-window from the rows a family holds now. */
async function recount(tx: Db, familyId: string): Promise<void> {
  await tx.execute(sql`
    update families f set
      trace_count = (select count(*)::int from traces t where t.family_id = f.id),
      event_count = (select count(*)::int from family_occurrences o where o.family_id = f.id),
      first_seen = coalesce((select min(o.occurred_at) from family_occurrences o where o.family_id = f.id), f.first_seen),
      last_seen = coalesce((select max(o.occurred_at) from family_occurrences o where o.family_id = f.id), f.last_seen),
      ticket_generation = f.ticket_generation + 1,
      updated_at = now()
    where f.id = ${familyId}::uuid`);
}
