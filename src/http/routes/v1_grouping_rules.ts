// The grouping rules: GET /v1/grouping-rules (merges and splits, newest first, filtered by family or to
// those in force), GET /v1/grouping-rules/:id, and DELETE /v1/grouping-rules/:id, which undoes a rule.
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { getGroupingRule, listGroupingRules, undoGroupingRule } from '../../families/grouping_rules.js';
import { scheduleTicketSync } from '../../tickets/schedule.js';
import { actorOf } from '../actor.js';
import { scoped } from '../auth.js';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';
import { errorResponses, ErrorSchema, jsonContent } from '../schemas.js';

export const GroupingRuleSchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(['merge', 'split']),
    family_id: z.uuid().openapi({ description: 'merge: the family signals now go to; split: the family split out' }),
    from_family_id: z.uuid().openapi({ description: 'merge: the family merged away; split: the family it was split from' }),
    signatures: z.array(z.object({ template: z.string() })).openapi({ description: 'split: the masked texts kept apart' }),
    actor: z.string(),
    created_at: z.string(),
    undone_at: z.string().nullable(),
    undone_by: z.string().nullable(),
  })
  .openapi('GroupingRule');

const ListQuery = z.object({
  family_id: z.uuid().optional(),
  active: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});

const listRoute = createRoute({
  method: 'get',
  path: '/v1/grouping-rules',
  summary: 'List merge and split rules',
  ...scoped('read'),
  request: { query: ListQuery },
  responses: {
    200: jsonContent(z.object({ items: z.array(GroupingRuleSchema), next_cursor: z.string().nullable() }), 'a page of rules'),
    400: jsonContent(ErrorSchema, 'invalid filter or cursor'),
    ...errorResponses,
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/grouping-rules/{id}',
  summary: 'Get one grouping rule',
  ...scoped('read'),
  request: { params: z.object({ id: z.uuid() }) },
  responses: { 200: jsonContent(GroupingRuleSchema, 'the rule'), 404: jsonContent(ErrorSchema, 'no such rule'), ...errorResponses },
});

const undoRoute = createRoute({
  method: 'delete',
  path: '/v1/grouping-rules/{id}',
  summary: 'Undo a merge or split',
  ...scoped('admin'),
  request: { params: z.object({ id: z.uuid() }) },
  responses: {
    200: jsonContent(GroupingRuleSchema, 'the rule, undone'),
    404: jsonContent(ErrorSchema, 'no such rule'),
    409: jsonContent(ErrorSchema, 'the rule was undone already, or what it moved has changed since'),
    ...errorResponses,
  },
});

const encode = (c: { at: string; id: string }) => Buffer.from(JSON.stringify([c.at, c.id])).toString('base64url');

function decode(cursor: string): { at: string; id: string } | null {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at !== 'string' || Number.isNaN(Date.parse(at.replace(' ', 'T'))) || typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id)) return null;
    return { at, id };
  } catch {
    return null;
  }
}

export function registerV1GroupingRules(app: OpenAPIHono<AppEnv>) {
  app.openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const before = q.cursor ? decode(q.cursor) : undefined;
    if (before === null) throw new AppError('invalid_request', 'cursor: not a cursor this API returned');
    const page = await listGroupingRules(c.var.services.database.db, { familyId: q.family_id, active: q.active === 'true' }, { limit: q.limit, before });
    return c.json({ items: page.items, next_cursor: page.next ? encode(page.next) : null }, 200);
  });
  app.openapi(getRoute, async (c) => {
    const { id } = c.req.valid('param');
    const rule = await getGroupingRule(c.var.services.database.db, id);
    if (!rule) throw new AppError('not_found', `no grouping rule ${id}`);
    return c.json(rule, 200);
  });
  app.openapi(undoRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { database, queue, log } = c.var.services;
    const outcome = await undoGroupingRule(database.db, { ruleId: id, actor: actorOf(c) });
    if (outcome.result === 'not_found') throw new AppError('not_found', `no grouping rule ${id}`);
    if (outcome.result === 'conflict') throw new AppError('conflict', outcome.message);
    for (const familyId of outcome.families) await scheduleTicketSync(queue, log, familyId);
    return c.json(outcome.rule, 200);
  });
}
