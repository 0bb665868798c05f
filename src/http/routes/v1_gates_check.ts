// GET /v1/gates/:workflow?release=R&environment=E: may this release ship? Recorded with who asked.
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { checkGate } from '../../gates/check.js';
import { actorOf } from '../actor.js';
import { scoped } from '../auth.js';
import type { AppEnv } from '../context.js';
import { errorResponses, ErrorSchema, jsonContent } from '../schemas.js';

const GateSchema = z
  .object({
    workflow: z.string(),
    release: z.string(),
    environment: z.string().nullable(),
    decision: z.enum(['pass', 'block']),
    checked_at: z.string(),
    blocking: z.array(
      z.object({
        family_id: z.uuid(),
        title: z.string(),
        severity: z.number().int(),
        reason: z.enum(['open_family', 'failing_evaluator', 'regressed', 'missing_evaluation']),
        ticket_url: z.string().nullable(),
        evaluator_id: z.string().nullable(),
      }),
    ),
    evaluators: z.object({ required: z.number().int(), passed: z.number().int(), failed: z.number().int(), missing: z.number().int() }),
  })
  .openapi('GateDecision');

const route = createRoute({
  method: 'get',
  path: '/v1/gates/{workflow}',
  summary: 'Release gate: may this release of the workflow ship?',
  ...scoped('read'),
  request: {
    params: z.object({ workflow: z.string().min(1).max(200) }),
    query: z.object({ release: z.string().min(1).max(100), environment: z.string().min(1).max(100).optional() }),
  },
  responses: { 200: jsonContent(GateSchema, 'the decision, with what blocks it'), 400: jsonContent(ErrorSchema, 'missing release'), ...errorResponses },
});

export function registerV1GatesCheck(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { workflow } = c.req.valid('param');
    const { release, environment } = c.req.valid('query');
    const { database, config, log } = c.var.services;
    const answer = await checkGate(database.db, { workflow, release, environment, askedBy: actorOf(c), policy: config.file.gate });
    log.info({ workflow, release, environment, decision: answer.decision, blocking: answer.blocking.length }, 'gate checked');
    return c.json(answer, 200);
  });
}
