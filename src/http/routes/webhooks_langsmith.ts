// POST /webhooks/langsmith: LangSmith Engine deliveries, verified, stored once, answered in milliseconds.
import type { Hono } from 'hono';
import { parseEnvelope } from '../../ingest/langsmith/envelope.js';
import { LANGSMITH } from '../../ingest/langsmith/normalize.js';
import { bearerToken, constantTimeEqual, verifyHmacSha256 } from '../../ingest/signature.js';
import type { AppEnv } from '../context.js';
import { answerDelivery, storeOrUnavailable } from '../delivery_answer.js';
import { AppError } from '../errors.js';
import { requestHeader } from '../request_header.js';
import { parseJsonText, readBody, requireJson, type BodyLimits } from '../request_body.js';

export function registerWebhooksLangsmith(app: Hono<AppEnv>, limits: BodyLimits) {
  app.post('/webhooks/langsmith', async (c) => {
    const { config } = c.get('services');
    const { LANGSMITH_WEBHOOK_SECRET: secrets, LANGSMITH_WEBHOOK_TOKEN: token } = config.env;
    requireJson(c);
    const body = await readBody(c, limits);

    if (token && !constantTimeEqual(bearerToken(requestHeader(c, 'authorization')) ?? '', token)) {
      throw new AppError('unauthorized', 'missing or wrong bearer token');
    }
    if (secrets.length > 0 && !verifyHmacSha256(body, requestHeader(c, 'x-langsmith-signature'), secrets)) {
      throw new AppError('unauthorized', 'missing or invalid X-LangSmith-Signature');
    }

    const json = parseJsonText(body, limits.maxDepth);
    const parsed = parseEnvelope(json.value);
    if (!parsed.ok) throw new AppError('invalid_payload', parsed.message);
    const { envelope, known } = parsed;

    const [stored] = await storeOrUnavailable(c, LANGSMITH, [
      {
        source: LANGSMITH,
        deliveryId: envelope.id,
        eventType: envelope.type,
        requestId: envelope.request_id ?? undefined,
        body,
        payload: envelope,
        payloadJson: json.text,
        status: known ? 'pending' : 'ignored',
      },
    ]);
    return answerDelivery(c, { source: LANGSMITH, type: envelope.type, delivery: envelope.id, stored: stored!, acted: known });
  });
}
