// GET /v1/families/:id: one family with its traces (newest first) and its history.
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { getFamily } from '../../families/read.js';
import { scoped } from '../auth.js';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';
import { errorResponses, ErrorSchema, FamilyDetailSchema, jsonContent } from '../schemas.js';

const route = createRoute({
  method: 'get',
  path: '/v1/families/{id}',
  summary: 'Get one failure family with its evidence and history',
  ...scoped('read'),
  request: { params: z.object({ id: z.uuid() }) },
  responses: {
    200: jsonContent(FamilyDetailSchema, 'the family'),
    404: jsonContent(ErrorSchema, 'no such family'),
    ...errorResponses,
  },
});

export function registerV1FamiliesGet(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const family = await getFamily(c.var.services.database.db, id);
    if (!family) throw new AppError('not_found', `no family ${id}`);
    return c.json(family, 200);
  });
}
