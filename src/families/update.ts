// Edits people make to a family (PATCH /v1/families/:id, /recur commands, labels and assignments on GitHub):
// ignore or reopen it, set its severity, boundary or owner. Every change is recorded in history with who made
// it, and the ticket is re-rendered. An explicit severity may lower it: that is a decision, not a silent
// downgrade. A boundary or owner a person sets stays (the rules no longer change it), and a boundary is
// recorded as a correction that new families with the same evidence learn from.
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { families, tickets } from '../db/schema/index.js';
import { recordCorrection } from './boundary_corrections.js';
import { personDecision } from './family_boundary.js';
import { recordHistory } from './history.js';
import type { Boundary, FamilyStatus, Severity } from './types.js';

export interface FamilyChanges {
  status?: Extract<FamilyStatus, 'ignored' | 'open'>;
  severity?: Severity;
  boundary?: Boundary;
  owner?: { team?: string | null; assignees?: string[] };
  /** Why the owner changed, for the ticket's Owner section; default "set by <actor>". */
  ownerReason?: string;
}

export type UpdateOutcome = { result: 'updated'; changed: string[] } | { result: 'not_found' } | { result: 'merged'; into: string };

export async function updateFamily(db: Db, input: { familyId: string; changes: FamilyChanges; actor: string }): Promise<UpdateOutcome> {
  return db.transaction(async (tx) => {
    const [family] = await tx.select().from(families).where(eq(families.id, input.familyId)).for('update');
    if (!family) return { result: 'not_found' as const };
    if (family.mergedInto) return { result: 'merged' as const, into: family.mergedInto };
    const { changes } = input;
    const set: Partial<typeof families.$inferInsert> = {};
    const diff: Record<string, { from: unknown; to: unknown }> = {};
    const note = (field: string, from: unknown, to: unknown) => {
      if (JSON.stringify(from) !== JSON.stringify(to)) diff[field] = { from, to };
    };

    if (changes.status !== undefined) {
      // Un-ignoring goes back to where the family stands: ticketed families are open, the rest watching
      // until the ticket policy (or this request, asking for `open`) gives them a ticket.
      const [ticket] = await tx.select({ id: tickets.id }).from(tickets).where(eq(tickets.familyId, family.id));
      const status: FamilyStatus = changes.status === 'ignored' ? 'ignored' : ticket || changes.status === 'open' ? 'open' : 'watching';
      note('status', family.status, status);
      set.status = status;
    }
    if (changes.severity !== undefined) {
      note('severity', family.severity, changes.severity);
      set.severity = changes.severity;
    }
    let correction: string | null = null;
    // Saying the boundary the rules found also counts: the person's word then stays, and is learned from.
    if (changes.boundary !== undefined && (changes.boundary !== family.boundary || family.boundarySource !== 'person')) {
      const decided = personDecision(changes.boundary, input.actor);
      note('boundary', family.boundary, changes.boundary);
      note('boundary_source', family.boundarySource, decided.source);
      set.boundary = decided.boundary;
      set.boundaryConfidence = decided.confidence;
      set.boundaryReasons = decided.reasons;
      set.boundarySource = decided.source;
      correction = await recordCorrection(tx, { family, boundary: changes.boundary, actor: input.actor });
    }
    if (changes.owner?.team !== undefined) {
      note('owner.team', family.ownerTeam, changes.owner.team);
      set.ownerTeam = changes.owner.team;
    }
    if (changes.owner?.assignees !== undefined) {
      note('owner.assignees', family.ownerAssignees, changes.owner.assignees);
      set.ownerAssignees = changes.owner.assignees;
    }
    if (changes.owner !== undefined && (diff['owner.team'] || diff['owner.assignees'] || family.ownerSource !== 'person')) {
      set.ownerSource = 'person';
      set.ownerReason = changes.ownerReason ?? `set by ${input.actor}`;
      note('owner_source', family.ownerSource, 'person');
    }

    const changed = Object.keys(diff);
    if (changed.length === 0) return { result: 'updated' as const, changed };
    await tx
      .update(families)
      .set({ ...set, ticketGeneration: sql`${families.ticketGeneration} + 1`, updatedAt: sql`now()` })
      .where(eq(families.id, family.id));
    await recordHistory(tx, family.id, diff.status ? 'status_changed' : 'updated', input.actor, correction ? { ...diff, correction_id: correction } : diff);
    return { result: 'updated' as const, changed };
  });
}
