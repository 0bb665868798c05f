// How every webhook route stores its deliveries (group-committed to the inbox, the committed rows relayed
// to the queue) and answers them (CONTRACT section 3): accepted, a duplicate of a stored delivery, a
// conflict with one, or stored and ignored; one log line per delivery outcome.
import { context, type Context as TraceContext } from '@opentelemetry/api';
import Denque from 'denque';
import type { Context } from 'hono';
import { createGroupCommit, isContentError, type GroupCommit } from '../ingest/group_commit.js';
import { storeBatchAsReceived, type Delivery, type StoreOutcome } from '../ingest/inbox.js';
import type { Services } from '../services.js';
import { INBOX_JOB_MAX_EVENTS } from '../queue/jobs.js';
import { inboxJobId } from '../queue/sweeper.js';
import { inboxCommitDeliveries, inboxRelayEvents } from '../telemetry/metrics.js';
import { currentTraceCarrier, spansRecorded, withSpan, type TraceCarrier } from '../telemetry/tracing.js';
import type { AppEnv } from './context.js';
import { AppError } from './errors.js';

export function answerDelivery(c: Context<AppEnv>, d: { source: string; type: string; delivery: string; stored: StoreOutcome; acted: boolean }) {
  const log = c.get('log');
  const { stored } = d;
  const outcome = stored.outcome === 'accepted' && !d.acted ? 'ignored' : stored.outcome;
  c.set('delivery', { type: d.type, outcome });
  // Built as one literal: in Node 20, `{ ...fields, outcome }` gives the object a new hidden class on every
  // call, which cost the webhook routes more than anything else they log.
  const line = { source: d.source, type: d.type, delivery: d.delivery, event_id: stored.eventId, outcome };
  if (outcome === 'conflict') {
    log.warn(line, 'delivery id reused with a different body');
    throw new AppError('conflict', `delivery ${d.delivery} was already stored with a different body`, { event_id: stored.eventId });
  }
  log.info(line, 'delivery');
  if (outcome === 'duplicate') return c.json({ status: outcome, event_id: stored.eventId }, 200);
  return c.json({ status: outcome, event_id: stored.eventId }, 202);
}

/** Most deliveries one inbox statement stores, and one job then names. */
export const INBOX_MAX_BATCH = INBOX_JOB_MAX_EVENTS;

/**
 * The app's inbox writer: concurrent requests share one group commit on the database, and the committed
 * rows are relayed to the queue.
 */
export function createInboxWriter(services: Pick<Services, 'database' | 'queue' | 'log'>): GroupCommit {
  const { db } = services.database;
  const relay = createRelay(services);
  return createGroupCommit((deliveries) => storeBatchAsReceived(db, deliveries), {
    maxBatch: INBOX_MAX_BATCH,
    maxInFlight: 2,
    onCommitted: (requests) => {
      const events: RelayedEvent[] = [];
      let stored = 0;
      for (const { deliveries, outcomes, trace } of requests) {
        stored += deliveries.length;
        outcomes.forEach((o, i) => {
          if (o.outcome === 'accepted' && deliveries[i]!.status === 'pending') events.push({ eventId: o.eventId, trace });
        });
      }
      inboxCommitDeliveries.observe(stored);
      relay(events);
    },
  });
}

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

/**
 * Stores one request's deliveries through the app's group commit and answers once they are committed; a
 * storage failure answers 503, which senders (LangSmith, GitHub) retry. A refusal of the content itself is
 * 400: retrying the same body could never succeed.
 */
export async function storeOrUnavailable(c: Context<AppEnv>, source: string, deliveries: readonly Delivery[]): Promise<StoreOutcome[]> {
  const store = (traceContext: TraceContext) => c.get('inbox').store(deliveries, currentTraceCarrier(traceContext));
  try {
    // Unrecorded, a span of its own would only be a new span id: the jobs continue the request's span.
    if (!spansRecorded()) return await store(c.get('traceContext'));
    return await withSpan('db store_delivery', { attributes: { 'recur.source': source } }, () => store(context.active()));
  } catch (err) {
    if (isContentError(err)) {
      c.get('log').warn({ err, source }, 'delivery not stored: the database refused its content');
      throw new AppError('invalid_payload', 'the payload cannot be stored: the database refused its content');
    }
    c.get('log').error({ err, source }, 'delivery not stored: storage unavailable');
    throw new AppError('unavailable', 'storage is unavailable; retry later');
  }
}
