// The optional semantic step against a fake OpenAI-compatible embeddings endpoint on loopback: with it,
// two reports of one failure that share no words join by meaning, with the score recorded; without it, or
// when the endpoint fails or is slow, grouping is the deterministic result and nothing is lost.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosine, foldVector, vectorOf } from '../../src/families/grouping/embeddings.js';
import { counts, eventually, startHarness, type Harness } from '../helpers/recur.js';

/** Meanings the fake model knows: a text gets the vector of the first concept whose words it has. */
const CONCEPTS: Array<[RegExp, number[]]> = [
  [/PTO|handbook|leave policy/i, [1, 0.05, 0]],
  [/refund|money back/i, [0, 1, 0.05]],
];
const vectorFor = (text: string) => CONCEPTS.find(([pattern]) => pattern.test(text))?.[1] ?? [0.05, 0, 1];

describe('semantic grouping', () => {
  let server: Server;
  let url: string;
  let mode: 'ok' | 'fail' | 'hang' = 'ok';
  const received: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const { input, model } = JSON.parse(body) as { input: string; model: string };
        received.push(`${req.url} ${model} ${input}`);
        if (mode === 'hang') return;
        if (mode === 'fail') {
          res.writeHead(502).end('bad gateway');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: vectorFor(input) }], model }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const feedback = (workflow: string, title: string, message?: string) => ({
    id: randomUUID(),
    source: 'user-feedback',
    kind: 'negative_feedback',
    workflow,
    title,
    message,
    trace: { trace_id: randomUUID(), run_id: randomUUID() },
  });

  async function run(h: Harness, signals: object[]) {
    const res = await h.app.request('/v1/signals', { method: 'POST', body: JSON.stringify({ signals }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(202);
    await eventually(async () => (await counts(h.services)).pending === 0);
  }

  const familiesOf = async (h: Harness, workflow: string) => {
    const res = await h.app.request(`/v1/families?workflow=${workflow}`);
    return ((await res.json()) as any).items as any[];
  };

  it('joins two reports of one failure that share no words, records the score, and sends nothing unredacted', async () => {
    mode = 'ok';
    const h = await startHarness({ backend: 'pglite', env: { RECUR_EMBEDDINGS_URL: url, RECUR_EMBEDDINGS_MODEL: 'fake-embed', RECUR_EMBEDDINGS_THRESHOLD: '0.9' } });
    try {
      await run(h, [feedback('hr-bot', 'it quoted the 2024 PTO policy', 'asked by jane.doe@example.com')]);
      await run(h, [feedback('hr-bot', 'answers cite a superseded handbook')]);
      await run(h, [feedback('hr-bot', 'wants her money back for the course')]);
      const families = await familiesOf(h, 'hr-bot');
      expect(families).toHaveLength(2);
      const policy = families.find((f) => f.title === 'it quoted the 2024 PTO policy');
      expect(policy.trace_count).toBe(2);
      const detail = (await (await h.app.request(`/v1/families/${policy.id}`)).json()) as any;
      const joined = detail.traces.find((t: any) => t.grouping.rule === 'semantic');
      expect(joined.grouping.score).toBeGreaterThanOrEqual(0.9);
      expect(detail.history.find((e: any) => e.action === 'grouped').detail.reason).toMatch(/close in meaning \((?:0\.9\d|1\.00)\)/);
      expect(received.some((r) => r.startsWith('/v1/embeddings fake-embed it quoted the 2024 PTO policy'))).toBe(true);
      expect(received.join('\n')).not.toContain('jane.doe@example.com');
    } finally {
      await h.close();
    }
  });

  it('without the setting, the same reports stay apart and no request is made', async () => {
    const before = received.length;
    const h = await startHarness({ backend: 'pglite' });
    try {
      await run(h, [feedback('hr-bot', 'it quoted the 2024 PTO policy'), feedback('hr-bot', 'answers cite a superseded handbook')]);
      expect(await familiesOf(h, 'hr-bot')).toHaveLength(2);
      expect(received.length).toBe(before);
    } finally {
      await h.close();
    }
  });

  it.each<['fail' | 'hang']>([['fail'], ['hang']])('when the endpoint does not answer well (%s), grouping falls back to the deterministic result', async (how) => {
    mode = how;
    const h = await startHarness({ backend: 'pglite', env: { RECUR_EMBEDDINGS_URL: url, RECUR_EMBEDDINGS_MODEL: 'fake-embed', RECUR_EMBEDDINGS_TIMEOUT_MS: '200' } });
    try {
      await run(h, [feedback('hr-bot', 'it quoted the 2024 PTO policy'), feedback('hr-bot', 'answers cite a superseded handbook')]);
      const families = await familiesOf(h, 'hr-bot');
      expect(families).toHaveLength(2);
      expect(families.every((f) => f.trace_count === 1)).toBe(true);
      expect((await counts(h.services)).traces).toBe(2);
    } finally {
      await h.close();
      mode = 'ok';
    }
  });

  it('reads vectors strictly and averages a family of them', () => {
    expect(vectorOf({ data: [{ embedding: [0.1, -2, 3] }] })).toEqual([0.1, -2, 3]);
    for (const bad of [null, {}, { data: [] }, { data: [{ embedding: [] }] }, { data: [{ embedding: [1, 'x'] }] }, { data: [{ embedding: [1, null] }] }]) expect(vectorOf(bad)).toBeNull();
    expect(cosine([1, 0], [1, 0])).toBeCloseTo(1);
    expect(cosine([1, 0], [0, 1])).toBeCloseTo(0);
    expect(cosine([1, 0], [1, 0, 0])).toBe(0);
    expect(foldVector([1, 0], 1, [0, 1])).toEqual([0.5, 0.5]);
  });
});
