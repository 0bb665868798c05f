// PATCH /v1/families/:id: ignore or reopen a family, set its severity, boundary or owner.
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { getFamily } from '../../families/read.js';
import { BOUNDARIES, type Severity } from '../../families/types.js';
import { updateFamily } from '../../families/update.js';
import { scheduleTicketSync } from '../../tickets/schedule.js';
import { actorOf } from '../actor.js';
import { scoped } from '../auth.js';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';
import { errorResponses, ErrorSchema, FamilyDetailSchema, jsonContent } from '../schemas.js';

const BodySchema = z
  .strictObject({
    status: z.enum(['ignored', 'open']).optional(),
    severity: z.number().int().min(0).max(3).optional(),
    boundary: z.enum(BOUNDARIES).optional(),
    owner: z
      .strictObject({
        team: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected org/team').nullable().optional(),
        assignees: z.array(z.string().regex(/^[A-Za-z0-9-]{1,39}$/, 'expected a GitHub login')).max(10).optional(),
      })
      .optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'nothing to change: set status, severity, boundary or owner');

const route = createRoute({
  method: 'patch',
  path: '/v1/families/{id}',
  summary: 'Change a family: ignore or reopen it, set severity, boundary or owner',
  ...scoped('write'),
  request: { params: z.object({ id: z.uuid() }), body: { content: { 'application/json': { schema: BodySchema } }, required: true } },
  responses: {
    200: jsonContent(FamilyDetailSchema, 'the family after the change'),
    400: jsonContent(ErrorSchema, 'invalid change'),
    404: jsonContent(ErrorSchema, 'no such family'),
    409: jsonContent(ErrorSchema, 'the family was merged into another'),
    ...errorResponses,
  },
});

export function registerV1FamiliesUpdate(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const { database, queue, log } = c.var.services;
    const body = c.req.valid('json');
    const changes = { ...body, severity: body.severity as Severity | undefined };
    const outcome = await updateFamily(database.db, { familyId: id, changes, actor: actorOf(c) });
    if (outcome.result === 'not_found') throw new AppError('not_found', `no family ${id}`);
    if (outcome.result === 'merged') throw new AppError('conflict', `family ${id} was merged into ${outcome.into}; change that one`);
    if (outcome.changed.length > 0) await scheduleTicketSync(queue, log, id);
    return c.json((await getFamily(database.db, id))!, 200);
  });
}
