// The stored state behind the scrape-time gauges: queue depth, inbox rows that wait (pending, stuck,
// dead; see ingest/inbox_health.ts) and families by status.
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { families } from '../db/schema/index.js';
import { FAMILY_STATUSES } from '../families/types.js';
import { inboxHealth } from '../ingest/inbox_health.js';
import type { JobQueue } from '../queue/jobs.js';

export interface StateGauges {
  queueDepth: Record<string, number>;
  inbox: { pending: number; stuck: number; dead: number };
  oldestPendingAgeSeconds: number;
  families: Record<string, number>;
}

export async function readStateGauges(db: Db, queue: JobQueue, timeoutMs: number): Promise<StateGauges> {
  const read = async (): Promise<StateGauges> => {
    const [depth, inbox, familyRows] = await Promise.all([
      queue.depth(),
      inboxHealth(db),
      db.select({ status: families.status, count: sql<number>`count(*)::int` }).from(families).groupBy(families.status),
    ]);
    const byStatus: Record<string, number> = Object.fromEntries(FAMILY_STATUSES.map((s) => [s, 0]));
    for (const row of familyRows) byStatus[row.status] = Number(row.count);
    return {
      queueDepth: depth,
      inbox: { pending: inbox.pending, stuck: inbox.stuck, dead: inbox.dead },
      oldestPendingAgeSeconds: inbox.oldestPendingSeconds,
      families: byStatus,
    };
  };
  return Promise.race([
    read(),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`state not read within ${timeoutMs} ms`)), timeoutMs).unref()),
  ]);
}
