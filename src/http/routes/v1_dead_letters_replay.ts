// POST /v1/dead-letters/:id/replay: puts one dead or stuck inbox event back on the queue, attempts reset.
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { replayDeadLetter } from '../../ingest/replay.js';
import { actorOf } from '../actor.js';
import { scoped } from '../auth.js';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';
import { errorResponses, ErrorSchema, jsonContent } from '../schemas.js';
import { DeadLetterSchema } from './v1_dead_letters_list.js';

const route = createRoute({
  method: 'post',
  path: '/v1/dead-letters/{id}/replay',
  summary: 'Replay one dead or stuck inbox event',
  ...scoped('admin'),
  request: { params: z.object({ id: z.uuid() }) },
  responses: {
    202: jsonContent(DeadLetterSchema, 'the event, pending again and queued'),
    404: jsonContent(ErrorSchema, 'no such event'),
    409: jsonContent(ErrorSchema, 'the event is neither dead nor stuck'),
    ...errorResponses,
  },
});

export function registerV1DeadLettersReplay(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const { database, queue, log } = c.var.services;
    const outcome = await replayDeadLetter({ db: database.db, queue, log }, { eventId: id, actor: actorOf(c) });
    if (outcome.result === 'not_found') throw new AppError('not_found', `no inbox event ${id}`);
    if (outcome.result === 'not_replayable') throw new AppError('conflict', `event ${id} is ${outcome.state}, not dead or stuck`, { state: outcome.state });
    log.info({ event_id: id, actor: actorOf(c), replay: outcome.item.replays }, 'dead letter replayed');
    return c.json(outcome.item, 202);
  });
}
