// GET /v1/boundary-corrections: the boundaries people set by hand, which new families with the same
// evidence learn from; newest first, withdrawn ones on request, cursor paging.
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { decodeCorrectionCursor, listCorrections } from '../../families/boundary_corrections.js';
import { BOUNDARIES } from '../../families/types.js';
import { scoped } from '../auth.js';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';
import { errorResponses, ErrorSchema, jsonContent } from '../schemas.js';

export const BoundaryCorrectionSchema = z
  .object({
    id: z.uuid(),
    boundary: z.enum(BOUNDARIES),
    keys: z.array(z.string()).openapi({
      description: 'the corrected family\'s evidence keys, most specific first: `tool+error:<tool>|<error class>`, `evaluator:<name>`, `workflow+kind:<workflow>|<kind>`',
    }),
    family_id: z.uuid().openapi({ description: 'the family a person corrected' }),
    ticket_number: z.number().int().nullable(),
    actor: z.string().openapi({ description: 'who set the boundary: `github:<login>`, `token:<name>` or `api`' }),
    created_at: z.string(),
    withdrawn_at: z.string().nullable().openapi({ description: 'set once withdrawn: it then teaches no new family' }),
    withdrawn_by: z.string().nullable(),
  })
  .openapi('BoundaryCorrection');

const QuerySchema = z.object({
  state: z.enum(['active', 'withdrawn', 'all']).default('active').openapi({ description: '`active` (default), `withdrawn` or `all`' }),
  family_id: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const BoundaryCorrectionsListSchema = z.object({ items: z.array(BoundaryCorrectionSchema), next_cursor: z.string().nullable() });
export type BoundaryCorrectionsListResponse = z.infer<typeof BoundaryCorrectionsListSchema>;

const route = createRoute({
  method: 'get',
  path: '/v1/boundary-corrections',
  summary: 'List boundary corrections that new families learn from',
  ...scoped('read'),
  request: { query: QuerySchema },
  responses: {
    200: jsonContent(BoundaryCorrectionsListSchema, 'a page of corrections, newest first'),
    400: jsonContent(ErrorSchema, 'invalid filter or cursor'),
    ...errorResponses,
  },
});

export function registerV1BoundaryCorrectionsList(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const after = q.cursor ? decodeCorrectionCursor(q.cursor) : undefined;
    if (after === null) throw new AppError('invalid_request', 'cursor: not a cursor this API returned');
    const withdrawn = q.state === 'all' ? undefined : q.state === 'withdrawn';
    const page = await listCorrections(c.var.services.database.db, { withdrawn, familyId: q.family_id }, { limit: q.limit, after });
    return c.json({ items: page.items, next_cursor: page.nextCursor }, 200);
  });
}
