// Replays dead letters: a dead or stuck inbox row goes back to pending with its attempts reset, the replay
// is recorded (who, when, from what state), and the row is queued under a job id of its own. Processing
// stays exactly-once however often a row is replayed: the job locks the row and finds it done.
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { inboxEvents, inboxReplays } from '../db/schema/index.js';
import type { JobQueue } from '../queue/jobs.js';
import { inboxJobId, replayJobId } from '../queue/job_ids.js';
import type { Logger } from '../telemetry/logger.js';
import {
  deadLetterColumns,
  deadLetterCondition,
  filterCondition,
  stateOf,
  toDeadLetterJson,
  type DeadLetterFilters,
  type DeadLetterJson,
  type DeadLetterRow,
} from './dead_letters.js';

/** The most rows one replay call takes. */
export const MAX_REPLAY_BATCH = 500;


export interface ReplayDeps {
  db: Db;
  queue: JobQueue;
  log: Logger;
}

export type ReplayOutcome =
  | { result: 'replayed'; item: DeadLetterJson }
  | { result: 'not_found' }
  | { result: 'not_replayable'; state: DeadLetterJson['state'] };

export async function replayDeadLetter(deps: ReplayDeps, input: { eventId: string; actor: string }): Promise<ReplayOutcome> {
  const outcome = await deps.db.transaction(async (tx): Promise<ReplayOutcome> => {
    const [row] = await tx.select(deadLetterColumns()).from(inboxEvents).where(eq(inboxEvents.id, input.eventId)).for('update');
    if (!row) return { result: 'not_found' };
    const state = stateOf(row);
    if (state !== 'dead' && state !== 'stuck') return { result: 'not_replayable', state };
    const [item] = await resetForReplay(tx, [row], input.actor);
    return { result: 'replayed', item: item! };
  });
  if (outcome.result === 'replayed') await enqueueReplays(deps, [outcome.item]);
  return outcome;
}

export type ReplaySelection = { ids: string[] } | { filters: DeadLetterFilters };

/**
 * Replays dead letters, oldest first: the ones named (those no longer dead or stuck are skipped), or up to
 * `limit` of those matching the filters. Rows another transaction holds are skipped, not waited for.
 */
export async function replayDeadLetters(
  deps: ReplayDeps,
  input: { selection: ReplaySelection; limit: number; actor: string },
): Promise<{ items: DeadLetterJson[]; more: boolean }> {
  const { selection } = input;
  const limit = Math.min('ids' in selection ? selection.ids.length : input.limit, MAX_REPLAY_BATCH);
  if ('ids' in selection && selection.ids.length === 0) return { items: [], more: false };
  const where = 'ids' in selection ? and(inArray(inboxEvents.id, selection.ids), deadLetterCondition(undefined)) : filterCondition(selection.filters);
  const replayed = await deps.db.transaction(async (tx) => {
    const rows = await tx
      .select(deadLetterColumns())
      .from(inboxEvents)
      .where(where)
      .orderBy(asc(inboxEvents.receivedAt), asc(inboxEvents.id))
      .limit(limit + 1)
      .for('update', { skipLocked: true });
    return { items: await resetForReplay(tx, rows.slice(0, limit), input.actor), more: rows.length > limit };
  });
  await enqueueReplays(deps, replayed.items);
  return replayed;
}

async function resetForReplay(tx: Db, rows: DeadLetterRow[], actor: string): Promise<DeadLetterJson[]> {
  if (rows.length === 0) return [];
  await tx.insert(inboxReplays).values(
    rows.map((r) => ({ eventId: r.id, actor, previousState: stateOf(r), previousAttempts: r.attempts, previousError: r.lastError })),
  );
  const updated = await tx
    .update(inboxEvents)
    .set({
      status: 'pending',
      attempts: 0,
      lastError: null,
      diedAt: null,
      replays: sql`${inboxEvents.replays} + 1`,
      replayedAt: sql`now()`,
    })
    .where(
      inArray(
        inboxEvents.id,
        rows.map((r) => r.id),
      ),
    )
    .returning(deadLetterColumns());
  const order = new Map(rows.map((r, i) => [r.id, i]));
  return updated.sort((a, b) => order.get(a.id)! - order.get(b.id)!).map(toDeadLetterJson);
}

/**
 * After the commit, so a job never finds the row still dead. A failed enqueue leaves the row pending: the
 * sweeper queues it, and if nothing does it shows as stuck again.
 */
async function enqueueReplays(deps: ReplayDeps, items: DeadLetterJson[]): Promise<void> {
  for (const item of items) {
    try {
      await deps.queue.enqueue('inbox.process', { eventIds: [item.event_id] }, { jobId: replayJobId(item.event_id, item.replays) });
    } catch (err) {
      deps.log.warn({ err, event_id: item.event_id }, 'replayed event not queued; the sweeper will queue it');
    }
  }
}
