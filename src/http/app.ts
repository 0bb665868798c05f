// Builds the hono app without listening: main.ts serves it, tests call app.request() in-process.
import { randomUUID } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { Services } from '../services.js';
import type { GroupCommit } from '../ingest/group_commit.js';
import { countPendingUpTo } from '../ingest/inbox_health.js';
import type { AppEnv } from './context.js';
import { createInboxWriter } from '../ingest/inbox_writer.js';
import { AppError, codeOfHttpException, errorBody, errorResponse } from './errors.js';
import { requestHeader } from './request_header.js';
import { registerApiTokenScheme } from './auth.js';
import { authFailureAnswer, type AuthFailureAnswer } from './auth_failures.js';
import { loadShedding } from './load_shedding.js';
import { bodyLimitsOf, boundedJsonBodies } from './request_body.js';
import { registerHealth } from './routes/health.js';
import { registerDocsPage } from './routes/docs_page.js';
import { registerOverviewPage } from './routes/overview_page.js';
import { registerPageAssets } from './routes/page_assets.js';
import { registerMetrics } from './routes/metrics.js';
import { webhookRateLimit } from './rate_limit.js';
import { requestTelemetry, type DeliverySource } from './request_telemetry.js';
import { registerV1BoundaryCorrectionsList } from './routes/v1_boundary_corrections_list.js';
import { registerV1BoundaryCorrectionsWithdraw } from './routes/v1_boundary_corrections_withdraw.js';
import { registerV1DeadLettersList } from './routes/v1_dead_letters_list.js';
import { registerV1DeadLettersReplay } from './routes/v1_dead_letters_replay.js';
import { registerV1DeadLetterReplaysCreate } from './routes/v1_dead_letter_replays_create.js';
import { registerV1FamiliesGet } from './routes/v1_families_get.js';
import { registerV1FamiliesList } from './routes/v1_families_list.js';
import { registerV1FamiliesMerge } from './routes/v1_families_merge.js';
import { registerV1FamiliesSplit } from './routes/v1_families_split.js';
import { registerV1FamiliesRelated } from './routes/v1_families_related.js';
import { registerV1FamiliesTraces } from './routes/v1_families_traces.js';
import { registerV1FamiliesUpdate } from './routes/v1_families_update.js';
import { registerV1GroupingRules } from './routes/v1_grouping_rules.js';
import { registerV1EvaluationsCreate } from './routes/v1_evaluations_create.js';
import { registerV1Evaluators } from './routes/v1_evaluators.js';
import { registerV1GatesCheck } from './routes/v1_gates_check.js';
import { registerV1LocalIssues } from './routes/v1_local_issues.js';
import { registerV1SignalsCreate } from './routes/v1_signals_create.js';
import { registerWebhooksGithub } from './routes/webhooks_github.js';
import { registerWebhooksLangsmith } from './routes/webhooks_langsmith.js';

/** The routes that take deliveries: each request to one is counted by how it was answered, and may be shed or rate limited. */
const DELIVERY_PATHS: ReadonlyMap<string, DeliverySource> = new Map([
  ['/webhooks/langsmith', 'langsmith'],
  ['/webhooks/github', 'github'],
  ['/v1/signals', 'signals'],
]);

/** A caller's request id is echoed only when it is short and plain: it goes into every log line. */
const REQUEST_ID = /^[\w.:-]{1,100}$/;

/**
 * What every role serves: the services and telemetry around each request (with the api role's inbox
 * writer), the error shape, /healthz, /readyz, /metrics.
 */
function baseApp(
  services: Services,
  { inbox, deliveryPaths, authFailures }: { inbox?: GroupCommit; deliveryPaths?: ReadonlyMap<string, DeliverySource>; authFailures?: AuthFailureAnswer } = {},
): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        throw new AppError('invalid_request', issue ? `${issue.path.join('.') || 'request'}: ${issue.message}` : 'invalid request');
      }
    },
  });
  app.use('*', requestTelemetry(services, { inbox, deliveryPaths, requestIdOf: (c) => REQUEST_ID.exec(requestHeader(c, 'x-request-id') ?? '')?.[0] ?? randomUUID() }));
  app.onError(async (err, c) => {
    if (err instanceof AppError) return errorResponse(c, err.code === 'unauthorized' && authFailures ? await authFailures(c, err) : err);
    if (err instanceof HTTPException) return c.json(errorBody(codeOfHttpException(err.status), err.message), err.status as 400);
    (c.var.log ?? services.log).error({ err, path: c.req.path }, 'unhandled error');
    return c.json(errorBody('internal', 'internal error'), 500);
  });
  app.notFound((c) => c.json(errorBody('not_found', `no route ${c.req.method} ${c.req.path}`), 404));
  registerHealth(app);
  registerMetrics(app);
  return app;
}

/** The worker role serves only the operational endpoints, so it can be health-checked and scraped. */
export function createOpsApp(services: Services): OpenAPIHono<AppEnv> {
  return baseApp(services);
}

export function createApp(services: Services): OpenAPIHono<AppEnv> {
  const { env } = services.config;
  const inbox = createInboxWriter(services);
  const authFailures = authFailureAnswer({ perAddress: env.RECUR_AUTH_FAILURES_PER_ADDRESS, trustProxy: env.RECUR_TRUST_PROXY, log: services.log });
  const app = baseApp(services, { inbox, deliveryPaths: DELIVERY_PATHS, authFailures });
  const shedding = loadShedding({
    limits: { storeWaitMs: env.RECUR_SHED_STORE_WAIT_MS, inboxPending: env.RECUR_SHED_INBOX_PENDING },
    storeWaitMs: () => inbox.oldestWaitMs(),
    countPending: (limit) => countPendingUpTo(services.database.db, limit),
  });
  const rateLimit = webhookRateLimit({ perAddress: env.RECUR_RATE_LIMIT_PER_ADDRESS, perToken: env.RECUR_RATE_LIMIT_PER_TOKEN, trustProxy: env.RECUR_TRUST_PROXY, log: services.log });
  for (const path of DELIVERY_PATHS.keys()) {
    if (shedding) app.use(path, shedding);
    if (rateLimit) app.use(path, rateLimit);
  }
  const limits = bodyLimitsOf(env);
  // The delivery routes read their bodies themselves: their signatures are checked on the raw bytes first.
  app.use('/v1/*', boundedJsonBodies(limits, new Set(DELIVERY_PATHS.keys())));

  registerWebhooksLangsmith(app, limits);
  registerWebhooksGithub(app, limits);
  registerV1SignalsCreate(app, limits);
  registerV1FamiliesList(app);
  registerV1FamiliesGet(app);
  registerV1FamiliesTraces(app);
  registerV1FamiliesRelated(app);
  registerV1FamiliesUpdate(app);
  registerV1FamiliesMerge(app);
  registerV1FamiliesSplit(app);
  registerV1BoundaryCorrectionsList(app);
  registerV1BoundaryCorrectionsWithdraw(app);
  registerV1GroupingRules(app);
  registerV1LocalIssues(app);
  registerV1Evaluators(app);
  registerV1EvaluationsCreate(app);
  registerV1GatesCheck(app);
  registerV1DeadLettersList(app);
  registerV1DeadLetterReplaysCreate(app);
  registerV1DeadLettersReplay(app);
  registerOverviewPage(app);
  registerPageAssets(app);

  registerApiTokenScheme(app);
  const openapi = { openapi: '3.1.0', info: { title: 'recur', version: '0.1.0' } };
  app.doc31('/openapi.json', openapi);
  registerDocsPage(app, () => app.getOpenAPI31Document(openapi));
  return app;
}
