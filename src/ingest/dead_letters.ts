// Dead letters: inbox rows that nothing will process unless an operator acts. `dead` rows failed their
// last allowed attempt; `stuck` rows are still pending long after they were received (or last replayed),
// which the sweeper and the retries would have prevented had they been able to. Read for the API, the CLI
// and the metrics.
import { and, asc, eq, gt, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { inboxEvents, type InboxStatus } from '../db/schema/index.js';
import { redactSecrets } from '../redaction.js';

/**
 * A pending row this old has outlived every retry (the default backoff spends about two minutes) and
 * dozens of sweeps: something keeps failing to queue or run it.
 */
export const STUCK_AFTER_MS = 5 * 60_000;

export const DEAD_LETTER_STATES = ['dead', 'stuck'] as const;
export type DeadLetterState = (typeof DEAD_LETTER_STATES)[number];

export interface DeadLetterFilters {
  /** Both states when unset. */
  state?: DeadLetterState;
  source?: string;
  type?: string;
}

export interface DeadLetterJson {
  event_id: string;
  /** `pending` (or `processed`, `ignored`) once it is neither dead nor stuck any more, as after a replay. */
  state: DeadLetterState | Exclude<InboxStatus, 'dead'>;
  source: string;
  delivery_id: string;
  type: string;
  attempts: number;
  /** Redacted: error messages can quote payloads, tokens and addresses. */
  last_error: string | null;
  received_at: string;
  died_at: string | null;
  replays: number;
  replayed_at: string | null;
}

const olderThan = (ms: number) => sql`now() - ${`${ms} milliseconds`}::interval`;

/**
 * Pending since before `stuckAfterMs` ago, counting a replay as a new start. A replay is always later than
 * the receipt, so the receipt condition alone selects candidates through the pending index.
 */
export function isStuck(stuckAfterMs = STUCK_AFTER_MS): SQL {
  const cutoff = olderThan(stuckAfterMs);
  return and(
    eq(inboxEvents.status, 'pending'),
    lt(inboxEvents.receivedAt, cutoff),
    or(isNull(inboxEvents.replayedAt), lt(inboxEvents.replayedAt, cutoff)),
  )!;
}

export function deadLetterCondition(state: DeadLetterState | undefined, stuckAfterMs = STUCK_AFTER_MS): SQL {
  if (state === 'dead') return eq(inboxEvents.status, 'dead');
  if (state === 'stuck') return isStuck(stuckAfterMs);
  return or(eq(inboxEvents.status, 'dead'), isStuck(stuckAfterMs))!;
}

export function filterCondition(filters: DeadLetterFilters, stuckAfterMs = STUCK_AFTER_MS): SQL {
  return and(
    deadLetterCondition(filters.state, stuckAfterMs),
    filters.source ? eq(inboxEvents.source, filters.source) : undefined,
    filters.type ? eq(inboxEvents.eventType, filters.type) : undefined,
  )!;
}

/** The columns a dead-letter item is made of, with its state judged by the database clock. */
export function deadLetterColumns(stuckAfterMs = STUCK_AFTER_MS) {
  return {
    id: inboxEvents.id,
    status: inboxEvents.status,
    stuck: sql<boolean>`(${isStuck(stuckAfterMs)})`.mapWith(Boolean),
    source: inboxEvents.source,
    deliveryId: inboxEvents.deliveryId,
    eventType: inboxEvents.eventType,
    attempts: inboxEvents.attempts,
    lastError: inboxEvents.lastError,
    receivedAt: inboxEvents.receivedAt,
    diedAt: inboxEvents.diedAt,
    replays: inboxEvents.replays,
    replayedAt: inboxEvents.replayedAt,
  };
}

export interface DeadLetterRow {
  id: string;
  status: InboxStatus;
  stuck: boolean;
  source: string;
  deliveryId: string;
  eventType: string;
  attempts: number;
  lastError: string | null;
  receivedAt: Date;
  diedAt: Date | null;
  replays: number;
  replayedAt: Date | null;
}

export function stateOf(row: Pick<DeadLetterRow, 'status' | 'stuck'>): DeadLetterJson['state'] {
  if (row.status === 'dead') return 'dead';
  return row.stuck ? 'stuck' : row.status;
}

export function toDeadLetterJson(row: DeadLetterRow): DeadLetterJson {
  return {
    event_id: row.id,
    state: stateOf(row),
    source: row.source,
    delivery_id: row.deliveryId,
    type: row.eventType,
    attempts: row.attempts,
    last_error: row.lastError === null ? null : redactSecrets(row.lastError),
    received_at: row.receivedAt.toISOString(),
    died_at: row.diedAt?.toISOString() ?? null,
    replays: row.replays,
    replayed_at: row.replayedAt?.toISOString() ?? null,
  };
}

/** The cursor is the last event id of a page: rows are ordered by (received_at, id), which never change. */
export function encodeCursor(eventId: string): string {
  return Buffer.from(eventId, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string | null {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id) ? id : null;
}

/** Oldest first: the order they went wrong in, and the order a bounded replay takes them. */
export async function listDeadLetters(
  db: Db,
  filters: DeadLetterFilters,
  page: { limit: number; after?: string },
): Promise<{ items: DeadLetterJson[]; nextCursor: string | null }> {
  const after = page.after
    ? gt(sql`(${inboxEvents.receivedAt}, ${inboxEvents.id})`, sql`(select received_at, id from inbox_events where id = ${page.after})`)
    : undefined;
  const rows = await db
    .select(deadLetterColumns())
    .from(inboxEvents)
    .where(and(filterCondition(filters), after))
    .orderBy(asc(inboxEvents.receivedAt), asc(inboxEvents.id))
    .limit(page.limit + 1);
  const pageRows = rows.slice(0, page.limit);
  const last = pageRows[pageRows.length - 1];
  return { items: pageRows.map(toDeadLetterJson), nextCursor: rows.length > page.limit && last ? encodeCursor(last.id) : null };
}
