// GET /v1/families: families with filters and cursor paging, most recently seen first.
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { decodeCursor, listFamilies } from '../../families/read.js';
import { BOUNDARIES, FAMILY_STATUSES } from '../../families/types.js';
import { scoped } from '../auth.js';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';
import { errorResponses, ErrorSchema, FamilySchema, jsonContent } from '../schemas.js';

const QuerySchema = z.object({
  status: z.enum(FAMILY_STATUSES).optional(),
  workflow: z.string().min(1).max(500).optional(),
  boundary: z.enum(BOUNDARIES).optional(),
  severity_lte: z.coerce.number().int().min(0).max(3).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});

export const FamiliesListSchema = z.object({ items: z.array(FamilySchema), next_cursor: z.string().nullable() });
export type FamiliesListResponse = z.infer<typeof FamiliesListSchema>;

const route = createRoute({
  method: 'get',
  path: '/v1/families',
  summary: 'List failure families',
  ...scoped('read'),
  request: { query: QuerySchema },
  responses: {
    200: jsonContent(FamiliesListSchema, 'a page of families'),
    400: jsonContent(ErrorSchema, 'invalid filter or cursor'),
    ...errorResponses,
  },
});

export function registerV1FamiliesList(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    if (after === null) throw new AppError('invalid_request', 'cursor: not a cursor this API returned');
    const page = await listFamilies(
      c.var.services.database.db,
      { status: q.status, workflow: q.workflow, boundary: q.boundary, severityLte: q.severity_lte },
      { limit: q.limit, after },
    );
    return c.json({ items: page.items, next_cursor: page.nextCursor }, 200);
  });
}
