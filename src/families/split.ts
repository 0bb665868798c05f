// Splits named traces out of a family into a new one: the traces, their occurrences, and the grouping
// keys only they brought move together, so later signals like them follow to the new family. Recorded in
// both histories. A merge followed by a split of the merged traces restores the grouping in effect.
import { randomUUID } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { families, familyKeys, familyOccurrences, traces } from '../db/schema/index.js';
import { recordHistory } from './history.js';

export type SplitOutcome =
  | { result: 'split'; familyId: string; movedTraces: number }
  | { result: 'not_found' }
  | { result: 'invalid'; message: string };

export async function splitFamily(db: Db, input: { familyId: string; traceIds: string[]; title?: string; actor: string }): Promise<SplitOutcome> {
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

    const id = randomUUID();
    const eventIds = moving.map((t) => t.eventId).filter((e): e is string => e !== null);
    const occurrences = eventIds.length
      ? await tx.select().from(familyOccurrences).where(and(eq(familyOccurrences.familyId, source.id), inArray(familyOccurrences.eventId, eventIds)))
      : [];
    const times = occurrences.map((o) => o.occurredAt.getTime());
    const firstSeen = times.length ? new Date(Math.min(...times)) : source.firstSeen;
    const lastSeen = times.length ? new Date(Math.max(...times)) : source.lastSeen;

    await tx.insert(families).values({
      id,
      title: input.title?.trim() || source.title,
      description: source.description,
      workflow: source.workflow,
      tenant: source.tenant,
      kind: source.kind,
      tool: source.tool,
      errorType: source.errorType,
      boundary: source.boundary,
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
    await tx
      .update(families)
      .set({
        traceCount: sql`${families.traceCount} - ${moving.length}`,
        eventCount: sql`greatest(${families.eventCount} - ${occurrences.length}, 0)`,
        ticketGeneration: sql`${families.ticketGeneration} + 1`,
        updatedAt: sql`now()`,
      })
      .where(eq(families.id, source.id));

    const traceIds = moving.map((t) => t.traceId);
    await recordHistory(tx, source.id, 'split_into', input.actor, { family: id, traces: traceIds, keys_moved: keysMoved });
    await recordHistory(tx, id, 'split_from', input.actor, { family: source.id, traces: traceIds, keys_moved: keysMoved });
    return { result: 'split' as const, familyId: id, movedTraces: moving.length };
  });
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
