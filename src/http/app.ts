// Builds the hono app without listening: main.ts serves it, tests call app.request() in-process.
import { randomUUID } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { Services } from '../services.js';
import type { AppEnv } from './context.js';
import { createInboxWriter } from './delivery_answer.js';
import { AppError, errorBody, errorResponse } from './errors.js';
import { registerApiTokenScheme } from './auth.js';
import { registerHealth } from './routes/health.js';
import { registerDocsPage } from './routes/docs_page.js';
import { registerOverviewPage } from './routes/overview_page.js';
import { registerPageAssets } from './routes/page_assets.js';
import { registerV1DeadLettersList } from './routes/v1_dead_letters_list.js';
import { registerV1DeadLettersReplay } from './routes/v1_dead_letters_replay.js';
import { registerV1DeadLettersReplayAll } from './routes/v1_dead_letters_replay_all.js';
import { registerV1FamiliesGet } from './routes/v1_families_get.js';
import { registerV1FamiliesList } from './routes/v1_families_list.js';
import { registerV1FamiliesMerge } from './routes/v1_families_merge.js';
import { registerV1FamiliesSplit } from './routes/v1_families_split.js';
import { registerV1FamiliesUpdate } from './routes/v1_families_update.js';
import { registerV1EvaluationsCreate } from './routes/v1_evaluations_create.js';
import { registerV1Evaluators } from './routes/v1_evaluators.js';
import { registerV1GatesCheck } from './routes/v1_gates_check.js';
import { registerV1LocalIssues } from './routes/v1_local_issues.js';
import { registerV1SignalsCreate } from './routes/v1_signals_create.js';
import { registerWebhooksGithub } from './routes/webhooks_github.js';
import { registerWebhooksLangsmith } from './routes/webhooks_langsmith.js';

export function createApp(services: Services): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        throw new AppError('invalid_request', issue ? `${issue.path.join('.') || 'request'}: ${issue.message}` : 'invalid request');
      }
    },
  });

  const inbox = createInboxWriter(services);
  app.use('*', async (c, next) => {
    c.set('services', services);
    c.set('inbox', inbox);
    c.set('requestId', c.req.header('x-request-id')?.slice(0, 100) || randomUUID());
    await next();
    c.header('x-request-id', c.var.requestId);
  });

  app.onError((err, c) => {
    if (err instanceof AppError) return errorResponse(c, err);
    if (err instanceof HTTPException) return c.json(errorBody('invalid_request', err.message), err.status as 400);
    services.log.error({ err, path: c.req.path, requestId: c.var.requestId }, 'unhandled error');
    return c.json(errorBody('internal', 'internal error'), 500);
  });
  app.notFound((c) => c.json(errorBody('not_found', `no route ${c.req.method} ${c.req.path}`), 404));

  registerHealth(app);
  registerWebhooksLangsmith(app, services.config.env.RECUR_MAX_BODY_BYTES);
  registerWebhooksGithub(app, services.config.env.RECUR_MAX_BODY_BYTES);
  registerV1SignalsCreate(app, services.config.env.RECUR_MAX_BODY_BYTES);
  registerV1FamiliesList(app);
  registerV1FamiliesGet(app);
  registerV1FamiliesUpdate(app);
  registerV1FamiliesMerge(app);
  registerV1FamiliesSplit(app);
  registerV1LocalIssues(app);
  registerV1Evaluators(app);
  registerV1EvaluationsCreate(app);
  registerV1GatesCheck(app);
  registerV1DeadLettersList(app);
  registerV1DeadLettersReplayAll(app);
  registerV1DeadLettersReplay(app);
  registerOverviewPage(app);
  registerPageAssets(app);

  registerApiTokenScheme(app);
  const openapi = { openapi: '3.1.0', info: { title: 'recur', version: '0.1.0' } };
  app.doc31('/openapi.json', openapi);
  registerDocsPage(app, () => app.getOpenAPI31Document(openapi));
  return app;
}
