// Every /v1 route, one by one: 401 without a token (or with a wrong one, or with HTTP Basic, which only
// the HTML pages take), 403 with a token that lacks the route's scope, and past auth with one that has
// it. The table is checked against the OpenAPI document, so a new route cannot ship without a row here,
// and the scope the document declares must be the one enforced.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/recur.js';

const TOKENS = {
  read: 'reader-token-0123456789abcdef',
  write: 'writer-token-0123456789abcdef',
  admin: 'admin-token-0123456789abcdef',
};
type Scope = keyof typeof TOKENS;

/** method, OpenAPI path, the scope it needs. */
const ROUTES: Array<[string, string, Scope]> = [
  ['GET', '/v1/families', 'read'],
  ['GET', '/v1/families/{id}', 'read'],
  ['PATCH', '/v1/families/{id}', 'write'],
  ['POST', '/v1/families/{id}/merge', 'admin'],
  ['POST', '/v1/families/{id}/split', 'admin'],
  ['GET', '/v1/families/{id}/traces', 'read'],
  ['GET', '/v1/families/{id}/related', 'read'],
  ['GET', '/v1/grouping-rules', 'read'],
  ['GET', '/v1/boundary-corrections', 'read'],
  ['DELETE', '/v1/boundary-corrections/{id}', 'admin'],
  ['GET', '/v1/grouping-rules/{id}', 'read'],
  ['DELETE', '/v1/grouping-rules/{id}', 'admin'],
  ['GET', '/v1/local-issues', 'read'],
  ['GET', '/v1/local-issues/{owner}/{name}/{number}', 'read'],
  ['GET', '/v1/evaluators', 'read'],
  ['GET', '/v1/evaluators/{id}', 'read'],
  ['GET', '/v1/evaluators/{id}/export', 'read'],
  ['POST', '/v1/evaluations', 'write'],
  ['GET', '/v1/gates/{workflow}', 'read'],
  ['POST', '/v1/signals', 'write'],
  ['GET', '/v1/dead-letters', 'admin'],
  ['POST', '/v1/dead-letters/{id}/replay', 'admin'],
  ['POST', '/v1/dead-letter-replays', 'admin'],
  ['POST', '/v1/dead-letters/replay', 'admin'],
];

const lacking: Record<Scope, Scope[]> = { read: ['write'], write: ['read'], admin: ['read', 'write'] };

function concrete(path: string): string {
  return path
    .replace('{workflow}', 'support-agent')
    .replace('{owner}/{name}/{number}', 'local/recur/1')
    .replace(/\{[^}]+\}/g, randomUUID());
}

describe('API token scopes on every /v1 route', () => {
  let h: Harness;
  let operations: Array<{ method: string; path: string; declared: string[] }>;

  beforeAll(async () => {
    h = await startHarness({
      backend: 'pglite',
      worker: false,
      env: { RECUR_API_TOKENS: Object.entries(TOKENS).map(([scope, token]) => `${scope}er:${scope}:${token}`).join(',') },
    });
    const doc = (await (await h.app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { security?: Array<Record<string, string[]>> }>>;
    };
    operations = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, ops]) =>
        Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, declared: (op.security ?? []).flatMap((r) => Object.values(r).flat()) })),
      );
  });
  afterAll(() => h?.close());

  it('has a row for every /v1 operation in the OpenAPI document, with the scope it declares', () => {
    const documented = operations.map((o) => `${o.method} ${o.path}`).sort();
    expect(ROUTES.map(([m, p]) => `${m} ${p}`).sort()).toEqual(documented);
    for (const [method, path, scope] of ROUTES) {
      const op = operations.find((o) => o.method === method && o.path === path)!;
      expect(op.declared, `${method} ${path}`).toContain(scope);
    }
  });

  const send = (method: string, path: string, authorization?: string) =>
    h.app.request(concrete(path), {
      method,
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: method === 'GET' ? undefined : '{}',
    });

  for (const [method, path, scope] of ROUTES) {
    describe(`${method} ${path} (${scope})`, () => {
      it('answers 401 without a token, with an unknown token and with HTTP Basic', async () => {
        for (const authorization of [undefined, 'Bearer not-a-known-token-0123456789', `Basic ${Buffer.from(`x:${TOKENS.admin}`).toString('base64')}`]) {
          const res = await send(method, path, authorization);
          expect(res.status, String(authorization)).toBe(401);
          expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
        }
      });

      it(`answers 403 to a token without "${scope}"`, async () => {
        for (const other of lacking[scope]) {
          const res = await send(method, path, `Bearer ${TOKENS[other]}`);
          expect(res.status, other).toBe(403);
          expect(await res.json()).toMatchObject({ error: { code: 'forbidden', message: expect.stringContaining(scope) } });
        }
      });

      it(`lets a "${scope}" token and an admin token past auth`, async () => {
        for (const given of new Set<Scope>([scope, 'admin'])) {
          const res = await send(method, path, `Bearer ${TOKENS[given]}`);
          expect([401, 403], `${given}: ${res.status}`).not.toContain(res.status);
        }
      });
    });
  }
});
