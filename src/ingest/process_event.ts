// Processes inbox events: normalizes each and applies it in a transaction that also marks it processed,
// so a second run of the same job finds it done; a batch of events shares one transaction. Failures are
// counted on the row; after the last allowed attempt the row is marked dead, where operators see it and
// can replay it.
import { and, asc, eq, getTableColumns, sql } from 'drizzle-orm';
import type { FileConfig } from '../config/file.js';
import { uuidArray, type Db } from '../db/client.js';
import { inboxEvents, operationalEvents } from '../db/schema/index.js';
import { assignSignals, type AssignResult, type BatchSignal } from '../families/assign.js';
import type { Embedder } from '../families/grouping/embeddings.js';
import type { Signal } from '../families/types.js';
import { NonRetryableError } from '../queue/jobs.js';
import { eventDelay, inboxBatchEvents, inboxBatchSplits } from '../telemetry/metrics.js';
import { withSpan } from '../telemetry/tracing.js';
import { applyGitHubEvent, type GitHubOutcome } from './github/apply.js';
import { isActedOnEvent } from './github/events.js';
import { GITHUB } from './github/source.js';
import { parseEnvelope } from './langsmith/envelope.js';
import { signalSchema, toSignal } from './signals/schema.js';
import { isSignalInboxSource } from './signals/source.js';
import { LANGSMITH, normalizeLangsmith, type Normalized } from './langsmith/normalize.js';

export interface ProcessDeps {
  db: Db;
  config: FileConfig;
  maxAttempts: number;
  /** Most events one transaction applies, the listed ones included (default 1: only those listed). */
  batchLimit?: number;
  /** The optional semantic grouping step (RECUR_EMBEDDINGS_URL). */
  embedder?: Embedder | null;
  log?: { warn(obj: object, msg: string): void };
}

export type ProcessOutcome =
  | { result: 'missing' | 'already_done' | 'operational' | 'ignored' }
  | { result: 'assigned'; assignment: AssignResult }
  | { result: 'github'; github: GitHubOutcome };

export interface ProcessedEvent {
  eventId: string;
  outcome: ProcessOutcome;
}

/** One inbox event in its own transaction; `missing` or `already_done` when there is nothing to do. */
export async function processInboxEvent(deps: ProcessDeps, eventId: string): Promise<ProcessOutcome> {
  const [done] = await processInboxEvents({ ...deps, batchLimit: 1 }, [eventId]);
  if (done) return done.outcome;
  const [row] = await deps.db.select({ status: inboxEvents.status }).from(inboxEvents).where(eq(inboxEvents.id, eventId));
  return { result: row ? 'already_done' : 'missing' };
}

/**
 * Processes the listed events, plus up to `batchLimit` minus their number of the oldest other pending ones
 * (those no other worker holds), in one transaction: one commit, not one per event. A listed event
 * another transaction holds is waited for; a claimed extra is only ever a bonus, since its own job still
 * comes. When the transaction fails, each listed event is tried again alone, so one bad event fails alone
 * and is the only one whose attempt is counted; the failure is rethrown (retryable) when any of them is
 * left to retry. Returns what became of each event applied here.
 */
export async function processInboxEvents(deps: ProcessDeps, eventIds: readonly string[]): Promise<ProcessedEvent[]> {
  // In the order given: a relayed batch names its events as they arrived, which received_at cannot tell
  // apart within one request or one group commit.
  const listed = [...new Set(eventIds)];
  try {
    const { applied, rows } = await withSpan('db process_events', { attributes: { 'recur.event_id': listed[0], 'recur.events.listed': listed.length } }, (span) =>
      deps.db.transaction(async (tx) => {
        const rows = await claimPending(tx, listed, Math.max(0, (deps.batchLimit ?? 1) - listed.length));
        span.setAttribute('recur.events.claimed', rows.length);
        const applied = await applyRows(tx, rows, deps);
        const ignored = applied.filter((a) => a.outcome.result === 'ignored').map((a) => a.eventId);
        const processed = applied.filter((a) => a.outcome.result !== 'ignored').map((a) => a.eventId);
        if (processed.length > 0) await tx.update(inboxEvents).set({ status: 'processed', processedAt: sql`now()` }).where(sql`${inboxEvents.id} = any(${uuidArray(processed)})`);
        if (ignored.length > 0) await tx.update(inboxEvents).set({ status: 'ignored', processedAt: sql`now()` }).where(sql`${inboxEvents.id} = any(${uuidArray(ignored)})`);
        return { applied, rows };
      }),
    );
    for (const row of rows) observeDelay(row.source, row.receivedAt);
    if (rows.length > 0) inboxBatchEvents.observe(rows.length);
    return applied;
  } catch (err) {
    if (listed.length === 1 && (deps.batchLimit ?? 1) <= 1) {
      const dead = await recordFailure(deps, listed[0]!, err);
      if (dead || err instanceof NonRetryableError) throw new NonRetryableError(`event ${listed[0]}: ${(err as Error).message}`);
      throw err;
    }
    inboxBatchSplits.inc();
    deps.log?.warn({ err, events: listed.length }, 'batch failed; its events are retried one by one');
    const applied: ProcessedEvent[] = [];
    let retry: unknown = null;
    for (const id of await arrivalOrder(deps.db, listed)) {
      try {
        applied.push(...(await processInboxEvents({ ...deps, batchLimit: 1 }, [id])));
      } catch (failed) {
        if (!(failed instanceof NonRetryableError)) retry ??= failed;
      }
    }
    if (retry) throw retry;
    return applied;
  }
}

type InboxRow = typeof inboxEvents.$inferSelect;

/** The listed events by arrival: received_at, then the order they were listed in. */
async function arrivalOrder(db: Db, listed: readonly string[]): Promise<string[]> {
  const rows = await db.select({ id: inboxEvents.id, receivedUs: receivedUs() }).from(inboxEvents).where(sql`${inboxEvents.id} = any(${uuidArray(listed)})`);
  return byArrival(rows, listed).map((r) => r.id);
}

/** received_at to the microsecond, which a Date cannot hold. */
const receivedUs = () => sql<number>`(extract(epoch from ${inboxEvents.receivedAt}) * 1000000)::float8`.mapWith(Number);

function byArrival<T extends { id: string; receivedUs: number }>(rows: readonly T[], listed: readonly string[]): T[] {
  const rank = new Map(listed.map((id, i) => [id, i]));
  return [...rows].sort((a, b) => a.receivedUs - b.receivedUs || rank.get(a.id)! - rank.get(b.id)!);
}

/**
 * Locks the listed pending rows (waiting for any another transaction holds, in id order), then up to
 * `extra` others; returns them all by arrival. Rows stored together share a received_at: the listed ones
 * keep the order they were listed in, the others the order they were written in (ctid: a pending row is
 * never updated).
 */
async function claimPending(tx: Db, listed: readonly string[], extra: number): Promise<InboxRow[]> {
  const columns = { ...getTableColumns(inboxEvents), receivedUs: receivedUs() };
  const mine = await tx
    .select(columns)
    .from(inboxEvents)
    .where(and(sql`${inboxEvents.id} = any(${uuidArray(listed)})`, eq(inboxEvents.status, 'pending')))
    .orderBy(asc(inboxEvents.id))
    .for('update');
  const others =
    extra > 0
      ? await tx
          .select(columns)
          .from(inboxEvents)
          .where(and(eq(inboxEvents.status, 'pending'), sql`${inboxEvents.id} <> all(${uuidArray(listed)})`))
          .orderBy(asc(inboxEvents.receivedAt), sql`ctid`)
          .limit(extra)
          .for('update', { skipLocked: true })
      : [];
  // A stable sort: ties between the two lists keep the listed rows first.
  return [...byArrival(mine, listed), ...others].sort((a, b) => a.receivedUs - b.receivedUs);
}

async function applyRow(tx: Db, row: InboxRow, deps: ProcessDeps, normalizedAlready?: Normalized | null): Promise<ProcessOutcome> {
  if (row.source === GITHUB) {
    const github = isActedOnEvent(row.eventType)
      ? await applyGitHubEvent(tx, row.eventType, row.payload)
      : { touched: [], outbox: [], note: `${row.eventType} is not acted on` };
    return { result: 'github', github };
  }
  const normalized = normalizedAlready ?? normalize(row.source, row.payload, row.receivedAt, deps.config);
  switch (normalized.kind) {
    case 'signal':
      return { result: 'assigned', assignment: (await assignSignals(tx, [{ signal: normalized.signal, eventId: row.id, actor: row.source }], deps.config, { embedder: deps.embedder }))[0]! };
    case 'operational':
      await tx
        .insert(operationalEvents)
        .values({ eventId: row.id, source: row.source, ...normalized.record })
        .onConflictDoNothing({ target: operationalEvents.eventId });
      return { result: 'operational' };
    case 'ignored':
      return { result: 'ignored' };
  }
}

/**
 * Applies claimed rows in arrival order: each run of consecutive signals is assigned as one batch; a
 * GitHub or operational row between them is applied on its own, in its place.
 */
async function applyRows(tx: Db, rows: readonly InboxRow[], deps: ProcessDeps): Promise<ProcessedEvent[]> {
  if (rows.length === 1) return [{ eventId: rows[0]!.id, outcome: await applyRow(tx, rows[0]!, deps) }];
  const applied: ProcessedEvent[] = [];
  let run: BatchSignal[] = [];
  const flush = async () => {
    if (run.length === 0) return;
    const assigned = await assignSignals(tx, run, deps.config, { embedder: deps.embedder });
    applied.push(...run.map((item, i) => ({ eventId: item.eventId, outcome: { result: 'assigned' as const, assignment: assigned[i]! } })));
    run = [];
  };
  for (const row of rows) {
    const normalized = row.source === GITHUB ? null : normalize(row.source, row.payload, row.receivedAt, deps.config);
    if (normalized?.kind === 'signal') {
      run.push({ signal: normalized.signal, eventId: row.id, actor: row.source });
      continue;
    }
    await flush();
    applied.push({ eventId: row.id, outcome: await applyRow(tx, row, deps, normalized) });
  }
  await flush();
  return applied;
}

function observeDelay(source: string, receivedAt: Date) {
  eventDelay.observe({ source: source === GITHUB || source === LANGSMITH ? source : 'signals' }, Math.max(0, Date.now() - receivedAt.getTime()) / 1000);
}

/**
 * The signal a stored event was, read again as processing read it; null for what is not one now: a GitHub
 * event, or a payload retention dropped or that no longer validates.
 */
export function storedSignal(row: Pick<InboxRow, 'source' | 'payload' | 'receivedAt'>, config: FileConfig): Signal | null {
  try {
    const normalized = normalize(row.source, row.payload, row.receivedAt, config);
    return normalized.kind === 'signal' ? normalized.signal : null;
  } catch (err) {
    if (err instanceof NonRetryableError) return null;
    throw err;
  }
}

function normalize(source: string, payload: unknown, receivedAt: Date, config: FileConfig): Normalized {
  if (isSignalInboxSource(source)) {
    const parsed = signalSchema.safeParse(payload);
    if (!parsed.success) throw new NonRetryableError(`stored signal no longer validates: ${parsed.error.issues[0]?.message}`);
    return { kind: 'signal', signal: toSignal(parsed.data, receivedAt) };
  }
  if (source !== LANGSMITH) throw new NonRetryableError(`no processor for source ${source}`);
  const parsed = parseEnvelope(payload);
  if (!parsed.ok) throw new NonRetryableError(`stored payload no longer validates: ${parsed.message}`);
  return normalizeLangsmith(parsed.envelope, config.workflows);
}

/** Drizzle wraps a database error as "Failed query: <sql>"; what an operator needs is the database's own words. */
function failureMessage(err: unknown): string {
  const message = String((err as Error)?.message ?? err);
  const cause = (err as { cause?: unknown })?.cause;
  return message.startsWith('Failed query') && cause instanceof Error ? cause.message : message;
}

/** Counts a failed attempt on the row; returns true when that was the last one and the row is now dead. */
async function recordFailure(deps: ProcessDeps, eventId: string, err: unknown): Promise<boolean> {
  const message = failureMessage(err).slice(0, 2000);
  const terminal = err instanceof NonRetryableError;
  const dies = sql`(${terminal ? sql`true` : sql`false`} or ${inboxEvents.attempts} + 1 >= ${deps.maxAttempts})`;
  const [row] = await deps.db
    .update(inboxEvents)
    .set({
      attempts: sql`${inboxEvents.attempts} + 1`,
      lastError: message,
      status: sql`case when ${dies} then 'dead' else ${inboxEvents.status} end`,
      diedAt: sql`case when ${dies} then now() end`,
    })
    .where(and(eq(inboxEvents.id, eventId), eq(inboxEvents.status, 'pending')))
    .returning({ status: inboxEvents.status });
  return row?.status === 'dead';
}
