// Every route with a body reads it through one bounded reader, over a real socket: a 10,000-deep body is
// refused in milliseconds on PGlite and on PostgreSQL while the service stays healthy; a body over
// RECUR_MAX_BODY_BYTES is refused before it has all arrived, chunked or not, on every /v1 write route; a
// body that stalls halfway is cut off with 408; and nothing refused is stored.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { TEST_SECRET } from '../helpers/fixtures.js';
import { authHeaders, fuzzEnv, LANGSMITH_TOKEN, utf8 } from '../helpers/hostile_requests.js';
import { createDatabase } from '../helpers/postgres.js';
import { startHarness, type Harness } from '../helpers/recur.js';
import { never, rawExchange, serveOnSocket, type Served } from '../helpers/socket.js';
import { signHmacSha256 } from '../../src/ingest/signature.js';

const pgUrl = inject('pgUrl');
const MAX_BODY = 4_096;
const BODY_TIMEOUT_MS = 300;
const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
const env = {
  ...fuzzEnv(MAX_BODY),
  RECUR_API_TOKENS: `ci:write:write-token-0123456789,ops:admin:${ADMIN_TOKEN}`,
  RECUR_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS),
};
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

const langsmithEnvelope = (extra: string) =>
  `{"id":"${randomUUID()}","type":"issue.created","created":1779800000,"data":{"object":{"id":"${randomUUID()}","name":"n","session_name":"s"},"extra":${extra}}}`;

/** A signed delivery for each ingest route, carrying `extra` somewhere inside. */
function signedDelivery(route: '/webhooks/langsmith' | '/webhooks/github' | '/v1/signals', extra: string): { body: string; headers: Record<string, string> } {
  const body =
    route === '/webhooks/langsmith'
      ? langsmithEnvelope(extra)
      : route === '/webhooks/github'
        ? `{"action":"opened","extra":${extra}}`
        : `{"id":"${randomUUID()}","source":"eval-ci","workflow":"w","title":"t","extra":${extra}}`;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...authHeaders(route, utf8(body)) };
  if (route === '/webhooks/github') Object.assign(headers, { 'x-github-event': 'issues', 'x-github-delivery': randomUUID() });
  return { body, headers };
}

async function storedRows(h: Harness): Promise<number> {
  const [row] = await rowsOf<{ n: number }>(h.services.database.db, sql`select count(*)::int as n from inbox_events`);
  return row!.n;
}

const backends = [['pglite', ''] as const, ...(pgUrl ? [['postgres', pgUrl] as const] : [])];

describe.each(backends)('a 10,000-deep body on %s', (backend, url) => {
  let h: Harness;
  let served: Served;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const db = url ? await createDatabase(url) : undefined;
    drop = db?.drop;
    h = await startHarness({ backend, databaseUrl: db?.url, worker: false, env: { ...env, RECUR_MAX_BODY_BYTES: '1048576' } });
    served = await serveOnSocket(h.app);
  });
  afterAll(async () => {
    await served?.close();
    await h?.close();
    await drop?.();
  });

  it('answers 400 in well under a second on every route, stores nothing, and /healthz and /readyz still answer', async () => {
    const before = await storedRows(h);
    const requests = [
      { name: 'LangSmith', ...signedDelivery('/webhooks/langsmith', deep(10_000)), path: '/webhooks/langsmith', code: 'invalid_payload' },
      { name: 'GitHub', ...signedDelivery('/webhooks/github', deep(10_000)), path: '/webhooks/github', code: 'invalid_payload' },
      { name: 'signals', ...signedDelivery('/v1/signals', deep(10_000)), path: '/v1/signals', code: 'invalid_payload' },
      { name: 'PATCH', body: `{"owner":${deep(10_000)}}`, headers: { 'content-type': 'application/json', ...admin }, path: `/v1/families/${randomUUID()}`, code: 'invalid_request', method: 'PATCH' },
      { name: 'evaluations', body: `{"workflow":"w","release":"1","results":${deep(10_000)}}`, headers: { 'content-type': 'application/json', ...admin }, path: '/v1/evaluations', code: 'invalid_request' },
    ];
    const answers = await Promise.all(
      requests.map(async (r) => {
        const started = performance.now();
        const res = await fetch(`${served.url}${r.path}`, { method: r.method ?? 'POST', body: r.body, headers: r.headers });
        return { name: r.name, status: res.status, json: await res.json(), ms: performance.now() - started, code: r.code };
      }),
    );
    for (const a of answers) {
      expect({ name: a.name, status: a.status, code: a.json.error?.code }).toEqual({ name: a.name, status: 400, code: a.code });
      expect(a.json.error.message).toContain('more than 64 deep');
      expect(a.ms, `${a.name} took ${a.ms.toFixed(0)} ms`).toBeLessThan(500);
    }
    const health = await fetch(`${served.url}/healthz`);
    expect(health.status).toBe(200);
    expect((await fetch(`${served.url}/readyz`)).status).toBe(200);
    expect(await storedRows(h)).toBe(before);
  });

  it('still stores a delivery nested exactly to the limit', async () => {
    const before = await storedRows(h);
    // The envelope puts `extra` two levels down: 62 more make 64.
    const { body, headers } = signedDelivery('/webhooks/langsmith', deep(62));
    const res = await fetch(`${served.url}/webhooks/langsmith`, { method: 'POST', body, headers });
    expect(res.status).toBe(202);
    const tooDeep = signedDelivery('/webhooks/langsmith', deep(63));
    expect((await fetch(`${served.url}/webhooks/langsmith`, { method: 'POST', body: tooDeep.body, headers: tooDeep.headers })).status).toBe(400);
    expect(await storedRows(h)).toBe(before + 1);
  });
});

describe('bounded bodies on every route that takes one (PGlite)', () => {
  let h: Harness;
  let served: Served;

  beforeAll(async () => {
    h = await startHarness({ backend: 'pglite', worker: false, env });
    served = await serveOnSocket(h.app);
  });
  afterAll(async () => {
    await served?.close();
    await h?.close();
  });

  const id = randomUUID();
  /** method, path, extra headers: every route with a body. */
  const WRITE_ROUTES: Array<[string, string, Record<string, string>]> = [
    ['PATCH', `/v1/families/${id}`, admin],
    ['POST', `/v1/families/${id}/merge`, admin],
    ['POST', `/v1/families/${id}/split`, admin],
    ['POST', '/v1/evaluations', admin],
    ['POST', '/v1/dead-letter-replays', admin],
    ['POST', `/v1/dead-letters/${id}/replay`, admin],
    ['POST', '/v1/signals', admin],
    ['POST', '/webhooks/langsmith', { authorization: `Bearer ${LANGSMITH_TOKEN}` }],
    ['POST', '/webhooks/github', { 'x-github-event': 'issues', 'x-github-delivery': randomUUID() }],
  ];
  const headLines = (method: string, path: string, headers: Record<string, string>) =>
    [`${method} ${path} HTTP/1.1`, 'host: recur.test', 'content-type: application/json', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');

  it.each(WRITE_ROUTES)('%s %s: 413 from the declared length alone, before any of the body is sent', async (method, path, headers) => {
    const before = await storedRows(h);
    const answer = await rawExchange(served.port, headLines(method, path, { ...headers, 'content-length': String(MAX_BODY + 1) }), [never]);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({ error: { code: 'payload_too_large', message: expect.any(String) } });
    expect(await storedRows(h)).toBe(before);
  });

  it.each(WRITE_ROUTES)('%s %s: 413 for a chunked body once it passes the limit, while the client is still sending', async (method, path, headers) => {
    const before = await storedRows(h);
    const chunk = (n: number) => `${n.toString(16)}\r\n${'x'.repeat(n)}\r\n`;
    // Past the limit by one byte, in two chunks; the body never ends.
    const answer = await rawExchange(served.port, headLines(method, path, { ...headers, 'transfer-encoding': 'chunked' }), [chunk(MAX_BODY), chunk(1), never]);
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body).error.code).toBe('payload_too_large');
    expect(await storedRows(h)).toBe(before);
  });

  it.each([
    ['a declared length', { 'content-length': '200' }, '{"id":"half', '/webhooks/langsmith', { authorization: `Bearer ${LANGSMITH_TOKEN}` }],
    ['a chunked body', { 'transfer-encoding': 'chunked' }, `b\r\n{"id":"half\r\n`, '/v1/signals', admin],
    ['a PATCH', { 'content-length': '100' }, '{"severity":', `/v1/families/${id}`, admin],
  ])('408 request_timeout when %s stalls halfway, about RECUR_BODY_TIMEOUT_MS after it started', async (_, framing, half, path, headers) => {
    const before = await storedRows(h);
    const method = path.startsWith('/v1/families') ? 'PATCH' : 'POST';
    const answer = await rawExchange(served.port, headLines(method, path, { ...headers, ...framing }), [half, never]);
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toEqual({ error: { code: 'request_timeout', message: expect.stringContaining(`${BODY_TIMEOUT_MS} ms`) } });
    expect(answer.headers.connection).toBe('close');
    expect(answer.elapsedMs).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 20);
    expect(answer.elapsedMs).toBeLessThan(BODY_TIMEOUT_MS + 2_000);
    expect(await storedRows(h)).toBe(before);
    expect((await fetch(`${served.url}/healthz`)).status).toBe(200);
  });

  it('a body that keeps arriving slowly but completes within the deadline is read', async () => {
    const body = langsmithEnvelope('{}');
    const headers = { authorization: `Bearer ${LANGSMITH_TOKEN}`, 'x-langsmith-signature': signHmacSha256(body, TEST_SECRET), 'content-length': String(Buffer.byteLength(body)) };
    const pause = () => new Promise<string>((r) => setTimeout(() => r(''), BODY_TIMEOUT_MS / 4));
    const answer = await rawExchange(served.port, headLines('POST', '/webhooks/langsmith', headers), [body.slice(0, 20), pause, body.slice(20)]);
    expect(answer.status).toBe(202);
  });

  it.each([
    ['PATCH', `/v1/families/${id}`],
    ['POST', '/v1/evaluations'],
    ['POST', `/v1/families/${id}/merge`],
  ])('%s %s with text/plain answers 415 unsupported_media_type, with a body or without one', async (method, path) => {
    const res = await h.app.request(path, { method, body: '{"severity":1}', headers: { 'content-type': 'text/plain', ...admin } });
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({ error: { code: 'unsupported_media_type', message: expect.any(String) } });
    // Without a body the route's own media-type check refuses it.
    const bodiless = await h.app.request(path, { method, headers: { 'content-type': 'text/plain', ...admin } });
    expect(bodiless.status).toBe(415);
    expect((await bodiless.json()).error.code).toBe('unsupported_media_type');
  });

  it('a write route without a valid token answers 401 without reading the body', async () => {
    const answer = await rawExchange(served.port, headLines('PATCH', `/v1/families/${id}`, { 'content-length': '100', authorization: 'Bearer nope-nope-nope-nope' }), [never]);
    expect(answer.status).toBe(401);
    expect(answer.elapsedMs).toBeLessThan(BODY_TIMEOUT_MS);
  });

  it.each([
    ['a NUL in an evaluation workflow', '/v1/evaluations', { workflow: 'a\u0000b', release: '1', results: [{ evaluator_id: randomUUID(), passed: true }] }],
    ['an unpaired surrogate in a split title', `/v1/families/${id}/split`, { traces: ['t'], title: 'x\ud800' }],
  ])('%s answers 400, not a 5xx', async (_, path, payload) => {
    const res = await h.app.request(path, { method: 'POST', body: JSON.stringify(payload), headers: { 'content-type': 'application/json', ...admin } });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toContain('cannot be stored');
  });

  it('dates outside 1970-9999 are refused with 400 and store nothing, from LangSmith and from signals', async () => {
    const before = await storedRows(h);
    const langsmith = JSON.stringify({
      id: randomUUID(),
      type: 'issue.trace.added',
      created: 1779800000,
      data: { object: { id: randomUUID(), name: 'n', session_name: 's' }, trace: { run_id: 'r', trace_id: 't', start_time: '0001-01-01T00:00:00Z' } },
    });
    const a = await h.app.request('/webhooks/langsmith', { method: 'POST', body: langsmith, headers: { 'content-type': 'application/json', ...authHeaders('/webhooks/langsmith', utf8(langsmith)) } });
    expect(a.status).toBe(400);
    expect((await a.json()).error).toEqual({ code: 'invalid_payload', message: expect.stringContaining('data.trace.start_time') });
    const signal = JSON.stringify({ id: randomUUID(), source: 'eval-ci', workflow: 'w', title: 't', occurred_at: '0001-01-01T00:00:00Z' });
    const s = await h.app.request('/v1/signals', { method: 'POST', body: signal, headers: { 'content-type': 'application/json', ...authHeaders('/v1/signals', utf8(signal)) } });
    expect(s.status).toBe(400);
    expect((await s.json()).error.message).toContain('signal.occurred_at');
    expect(await storedRows(h)).toBe(before);
  });

  it('a LangSmith signature with anything after the digest is refused', async () => {
    const body = langsmithEnvelope('{}');
    const good = signHmacSha256(body, TEST_SECRET);
    for (const signature of [`${good}=junk`, `${good}=`, `${good} x`, `${good}00`]) {
      const res = await h.app.request('/webhooks/langsmith', {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${LANGSMITH_TOKEN}`, 'x-langsmith-signature': signature },
      });
      expect(res.status, signature).toBe(401);
    }
    const res = await h.app.request('/webhooks/langsmith', { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${LANGSMITH_TOKEN}`, 'x-langsmith-signature': good } });
    expect(res.status).toBe(202);
  });
});
