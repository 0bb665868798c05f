// How a webhook route answers a delivery (docs/contract.md section 3): stores it through the API's inbox writer
// (ingest/inbox_writer.ts) and answers from what the store said: accepted, a duplicate of a stored
// delivery, a conflict with one, or stored and ignored; 400 for content the database refuses, 503 when
// storage is unavailable. One log line per delivery outcome.
import { context, type Context as TraceContext } from '@opentelemetry/api';
import type { Context } from 'hono';
import { isContentError, type Delivery, type StoreOutcome } from '../ingest/inbox.js';
import { currentTraceCarrier, spansRecorded, withSpan } from '../telemetry/tracing.js';
import type { AppEnv } from './context.js';
import { AppError } from './errors.js';

export function answerDelivery(c: Context<AppEnv>, d: { source: string; type: string; delivery: string; stored: StoreOutcome; acted: boolean }) {
  const log = c.get('log');
  const { stored } = d;
  const outcome = stored.outcome === 'accepted' && !d.acted ? 'ignored' : stored.outcome;
  c.set('delivery', { type: d.type, outcome });
  // Built as one literal: in Node 20, `{ ...fields, outcome }` gives the object a new hidden class on every
  // call, about a tenth of the API's CPU per delivery in bench:ingest (commit c9c2341).
  const line = { source: d.source, type: d.type, delivery: d.delivery, event_id: stored.eventId, outcome };
  if (outcome === 'conflict') {
    log.warn(line, 'delivery id reused with a different body');
    throw new AppError('conflict', `delivery ${d.delivery} was already stored with a different body`, { event_id: stored.eventId });
  }
  log.info(line, 'delivery');
  if (outcome === 'duplicate') return c.json({ status: outcome, event_id: stored.eventId }, 200);
  return c.json({ status: outcome, event_id: stored.eventId }, 202);
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
