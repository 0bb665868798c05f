// The sweeper re-queues work the relay missed: inbox rows still pending (the queue was down, or the
// process died between commit and enqueue), families whose ticket is behind their evidence, and outbox rows
// not yet performed. Job ids derive from row ids, so re-queueing what is already queued is harmless.
import { and, asc, eq, gt, gte, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { families, inboxEvents, outbox } from '../db/schema/index.js';
import type { JobQueue } from './jobs.js';
import { inboxJobId, outboxJobId, ticketJobId } from './job_ids.js';

export interface SweepOptions {
  /** Rows younger than this are left to the relay that is probably queueing them right now. */
  graceMs: number;
  batch: number;
}

/** Pending rows one re-queued job names: a backlog found by the sweeper is worked through in batches. */
const SWEEP_JOB_EVENTS = 50;
/** A lease-expiry wake-up runs this long after the lease's end, so it finds the lease lapsed. */
const LEASE_WAKE_SLACK_MS = 100;

export async function sweepOnce(db: Db, queue: JobQueue, opts: SweepOptions): Promise<{ events: number; tickets: number; outbox: number }> {
  const cutoff = sql`now() - ${`${opts.graceMs} milliseconds`}::interval`;
  const pending = await db
    .select({ id: inboxEvents.id })
    .from(inboxEvents)
    .where(and(sql`${inboxEvents.status} = 'pending'`, lt(inboxEvents.receivedAt, cutoff)))
    .orderBy(asc(inboxEvents.receivedAt))
    .limit(opts.batch);
  for (let i = 0; i < pending.length; i += SWEEP_JOB_EVENTS) {
    const eventIds = pending.slice(i, i + SWEEP_JOB_EVENTS).map((r) => r.id);
    await queue.enqueue('inbox.process', { eventIds }, { jobId: inboxJobId(eventIds[0]!) });
  }

  const behind = await db
    .select({ id: families.id, generation: families.ticketGeneration })
    .from(families)
    .where(
      and(
        gt(families.ticketGeneration, families.ticketSyncedGeneration),
        lt(families.updatedAt, cutoff),
        or(isNull(families.ticketSyncLeaseUntil), lt(families.ticketSyncLeaseUntil, sql`now()`)),
      ),
    )
    .limit(opts.batch);
  for (const { id, generation } of behind) await queue.enqueue('ticket.sync', { familyId: id }, { jobId: ticketJobId(id, generation) });

  // A family behind whose lease is held is woken when the lease lapses: a holder that died (kill -9) then holds
  // its ticket back by the rest of its lease, not by that plus a sweep interval. A live holder renews it, and
  // the wake-up finds the family busy or synced.
  const leased = await db
    .select({ id: families.id, generation: families.ticketGeneration, leftMs: sql<number>`ceil(extract(epoch from (${families.ticketSyncLeaseUntil} - now())) * 1000)`.mapWith(Number) })
    .from(families)
    .where(and(gt(families.ticketGeneration, families.ticketSyncedGeneration), gte(families.ticketSyncLeaseUntil, sql`now()`)))
    .limit(opts.batch);
  for (const { id, generation, leftMs } of leased) {
    await queue.enqueue('ticket.sync', { familyId: id }, { jobId: ticketJobId(id, `${generation}-lease`), delayMs: Math.max(0, leftMs) + LEASE_WAKE_SLACK_MS });
  }

  // Outbox rows still pending (the queue gave up, or the process died before queueing them), once due.
  const due = await db
    .select({ id: outbox.id })
    .from(outbox)
    .where(and(eq(outbox.status, 'pending'), lt(outbox.nextAttemptAt, sql`now()`), lt(outbox.createdAt, cutoff)))
    .orderBy(asc(outbox.nextAttemptAt))
    .limit(opts.batch);
  for (const { id } of due) await queue.enqueue('outbox.deliver', { id }, { jobId: outboxJobId(id) });
  return { events: pending.length, tickets: behind.length, outbox: due.length };
}
