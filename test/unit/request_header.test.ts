// requestHeader reads what hono's c.req.header reads, from Node's parsed headers when Node serves the request.
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEnv } from '../../src/http/context.js';
import { requestHeader } from '../../src/http/request_header.js';

const NAMES = ['x-one', 'x-twice', 'content-type', 'authorization', 'absent'];
const app = new Hono<AppEnv>().get('/h', (c) =>
  c.json(Object.fromEntries(NAMES.map((n) => [n, { ours: requestHeader(c, n) ?? 'undefined', hono: c.req.header(n) ?? 'undefined', node: Boolean(c.env?.incoming) }]))),
);

let server: ServerType;
let port: number;
beforeAll(async () => {
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A request with raw header lines (repeats and mixed case kept), through Node's own client. */
function get(headers: Array<[string, string]>): Promise<Record<string, { ours: string; hono: string; node: boolean }>> {
  return new Promise((resolve, reject) => {
    // Given as raw lines, the headers are sent as they are; Host is then ours to send too.
    const raw = [['Host', `127.0.0.1:${port}`], ...headers].flat() as unknown as Record<string, string>;
    const req = request({ host: '127.0.0.1', port, path: '/h', method: 'GET', headers: raw }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve(JSON.parse(text)));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('requestHeader', () => {
  it('served by Node, answers as hono does: names in any case, repeats joined, absent as undefined', async () => {
    const seen = await get([
      ['X-One', 'a'],
      ['x-twice', 'b'],
      ['X-Twice', 'c'],
      ['Content-Type', 'application/json'],
    ]);
    expect(seen['x-one']).toEqual({ ours: 'a', hono: 'a', node: true });
    expect(seen['x-twice']).toEqual({ ours: 'b, c', hono: 'b, c', node: true });
    expect(seen['content-type']).toEqual({ ours: 'application/json', hono: 'application/json', node: true });
    expect(seen.absent).toEqual({ ours: 'undefined', hono: 'undefined', node: true });
  });

  it('joins a repeated header that Node keeps only once in `headers` (authorization, content-type), as hono does', async () => {
    const seen = await get([
      ['Authorization', 'Bearer a'],
      ['Authorization', 'Bearer b'],
      ['Content-Type', 'application/json'],
      ['Content-Type', 'text/plain'],
    ]);
    expect(seen.authorization).toEqual({ ours: 'Bearer a, Bearer b', hono: 'Bearer a, Bearer b', node: true });
    expect(seen['content-type']).toEqual({ ours: 'application/json, text/plain', hono: 'application/json, text/plain', node: true });
  });

  it('without Node (app.request in tests), falls back to hono', async () => {
    const res = await app.request('/h', { headers: { 'x-one': 'a', 'content-type': 'text/plain' } });
    const seen = (await res.json()) as Record<string, { ours: string; hono: string; node: boolean }>;
    expect(seen['x-one']).toEqual({ ours: 'a', hono: 'a', node: false });
    expect(seen['content-type']).toEqual({ ours: 'text/plain', hono: 'text/plain', node: false });
  });
});
