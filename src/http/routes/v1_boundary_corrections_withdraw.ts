// DELETE /v1/boundary-corrections/:id: withdraws a correction, so that it teaches no new family. Families
// it already taught keep their boundary; the correction stays listed, marked withdrawn.
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { withdrawCorrection } from '../../families/boundary_corrections.js';
import { actorOf } from '../actor.js';
import { scoped } from '../auth.js';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';
import { errorResponses, ErrorSchema, jsonContent } from '../schemas.js';
import { BoundaryCorrectionSchema } from './v1_boundary_corrections_list.js';

const route = createRoute({
  method: 'delete',
  path: '/v1/boundary-corrections/{id}',
  summary: 'Withdraw a boundary correction',
  ...scoped('admin'),
  request: { params: z.object({ id: z.uuid() }) },
  responses: {
    200: jsonContent(BoundaryCorrectionSchema, 'the correction, withdrawn (also when it already was)'),
    404: jsonContent(ErrorSchema, 'no such correction'),
    ...errorResponses,
  },
});

export function registerV1BoundaryCorrectionsWithdraw(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const { database, log } = c.var.services;
    const outcome = await withdrawCorrection(database.db, { id, actor: actorOf(c) });
    if (outcome.result === 'not_found') throw new AppError('not_found', `no boundary correction ${id}`);
    if (outcome.result === 'withdrawn') log.info({ correction: id, actor: actorOf(c) }, 'boundary correction withdrawn');
    return c.json(outcome.correction, 200);
  });
}
