// Splits named traces out of a family into a new one: the traces, their occurrences, and the grouping
// keys only they brought move together, and the split is written down as a grouping rule holding the
// signatures (masked texts and keys) of what was split out: every worker sends a later signal with such a
// signature to the new family, even when the template miner or the similarity step would have chosen the
// old one (grouping/resolve.ts). The new family starts with a profile from those texts, and with the
// boundary votes of the signals it took, which leave the old family's.
// Recorded in both histories; undone by merging the split family back (grouping_rules.ts).
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { FileConfig } from '../config/file.js';
import type { Db } from '../db/client.js';
import { families, familyKeys, familyOccurrences, groupingRules, inboxEvents, traces } from '../db/schema/index.js';
import { storedSignal } from '../ingest/process_event.js';
import { boundaryEvidence, emptyBoundaryTally, foldBoundaryVote, signalBoundary, subtractBoundaryTallies } from './boundary.js';
import { countNames } from './counts.js';
import { boundaryColumns, decideFamilyBoundary, familyBoundaryOf, readBoundaryState, UNDECIDED } from './family_boundary.js';
import { newFamilyId } from './family_id.js';
import { storedReportFeatures } from './grouping/features.js';
import { groupingScope } from './grouping/plan.js';
import { keyId, learnFeatures } from './grouping/resolve.js';
import { recordHistory } from './history.js';

export type SplitOutcome =
  | { result: 'split'; familyId: string; movedTraces: number; ruleId: string }
  | { result: 'not_found' }
  | { result: 'invalid'; message: string };

export async function splitFamily(db: Db, input: { familyId: string; traceIds: string[]; title?: string; actor: string; config: FileConfig }): Promise<SplitOutcome> {
  const wanted = [...new Set(input.traceIds)];
  if (wanted.length === 0) return { result: 'invalid', message: 'traces: name at least one trace id to split out' };
  return db.transaction(async (tx) => {
    const [source] = await tx.select().from(families).where(eq(families.id, input.familyId)).for('update');
    if (!source) return { result: 'not_found' as const };
    if (source.mergedInto) return { result: 'invalid' as const, message: `family ${source.id} was merged into ${source.mergedInto}; split that one` };

    const moving = await tx.select().from(traces).where(and(eq(traces.familyId, source.id), inArray(traces.traceId, wanted)));
    const found = new Set(moving.map((t) => t.traceId));
    const missing = wanted.filter((id) => !found.has(id));
    if (missing.length > 0) return { result: 'invalid' as const, message: `traces: not in this family: ${missing.slice(0, 5).join(', ')}` };
    if (moving.length === source.traceCount) return { result: 'invalid' as const, message: 'traces: that is every trace of the family; rename or ignore it instead' };

    const id = newFamilyId();
    const eventIds = moving.map((t) => t.eventId).filter((e): e is string => e !== null);
    const occurrences = eventIds.length
      ? await tx.select().from(familyOccurrences).where(and(eq(familyOccurrences.familyId, source.id), inArray(familyOccurrences.eventId, eventIds)))
      : [];
    const times = occurrences.map((o) => o.occurredAt.getTime());
    const firstSeen = times.length ? new Date(Math.min(...times)) : source.firstSeen;
    const lastSeen = times.length ? new Date(Math.max(...times)) : source.lastSeen;

    const boundaries = await splitBoundaries(tx, source, occurrences, input.config);
    await tx.insert(families).values({
      id,
      title: input.title?.trim() || source.title,
      description: source.description,
      workflow: source.workflow,
      tenant: source.tenant,
      kind: source.kind,
      tool: source.tool,
      errorType: source.errorType,
      ...boundaries.split,
      severity: source.severity,
      groupingVersion: source.groupingVersion,
      ownerTeam: source.ownerTeam,
      ownerAssignees: source.ownerAssignees,
      firstSeen,
      lastSeen,
      traceCount: moving.length,
      eventCount: occurrences.length,
      ticketGeneration: 1,
    });
    await tx.update(traces).set({ familyId: id }).where(inArray(traces.id, moving.map((t) => t.id)));
    if (occurrences.length) await tx.update(familyOccurrences).set({ familyId: id }).where(inArray(familyOccurrences.id, occurrences.map((o) => o.id)));

    const keysMoved = await moveKeysOnlyTheyBrought(tx, source.id, id, occurrences);
    const signatures = await learnSplitSignatures(tx, { ...source, id, title: input.title?.trim() || source.title }, occurrences, moving);
    const [rule] = await tx
      .insert(groupingRules)
      .values({ kind: 'split', familyId: id, fromFamilyId: source.id, signatures, detail: { traces: moving.map((t) => t.id), occurrences: occurrences.map((o) => o.id) }, actor: input.actor })
      .returning({ id: groupingRules.id });
    await tx
      .update(families)
      .set({
        ...boundaries.left,
        traceCount: sql`${families.traceCount} - ${moving.length}`,
        eventCount: sql`greatest(${families.eventCount} - ${occurrences.length}, 0)`,
        ticketGeneration: sql`${families.ticketGeneration} + 1`,
        updatedAt: sql`now()`,
      })
      .where(eq(families.id, source.id));

    const traceIds = moving.map((t) => t.traceId);
    await recordHistory(tx, source.id, 'split_into', input.actor, { family: id, traces: traceIds, keys_moved: keysMoved, rule: rule!.id });
    await recordHistory(tx, id, 'split_from', input.actor, { family: source.id, traces: traceIds, keys_moved: keysMoved, rule: rule!.id });
    return { result: 'split' as const, familyId: id, movedTraces: moving.length, ruleId: rule!.id };
  });
}

/**
 * The boundaries of the two families: the split family's from the votes of the signals it took (read again
 * from the inbox as processing read them, under today's recur.yaml rules), and the old family's from its
 * votes without those. A person's boundary on the old family stays.
 */
async function splitBoundaries(tx: Db, source: typeof families.$inferSelect, moved: ReadonlyArray<{ eventId: string }>, config: FileConfig) {
  const rows = moved.length
    ? await tx.select({ source: inboxEvents.source, payload: inboxEvents.payload, receivedAt: inboxEvents.receivedAt }).from(inboxEvents).where(inArray(inboxEvents.id, moved.map((o) => o.eventId)))
    : [];
  const taken = emptyBoundaryTally();
  for (const row of rows) {
    const signal = storedSignal(row, config);
    if (!signal) continue;
    const { vote, keys } = signalBoundary(boundaryEvidence(signal), config.boundaries);
    foldBoundaryVote(taken, vote, keys);
  }
  const state = readBoundaryState(source.boundaryVotes);
  const left = { ...state, tally: subtractBoundaryTallies(state.tally, taken, emptyBoundaryTally()) };
  const split = { tally: taken };
  return {
    split: boundaryColumns(decideFamilyBoundary(UNDECIDED, split), split),
    left: boundaryColumns(decideFamilyBoundary(familyBoundaryOf(source), left), left),
  };
}

/**
 * The signatures of the split-out occurrences, which the split rule keeps apart, and the new family's
 * profile learned from their masked texts (what the grouping step recorded on each) and the sources of the
 * traces it took. Its templates come from the signals the rule sends it.
 */
async function learnSplitSignatures(
  tx: Db,
  family: { id: string; workflow: string; title: string },
  moved: ReadonlyArray<typeof familyOccurrences.$inferSelect>,
  movedTraces: ReadonlyArray<{ source: string }>,
) {
  const byTemplate = new Map<string, Map<string, { source: string; key: string }>>();
  for (const o of moved) {
    if (!o.template) continue;
    const keys = byTemplate.get(o.template) ?? new Map<string, { source: string; key: string }>();
    for (const k of o.keys) keys.set(keyId(k), k);
    byTemplate.set(o.template, keys);
  }
  const scope = groupingScope(family.workflow);
  const features = [...new Set([...byTemplate.keys()].flatMap((template) => storedReportFeatures(family.title, template)))];
  if (features.length > 0) await learnFeatures(tx, scope, family.id, [features], countNames(movedTraces.map((t) => t.source)));
  return [...byTemplate].map(([template, keys]) => ({ template, keys: [...keys.values()] }));
}

async function moveKeysOnlyTheyBrought(tx: Db, fromId: string, toId: string, moved: Array<{ keys: Array<{ source: string; key: string }> }>) {
  const id = (k: { source: string; key: string }) => `${k.source}\u0000${k.key}`;
  const candidates = new Map(moved.flatMap((o) => o.keys).map((k) => [id(k), k]));
  if (candidates.size === 0) return 0;
  const staying = await tx.select({ keys: familyOccurrences.keys }).from(familyOccurrences).where(eq(familyOccurrences.familyId, fromId));
  for (const o of staying) for (const k of o.keys) candidates.delete(id(k));
  let count = 0;
  for (const k of candidates.values()) {
    const updated = await tx
      .update(familyKeys)
      .set({ familyId: toId })
      .where(and(eq(familyKeys.source, k.source), eq(familyKeys.key, k.key), eq(familyKeys.familyId, fromId)))
      .returning({ key: familyKeys.key });
    count += updated.length;
  }
  return count;
}
