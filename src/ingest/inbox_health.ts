// How the inbox is doing, in four numbers an operator (or a gauge) watches: what waits, for how long,
// what died and what is stuck. Each count reads a partial index (pending or dead rows), never the table.
import { eq, sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../db/client.js';
import { inboxEvents } from '../db/schema/index.js';
import { isStuck, STUCK_AFTER_MS } from './dead_letters.js';

export interface InboxHealth {
  pending: number;
  /** Age of the oldest pending row; 0 when nothing is pending. */
  oldestPendingSeconds: number;
  dead: number;
  /** Pending rows past `STUCK_AFTER_MS` since they were received or last replayed (see dead_letters.ts). */
  stuck: number;
}

export async function inboxHealth(db: Db, stuckAfterMs = STUCK_AFTER_MS): Promise<InboxHealth> {
  const count = (where: ReturnType<typeof eq>) => sql<number>`(select count(*)::int from ${inboxEvents} where ${where})`;
  const [row] = await db
    .select({
      pending: count(eq(inboxEvents.status, 'pending')),
      oldest: sql<number | null>`(select extract(epoch from now() - min(${inboxEvents.receivedAt}))::float8 from ${inboxEvents} where ${inboxEvents.status} = 'pending')`,
      dead: count(eq(inboxEvents.status, 'dead')),
      stuck: count(isStuck(stuckAfterMs)),
    })
    .from(sql`(select 1) as one`);
  return {
    pending: Number(row?.pending ?? 0),
    oldestPendingSeconds: Math.max(0, Number(row?.oldest ?? 0)),
    dead: Number(row?.dead ?? 0),
    stuck: Number(row?.stuck ?? 0),
  };
}

/**
 * Pending rows, counted up to `limit` and no further: what a threshold needs to know, at a cost that does
 * not grow with the backlog past it.
 */
export async function countPendingUpTo(db: Db, limit: number): Promise<number> {
  const [row] = await rowsOf<{ n: number }>(
    db,
    sql`select count(*)::int as n from (select 1 from ${inboxEvents} where ${inboxEvents.status} = 'pending' limit ${limit}) as pending`,
  );
  return Number(row?.n ?? 0);
}
