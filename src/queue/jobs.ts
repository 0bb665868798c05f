// Job names, their payloads and per-queue options, declared once: enqueueing the wrong payload does not
// compile, and a payload that does not parse when the job starts is failed without retries.
import { z } from 'zod';
import type { TraceCarrier } from '../telemetry/tracing.js';

/** Most inbox rows one `inbox.process` job names (a group-commit batch is at most this). */
export const INBOX_JOB_MAX_EVENTS = 256;

export const JOB_SCHEMAS = {
  // The inbox rows one committed batch (or one sweep) stored; `{ eventId }` is how jobs queued before
  // batches were spelled, still taken from a queue a previous version filled.
  'inbox.process': z.union([
    z.object({ eventIds: z.array(z.uuid()).min(1).max(INBOX_JOB_MAX_EVENTS) }),
    z.object({ eventId: z.uuid() }).transform(({ eventId }) => ({ eventIds: [eventId] })),
  ]),
  'ticket.sync': z.object({ familyId: z.uuid() }),
  'regression.pull_request': z.object({ familyId: z.uuid() }),
  // An outbox row (a reply to a /recur command) to perform through the ledger.
  'outbox.deliver': z.object({ id: z.uuid() }),
} as const;

export type JobName = keyof typeof JOB_SCHEMAS;
export type JobPayload<N extends JobName> = z.output<(typeof JOB_SCHEMAS)[N]>;

export const JOB_NAMES = Object.keys(JOB_SCHEMAS) as JobName[];

/** One queue per job type, so a slow GitHub never holds up ingestion. */
export const QUEUE_OF: Record<JobName, string> = {
  'inbox.process': 'recur-inbox',
  'ticket.sync': 'recur-tickets',
  // The ticket's repo, the same GitHub: it shares the ticket queue's workers rather than adding a queue.
  'regression.pull_request': 'recur-tickets',
  'outbox.deliver': 'recur-tickets',
};

export interface EnqueueOptions {
  /** Deterministic id derived from the row the job is about: queueing the same work twice is a no-op. */
  jobId: string;
  delayMs?: number;
  /** The trace the job continues, when it is queued outside the context that caused it (a group commit). */
  trace?: TraceCarrier;
  /** Other traces the job carries on, linked from its span: the rest of a relayed batch's deliveries. */
  links?: readonly TraceCarrier[];
}

export interface JobContext {
  attempt: number;
}

export type Processors = { [N in JobName]: (payload: JobPayload<N>, ctx: JobContext) => Promise<void> };

export interface RetryPolicy {
  attempts: number;
  backoffMs: number;
}

export interface JobQueue {
  readonly driver: 'bullmq-redis' | 'bullmq-postgres' | 'in-process';
  enqueue<N extends JobName>(name: N, payload: JobPayload<N>, opts: EnqueueOptions): Promise<void>;
  /** Starts consuming every queue with the given processors (the worker role). */
  work(processors: Processors, opts: { concurrency: number }): Promise<void>;
  /** Jobs waiting or delayed, per queue: what a user looks at to see a backlog. */
  depth(): Promise<Record<string, number>>;
  ping(): Promise<void>;
  /** Stops taking jobs, lets running ones finish (bounded), releases connections. */
  close(): Promise<void>;
}

/** Thrown by a processor for failures that no retry can fix (a malformed payload, a missing row). */
export class NonRetryableError extends Error {
  override readonly name = 'NonRetryableError';
}

export function parsePayload<N extends JobName>(name: N, data: unknown): JobPayload<N> {
  const parsed = JOB_SCHEMAS[name].safeParse(data);
  if (!parsed.success) throw new NonRetryableError(`invalid ${name} payload: ${parsed.error.issues[0]?.message}`);
  return parsed.data as JobPayload<N>;
}

export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  return policy.backoffMs * 2 ** Math.max(0, attempt - 1);
}
