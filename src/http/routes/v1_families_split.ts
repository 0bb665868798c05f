// POST /v1/families/:id/split {"traces": [trace ids], "title"?}: moves the named traces to a new family.
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { getFamily } from '../../families/read.js';
import { splitFamily } from '../../families/split.js';
import { scheduleTicketSync } from '../../tickets/schedule.js';
import { actorOf } from '../actor.js';
import { scoped } from '../auth.js';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';
import { errorResponses, ErrorSchema, FamilyDetailSchema, jsonContent } from '../schemas.js';

const route = createRoute({
  method: 'post',
  path: '/v1/families/{id}/split',
  summary: 'Split named traces out of this family into a new one',
  ...scoped('admin'),
  request: {
    params: z.object({ id: z.uuid() }),
    body: {
      content: {
        'application/json': {
          schema: z.strictObject({ traces: z.array(z.string().min(1).max(200)).min(1).max(1000), title: z.string().trim().min(1).max(1000).optional() }),
        },
      },
      required: true,
    },
  },
  responses: {
    201: jsonContent(FamilyDetailSchema, 'the new family'),
    400: jsonContent(ErrorSchema, 'invalid split'),
    404: jsonContent(ErrorSchema, 'no such family'),
    ...errorResponses,
  },
});

export function registerV1FamiliesSplit(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const { database, queue, log, config } = c.var.services;
    const outcome = await splitFamily(database.db, { familyId: id, traceIds: body.traces, title: body.title, actor: actorOf(c), config: config.file });
    if (outcome.result === 'not_found') throw new AppError('not_found', `no family ${id}`);
    if (outcome.result === 'invalid') throw new AppError('invalid_request', outcome.message);
    await scheduleTicketSync(queue, log, id);
    await scheduleTicketSync(queue, log, outcome.familyId);
    return c.json((await getFamily(database.db, outcome.familyId))!, 201);
  });
}
