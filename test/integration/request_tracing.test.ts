// Without an exporter (spans not recorded), every answer still says which trace it belongs to: x-trace-id
// continues an inbound traceparent or starts a trace, x-request-id is echoed, whether the answer is 202, an
// error or a 404; the request's log lines carry its ids, and the job relayed for a delivery continues it.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceCarrier } from '../../src/telemetry/tracing.js';
import { startTracing } from '../../src/telemetry/tracing.js';
import { fixtureText, signedHeaders } from '../helpers/fixtures.js';
import { eventually, startHarness, type Harness } from '../helpers/recur.js';

const delivery = () => {
  const event = JSON.parse(fixtureText('issue-created.json')) as { id: string; data: { object: { id: string } } };
  event.id = randomUUID();
  event.data.object.id = randomUUID();
  return JSON.stringify(event);
};

describe('request tracing without an exporter', () => {
  let h: Harness;
  const logDir = mkdtempSync(join(tmpdir(), 'recur-tracing-'));
  const logFile = join(logDir, 'log.jsonl');
  const logLines = () =>
    readFileSync(logFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const relayed: Array<{ payload: unknown; trace?: TraceCarrier }> = [];
  beforeAll(async () => {
    expect(startTracing({}, 'api').recording).toBe(false);
    process.env.RECUR_TEST_LOG_FILE = logFile;
    h = await startHarness({ backend: 'pglite', worker: false, env: { LOG_LEVEL: 'info' } });
    delete process.env.RECUR_TEST_LOG_FILE;
    const { queue } = h.services;
    const enqueue = queue.enqueue.bind(queue);
    queue.enqueue = async (name, payload, opts) => {
      relayed.push({ payload, trace: opts.trace });
      return enqueue(name, payload, opts);
    };
  });
  afterAll(async () => {
    await h?.close();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('continues an inbound traceparent into the answer, the log line and the relayed job', async () => {
    const traceId = randomBytes(16).toString('hex');
    const body = delivery();
    const res = await h.app.request('/webhooks/langsmith', {
      method: 'POST',
      body,
      headers: { ...signedHeaders(body), traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`, 'x-request-id': 'req-tracing-1' },
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-request-id')).toBe('req-tracing-1');
    expect(res.headers.get('x-trace-id')).toBe(traceId);
    const { event_id } = (await res.json()) as { event_id: string };

    const job = await eventually(async () => relayed.find((j) => JSON.stringify(j.payload).includes(event_id)));
    expect(job?.trace?.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
    const line = await eventually(async () => logLines().find((l) => l.msg === 'delivery' && l.request_id === 'req-tracing-1'));
    expect(line).toMatchObject({ trace_id: traceId, event_id, outcome: 'accepted' });
    expect(line?.span_id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('logs one line per delivery outcome: accepted, duplicate, and a conflict as a warning', async () => {
    const body = delivery();
    const { id } = JSON.parse(body) as { id: string };
    const changed = JSON.stringify({ ...(JSON.parse(body) as object), created: 1 });
    const send = (text: string, requestId: string) =>
      h.app.request('/webhooks/langsmith', { method: 'POST', body: text, headers: { ...signedHeaders(text), 'x-request-id': requestId } });
    expect((await send(body, 'req-outcome-1')).status).toBe(202);
    expect((await send(body, 'req-outcome-2')).status).toBe(200);
    expect((await send(changed, 'req-outcome-3')).status).toBe(409);
    const lines = await eventually(async () => {
      const found = logLines().filter((l) => typeof l.request_id === 'string' && l.request_id.startsWith('req-outcome-'));
      return found.length === 3 ? found : undefined;
    });
    const expected = { source: 'langsmith', type: 'issue.created', delivery: id, event_id: expect.stringMatching(/^[0-9a-f-]{36}$/) };
    expect(lines).toEqual([
      expect.objectContaining({ ...expected, level: 30, msg: 'delivery', outcome: 'accepted', request_id: 'req-outcome-1' }),
      expect.objectContaining({ ...expected, level: 30, msg: 'delivery', outcome: 'duplicate', request_id: 'req-outcome-2' }),
      expect.objectContaining({ ...expected, level: 40, msg: 'delivery id reused with a different body', outcome: 'conflict', request_id: 'req-outcome-3' }),
    ]);
    expect(new Set(lines?.map((l) => l.event_id)).size).toBe(1);
  });

  it('names a trace on every answer: a new one without traceparent, and on errors and unknown routes', async () => {
    const body = delivery();
    const answers = [
      await h.app.request('/webhooks/langsmith', { method: 'POST', body, headers: signedHeaders(body) }),
      await h.app.request('/webhooks/langsmith', { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-langsmith-signature': 'sha256=00' } }),
      await h.app.request('/no/such/route'),
      await h.app.request('/healthz'),
    ];
    expect(answers.map((r) => r.status)).toEqual([202, 401, 404, 200]);
    const traceIds = answers.map((r) => r.headers.get('x-trace-id'));
    for (const [i, r] of answers.entries()) {
      expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(traceIds[i]).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(new Set(traceIds).size).toBe(answers.length);
  });

  it('names a trace on every answer Node writes too, however it was built', async () => {
    // Served by Node, the ids go straight onto Node's response instead of through the context.
    const server = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' });
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const traceId = randomBytes(16).toString('hex');
      const body = delivery();
      const answers = [
        await fetch(`${base}/webhooks/langsmith`, { method: 'POST', body, headers: { ...signedHeaders(body), 'x-request-id': 'req-node-1', traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` } }),
        await fetch(`${base}/webhooks/langsmith`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-langsmith-signature': 'sha256=00' } }),
        await fetch(`${base}/no/such/route`),
        await fetch(`${base}/metrics`),
        await fetch(`${base}/openapi.json`),
      ];
      expect(answers.map((r) => r.status)).toEqual([202, 401, 404, 200, 200]);
      expect(answers[0]!.headers.get('x-request-id')).toBe('req-node-1');
      expect(answers[0]!.headers.get('x-trace-id')).toBe(traceId);
      expect(answers[0]!.headers.get('content-type')).toMatch(/^application\/json/);
      expect(answers[3]!.headers.get('content-type')).toMatch(/^text\/plain/);
      for (const r of answers.slice(1)) {
        expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
        expect(r.headers.get('x-trace-id')).toMatch(/^[0-9a-f]{32}$/);
        // One value each, not the context's and Node's both.
        expect(r.headers.get('x-request-id')).not.toContain(',');
      }
      await Promise.all(answers.map((r) => r.arrayBuffer()));
    } finally {
      server.close();
    }
  });
});
