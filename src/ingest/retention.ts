// Retention of raw delivery payloads (RECUR_RETENTION_DAYS): once a processed or ignored inbox row is
// older than the retention period its payload is dropped. The row stays, with its body hash, so a late
// retry of that delivery is still answered `duplicate` (deleting it would let the retry in as new work and
// count the failure twice), and families, traces and history, which hold what processing took from the
// payload, are not touched. Pending rows still need their payload, and dead rows need it to be replayed,
// so neither is ever pruned.
import { and, asc, inArray, isNotNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { inboxEvents } from '../db/schema/index.js';

/** One pruner at a time across every worker; the others skip their run. */
export const RETENTION_LOCK_KEY = 7_262_002;

export const PRUNABLE_STATUSES = ['processed', 'ignored'] as const;

export interface PruneOptions {
  days: number;
  /** Rows per transaction, so a backlog never holds locks or bloats one statement. */
  batch: number;
  /** Batches per run; what is left waits for the next run. */
  maxBatches: number;
  /** Stops between batches (shutdown). */
  signal?: AbortSignal;
}

export interface PruneResult {
  pruned: number;
  processed: number;
  ignored: number;
  /** Another worker held the retention lock. */
  skipped: boolean;
}

export async function prunePayloads(db: Db, opts: PruneOptions): Promise<PruneResult> {
  const result: PruneResult = { pruned: 0, processed: 0, ignored: 0, skipped: false };
  const cutoff = sql`now() - make_interval(days => ${opts.days})`;
  for (let batch = 0; batch < opts.maxBatches && !opts.signal?.aborted; batch++) {
    const pruned = await db.transaction(async (tx) => {
      const [lock] = await tx.select({ held: sql<boolean>`pg_try_advisory_xact_lock(${RETENTION_LOCK_KEY})` }).from(sql`(select 1) as one`);
      if (!lock?.held) return null;
      const doomed = tx
        .select({ id: inboxEvents.id })
        .from(inboxEvents)
        .where(and(inArray(inboxEvents.status, [...PRUNABLE_STATUSES]), isNotNull(inboxEvents.payload), lt(inboxEvents.receivedAt, cutoff)))
        .orderBy(asc(inboxEvents.receivedAt))
        .limit(opts.batch)
        .for('update', { skipLocked: true });
      return tx
        .update(inboxEvents)
        .set({ payload: sql`null` })
        .where(inArray(inboxEvents.id, doomed))
        .returning({ status: inboxEvents.status });
    });
    if (pruned === null) return { ...result, skipped: batch === 0 };
    result.pruned += pruned.length;
    for (const row of pruned) if (row.status === 'processed' || row.status === 'ignored') result[row.status] += 1;
    if (pruned.length < opts.batch) break;
  }
  return result;
}
