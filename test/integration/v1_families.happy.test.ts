// GET /v1/families (filters, cursor paging) and GET /v1/families/:id on the embedded default.
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { families } from '../../src/db/schema/index.js';
import { signedHeaders } from '../helpers/fixtures.js';
import { counts, eventually, postLangsmith, startHarness, type Harness } from '../helpers/recur.js';

function issueCreated(issue: string, opts: { name: string; severity: number; project: string; created: number }) {
  return JSON.stringify({
    id: randomUUID(),
    type: 'issue.created',
    created: opts.created,
    request_id: randomUUID(),
    data: { object: { id: issue, name: opts.name, description: opts.name, severity: opts.severity, session_name: opts.project } },
  });
}

describe('families read API', () => {
  let h: Harness;
  const get = async (path: string) => {
    const res = await h.app.request(path);
    return { status: res.status, json: (await res.json()) as any };
  };

  beforeAll(async () => {
    h = await startHarness({ backend: 'pglite', file: { workflows: [{ match: { langsmith_project: 'prod-refunds' }, workflow: 'refunds' }] } });
    const specs = [
      { name: 'Payment API timed out after 30s', severity: 1, project: 'prod-refunds' },
      { name: 'Agent ignores the system prompt on refunds', severity: 0, project: 'prod-refunds' },
      { name: 'Search tool returns stale documents', severity: 2, project: 'research' },
      { name: 'Tool schema validation error in create_ticket', severity: 3, project: 'support' },
      { name: 'Agent loops on lookup_order', severity: 2, project: 'support' },
    ];
    for (const [i, spec] of specs.entries()) {
      const body = issueCreated(`issue-${i}`, { ...spec, created: 1779800000 + i * 60 });
      expect((await postLangsmith(h, body, signedHeaders(body))).status).toBe(202);
    }
    await eventually(async () => (await counts(h.services)).families === 5 && (await counts(h.services)).pending === 0);
  });
  afterAll(() => h.close());

  it('lists families most recently seen first, in the contract shape', async () => {
    const { status, json } = await get('/v1/families');
    expect(status).toBe(200);
    expect(json.items.map((f: any) => f.title)).toEqual([
      'Agent loops on lookup_order',
      'Tool schema validation error in create_ticket',
      'Search tool returns stale documents',
      'Agent ignores the system prompt on refunds',
      'Payment API timed out after 30s',
    ]);
    expect(json.next_cursor).toBeNull();
    expect(Object.keys(json.items[0]).sort()).toEqual(
      ['boundary', 'boundary_detail', 'event_count', 'evaluators', 'first_seen', 'fingerprint', 'fix', 'grouping_version', 'guarded', 'id', 'last_seen', 'merged_into', 'owner', 'recurrence', 'reopen_count', 'severity', 'status', 'ticket', 'title', 'trace_count', 'upstream', 'workflow'].sort(),
    );
  });

  it.each([
    ['workflow=refunds', ['Agent ignores the system prompt on refunds', 'Payment API timed out after 30s']],
    ['severity_lte=1', ['Agent ignores the system prompt on refunds', 'Payment API timed out after 30s']],
    ['status=watching', ['Agent loops on lookup_order', 'Tool schema validation error in create_ticket', 'Search tool returns stale documents', 'Payment API timed out after 30s']],
    ['status=open', ['Agent ignores the system prompt on refunds']],
    ['boundary=downstream_api', ['Payment API timed out after 30s']],
    ['boundary=tool_contract&workflow=support', ['Tool schema validation error in create_ticket']],
    ['workflow=nope', []],
  ])('filters by %s', async (query, titles) => {
    await eventually(async () => (await get('/v1/families?status=open')).json.items.length === 1);
    const { json } = await get(`/v1/families?${query}`);
    expect(json.items.map((f: any) => f.title)).toEqual(titles);
  });

  it('pages with a cursor without losing or repeating a family', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { json } = await get(`/v1/families?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(json.items.length).toBeLessThanOrEqual(2);
      seen.push(...json.items.map((f: any) => f.id));
      cursor = json.next_cursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(5);
  });

  it('pages exactly when last_seen values differ only in microseconds', async () => {
    const db = h.services.database.db;
    const before = await db.select({ id: families.id, lastSeen: sql<string>`${families.lastSeen}::text` }).from(families);
    const ids = before.map((f) => f.id).sort();
    // Five values inside one millisecond: a millisecond cursor would skip the ones after the first page.
    for (const [i, id] of ids.entries()) {
      await db.update(families).set({ lastSeen: sql`${`2026-11-20 10:00:00.12345${9 - i}+00`}::timestamptz` }).where(eq(families.id, id));
    }
    try {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const { json } = await get(`/v1/families?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...json.items.map((f: any) => f.id));
        cursor = json.next_cursor;
      } while (cursor && seen.length < 10);
      expect(seen).toEqual(ids);
    } finally {
      for (const f of before) await db.update(families).set({ lastSeen: sql`${f.lastSeen}::timestamptz` }).where(eq(families.id, f.id));
    }
  });

  it('says how each boundary was decided and why nobody owns a family', async () => {
    const { json } = await get('/v1/families?boundary=downstream_api');
    const [family] = json.items;
    expect(family.boundary_detail).toEqual({ source: 'rules', confidence: expect.any(Number), reasons: [expect.stringMatching(/timed out/)] });
    expect(family.boundary_detail.confidence).toBeGreaterThan(0);
    expect(family.owner).toEqual({ team: null, assignees: [], reason: null });
    const { json: all } = await get('/v1/families');
    for (const f of all.items) expect(['rules', 'explicit', 'config']).toContain(f.boundary_detail.source);
  });

  it.each([
    ['status=unknown', 'status'],
    ['severity_lte=9', 'severity_lte'],
    ['limit=0', 'limit'],
    ['cursor=garbage', 'cursor'],
    ['boundary=vibes', 'boundary'],
  ])('answers 400 for %s', async (query, field) => {
    const { status, json } = await get(`/v1/families?${query}`);
    expect(status).toBe(400);
    expect(json.error.code).toBe('invalid_request');
    expect(json.error.message).toContain(field);
  });

  it('returns one family with traces and history, 404 for an unknown id, 400 for a malformed one', async () => {
    const { json: list } = await get('/v1/families?status=open');
    const id = list.items[0].id;
    const { status, json } = await get(`/v1/families/${id}`);
    expect(status).toBe(200);
    expect(json).toMatchObject({ id, title: 'Agent ignores the system prompt on refunds', traces: [], ticket: { provider: 'local' } });
    expect(json.history.map((e: any) => e.action)).toEqual(['created', 'ticket_opened', 'status_changed']);
    expect((await get(`/v1/families/${randomUUID()}`)).status).toBe(404);
    expect((await get('/v1/families/not-a-uuid')).status).toBe(400);
  });

  it('serves health, readiness and the OpenAPI document', async () => {
    expect(await get('/healthz')).toEqual({ status: 200, json: { status: 'ok' } });
    expect((await get('/readyz')).json).toMatchObject({ status: 'ready', database: 'pglite', queue: 'in-process' });
    const { json } = await get('/openapi.json');
    expect(json.openapi).toBe('3.1.0');
    expect(Object.keys(json.paths)).toEqual(
      expect.arrayContaining(['/v1/families', '/v1/families/{id}', '/v1/local-issues', '/v1/signals', '/v1/evaluators', '/v1/evaluations', '/v1/gates/{workflow}']),
    );
    expect(Object.keys(json.components.schemas)).toEqual(expect.arrayContaining(['Family', 'EvaluatorSpec', 'GateDecision']));
  });
});

describe('API tokens on /v1', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      backend: 'pglite',
      worker: false,
      env: { RECUR_API_TOKENS: 'reader:read:read-token-0123456789,writer:write:write-token-0123456789,ops:admin:admin-token-0123456789' },
    });
  });
  afterAll(() => h.close());

  it.each([
    ['no token', undefined, 401],
    ['an unknown token', 'nope-nope-nope-nope', 401],
    ['a write-only token', 'write-token-0123456789', 403],
    ['a read token', 'read-token-0123456789', 200],
    ['an admin token', 'admin-token-0123456789', 200],
  ])('GET /v1/families with %s -> %i', async (_, token, status) => {
    const res = await h.app.request('/v1/families', { headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect(res.status).toBe(status);
    if (status !== 200) expect(((await res.json()) as any).error.code).toBe(status === 401 ? 'unauthorized' : 'forbidden');
  });
});
