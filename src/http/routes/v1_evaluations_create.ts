// POST /v1/evaluations: a release pipeline reports evaluator results; failures of resolved families reopen them.
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { recordEvaluations } from '../../gates/evaluations.js';
import { scheduleTicketSync } from '../../tickets/schedule.js';
import { actorOf } from '../actor.js';
import { scoped } from '../auth.js';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';
import { errorResponses, ErrorSchema, jsonContent } from '../schemas.js';

const BodySchema = z.strictObject({
  workflow: z.string().min(1).max(200),
  release: z.string().min(1).max(100),
  environment: z.string().min(1).max(100).optional(),
  results: z
    .array(z.strictObject({ evaluator_id: z.uuid(), passed: z.boolean(), score: z.number().optional(), run_url: z.url().max(4000).optional() }))
    .min(1)
    .max(1000),
});

const route = createRoute({
  method: 'post',
  path: '/v1/evaluations',
  summary: 'Report evaluator results for a release',
  ...scoped('write'),
  request: { body: { content: { 'application/json': { schema: BodySchema } }, required: true } },
  responses: {
    202: jsonContent(z.object({ accepted: z.number().int(), regressed: z.array(z.uuid()) }), 'stored; families reopened by a failing guard'),
    400: jsonContent(ErrorSchema, 'invalid results, or evaluators not of this workflow'),
    ...errorResponses,
  },
});

export function registerV1EvaluationsCreate(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const body = c.req.valid('json');
    const { database, queue, log } = c.var.services;
    const outcome = await recordEvaluations(database.db, body, actorOf(c));
    if (outcome.result === 'unknown_evaluators') throw new AppError('invalid_request', `results: no evaluator of workflow ${body.workflow} with id ${outcome.ids.slice(0, 5).join(', ')}`);
    for (const id of outcome.touched) await scheduleTicketSync(queue, log, id);
    return c.json({ accepted: outcome.stored, regressed: outcome.regressed }, 202);
  });
}
