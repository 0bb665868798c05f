// POST /webhooks/github: GitHub webhooks, verified with X-Hub-Signature-256 before parsing, deduped on
// X-GitHub-Delivery, typed by X-GitHub-Event. `ping` is answered; events recur acts on are stored for the
// worker; any other event is stored and ignored.
import { verify } from '@octokit/webhooks-methods';
import type { Hono } from 'hono';
import { isActedOnEvent } from '../../ingest/github/events.js';
import { GITHUB } from '../../ingest/github/source.js';
import { storeDelivery } from '../../ingest/inbox.js';
import { inboxJobId } from '../../queue/sweeper.js';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';
import { parseJson, readRawBody, requireJson, webhookBodyLimit } from '../webhook_body.js';

export function registerWebhooksGithub(app: Hono<AppEnv>, maxBodyBytes: number) {
  app.post('/webhooks/github', webhookBodyLimit(maxBodyBytes), async (c) => {
    const { config, database, queue, log } = c.var.services;
    requireJson(c);
    const body = await readRawBody(c);
    const secret = config.env.GITHUB_WEBHOOK_SECRET;
    if (secret) {
      const signature = c.req.header('x-hub-signature-256') ?? '';
      const ok = /^sha256=[0-9a-f]{64}$/i.test(signature) && (await verify(secret, Buffer.from(body).toString('utf8'), signature).catch(() => false));
      if (!ok) throw new AppError('unauthorized', 'missing or invalid X-Hub-Signature-256');
    }
    const event = c.req.header('x-github-event') ?? '';
    const delivery = c.req.header('x-github-delivery') ?? '';
    if (!/^[\w.-]{1,100}$/.test(event)) throw new AppError('invalid_payload', 'X-GitHub-Event: expected the event name');
    if (!/^[\w-]{1,100}$/.test(delivery)) throw new AppError('invalid_payload', 'X-GitHub-Delivery: expected the delivery id');
    const payload = parseJson(body);
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new AppError('invalid_payload', 'expected a JSON object');
    if (event === 'ping') return c.json({ status: 'pong' }, 200);

    const acted = isActedOnEvent(event);
    let stored;
    try {
      stored = await storeDelivery(database.db, { source: GITHUB, deliveryId: delivery, eventType: event, body, payload, status: acted ? 'pending' : 'ignored' });
    } catch (err) {
      log.error({ err, source: GITHUB }, 'delivery not stored: storage unavailable');
      throw new AppError('unavailable', 'storage is unavailable; retry later');
    }
    const logged = { source: GITHUB, type: event, delivery, event_id: stored.eventId };
    if (stored.outcome === 'conflict') throw new AppError('conflict', `delivery ${delivery} was already stored with a different body`, { event_id: stored.eventId });
    if (stored.outcome === 'duplicate') {
      log.info({ ...logged, outcome: 'duplicate' }, 'delivery');
      return c.json({ status: 'duplicate', event_id: stored.eventId }, 200);
    }
    if (!acted) {
      log.info({ ...logged, outcome: 'ignored' }, 'delivery');
      return c.json({ status: 'ignored', event_id: stored.eventId }, 202);
    }
    queue
      .enqueue('inbox.process', { eventId: stored.eventId }, { jobId: inboxJobId(stored.eventId) })
      .catch((err) => log.warn({ err, event_id: stored.eventId }, 'relay failed; the sweeper will queue the event'));
    log.info({ ...logged, outcome: 'accepted' }, 'delivery');
    return c.json({ status: 'accepted', event_id: stored.eventId }, 202);
  });
}
