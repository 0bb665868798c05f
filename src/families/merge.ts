// Merges one family into another: every trace, occurrence, key and what grouping learned (templates,
// profile) moves to the target, so the merged-away family's future signals land in the target too. The
// target takes the most urgent severity, the widest seen-window, and the boundary its votes and the
// source's decide together. A ticket moves with the family when the
// target has none; otherwise the merged-away ticket is closed as a duplicate by its next ticket sync. The
// merge is written down as a grouping rule holding exactly what moved, so it is listed and can be undone
// (grouping_rules.ts); the merged-away family's id keeps leading to the target meanwhile (liveFamilies).
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { families, familyKeys, familyOccurrences, familyProfiles, familyTemplates, groupingRules, tickets, traces } from '../db/schema/index.js';
import { mergeBoundaryTallies, subtractBoundaryTallies } from './boundary.js';
import { boundaryColumns, decideFamilyBoundary, familyBoundaryOf, readBoundaryState } from './family_boundary.js';
import { moveGroupingState } from './grouping/state.js';
import { recordHistory } from './history.js';

export type MergeOutcome =
  | { result: 'merged'; into: string; movedTraces: number; ticketMoved: boolean; ruleId: string }
  | { result: 'not_found'; id: string }
  | { result: 'invalid'; message: string }
  | { result: 'already_merged'; message: string };

/** What a merge moved, kept on its rule so that undoing it moves exactly that back. */
export interface MergeDetail {
  traces: number[];
  occurrences: number[];
  keys: Array<{ source: string; key: string }>;
  templates: string[];
  /** The source's profile (`sources` absent on rules written before profiles recorded them). */
  profile: { scope: string; features: Record<string, number>; signals: number; sources?: Record<string, number> } | null;
  ticket_moved: boolean;
  source_status: string;
  /** The target's boundary before the merge added the source's votes (see unmergedBoundary). */
  target_boundary: Pick<typeof families.$inferSelect, 'boundary' | 'boundaryConfidence' | 'boundaryReasons' | 'boundarySource' | 'boundaryVotes'>;
}

export async function mergeFamilies(db: Db, input: { sourceId: string; targetId: string; actor: string }): Promise<MergeOutcome> {
  const { sourceId, targetId, actor } = input;
  if (sourceId === targetId) return { result: 'invalid', message: 'a family cannot be merged into itself' };
  return db.transaction(async (tx) => {
    // Locked in id order, so two merges of the same pair in opposite directions cannot deadlock.
    const rows = await tx.select().from(families).where(inArray(families.id, [sourceId, targetId])).orderBy(asc(families.id)).for('update');
    const source = rows.find((r) => r.id === sourceId);
    const target = rows.find((r) => r.id === targetId);
    if (!source) return { result: 'not_found' as const, id: sourceId };
    if (!target) return { result: 'not_found' as const, id: targetId };
    if (source.mergedInto) return { result: 'already_merged' as const, message: `family ${sourceId} was already merged into ${source.mergedInto}` };
    if (target.mergedInto) return { result: 'already_merged' as const, message: `family ${targetId} was merged into ${target.mergedInto}; merge into that one` };

    const moved = await tx
      .update(traces)
      .set({ familyId: targetId })
      .where(
        and(
          eq(traces.familyId, sourceId),
          sql`not exists (select 1 from ${traces} t2 where t2.family_id = ${targetId} and t2.trace_id = ${traces.traceId} and t2.run_id = ${traces.runId})`,
        ),
      )
      .returning({ id: traces.id, traceId: traces.traceId });
    // What is left are traces the target already had: the same evidence, kept once.
    await tx.delete(traces).where(eq(traces.familyId, sourceId));
    const occurrences = await tx.update(familyOccurrences).set({ familyId: targetId }).where(eq(familyOccurrences.familyId, sourceId)).returning({ id: familyOccurrences.id });
    const keys = await tx.update(familyKeys).set({ familyId: targetId }).where(eq(familyKeys.familyId, sourceId)).returning({ source: familyKeys.source, key: familyKeys.key });
    const templates = await tx.select({ id: familyTemplates.id }).from(familyTemplates).where(eq(familyTemplates.familyId, sourceId));
    const [profile] = await tx.select({ scope: familyProfiles.scope, features: familyProfiles.features, signals: familyProfiles.signals, sources: familyProfiles.sources }).from(familyProfiles).where(eq(familyProfiles.familyId, sourceId));
    await moveGroupingState(tx, sourceId, targetId);

    const [sourceTicket] = await tx.select().from(tickets).where(eq(tickets.familyId, sourceId));
    const [targetTicket] = await tx.select().from(tickets).where(eq(tickets.familyId, targetId));
    const ticketMoved = Boolean(sourceTicket && !targetTicket);
    if (ticketMoved) await tx.update(tickets).set({ familyId: targetId, updatedAt: sql`now()` }).where(eq(tickets.id, sourceTicket!.id));

    const boundary = mergedBoundary(target, source);
    await tx
      .update(families)
      .set({
        ...boundary,
        traceCount: sql`(select count(*)::int from ${traces} where ${traces.familyId} = ${targetId})`,
        eventCount: target.eventCount + source.eventCount,
        severity: Math.min(target.severity, source.severity),
        firstSeen: source.firstSeen < target.firstSeen ? source.firstSeen : target.firstSeen,
        lastSeen: source.lastSeen > target.lastSeen ? source.lastSeen : target.lastSeen,
        status: ticketMoved && target.status === 'watching' ? source.status : target.status,
        ticketGeneration: sql`${families.ticketGeneration} + 1`,
        updatedAt: sql`now()`,
      })
      .where(eq(families.id, targetId));
    await tx
      .update(families)
      .set({ mergedInto: targetId, traceCount: 0, eventCount: 0, ticketGeneration: sql`${families.ticketGeneration} + 1`, updatedAt: sql`now()` })
      .where(eq(families.id, sourceId));

    const detail: MergeDetail = {
      traces: moved.map((t) => t.id),
      occurrences: occurrences.map((o) => o.id),
      keys,
      templates: templates.map((t) => t.id),
      profile: profile ?? null,
      ticket_moved: ticketMoved,
      source_status: source.status,
      target_boundary: { boundary: target.boundary, boundaryConfidence: target.boundaryConfidence, boundaryReasons: target.boundaryReasons, boundarySource: target.boundarySource, boundaryVotes: target.boundaryVotes },
    };
    const [rule] = await tx
      .insert(groupingRules)
      .values({ kind: 'merge', familyId: targetId, fromFamilyId: sourceId, detail: detail as unknown as Record<string, unknown>, actor })
      .returning({ id: groupingRules.id });
    const traceIds = moved.map((t) => t.traceId);
    await recordHistory(tx, sourceId, 'merged_into', actor, { into: targetId, traces: traceIds, ticket_moved: ticketMoved, rule: rule!.id });
    await recordHistory(tx, targetId, 'merged_from', actor, { from: sourceId, traces: traceIds, ticket_moved: ticketMoved, rule: rule!.id });
    return { result: 'merged' as const, into: targetId, movedTraces: moved.length, ticketMoved, ruleId: rule!.id };
  });
}

/**
 * A signal placed in the family a merge takes away, and recorded after it (grouping merged the family on
 * the signal's account: two grown families alike): its trace and occurrence join what the merge moved, so
 * undoing the merge takes the signal back with the family it joined.
 */
export async function moveWithMerge(tx: Db, ruleId: string, eventId: string): Promise<void> {
  const [rule] = await tx.select({ familyId: groupingRules.familyId, detail: groupingRules.detail }).from(groupingRules).where(eq(groupingRules.id, ruleId)).for('update');
  if (!rule) return;
  const trace = await tx
    .select({ id: traces.id })
    .from(traces)
    .where(and(eq(traces.familyId, rule.familyId), eq(traces.eventId, eventId)));
  const occurrence = await tx
    .select({ id: familyOccurrences.id })
    .from(familyOccurrences)
    .where(and(eq(familyOccurrences.familyId, rule.familyId), eq(familyOccurrences.eventId, eventId)));
  const detail = rule.detail as unknown as MergeDetail;
  const moved: MergeDetail = { ...detail, traces: [...new Set([...detail.traces, ...trace.map((t) => t.id)])], occurrences: [...new Set([...detail.occurrences, ...occurrence.map((o) => o.id)])] };
  await tx.update(groupingRules).set({ detail: moved as unknown as Record<string, unknown> }).where(eq(groupingRules.id, ruleId));
}

type FamilyRow = typeof families.$inferSelect;

/** The target's boundary decided from both families' votes, as if every signal had been the target's. */
function mergedBoundary(target: FamilyRow, source: FamilyRow) {
  const a = readBoundaryState(target.boundaryVotes);
  const b = readBoundaryState(source.boundaryVotes);
  const state = { tally: mergeBoundaryTallies(a.tally, b.tally), ...((a.learned ?? b.learned) ? { learned: a.learned ?? b.learned } : {}) };
  return boundaryColumns(decideFamilyBoundary(familyBoundaryOf(target), state), state);
}

/**
 * The target's boundary once a merge is undone: its votes now without those the source brought (the source
 * keeps its own), so the votes of signals that joined it since stay. Decided as after the merge, from the
 * target's boundary before it, unless a person set one since.
 */
export function unmergedBoundary(target: FamilyRow, source: FamilyRow, before: MergeDetail['target_boundary']) {
  const now = readBoundaryState(target.boundaryVotes);
  const taken = readBoundaryState(source.boundaryVotes);
  const kept = readBoundaryState(before.boundaryVotes);
  const learned = kept.learned ?? (JSON.stringify(now.learned) === JSON.stringify(taken.learned) ? undefined : now.learned);
  const state = { tally: subtractBoundaryTallies(now.tally, taken.tally, kept.tally), ...(learned ? { learned } : {}) };
  const base = target.boundarySource === 'person' ? target : before;
  return boundaryColumns(decideFamilyBoundary(familyBoundaryOf(base), state), state);
}
