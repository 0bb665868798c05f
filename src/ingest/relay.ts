// Relays committed inbox rows to the queue: the step between a delivery's durable write and its processing.
import Denque from 'denque';
import type { Services } from '../services.js';
import { INBOX_JOB_MAX_EVENTS } from '../queue/jobs.js';
import { inboxJobId } from '../queue/job_ids.js';
import { inboxRelayEvents } from '../telemetry/metrics.js';
import type { TraceCarrier } from '../telemetry/tracing.js';

export interface RelayedEvent {
  eventId: string;
  trace?: TraceCarrier;
}

/** Events waiting for the queue beyond this are left to the sweeper (the queue is down or stuck). */
export const RELAY_MAX_WAITING = 50_000;
/** Least time between two jobs the relay queues, unless a full job is waiting. */
export const RELAY_LINGER_MS = 50;
/** While the queue is down every commit overflows the backlog: one warn line per this long counts the rows dropped. */
const RELAY_WARN_EVERY_MS = 10_000;

/**
 * Relays committed inbox rows to the queue, one enqueue in flight at a time and at most one every
 * RELAY_LINGER_MS: rows committed meanwhile go together in the next job (up to INBOX_JOB_MAX_EVENTS each).
 * A queue round trip costs the api as much CPU as storing several deliveries; under load this spends one
 * on many commits, for at most RELAY_LINGER_MS more before processing, and nothing on the answer. An idle
 * relay sends at once. Best effort: a failed enqueue, or rows beyond RELAY_MAX_WAITING, are left to the
 * sweeper, which queues every pending row it finds. The backlog is a deque, so a full one costs a commit
 * no more than an empty one (an array dropping its oldest rows copied all the others, every commit).
 */
export function createRelay(
  { queue, log }: Pick<Services, 'queue' | 'log'>,
  {
    maxWaiting = RELAY_MAX_WAITING,
    lingerMs = RELAY_LINGER_MS,
    warnEveryMs = RELAY_WARN_EVERY_MS,
  }: { maxWaiting?: number; lingerMs?: number; warnEveryMs?: number } = {},
): (events: readonly RelayedEvent[]) => void {
  const waiting = new Denque<RelayedEvent>();
  let sending = false;
  let lastSentAt = -Infinity;
  let dropped = 0;
  let lastWarnAt = -Infinity;
  let warnTimer: NodeJS.Timeout | undefined;
  const warnDropped = () => {
    warnTimer = undefined;
    log.warn({ events: dropped }, 'relay backlog full; the sweeper will queue the oldest events');
    lastWarnAt = performance.now();
    dropped = 0;
  };
  const drain = async () => {
    sending = true;
    while (waiting.length > 0) {
      const linger = lastSentAt + lingerMs - performance.now();
      if (linger > 0 && waiting.length < INBOX_JOB_MAX_EVENTS) await new Promise((r) => setTimeout(r, linger));
      lastSentAt = performance.now();
      const chunk = waiting.remove(0, Math.min(waiting.length, INBOX_JOB_MAX_EVENTS)) ?? [];
      try {
        await enqueueEvents(queue, chunk);
      } catch (err) {
        log.warn({ err, events: chunk.length }, 'relay failed; the sweeper will queue the events');
      }
    }
    sending = false;
  };
  return (events) => {
    if (events.length === 0) return;
    for (const e of events) waiting.push(e);
    while (waiting.length > maxWaiting) {
      waiting.shift();
      dropped += 1;
    }
    if (dropped > 0 && !warnTimer) {
      // Rows dropped within the window are counted in one line at its end, even if no commit follows.
      const wait = lastWarnAt + warnEveryMs - performance.now();
      if (wait <= 0) warnDropped();
      else warnTimer = setTimeout(warnDropped, wait).unref();
    }
    if (!sending) void drain();
  };
}

/** One job naming the events, continuing the first one's trace and linked to the others'. */
async function enqueueEvents(queue: Services['queue'], events: readonly RelayedEvent[]): Promise<void> {
  const eventIds = events.map((e) => e.eventId);
  const traces = [...new Map(events.flatMap((e) => (e.trace?.traceparent ? [[e.trace.traceparent, e.trace] as const] : []))).values()];
  inboxRelayEvents.observe(eventIds.length);
  await queue.enqueue('inbox.process', { eventIds }, { jobId: inboxJobId(eventIds[0]!), trace: traces[0], links: traces.slice(1) });
}
