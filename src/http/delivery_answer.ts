// How every webhook route stores its deliveries (group-committed to the inbox, each committed batch relayed
// to the queue) and answers them (CONTRACT section 3): accepted, a duplicate of a stored delivery, a
// conflict with one, or stored and ignored; one log line per delivery outcome.
import { context, type Context as TraceContext } from '@opentelemetry/api';
import type { Context } from 'hono';
import { createGroupCommit, type GroupCommit } from '../ingest/group_commit.js';
import { storeBatch, type Delivery, type StoreOutcome } from '../ingest/inbox.js';
import type { Services } from '../services.js';
import { INBOX_JOB_MAX_EVENTS } from '../queue/jobs.js';
import { inboxJobId } from '../queue/sweeper.js';
import { currentTraceCarrier, spansRecorded, withSpan, type TraceCarrier } from '../telemetry/tracing.js';
import type { AppEnv } from './context.js';
import { AppError } from './errors.js';

export function answerDelivery(c: Context<AppEnv>, d: { source: string; type: string; delivery: string; stored: StoreOutcome; acted: boolean }) {
  const log = c.get('log');
  const { stored } = d;
  c.set('delivery', { type: d.type, outcome: stored.outcome === 'accepted' && !d.acted ? 'ignored' : stored.outcome });
  const logged = { source: d.source, type: d.type, delivery: d.delivery, event_id: stored.eventId };
  if (stored.outcome === 'conflict') {
    log.warn({ ...logged, outcome: 'conflict' }, 'delivery id reused with a different body');
    throw new AppError('conflict', `delivery ${d.delivery} was already stored with a different body`, { event_id: stored.eventId });
  }
  if (stored.outcome === 'duplicate') {
    log.info({ ...logged, outcome: 'duplicate' }, 'delivery');
    return c.json({ status: 'duplicate' as const, event_id: stored.eventId }, 200);
  }
  if (!d.acted) {
    log.info({ ...logged, outcome: 'ignored' }, 'delivery');
    return c.json({ status: 'ignored' as const, event_id: stored.eventId }, 202);
  }
  log.info({ ...logged, outcome: 'accepted' }, 'delivery');
  return c.json({ status: 'accepted' as const, event_id: stored.eventId }, 202);
}

/** Most deliveries one inbox statement stores, and one job then names. */
export const INBOX_MAX_BATCH = INBOX_JOB_MAX_EVENTS;

/**
 * The app's inbox writer: concurrent requests share one group commit on the database, and every committed
 * batch is relayed to the queue in one round trip.
 */
export function createInboxWriter(services: Pick<Services, 'database' | 'queue' | 'log'>): GroupCommit {
  const { db } = services.database;
  return createGroupCommit((deliveries) => storeBatch(db, deliveries), {
    maxBatch: INBOX_MAX_BATCH,
    maxInFlight: 2,
    onCommitted: (deliveries, outcomes) =>
      relayEvents(services, outcomes.flatMap((o, i) => (o.outcome === 'accepted' && deliveries[i]!.status === 'pending' ? [{ eventId: o.eventId, trace: deliveries[i]!.trace }] : []))),
  });
}

/**
 * Queues a committed batch's inbox rows as one job, continuing the first delivery's trace and linked to the
 * others'. Best effort: the sweeper re-queues anything this misses.
 */
export function relayEvents({ queue, log }: Pick<Services, 'queue' | 'log'>, events: ReadonlyArray<{ eventId: string; trace?: TraceCarrier }>): void {
  if (events.length === 0) return;
  const eventIds = events.map((e) => e.eventId);
  const traces = [...new Map(events.flatMap((e) => (e.trace?.traceparent ? [[e.trace.traceparent, e.trace] as const] : []))).values()];
  queue
    .enqueue('inbox.process', { eventIds }, { jobId: inboxJobId(eventIds[0]!), trace: traces[0], links: traces.slice(1) })
    .catch((err) => log.warn({ err, events: events.length }, 'relay failed; the sweeper will queue the events'));
}

/**
 * Stores one request's deliveries through the app's group commit and answers once they are committed; a
 * storage failure answers 503, which senders (LangSmith, GitHub) retry.
 */
export async function storeOrUnavailable(c: Context<AppEnv>, source: string, deliveries: readonly Delivery[]): Promise<StoreOutcome[]> {
  const store = (traceContext: TraceContext) => {
    const trace = currentTraceCarrier(traceContext);
    return c.get('inbox').store(trace ? deliveries.map((d) => ({ ...d, trace })) : deliveries);
  };
  try {
    // Unrecorded, a span of its own would only be a new span id: the jobs continue the request's span.
    if (!spansRecorded()) return await store(c.get('traceContext'));
    return await withSpan('db store_delivery', { attributes: { 'recur.source': source } }, () => store(context.active()));
  } catch (err) {
    c.get('log').error({ err, source }, 'delivery not stored: storage unavailable');
    throw new AppError('unavailable', 'storage is unavailable; retry later');
  }
}
