// GET /v1/families/:id/related: the live families of the same workflow most like this one, each with its
// score and the evidence the two share, for a person to merge (POST /v1/families/:id/merge) or leave.
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { relatedFamilies } from '../../families/grouping/related.js';
import { RELATED } from '../../families/grouping/similarity.js';
import { scoped } from '../auth.js';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';
import { errorResponses, ErrorSchema, jsonContent } from '../schemas.js';

const QuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(RELATED.maxCandidates).default(5) });

const RelatedFamilySchema = z
  .object({
    id: z.string(),
    title: z.string(),
    status: z.string(),
    trace_count: z.number().int(),
    last_seen: z.string(),
    score: z.number().min(0).max(1),
    shared: z.array(z.string()),
    other_sources: z.boolean().openapi({ description: 'no source has reported to both families; such families are listed first' }),
  })
  .openapi('RelatedFamily');

export const RelatedFamiliesSchema = z.object({ items: z.array(RelatedFamilySchema) }).openapi('RelatedFamilies');

const route = createRoute({
  method: 'get',
  path: '/v1/families/{id}/related',
  summary: 'Families of the same workflow most like this one, to merge or leave',
  ...scoped('read'),
  request: { params: z.object({ id: z.uuid() }), query: QuerySchema },
  responses: {
    200: jsonContent(RelatedFamiliesSchema, 'the most alike first; none for a family merged away'),
    404: jsonContent(ErrorSchema, 'no such family'),
    ...errorResponses,
  },
});

export function registerV1FamiliesRelated(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const { limit } = c.req.valid('query');
    const related = await relatedFamilies(c.var.services.database.db, id, limit);
    if (!related) throw new AppError('not_found', `no family ${id}`);
    const items = related.map((r) => ({
      id: r.id,
      title: r.title,
      status: r.status,
      trace_count: r.traceCount,
      last_seen: r.lastSeen.toISOString(),
      score: +r.score.toFixed(3),
      shared: r.shared,
      other_sources: r.otherSources,
    }));
    return c.json({ items }, 200);
  });
}
