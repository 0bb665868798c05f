// Performs outbox rows: side effects decided inside a processing transaction and written there (replies to
// /recur commands). Each is performed through the side-effect ledger (reserved, sent, completed with its
// receipt; an unfinished one is looked up by its hidden marker before it is sent again), and the row is
// marked done in the transaction that completes the ledger. A failure pushes the row's next attempt back;
// the queue retries the job, and the sweeper re-drives a pending row the queue gave up on.
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { outbox, tickets } from '../db/schema/index.js';
import { recordHistory } from '../families/history.js';
import { NonRetryableError } from '../queue/jobs.js';
import { runIssueOperation } from './issue_operation.js';
import { REPLY_KIND, replyOperation, replyPayload } from './replies.js';
import type { TicketSink } from './sinks/types.js';

/** Longest wait between two attempts of a pending row. */
const MAX_BACKOFF_MS = 10 * 60_000;

export type OutboxResult = 'done' | 'not_pending';

/**
 * What a failed attempt leaves the row: given up (the issue is gone, the write is refused as invalid, or the
 * row cannot be performed at all), or pending with its next attempt pushed back (1 s, 2 s, 4 s… at most 10 min).
 */
export function decideOutboxRetry(failure: { status?: number; nonRetryable: boolean }, attemptsBefore: number): { giveUp: true } | { giveUp: false; retryInMs: number } {
  if (failure.nonRetryable || failure.status === 404 || failure.status === 410 || failure.status === 422) return { giveUp: true };
  return { giveUp: false, retryInMs: Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** Math.max(0, attemptsBefore)) };
}

export async function deliverOutbox(db: Db, sink: TicketSink, id: string): Promise<OutboxResult> {
  const [row] = await db.select().from(outbox).where(eq(outbox.id, id));
  if (!row || row.status !== 'pending') return 'not_pending';
  try {
    await perform(db, sink, row);
    return 'done';
  } catch (err) {
    const retry = decideOutboxRetry({ status: (err as { status?: number })?.status, nonRetryable: err instanceof NonRetryableError }, row.attempts);
    await db
      .update(outbox)
      .set({
        status: retry.giveUp ? 'failed' : 'pending',
        attempts: sql`${outbox.attempts} + 1`,
        lastError: String((err as Error)?.message ?? err).slice(0, 1000),
        nextAttemptAt: sql`now() + ${retry.giveUp ? 0 : retry.retryInMs} * interval '1 millisecond'`,
        updatedAt: sql`now()`,
      })
      .where(and(eq(outbox.id, id), eq(outbox.status, 'pending')));
    if (retry.giveUp && !(err instanceof NonRetryableError)) throw new NonRetryableError(`outbox ${row.operationKey}: ${(err as Error)?.message ?? err}`);
    throw err;
  }
}

async function perform(db: Db, sink: TicketSink, row: typeof outbox.$inferSelect): Promise<void> {
  if (row.kind !== REPLY_KIND) throw new NonRetryableError(`outbox kind ${row.kind} is not known`);
  // Answers go where the question was asked: GitHub.
  if (sink.provider !== 'github') throw new NonRetryableError('a reply needs GitHub credentials (tickets are local)');
  const parsed = replyPayload.safeParse(row.payload);
  if (!parsed.success) throw new NonRetryableError(`outbox ${row.operationKey}: unreadable payload`);
  const reply = parsed.data;
  // The issue's address as GitHub gave it (a GitHub Enterprise Server has its own host).
  const [ticket] = await db.select({ url: tickets.url }).from(tickets).where(and(eq(tickets.repo, reply.repo), eq(tickets.number, reply.number)));
  const ref = { repo: reply.repo, number: reply.number, url: ticket?.url ?? `https://github.com/${reply.repo}/issues/${reply.number}` };
  await runIssueOperation(db, sink, { ref, familyId: reply.familyId }, {
    action: 'comment',
    key: replyOperation(reply),
    perform: (target, marker) => sink.comment(target, { body: reply.body, marker }),
    reconcile: (target, marker) => sink.findComment(target, marker),
    apply: async (tx, how) => {
      await tx.update(outbox).set({ status: 'done', attempts: sql`${outbox.attempts} + 1`, lastError: null, updatedAt: sql`now()` }).where(eq(outbox.id, row.id));
      if (how !== 'recorded') await recordHistory(tx, reply.familyId, 'command', 'recur', { answered: reply.key });
    },
  });
}
