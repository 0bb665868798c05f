// Processes one inbox event: normalizes it and applies it in a single transaction that also marks the
// event processed, so a second run of the same job finds it done. Failures are counted on the row; after
// the last allowed attempt the row is marked dead, where operators see it and can replay it.
import { and, eq, sql } from 'drizzle-orm';
import type { FileConfig } from '../config/file.js';
import type { Db } from '../db/client.js';
import { inboxEvents, operationalEvents } from '../db/schema/index.js';
import { assignSignal, type AssignResult } from '../families/assign.js';
import { NonRetryableError } from '../queue/jobs.js';
import { eventDelay } from '../telemetry/metrics.js';
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
}

export type ProcessOutcome =
  | { result: 'missing' | 'already_done' | 'operational' | 'ignored' }
  | { result: 'assigned'; assignment: AssignResult }
  | { result: 'github'; github: GitHubOutcome };

export async function processInboxEvent(deps: ProcessDeps, eventId: string): Promise<ProcessOutcome> {
  try {
    return await withSpan('db process_event', { attributes: { 'recur.event_id': eventId } }, () => deps.db.transaction(async (tx) => {
      const [row] = await tx.select().from(inboxEvents).where(eq(inboxEvents.id, eventId)).for('update');
      if (!row) return { result: 'missing' as const };
      if (row.status !== 'pending') return { result: 'already_done' as const };

      if (row.source === GITHUB) {
        const github = isActedOnEvent(row.eventType)
          ? await applyGitHubEvent(tx, row.eventType, row.payload)
          : { touched: [], replies: [], note: `${row.eventType} is not acted on` };
        await tx.update(inboxEvents).set({ status: 'processed', processedAt: sql`now()` }).where(eq(inboxEvents.id, eventId));
        observeDelay(row.source, row.receivedAt);
        return { result: 'github' as const, github };
      }
      const normalized = normalize(row.source, row.payload, row.receivedAt, deps.config);
      let outcome: ProcessOutcome;
      switch (normalized.kind) {
        case 'signal':
          outcome = { result: 'assigned', assignment: await assignSignal(tx, normalized.signal, { config: deps.config, eventId, actor: row.source }) };
          break;
        case 'operational':
          await tx
            .insert(operationalEvents)
            .values({ eventId, source: row.source, ...normalized.record })
            .onConflictDoNothing({ target: operationalEvents.eventId });
          outcome = { result: 'operational' };
          break;
        case 'ignored':
          outcome = { result: 'ignored' };
          break;
      }
      await tx
        .update(inboxEvents)
        .set({ status: normalized.kind === 'ignored' ? 'ignored' : 'processed', processedAt: sql`now()` })
        .where(eq(inboxEvents.id, eventId));
      observeDelay(row.source, row.receivedAt);
      return outcome;
    }));
  } catch (err) {
    const dead = await recordFailure(deps, eventId, err);
    if (dead || err instanceof NonRetryableError) throw new NonRetryableError(`event ${eventId}: ${(err as Error).message}`);
    throw err;
  }
}

function observeDelay(source: string, receivedAt: Date) {
  eventDelay.observe({ source: source === GITHUB || source === LANGSMITH ? source : 'signals' }, Math.max(0, Date.now() - receivedAt.getTime()) / 1000);
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
