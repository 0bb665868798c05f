// GET /v1/families/:id/traces: every trace of a family, newest first, a page at a time, each with why its
// event joined the family. The family detail shows only the newest 100.
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { decodeTraceCursor, listFamilyTraces } from '../../families/read.js';
import { scoped } from '../auth.js';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';
import { errorResponses, ErrorSchema, jsonContent, TraceSchema } from '../schemas.js';

const QuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(500).optional(),
});

export const FamilyTracesSchema = z.object({ items: z.array(TraceSchema), next_cursor: z.string().nullable() }).openapi('FamilyTraces');

const route = createRoute({
  method: 'get',
  path: '/v1/families/{id}/traces',
  summary: 'Page through the traces of a family',
  ...scoped('read'),
  request: { params: z.object({ id: z.uuid() }), query: QuerySchema },
  responses: {
    200: jsonContent(FamilyTracesSchema, 'a page of traces'),
    400: jsonContent(ErrorSchema, 'invalid cursor'),
    404: jsonContent(ErrorSchema, 'no such family'),
    ...errorResponses,
  },
});

export function registerV1FamiliesTraces(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const q = c.req.valid('query');
    const after = q.cursor ? decodeTraceCursor(q.cursor) : undefined;
    if (after === null) throw new AppError('invalid_request', 'cursor: not a cursor this API returned');
    const page = await listFamilyTraces(c.var.services.database.db, id, { limit: q.limit, after });
    if (!page) throw new AppError('not_found', `no family ${id}`);
    return c.json({ items: page.items, next_cursor: page.nextCursor }, 200);
  });
}
