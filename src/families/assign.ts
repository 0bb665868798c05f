// Assigns a signal to its family inside the caller's transaction: finds or creates the family (by the
// upstream key it carries, else by fingerprint), adds its evidence once, bumps counters and history.
// Everything here commits together with the inbox row being marked processed.
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { FileConfig } from '../config/file.js';
import type { Db } from '../db/client.js';
import { families, familyKeys, traces } from '../db/schema/index.js';
import { redactSecrets } from '../tickets/redact.js';
import { classifyBoundary } from './boundary.js';
import { fingerprint, GROUPING_VERSION } from './fingerprint.js';
import { recordHistory } from './history.js';
import { resolveOwnership } from './ownership.js';
import { mergeSeverity, signalSeverity } from './severity.js';
import type { Boundary, Severity, Signal } from './types.js';

export interface AssignResult {
  familyId: string;
  created: boolean;
  traceAdded: boolean;
  /** True when something a ticket shows changed, so the ticket needs a sync. */
  ticketDirty: boolean;
}

interface Ctx {
  config: FileConfig;
  eventId: string;
  actor: string;
}

export async function assignSignal(tx: Db, signal: Signal, ctx: Ctx): Promise<AssignResult> {
  const boundary = classifyBoundary(
    { explicit: signal.boundary, title: signal.title, message: signal.message, errorType: signal.errorType, kind: signal.kind, tool: signal.tool },
    ctx.config.boundaries,
  ).boundary;
  const fp = fingerprint(signal, boundary);
  const key = signal.upstream
    ? { source: signal.upstream.source, key: signal.upstream.id, url: signal.upstream.url }
    : { source: `fingerprint:${GROUPING_VERSION}`, key: fp, url: undefined };
  const severity = signalSeverity(signal.kind, signal.severity);

  const { familyId, created } = await findOrCreateFamily(tx, key, () => {
    const owner = resolveOwnership(ctx.config.owners, { workflow: signal.workflow, boundary, tool: signal.tool, tenant: signal.tenant });
    return {
      title: redactSecrets(signal.title),
      description: signal.message === undefined ? undefined : redactSecrets(signal.message),
      workflow: signal.workflow,
      tenant: signal.tenant,
      kind: signal.kind,
      boundary,
      severity,
      fingerprint: fp,
      groupingVersion: GROUPING_VERSION,
      ownerTeam: owner.team,
      ownerAssignees: owner.assignees,
      firstSeen: signal.occurredAt,
      lastSeen: signal.occurredAt,
    };
  });
  if (created) {
    await recordHistory(tx, familyId, 'created', ctx.actor, { event_id: ctx.eventId, upstream: signal.upstream ?? null, boundary, severity });
  }

  const [family] = await tx
    .select({ severity: families.severity })
    .from(families)
    .where(eq(families.id, familyId))
    .for('update');
  if (!family) throw new Error(`family ${familyId} disappeared`);

  let traceAdded = false;
  if (signal.trace) {
    const inserted = await tx
      .insert(traces)
      .values({
        familyId,
        source: signal.source,
        traceId: signal.trace.traceId,
        runId: signal.trace.runId,
        url: signal.trace.url,
        comment: signal.trace.comment === undefined ? undefined : redactSecrets(signal.trace.comment),
        release: signal.release,
        environment: signal.environment,
        startTime: signal.trace.startTime ? new Date(signal.trace.startTime) : null,
        eventId: ctx.eventId,
      })
      .onConflictDoNothing({ target: [traces.familyId, traces.traceId, traces.runId] })
      .returning({ id: traces.id });
    traceAdded = inserted.length > 0;
    if (traceAdded) {
      await recordHistory(tx, familyId, 'trace_added', ctx.actor, { trace_id: signal.trace.traceId, run_id: signal.trace.runId, event_id: ctx.eventId });
    }
  }

  const newSeverity = mergeSeverity(family.severity as Severity, severity);
  const severityRaised = !created && newSeverity < family.severity;
  if (severityRaised) {
    await recordHistory(tx, familyId, 'severity_raised', ctx.actor, { from: family.severity, to: newSeverity, event_id: ctx.eventId });
  }

  const ticketDirty = created || traceAdded || severityRaised;
  await tx
    .update(families)
    .set({
      severity: newSeverity,
      eventCount: sql`${families.eventCount} + 1`,
      traceCount: traceAdded ? sql`${families.traceCount} + 1` : undefined,
      lastSeen: sql`greatest(${families.lastSeen}, ${signal.occurredAt.toISOString()}::timestamptz)`,
      firstSeen: sql`least(${families.firstSeen}, ${signal.occurredAt.toISOString()}::timestamptz)`,
      ticketGeneration: ticketDirty ? sql`${families.ticketGeneration} + 1` : undefined,
      updatedAt: sql`now()`,
    })
    .where(eq(families.id, familyId));

  return { familyId, created, traceAdded, ticketDirty };
}

type NewFamily = Omit<typeof families.$inferInsert, 'id'> & { boundary: Boundary };

/**
 * The key row decides the race: two transactions creating a family for the same new key both insert a
 * family, but only one key insert wins (the loser waits for the winner's commit); the loser drops its
 * never-visible family row and joins the winner's.
 */
async function findOrCreateFamily(
  tx: Db,
  key: { source: string; key: string; url?: string },
  build: () => NewFamily,
): Promise<{ familyId: string; created: boolean }> {
  const existing = await lookupKey(tx, key);
  if (existing) return { familyId: existing, created: false };

  const id = randomUUID();
  await tx.insert(families).values({ id, ...build() });
  const won = await tx
    .insert(familyKeys)
    .values({ source: key.source, key: key.key, familyId: id, url: key.url })
    .onConflictDoNothing()
    .returning({ familyId: familyKeys.familyId });
  if (won.length > 0) return { familyId: id, created: true };

  await tx.delete(families).where(eq(families.id, id));
  const winner = await lookupKey(tx, key);
  if (!winner) throw new Error(`family key ${key.source}/${key.key} conflicted but cannot be found`);
  return { familyId: winner, created: false };
}

async function lookupKey(tx: Db, key: { source: string; key: string }): Promise<string | undefined> {
  const [row] = await tx
    .select({ familyId: familyKeys.familyId })
    .from(familyKeys)
    .where(and(eq(familyKeys.source, key.source), eq(familyKeys.key, key.key)));
  return row?.familyId;
}
