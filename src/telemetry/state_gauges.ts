// The stored state behind the scrape-time gauges: queue depth, inbox rows that wait (pending, stuck past
// STUCK_AFTER_MS, dead) and families by status. Reads use the partial indexes on pending and dead rows.
import { inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { families, inboxEvents } from '../db/schema/index.js';
import { FAMILY_STATUSES } from '../families/types.js';
import type { JobQueue } from '../queue/jobs.js';

/** A pending row this old has outlived several sweeps: something keeps failing to queue or run it. */
export const STUCK_AFTER_MS = 5 * 60_000;

export interface StateGauges {
  queueDepth: Record<string, number>;
  inbox: { pending: number; stuck: number; dead: number };
  oldestPendingAgeSeconds: number;
  families: Record<string, number>;
}

export async function readStateGauges(db: Db, queue: JobQueue, timeoutMs: number): Promise<StateGauges> {
  const read = async (): Promise<StateGauges> => {
    const stuckBefore = sql`now() - ${`${STUCK_AFTER_MS} milliseconds`}::interval`;
    const [depth, [inbox], familyRows] = await Promise.all([
      queue.depth(),
      db
        .select({
          pending: sql<number>`count(*) filter (where ${inboxEvents.status} = 'pending')::int`,
          stuck: sql<number>`count(*) filter (where ${inboxEvents.status} = 'pending' and ${inboxEvents.receivedAt} < ${stuckBefore})::int`,
          dead: sql<number>`count(*) filter (where ${inboxEvents.status} = 'dead')::int`,
          oldest: sql<number | null>`extract(epoch from now() - min(${inboxEvents.receivedAt}) filter (where ${inboxEvents.status} = 'pending'))::float8`,
        })
        .from(inboxEvents)
        .where(inArray(inboxEvents.status, ['pending', 'dead'])),
      db.select({ status: families.status, count: sql<number>`count(*)::int` }).from(families).groupBy(families.status),
    ]);
    const byStatus: Record<string, number> = Object.fromEntries(FAMILY_STATUSES.map((s) => [s, 0]));
    for (const row of familyRows) byStatus[row.status] = Number(row.count);
    return {
      queueDepth: depth,
      inbox: { pending: Number(inbox?.pending ?? 0), stuck: Number(inbox?.stuck ?? 0), dead: Number(inbox?.dead ?? 0) },
      oldestPendingAgeSeconds: Math.max(0, Number(inbox?.oldest ?? 0)),
      families: byStatus,
    };
  };
  return Promise.race([
    read(),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`state not read within ${timeoutMs} ms`)), timeoutMs).unref()),
  ]);
}
