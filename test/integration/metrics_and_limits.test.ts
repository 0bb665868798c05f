// GET /metrics counts what happened (deliveries by source, type and outcome; duplicates; side effects;
// gate decisions) and reads stored state when scraped (queue depth, pending/dead inbox rows, families
// by status). Rate limits answer 429 with Retry-After, per token in-process and per address over a real
// socket, and a refused request stores nothing.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookRateLimit } from '../../src/http/rate_limit.js';
import { inboxEvents } from '../../src/db/schema/index.js';
import { batchDeliveries, fixtureText, signedHeaders } from '../helpers/fixtures.js';
import { postLangsmith, settled, startHarness, type Harness } from '../helpers/recur.js';

/** `name{a="x",b="y"} 3` lines → value of the series whose labels include `labels`; 0 when absent. */
function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = /\{(.*)\}/.exec(line)?.[1] ?? '';
    const have = Object.fromEntries([...labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

const scrape = async (h: Harness) => {
  const res = await h.app.request('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
};

/** The issue.created fixture under a new delivery id (and issue id), with the given type. */
const envelope = (type: string) => {
  const event = JSON.parse(fixtureText('issue-created.json')) as { id: string; type: string; data: { object: { id: string } } };
  event.id = randomUUID();
  event.type = type;
  event.data.object.id = randomUUID();
  return JSON.stringify(event);
};

describe('GET /metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend: 'pglite', env: { GITHUB_WEBHOOK_SECRET: 'gh-secret-0123456789' } });
  });
  afterAll(() => h?.close());

  it('counts deliveries by source, type and outcome, and reads the stored state', async () => {
    const before = await scrape(h);
    const [created] = batchDeliveries();
    expect((await postLangsmith(h, created!, signedHeaders(created!))).status).toBe(202);
    expect((await postLangsmith(h, created!, signedHeaders(created!))).status).toBe(200);
    expect((await postLangsmith(h, created!, { 'content-type': 'application/json', 'x-langsmith-signature': 'sha256=00' })).status).toBe(401);
    const oversized = JSON.stringify({ id: randomUUID(), type: 'issue.created', pad: 'x'.repeat(h.services.config.env.RECUR_MAX_BODY_BYTES) });
    expect((await postLangsmith(h, oversized, signedHeaders(oversized))).status).toBe(413);
    // Every request to a delivery route counts, whatever its method; other routes do not.
    expect((await h.app.request('/webhooks/langsmith')).status).toBe(404);
    expect((await h.app.request('/v1/families')).status).toBe(200);
    const unknown = envelope('issue.sparkled');
    expect((await postLangsmith(h, unknown, signedHeaders(unknown))).status).toBe(202);
    // A sender-chosen type never becomes a label value of its own.
    const hostile = envelope(`x${'"'.repeat(3)}-${randomUUID()}`);
    expect((await postLangsmith(h, hostile, signedHeaders(hostile))).status).toBe(202);
    expect(await settled(h.services)).toBe(true);

    const after = await scrape(h);
    const delta = (labels: Record<string, string>) => metricValue(after, 'recur_deliveries_total', labels) - metricValue(before, 'recur_deliveries_total', labels);
    expect(delta({ source: 'langsmith', type: 'issue.created', outcome: 'accepted' })).toBe(1);
    expect(delta({ source: 'langsmith', type: 'issue.created', outcome: 'duplicate' })).toBe(1);
    expect(delta({ source: 'langsmith', outcome: 'unauthorized' })).toBe(1);
    expect(delta({ source: 'langsmith', outcome: 'payload_too_large' })).toBe(1);
    expect(delta({ source: 'langsmith', outcome: '4xx' })).toBe(1);
    expect(delta({})).toBe(7);
    expect(delta({ source: 'langsmith', type: 'other', outcome: 'ignored' })).toBe(2);
    expect(after).not.toContain('sparkled');
    expect(metricValue(after, 'recur_duplicates_total', { source: 'langsmith' }) - metricValue(before, 'recur_duplicates_total', { source: 'langsmith' })).toBe(1);

    // Stored state, read at scrape time.
    expect(metricValue(after, 'recur_families', { status: 'open' }) + metricValue(after, 'recur_families', { status: 'watching' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(after, 'recur_inbox_events', { state: 'pending' })).toBe(0);
    expect(metricValue(after, 'recur_inbox_events', { state: 'dead' })).toBe(0);
    expect(after).toMatch(/^recur_queue_depth\{queue="recur-inbox"\} 0$/m);
    expect(after).toMatch(/^recur_inbox_oldest_pending_age_seconds 0$/m);
    // The ticket went through the ledger, and the job that did it was timed.
    expect(metricValue(after, 'recur_side_effects_total', { kind: 'local.issue.create', outcome: 'performed' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(after, 'recur_job_duration_seconds_count', { job: 'inbox.process', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(after, 'recur_event_processing_delay_seconds_count', { source: 'langsmith' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(after, 'recur_http_request_duration_seconds_count', { route: '/webhooks/langsmith', status: '2xx' })).toBeGreaterThanOrEqual(4);
    expect(after).toContain('recur_process_resident_memory_bytes');
  });

  it('shows pending rows and their age while nothing works them, and dead rows', async () => {
    const db = h.services.database.db;
    const old = new Date(Date.now() - 10 * 60_000);
    await db.insert(inboxEvents).values([
      { source: 'langsmith', deliveryId: `stuck-${randomUUID()}`, eventType: 'issue.created', bodySha256: 'x', payload: {}, status: 'pending', receivedAt: old },
      { source: 'langsmith', deliveryId: `dead-${randomUUID()}`, eventType: 'issue.created', bodySha256: 'y', payload: {}, status: 'dead', attempts: 8 },
    ]);
    const text = await scrape(h);
    expect(metricValue(text, 'recur_inbox_events', { state: 'pending' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'recur_inbox_events', { state: 'stuck' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'recur_inbox_events', { state: 'dead' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'recur_inbox_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(590);
  });

  it('counts gate decisions', async () => {
    const before = metricValue(await scrape(h), 'recur_gate_decisions_total');
    const res = await h.app.request('/v1/gates/support-agent?release=1.0.0');
    expect(res.status).toBe(200);
    const { decision } = (await res.json()) as { decision: string };
    const after = await scrape(h);
    expect(metricValue(after, 'recur_gate_decisions_total') - before).toBe(1);
    expect(metricValue(after, 'recur_gate_decisions_total', { decision })).toBeGreaterThanOrEqual(1);
  });
});

describe('webhook rate limits', () => {
  const TOKEN = 'langsmith-bearer-0123456789abcdef';

  it('answers 429 with Retry-After once a token has used its budget, and stores nothing for it', async () => {
    // 1 per second over a 10 s window: ten requests, then 429.
    const h = await startHarness({ backend: 'pglite', worker: false, env: { RECUR_RATE_LIMIT_PER_TOKEN: '1', LANGSMITH_WEBHOOK_TOKEN: TOKEN } });
    try {
      const send = (token: string) => {
        const body = envelope('issue.created');
        return h.app.request('/webhooks/langsmith', { method: 'POST', body, headers: { ...signedHeaders(body), authorization: `Bearer ${token}` } });
      };
      for (let i = 0; i < 10; i++) expect((await send(TOKEN)).status).toBe(202);
      const refused = await send(TOKEN);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited' } });
      expect(await h.services.database.db.$count(inboxEvents)).toBe(10);
      // Another token has a budget of its own (and is then refused for being wrong, not for the limit).
      expect((await send('some-other-token-0123456789')).status).toBe(401);
      const text = await (await h.app.request('/metrics')).text();
      expect(metricValue(text, 'recur_rate_limited_total', { limit: 'token' })).toBeGreaterThanOrEqual(1);
      expect(metricValue(text, 'recur_deliveries_total', { source: 'langsmith', outcome: 'rate_limited' })).toBeGreaterThanOrEqual(1);
    } finally {
      await h.close();
    }
  }, 60_000);

  it('with both limits off (0), no limiter runs and nothing is refused', async () => {
    expect(webhookRateLimit({ perAddress: 0, perToken: 0, trustProxy: false, log: { warn() {} } })).toBeNull();
    expect(webhookRateLimit({ perAddress: 0, perToken: 1, trustProxy: false, log: { warn() {} } })).not.toBeNull();
    const h = await startHarness({ backend: 'pglite', worker: false, env: { RECUR_RATE_LIMIT_PER_ADDRESS: '0', RECUR_RATE_LIMIT_PER_TOKEN: '0' } });
    try {
      const bodies = Array.from({ length: 30 }, () => envelope('issue.created'));
      const answers = await Promise.all(bodies.map((body) => h.app.request('/webhooks/langsmith', { method: 'POST', body, headers: signedHeaders(body) })));
      expect(answers.map((a) => a.status)).toEqual(bodies.map(() => 202));
    } finally {
      await h.close();
    }
  });

  it('limits per source address over a real socket, and per forwarded address behind a trusted proxy', async () => {
    for (const trustProxy of ['false', 'true']) {
      const h = await startHarness({ backend: 'pglite', worker: false, env: { RECUR_RATE_LIMIT_PER_ADDRESS: '1', RECUR_TRUST_PROXY: trustProxy } });
      const server: ServerType = await new Promise((resolve) => {
        const s = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
      });
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/langsmith`;
        const send = (forwardedFor: string) => {
          const body = envelope('issue.created');
          return fetch(url, { method: 'POST', body, headers: { ...signedHeaders(body), 'x-forwarded-for': forwardedFor } });
        };
        for (let i = 0; i < 10; i++) expect((await send('203.0.113.7')).status).toBe(202);
        const refused = await send('203.0.113.7');
        expect(refused.status).toBe(429);
        expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
        // Without a trusted proxy the header is ignored: same socket address, same budget.
        expect((await send('198.51.100.9')).status).toBe(trustProxy === 'true' ? 202 : 429);
        expect(await h.services.database.db.$count(inboxEvents)).toBe(trustProxy === 'true' ? 11 : 10);
      } finally {
        await new Promise((r) => server.close(r));
        await h.close();
      }
    }
  }, 90_000);
});
