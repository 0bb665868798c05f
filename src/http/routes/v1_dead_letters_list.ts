// GET /v1/dead-letters: inbox rows that will not be processed without an operator, dead or stuck,
// oldest first, with filters and cursor paging.
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { DEAD_LETTER_STATES, decodeCursor, listDeadLetters } from '../../ingest/dead_letters.js';
import { scoped } from '../auth.js';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';
import { errorResponses, ErrorSchema, jsonContent } from '../schemas.js';

export const DeadLetterSchema = z
  .object({
    event_id: z.uuid(),
    state: z.enum(['dead', 'stuck', 'pending', 'processed', 'ignored']).openapi({
      description: '`dead`: every attempt failed; `stuck`: pending for over 5 minutes since received or last replayed; `pending` after a replay',
    }),
    source: z.string(),
    delivery_id: z.string(),
    type: z.string(),
    attempts: z.number().int(),
    last_error: z.string().nullable().openapi({ description: 'the last failure, with secrets and personal data redacted' }),
    received_at: z.string(),
    died_at: z.string().nullable(),
    replays: z.number().int(),
    replayed_at: z.string().nullable(),
  })
  .openapi('DeadLetter');

export const DeadLetterFiltersSchema = {
  state: z.enum(DEAD_LETTER_STATES).optional().openapi({ description: 'one state; both when unset' }),
  source: z.string().min(1).max(200).optional(),
  type: z.string().min(1).max(200).optional(),
};

const QuerySchema = z.object({
  ...DeadLetterFiltersSchema,
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(100).optional(),
});

export const DeadLettersListSchema = z.object({ items: z.array(DeadLetterSchema), next_cursor: z.string().nullable() });
export type DeadLettersListResponse = z.infer<typeof DeadLettersListSchema>;

const route = createRoute({
  method: 'get',
  path: '/v1/dead-letters',
  summary: 'List dead and stuck inbox events',
  ...scoped('admin'),
  request: { query: QuerySchema },
  responses: {
    200: jsonContent(DeadLettersListSchema, 'a page of dead letters, oldest first'),
    400: jsonContent(ErrorSchema, 'invalid filter or cursor'),
    ...errorResponses,
  },
});

export function registerV1DeadLettersList(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    if (after === null) throw new AppError('invalid_request', 'cursor: not a cursor this API returned');
    const page = await listDeadLetters(c.var.services.database.db, { state: q.state, source: q.source, type: q.type }, { limit: q.limit, after });
    return c.json({ items: page.items, next_cursor: page.nextCursor }, 200);
  });
}
