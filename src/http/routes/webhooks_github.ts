// POST /webhooks/github: GitHub webhooks, verified with X-Hub-Signature-256 before parsing, deduped on
// X-GitHub-Delivery, typed by X-GitHub-Event. `ping` is answered; events recur acts on are stored for the
// worker; any other event is stored and ignored.
import { verify } from '@octokit/webhooks-methods';
import type { Hono } from 'hono';
import { isActedOnEvent } from '../../ingest/github/events.js';
import { GITHUB } from '../../ingest/github/source.js';
import type { AppEnv } from '../context.js';
import { answerDelivery, storeOrUnavailable } from '../delivery_answer.js';
import { AppError } from '../errors.js';
import { requestHeader } from '../request_header.js';
import { parseJsonText, readBody, requireJson, type BodyLimits } from '../request_body.js';

export function registerWebhooksGithub(app: Hono<AppEnv>, limits: BodyLimits) {
  app.post('/webhooks/github', async (c) => {
    const { config } = c.get('services');
    requireJson(c);
    const body = await readBody(c, limits);
    const secret = config.env.GITHUB_WEBHOOK_SECRET;
    if (secret) {
      const signature = requestHeader(c, 'x-hub-signature-256') ?? '';
      const ok = /^sha256=[0-9a-f]{64}$/i.test(signature) && (await verify(secret, Buffer.from(body).toString('utf8'), signature).catch(() => false));
      if (!ok) throw new AppError('unauthorized', 'missing or invalid X-Hub-Signature-256');
    }
    const event = requestHeader(c, 'x-github-event') ?? '';
    const delivery = requestHeader(c, 'x-github-delivery') ?? '';
    if (!/^[\w.-]{1,100}$/.test(event)) throw new AppError('invalid_payload', 'X-GitHub-Event: expected the event name');
    if (!/^[\w-]{1,100}$/.test(delivery)) throw new AppError('invalid_payload', 'X-GitHub-Delivery: expected the delivery id');
    const { value: payload, text } = parseJsonText(body, limits.maxDepth);
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new AppError('invalid_payload', 'expected a JSON object');
    if (event === 'ping') return c.json({ status: 'pong' }, 200);

    const acted = isActedOnEvent(event);
    const [stored] = await storeOrUnavailable(c, GITHUB, [
      { source: GITHUB, deliveryId: delivery, eventType: event, body, payload, payloadJson: text, status: acted ? 'pending' : 'ignored' },
    ]);
    return answerDelivery(c, { source: GITHUB, type: event, delivery, stored: stored!, acted });
  });
}
