// POST /webhooks/langsmith: LangSmith Engine deliveries, verified, stored once, answered in milliseconds.
import type { Hono } from 'hono';
import { storeDelivery } from '../../ingest/inbox.js';
import { parseEnvelope } from '../../ingest/langsmith/envelope.js';
import { LANGSMITH } from '../../ingest/langsmith/normalize.js';
import { bearerToken, constantTimeEqual, verifyHmacSha256 } from '../../ingest/signature.js';
import { inboxJobId } from '../../queue/sweeper.js';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';
import { parseJson, readRawBody, requireJson, webhookBodyLimit } from '../webhook_body.js';

export type LangsmithWebhookResponse = { status: 'accepted' | 'duplicate' | 'ignored'; event_id: string };

export function registerWebhooksLangsmith(app: Hono<AppEnv>, maxBodyBytes: number) {
  app.post('/webhooks/langsmith', webhookBodyLimit(maxBodyBytes), async (c) => {
    const { config, database, queue, log } = c.var.services;
    const { LANGSMITH_WEBHOOK_SECRET: secrets, LANGSMITH_WEBHOOK_TOKEN: token } = config.env;
    requireJson(c);
    const body = await readRawBody(c);

    if (token && !constantTimeEqual(bearerToken(c.req.header('authorization')) ?? '', token)) {
      throw new AppError('unauthorized', 'missing or wrong bearer token');
    }
    if (secrets.length > 0 && !verifyHmacSha256(body, c.req.header('x-langsmith-signature'), secrets)) {
      throw new AppError('unauthorized', 'missing or invalid X-LangSmith-Signature');
    }

    const parsed = parseEnvelope(parseJson(body));
    if (!parsed.ok) throw new AppError('invalid_payload', parsed.message);
    const { envelope, known } = parsed;

    let stored;
    try {
      stored = await storeDelivery(database.db, {
        source: LANGSMITH,
        deliveryId: envelope.id,
        eventType: envelope.type,
        requestId: envelope.request_id ?? undefined,
        body,
        payload: envelope,
        status: known ? 'pending' : 'ignored',
      });
    } catch (err) {
      log.error({ err, source: LANGSMITH }, 'delivery not stored: storage unavailable');
      throw new AppError('unavailable', 'storage is unavailable; retry later');
    }

    const logged = { source: LANGSMITH, type: envelope.type, delivery: envelope.id, event_id: stored.eventId };
    if (stored.outcome === 'conflict') {
      log.warn({ ...logged, outcome: 'conflict' }, 'delivery id reused with a different body');
      throw new AppError('conflict', `delivery ${envelope.id} was already stored with a different body`, { event_id: stored.eventId });
    }
    if (stored.outcome === 'duplicate') {
      log.info({ ...logged, outcome: 'duplicate' }, 'delivery');
      return c.json({ status: 'duplicate', event_id: stored.eventId } satisfies LangsmithWebhookResponse, 200);
    }
    if (!known) {
      log.info({ ...logged, outcome: 'ignored' }, 'delivery');
      return c.json({ status: 'ignored', event_id: stored.eventId } satisfies LangsmithWebhookResponse, 202);
    }
    // The row is committed; queueing is best effort, the sweeper re-queues anything this misses.
    queue
      .enqueue('inbox.process', { eventId: stored.eventId }, { jobId: inboxJobId(stored.eventId) })
      .catch((err) => log.warn({ err, event_id: stored.eventId }, 'relay failed; the sweeper will queue the event'));
    log.info({ ...logged, outcome: 'accepted' }, 'delivery');
    return c.json({ status: 'accepted', event_id: stored.eventId } satisfies LangsmithWebhookResponse, 202);
  });
}
