// GET /v1/local-issues and /v1/local-issues/:owner/:name/:number: the local ticket store, used when no
// GitHub credentials are configured.
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { getLocalIssue, listLocalIssues } from '../../tickets/local_store.js';
import { scoped } from '../auth.js';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';
import { errorResponses, ErrorSchema, jsonContent } from '../schemas.js';

const LocalIssueSchema = z
  .object({
    repo: z.string(),
    number: z.number().int(),
    title: z.string(),
    body: z.string(),
    labels: z.array(z.string()),
    assignees: z.array(z.string()),
    state: z.enum(['open', 'closed']),
    state_reason: z.string().nullable(),
    family_id: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    comments: z.array(z.object({ body: z.string(), created_at: z.string() })),
  })
  .openapi('LocalIssue');

const listRoute = createRoute({
  method: 'get',
  path: '/v1/local-issues',
  summary: 'List tickets in the local ticket store',
  ...scoped('read'),
  request: {
    query: z.object({
      repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/).optional(),
      state: z.enum(['open', 'closed']).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
  },
  responses: { 200: jsonContent(z.object({ items: z.array(LocalIssueSchema) }), 'local tickets, newest first'), ...errorResponses },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/local-issues/{owner}/{name}/{number}',
  summary: 'Get one ticket from the local ticket store',
  ...scoped('read'),
  request: {
    params: z.object({ owner: z.string().regex(/^[\w.-]+$/), name: z.string().regex(/^[\w.-]+$/), number: z.coerce.number().int().min(1) }),
  },
  responses: { 200: jsonContent(LocalIssueSchema, 'the ticket'), 404: jsonContent(ErrorSchema, 'no such ticket'), ...errorResponses },
});

export function registerV1LocalIssues(app: OpenAPIHono<AppEnv>) {
  app.openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    return c.json({ items: await listLocalIssues(c.var.services.database.db, q) }, 200);
  });
  app.openapi(getRoute, async (c) => {
    const { owner, name, number } = c.req.valid('param');
    const issue = await getLocalIssue(c.var.services.database.db, `${owner}/${name}`, number);
    if (!issue) throw new AppError('not_found', `no local ticket ${owner}/${name}#${number}`);
    return c.json(issue, 200);
  });
}
