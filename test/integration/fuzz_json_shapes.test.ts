// Random JSON of every shape (deep, wide, escapes PostgreSQL cannot store, numbers past a double's range,
// brackets inside strings) as correctly signed or authorized bodies of every route that takes one, on PGlite
// and on PostgreSQL: every answer is 2xx or a clean 4xx in the error shape, never a 5xx, and the service
// stays healthy. Fixed seed; RECUR_FUZZ_SEED and RECUR_FUZZ_SCALE change it and the run count.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { authHeaders, fuzzEnv, utf8 } from '../helpers/hostile_requests.js';
import { createDatabase } from '../helpers/postgres.js';
import { startHarness, type Harness } from '../helpers/recur.js';

const pgUrl = inject('pgUrl');
const SEED = Number(process.env.RECUR_FUZZ_SEED ?? 20_261_204);
const SCALE = Number(process.env.RECUR_FUZZ_SCALE ?? 1);
const ADMIN_TOKEN = 'admin-token-0123456789abcdef';

// ---- JSON text, built as text so it can hold what JSON.stringify never writes ----

const scalarArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 9, arbitrary: fc.constantFrom('null', 'true', 'false', '0', '-0', '1e400', '-1e400', '1e-400', '123456789012345678901234567890', '1.7976931348623157e308', '5e-324') },
  { weight: 9, arbitrary: fc.constantFrom('"\\ud83d\\ude00"', '"[[[[{{{{"', '"\\\\"', '"\\"]]]}}}"', '"\\u00e9\\n\\t"') },
  { weight: 18, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => JSON.stringify(s)) },
  { weight: 9, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map(String) },
  { weight: 9, arbitrary: fc.integer().map(String) },
);

const keyArb = fc.oneof({ weight: 10, arbitrary: fc.string({ maxLength: 10 }) }, { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', '', '[{') });

/** What PostgreSQL cannot store (NUL, unpaired surrogates): one anywhere refuses the whole body, so it is added on its own. */
const unstorableArb = fc.oneof(
  fc.constantFrom('"\\u0000"', '"a\\u0000b"', '"\\ud800"', '"\\udfff x"', '{"\\u0000":1}', '{"a\\ud800":1}'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).map((s) => JSON.stringify(s)),
);

const { node: treeArb } = fc.letrec<{ node: string; array: string; object: string }>((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, scalarArb, tie('array'), tie('object')),
  array: fc.array(tie('node'), { maxLength: 6 }).map((items) => `[${items.join(',')}]`),
  object: fc.array(fc.tuple(keyArb, tie('node')), { maxLength: 6 }).map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
}));

const wrapped = (depth: fc.Arbitrary<number>) =>
  fc.tuple(depth, fc.constantFrom('[', '{"k":'), treeArb).map(([n, open, inner]) => open.repeat(n) + inner + (open === '[' ? ']' : '}').repeat(n));

/** A tree wrapped in levels of arrays or objects: around the depth limit, and far past it (what once hung PGlite). */
const shapedArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: treeArb },
  { weight: 3, arbitrary: wrapped(fc.integer({ min: 0, max: 80 })) },
  { weight: 1, arbitrary: wrapped(fc.integer({ min: 1_000, max: 12_000 })) },
  { weight: 2, arbitrary: fc.array(treeArb, { minLength: 50, maxLength: 200 }).map((items) => `[${items.join(',')}]`) },
  { weight: 1, arbitrary: fc.tuple(treeArb, unstorableArb).map(([tree, unstorable]) => `[${tree},${unstorable}]`) },
);

type Target = 'langsmith' | 'github' | 'signals' | 'patch' | 'merge' | 'split' | 'evaluations' | 'replay';
/** The ingest routes store what they accept: weighted up, so many bodies reach the database. */
const targetArb: fc.Arbitrary<Target> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<Target>('langsmith', 'github', 'signals') },
  { weight: 1, arbitrary: fc.constantFrom<Target>('patch', 'merge', 'split', 'evaluations', 'replay') },
);

/** The request for `target` with `value` where the route would look for data, or as the whole body. */
function request(target: Target, value: string, whole: boolean): { method: string; path: string; body: string; headers: Record<string, string> } {
  const id = randomUUID();
  const json = { 'content-type': 'application/json' };
  const bearer = { ...json, authorization: `Bearer ${ADMIN_TOKEN}` };
  const signed = (path: '/webhooks/langsmith' | '/webhooks/github' | '/v1/signals', body: string) => ({
    method: 'POST',
    path,
    body,
    headers: { ...json, ...authHeaders(path, utf8(body)), ...(path === '/webhooks/github' ? { 'x-github-event': 'issues', 'x-github-delivery': randomUUID() } : {}) },
  });
  switch (target) {
    case 'langsmith':
      return signed('/webhooks/langsmith', whole ? value : `{"id":"${id}","type":"issue.created","created":1779800000,"data":{"object":{"id":"${id}","name":"n","session_name":"s","extra":${value}}}}`);
    case 'github':
      return signed('/webhooks/github', whole ? value : `{"action":"opened","issue":${value}}`);
    case 'signals':
      return signed('/v1/signals', whole ? value : `{"id":"${id}","source":"fuzz","workflow":"w","title":"t","detail":${value}}`);
    case 'patch':
      return { method: 'PATCH', path: `/v1/families/${id}`, body: whole ? value : `{"owner":${value}}`, headers: bearer };
    case 'merge':
      return { method: 'POST', path: `/v1/families/${id}/merge`, body: whole ? value : `{"into":${value}}`, headers: bearer };
    case 'split':
      return { method: 'POST', path: `/v1/families/${id}/split`, body: whole ? value : `{"traces":${value}}`, headers: bearer };
    case 'evaluations':
      return { method: 'POST', path: '/v1/evaluations', body: whole ? value : `{"workflow":"w","release":"1","results":${value}}`, headers: bearer };
    case 'replay':
      return { method: 'POST', path: '/v1/dead-letter-replays', body: whole ? value : `{"ids":${value}}`, headers: bearer };
  }
}

const backends = [['pglite', ''] as const, ...(pgUrl ? [['postgres', pgUrl] as const] : [])];

describe.each(backends)('random JSON shapes at every route with a body, on %s', (backend, url) => {
  let h: Harness;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const db = url ? await createDatabase(url) : undefined;
    drop = db?.drop;
    h = await startHarness({
      backend,
      databaseUrl: db?.url,
      worker: false,
      env: { ...fuzzEnv(65_536), RECUR_API_TOKENS: `ops:admin:${ADMIN_TOKEN}` },
    });
  });
  afterAll(async () => {
    await h?.close();
    await drop?.();
  });

  it('answers 2xx or a clean 4xx to every one, and stays healthy', async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(targetArb, shapedArb, fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }), async (target, value, whole) => {
        const req = request(target, value, whole);
        const res = await h.app.request(req.path, { method: req.method, body: req.body, headers: req.headers });
        const text = await res.text();
        const what = `${target} answered ${res.status} ${text.slice(0, 300)} to ${req.body.slice(0, 300)}`;
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        expect(res.status < 500 && res.status >= 200, what).toBe(true);
        if (res.status >= 400) expect(JSON.parse(text), what).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });
        expect((await h.app.request('/healthz')).status).toBe(200);
      }),
      { seed: SEED, numRuns: Math.max(1, Math.round(250 * SCALE)) },
    );
    // Both kinds of answer were exercised, not only refusals.
    expect([...seen.keys()].some((s) => s < 300)).toBe(true);
    expect([...seen.keys()].some((s) => s === 400)).toBe(true);
    expect((await h.app.request('/readyz')).status).toBe(200);
  }, 180_000);
});
