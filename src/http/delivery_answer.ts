// How every webhook route answers once its delivery is stored (CONTRACT section 3): accepted and relayed
// to the queue, a duplicate of a stored delivery, a conflict with one, or stored and ignored; one log
// line per delivery outcome.
import type { Context } from 'hono';
import type { StoreOutcome } from '../ingest/inbox.js';
import { inboxJobId } from '../queue/sweeper.js';
import type { AppEnv } from './context.js';
import { AppError } from './errors.js';

export function answerDelivery(c: Context<AppEnv>, d: { source: string; type: string; delivery: string; stored: StoreOutcome; acted: boolean }) {
  const { log } = c.var.services;
  const { stored } = d;
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
  relayEvent(c, stored.eventId);
  log.info({ ...logged, outcome: 'accepted' }, 'delivery');
  return c.json({ status: 'accepted' as const, event_id: stored.eventId }, 202);
}

/** Queues a committed inbox row. Best effort: the sweeper re-queues anything this misses. */
export function relayEvent(c: Context<AppEnv>, eventId: string): void {
  const { queue, log } = c.var.services;
  queue
    .enqueue('inbox.process', { eventId }, { jobId: inboxJobId(eventId) })
    .catch((err) => log.warn({ err, event_id: eventId }, 'relay failed; the sweeper will queue the event'));
}

/** Runs the inbox write; a storage failure answers 503, which senders (LangSmith, GitHub) retry. */
export async function storeOrUnavailable<T>(c: Context<AppEnv>, source: string, store: () => Promise<T>): Promise<T> {
  try {
    return await store();
  } catch (err) {
    c.var.services.log.error({ err, source }, 'delivery not stored: storage unavailable');
    throw new AppError('unavailable', 'storage is unavailable; retry later');
  }
}
