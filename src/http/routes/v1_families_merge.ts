// POST /v1/families/:id/merge {"into": id}: merges a family into another, keeping every trace, and
// closes the merged-away ticket as a duplicate.
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { mergeFamilies } from '../../families/merge.js';
import { getFamily } from '../../families/read.js';
import { scheduleTicketSync } from '../../tickets/schedule.js';
import { actorOf } from '../actor.js';
import { scoped } from '../auth.js';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';
import { errorResponses, ErrorSchema, FamilyDetailSchema, jsonContent } from '../schemas.js';

const route = createRoute({
  method: 'post',
  path: '/v1/families/{id}/merge',
  summary: 'Merge this family into another',
  ...scoped('admin'),
  request: {
    params: z.object({ id: z.uuid() }),
    body: { content: { 'application/json': { schema: z.strictObject({ into: z.uuid() }) } }, required: true },
  },
  responses: {
    200: jsonContent(FamilyDetailSchema, 'the family merged into'),
    400: jsonContent(ErrorSchema, 'invalid merge'),
    404: jsonContent(ErrorSchema, 'no such family'),
    409: jsonContent(ErrorSchema, 'one of the families was already merged'),
    ...errorResponses,
  },
});

export function registerV1FamiliesMerge(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const { into } = c.req.valid('json');
    const { database, queue, log } = c.var.services;
    const outcome = await mergeFamilies(database.db, { sourceId: id, targetId: into, actor: actorOf(c) });
    if (outcome.result === 'not_found') throw new AppError('not_found', `no family ${outcome.id}`);
    if (outcome.result === 'invalid') throw new AppError('invalid_request', outcome.message);
    if (outcome.result === 'already_merged') throw new AppError('conflict', outcome.message);
    await scheduleTicketSync(queue, log, id);
    await scheduleTicketSync(queue, log, into);
    return c.json((await getFamily(database.db, into))!, 200);
  });
}
