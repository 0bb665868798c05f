// GET /v1/evaluators (filters workflow, family_id, suite) and GET /v1/evaluators/:id.
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { exportJson, exportTypeScript } from '../../evaluators/export.js';
import { getEvaluator, listEvaluators } from '../../evaluators/read.js';
import { evaluatorSpecSchema } from '../../evaluators/spec_schema.js';
import type { EvaluatorSpec } from '../../evaluators/templates.js';
import { scoped } from '../auth.js';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';
import { errorResponses, ErrorSchema, jsonContent } from '../schemas.js';

const EvaluatorSchema = z
  .object({
    id: z.uuid(),
    family_id: z.uuid(),
    workflow: z.string(),
    suite: z.enum(['benchmark', 'coverage', 'both']),
    kind: z.string(),
    spec: z.record(z.string(), z.unknown()).openapi({ description: 'an EvaluatorSpec' }),
    examples: z.array(z.record(z.string(), z.unknown())),
    revision: z.number().int(),
    drafted_by: z.enum(['template', 'llm']),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Evaluator');

const listRoute = createRoute({
  method: 'get',
  path: '/v1/evaluators',
  summary: 'List evaluators',
  ...scoped('read'),
  request: {
    query: z.object({
      workflow: z.string().min(1).max(500).optional(),
      family_id: z.uuid().optional(),
      suite: z.enum(['benchmark', 'coverage', 'both']).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
  },
  responses: { 200: jsonContent(z.object({ items: z.array(EvaluatorSchema) }), 'evaluators'), 400: jsonContent(ErrorSchema, 'invalid filter'), ...errorResponses },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/evaluators/{id}',
  summary: 'Get one evaluator with its spec and examples',
  ...scoped('read'),
  request: { params: z.object({ id: z.uuid() }) },
  responses: { 200: jsonContent(EvaluatorSchema, 'the evaluator'), 404: jsonContent(ErrorSchema, 'no such evaluator'), ...errorResponses },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/v1/evaluators/{id}/export',
  summary: 'Export an evaluator as a JSON spec or a TypeScript module for the LangSmith SDK evaluate()',
  ...scoped('read'),
  request: { params: z.object({ id: z.uuid() }), query: z.object({ format: z.enum(['json', 'ts']).default('ts') }) },
  responses: {
    200: { content: { 'text/plain': { schema: z.string() }, 'application/json': { schema: z.string() } }, description: 'the file, with a Content-Disposition filename' },
    404: jsonContent(ErrorSchema, 'no such evaluator'),
    ...errorResponses,
  },
});

export function registerV1Evaluators(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.register('EvaluatorSpec', evaluatorSpecSchema);
  app.openapi(exportRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { format } = c.req.valid('query');
    const e = await getEvaluator(c.var.services.database.db, id);
    if (!e) throw new AppError('not_found', `no evaluator ${id}`);
    const input = { id: e.id, familyId: e.family_id, workflow: e.workflow, suite: e.suite, revision: e.revision, spec: e.spec as unknown as EvaluatorSpec, examples: e.examples };
    const file = format === 'json' ? exportJson(input) : exportTypeScript(input);
    c.header('content-disposition', `attachment; filename="${e.family_id}.${format}"`);
    return c.body(file, 200, { 'content-type': format === 'json' ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8' }) as never;
  });
  app.openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const items = await listEvaluators(c.var.services.database.db, { workflow: q.workflow, familyId: q.family_id, suite: q.suite, limit: q.limit });
    return c.json({ items }, 200);
  });
  app.openapi(getRoute, async (c) => {
    const { id } = c.req.valid('param');
    const evaluator = await getEvaluator(c.var.services.database.db, id);
    if (!evaluator) throw new AppError('not_found', `no evaluator ${id}`);
    return c.json(evaluator, 200);
  });
}
