// POST /v1/signals: failure signals from any source (eval CI, user feedback, tool gateways, OpenTelemetry
// pipelines). Authenticated by a Standard Webhooks signature or a token with `write` scope, checked on the
// raw bytes before anything is parsed; one signal or a batch of up to 500, stored all or nothing.
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { StoreOutcome } from '../../ingest/inbox.js';
import { parseSignals, signalSchema, MAX_BATCH } from '../../ingest/signals/schema.js';
import { hasStandardWebhookHeaders, verifyStandardWebhook } from '../../ingest/signals/verify.js';
import { SIGNAL_EVENT_TYPE, signalInboxSource } from '../../ingest/signals/source.js';
import { bearerToken } from '../../ingest/signature.js';
import type { ApiToken } from '../../config/env.js';
import { API_TOKEN_SCHEME, findToken, hasScope } from '../auth.js';
import type { AppEnv } from '../context.js';
import { storeOrUnavailable } from '../delivery_answer.js';
import { AppError } from '../errors.js';
import { ErrorSchema, jsonContent } from '../schemas.js';
import { duplicates } from '../../telemetry/metrics.js';
import { parseJson, readBody, requireJson, type BodyLimits } from '../request_body.js';

export const SignalsAcceptedSchema = z
  .object({ accepted: z.number().int(), duplicates: z.number().int(), conflicts: z.number().int() })
  .openapi('SignalsAccepted');
export type SignalsAccepted = z.infer<typeof SignalsAcceptedSchema>;

export function registerV1SignalsCreate(app: OpenAPIHono<AppEnv>, limits: BodyLimits) {
  app.openAPIRegistry.registerComponent('securitySchemes', 'standardWebhooks', {
    type: 'apiKey',
    in: 'header',
    name: 'webhook-signature',
    description: 'A Standard Webhooks signature made with RECUR_SIGNALS_SECRET, with the webhook-id and webhook-timestamp headers.',
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/signals',
    security: [{ [API_TOKEN_SCHEME]: ['write'] }, { standardWebhooks: [] }],
    summary: `Send failure signals: one, or {"signals": [...]} with up to ${MAX_BATCH}`,
    description:
      'Authenticate with a bearer token that has the `write` scope, or sign the request with Standard Webhooks ' +
      '(webhook-id, webhook-timestamp, webhook-signature) using RECUR_SIGNALS_SECRET. A batch is all or nothing: ' +
      'one invalid item answers 400 naming its index and nothing is stored. Deduped on (source, id).',
    request: {
      body: {
        content: {
          'application/json': { schema: z.union([signalSchema, z.object({ signals: z.array(signalSchema).max(MAX_BATCH) })]) },
        },
      },
    },
    responses: {
      202: jsonContent(SignalsAcceptedSchema, 'stored; duplicates were stored before with the same body, conflicts with another'),
      400: jsonContent(ErrorSchema, 'not JSON, or an invalid signal (named by its index)'),
      401: jsonContent(ErrorSchema, 'bad signature or missing token'),
      403: jsonContent(ErrorSchema, 'the token lacks the write scope'),
      413: jsonContent(ErrorSchema, 'body too large'),
      415: jsonContent(ErrorSchema, 'not application/json'),
      503: jsonContent(ErrorSchema, 'storage unavailable; retry'),
    },
  });

  app.post('/v1/signals', async (c) => {
    const { config } = c.get('services');
    requireJson(c);
    const body = await readBody(c, limits);
    authorize(c.req.raw.headers, body, config.env.RECUR_SIGNALS_SECRET, config.env.RECUR_API_TOKENS);

    const raw = parseJson(body, limits.maxDepth);
    const parsed = parseSignals(raw);
    if (!parsed.ok) throw new AppError('invalid_payload', parsed.message);
    const rawItems = (Array.isArray((raw as { signals?: unknown }).signals) ? (raw as { signals: unknown[] }).signals : [raw]) as unknown[];

    const outcomes = await storeOrUnavailable(
      c,
      'signals',
      parsed.signals.map((signal, i) => ({
        source: signalInboxSource(signal.source),
        deliveryId: signal.id,
        eventType: SIGNAL_EVENT_TYPE,
        body: new TextEncoder().encode(JSON.stringify(rawItems[i])),
        payload: rawItems[i],
        status: 'pending' as const,
      })),
    );
    const tally = (outcome: StoreOutcome['outcome']) => outcomes.filter((o) => o.outcome === outcome).length;
    const answer: SignalsAccepted = { accepted: tally('accepted'), duplicates: tally('duplicate'), conflicts: tally('conflict') };
    c.set('delivery', { type: SIGNAL_EVENT_TYPE, outcome: answer.accepted > 0 ? 'accepted' : answer.conflicts > 0 ? 'conflict' : 'duplicate' });
    if (answer.duplicates > 0) duplicates.inc({ source: 'signals' }, answer.duplicates);
    c.var.log.info({ source: 'signals', received: parsed.signals.length, ...answer }, 'delivery');
    return c.json(answer, 202);
  });
}

/**
 * A Standard Webhooks signature, when present, must verify. Otherwise a token with `write` scope is needed;
 * with no API tokens configured that check is off, unless a signals secret is set, which means only signed
 * deliveries are wanted.
 */
function authorize(headers: Headers, body: Uint8Array, secret: string | undefined, tokens: readonly ApiToken[] | undefined) {
  if (hasStandardWebhookHeaders(headers)) {
    if (!secret) throw new AppError('unauthorized', 'signed deliveries are not accepted: RECUR_SIGNALS_SECRET is not set');
    if (!verifyStandardWebhook(secret, body, headers)) {
      throw new AppError('unauthorized', 'invalid Standard Webhooks signature, or a timestamp more than 5 minutes away');
    }
    return;
  }
  if (!tokens) {
    if (secret) throw new AppError('unauthorized', 'sign the request with Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature)');
    return;
  }
  const token = findToken(tokens, bearerToken(headers.get('authorization') ?? undefined));
  if (!token) throw new AppError('unauthorized', 'a token with the write scope, or a Standard Webhooks signature, is required');
  if (!hasScope(token, 'write')) throw new AppError('forbidden', 'this token lacks the "write" scope');
}
