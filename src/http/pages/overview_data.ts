// What the overview page shows, read in one database snapshot plus the queue's own depth: families by status
// and severity, the most urgent families with their recurrence per day, the latest gate check per workflow,
// and the inbox's backlog. Every query is an index range or a grouped count; the page never loads all rows.
import { and, asc, desc, eq, gte, inArray, isNull, min, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { families, familyOccurrences, gateChecks, inboxEvents } from '../../db/schema/index.js';
import { toJson, type FamilyJson } from '../../families/read.js';
import type { FamilyStatus } from '../../families/types.js';
import type { JobQueue } from '../../queue/jobs.js';

export const RECURRENCE_DAYS = 14;
export const FAMILY_ROWS = 50;
const DAY_MS = 86_400_000;
const QUEUE_TIMEOUT_MS = 2_000;

/** A family as the API shows it, with its occurrences per day over the last RECURRENCE_DAYS days. */
export interface OverviewFamily extends FamilyJson {
  /** Oldest first, the last entry today's. */
  daily: number[];
}

export interface OverviewGate {
  workflow: string;
  release: string;
  environment: string;
  decision: 'pass' | 'block';
  blocking: number;
  checkedAt: Date;
}

export interface OverviewData {
  now: Date;
  counts: Array<{ status: FamilyStatus; severity: number; count: number }>;
  families: OverviewFamily[];
  gates: OverviewGate[];
  queue: {
    driver: JobQueue['driver'];
    /** Jobs waiting per queue, or why the queue could not say. */
    depth: Record<string, number> | { error: string };
    pending: number;
    oldestPendingAt: Date | null;
    dead: number;
  };
}

const SNAPSHOT = { isolationLevel: 'repeatable read', accessMode: 'read only' } as const;

export async function readOverview(db: Db, queue: JobQueue, now = new Date()): Promise<OverviewData> {
  const [stored, depth] = await Promise.all([db.transaction((tx) => readStored(tx, now), SNAPSHOT), queueDepth(queue)]);
  return { now, ...stored, queue: { driver: queue.driver, depth, ...stored.inbox } };
}

async function readStored(db: Db, now: Date) {
  const live = isNull(families.mergedInto);
  const counts = await db
    .select({ status: families.status, severity: families.severity, count: sql<number>`count(*)::int` })
    .from(families)
    .where(live)
    .groupBy(families.status, families.severity);

  // Families someone should look at come first (anything not resolved or ignored), most urgent, then latest.
  const rows = await db
    .select()
    .from(families)
    .where(live)
    .orderBy(sql`${families.status} in ('resolved', 'ignored')`, asc(families.severity), desc(families.lastSeen), desc(families.id))
    .limit(FAMILY_ROWS);
  const daily = await dailyOccurrences(db, rows.map((r) => r.id), now);

  const gates = await db
    .selectDistinctOn([gateChecks.workflow], {
      workflow: gateChecks.workflow,
      release: gateChecks.release,
      environment: gateChecks.environment,
      decision: gateChecks.decision,
      blocking: sql<number>`coalesce(jsonb_array_length(${gateChecks.answer} -> 'blocking'), 0)::int`,
      checkedAt: gateChecks.checkedAt,
    })
    .from(gateChecks)
    .orderBy(gateChecks.workflow, desc(gateChecks.checkedAt));

  const pendingRows = eq(inboxEvents.status, 'pending');
  const [pending] = await db.select({ count: sql<number>`count(*)::int`, oldest: min(inboxEvents.receivedAt) }).from(inboxEvents).where(pendingRows);
  const dead = await db.$count(inboxEvents, eq(inboxEvents.status, 'dead'));

  return {
    counts,
    families: (await toJson(db, rows)).map((f) => ({ ...f, daily: daily.get(f.id) ?? new Array<number>(RECURRENCE_DAYS).fill(0) })),
    gates,
    inbox: { pending: pending?.count ?? 0, oldestPendingAt: pending?.oldest ? new Date(pending.oldest) : null, dead },
  };
}

/** Occurrences per family per day, counted back from `now`: day 0 is the last 24 hours. */
async function dailyOccurrences(db: Db, ids: string[], now: Date): Promise<Map<string, number[]>> {
  if (ids.length === 0) return new Map();
  const since = new Date(now.getTime() - RECURRENCE_DAYS * DAY_MS);
  const daysAgo = sql<number>`greatest(0, floor(extract(epoch from (${now.toISOString()}::timestamptz - ${familyOccurrences.occurredAt})) / 86400))::int`;
  const rows = await db
    .select({ familyId: familyOccurrences.familyId, daysAgo, count: sql<number>`count(*)::int` })
    .from(familyOccurrences)
    .where(and(inArray(familyOccurrences.familyId, ids), gte(familyOccurrences.occurredAt, since)))
    .groupBy(sql`1`, sql`2`); // by position: the expression's timestamp is a bound parameter
  return dailySeries(rows, RECURRENCE_DAYS);
}

/** Lays grouped (family, days ago, count) rows out as one oldest-first series per family. */
export function dailySeries(rows: ReadonlyArray<{ familyId: string; daysAgo: number; count: number }>, days: number): Map<string, number[]> {
  const series = new Map<string, number[]>();
  for (const r of rows) {
    if (r.daysAgo < 0 || r.daysAgo >= days) continue;
    let s = series.get(r.familyId);
    if (!s) series.set(r.familyId, (s = new Array<number>(days).fill(0)));
    s[days - 1 - r.daysAgo]! += r.count;
  }
  return series;
}

async function queueDepth(queue: JobQueue): Promise<Record<string, number> | { error: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${QUEUE_TIMEOUT_MS} ms`)), QUEUE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([queue.depth(), timeout]);
  } catch (err) {
    return { error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
