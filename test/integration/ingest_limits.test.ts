// Limits that protect without losing data, over a real socket: correctly signed deliveries are never refused
// by a fixed rate, however many one address sends; requests that fail authentication are limited per address
// (429 with Retry-After) and logged as one counted line per address per interval; and load is shed only on
// real pressure, a backlog past its threshold or a database that has stopped answering, with 503 and
// Retry-After, storing nothing.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { connectSql } from '../helpers/sql.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { inboxEvents } from '../../src/db/schema/index.js';
import { signHmacSha256 } from '../../src/ingest/signature.js';
import { fixtureText, signedHeaders } from '../helpers/fixtures.js';
import { createDatabase } from '../helpers/postgres.js';
import { eventually, startHarness, type Harness } from '../helpers/recur.js';
import { serveOnSocket, type Served } from '../helpers/socket.js';

const pgUrl = inject('pgUrl');
const GITHUB_SECRET = 'gh-limits-secret-0123456789';

/** The issue.created fixture under a new delivery id. */
const delivery = () => {
  const event = JSON.parse(fixtureText('issue-created.json')) as { id: string; data: { object: { id: string } } };
  event.id = randomUUID();
  event.data.object.id = randomUUID();
  return JSON.stringify(event);
};

/** Runs `count` requests, `concurrency` at a time. */
async function inParallel<T>(count: number, concurrency: number, send: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) results[i] = await send(i);
    }),
  );
  return results;
}

const tally = (statuses: number[]) => statuses.reduce<Record<number, number>>((t, s) => ({ ...t, [s]: (t[s] ?? 0) + 1 }), {});

describe('signed deliveries and failed authentication from one address', () => {
  let h: Harness;
  let served: Served;
  let logDir: string;
  const logLines = () =>
    readFileSync(join(logDir, 'recur.log'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, any>);

  beforeAll(async () => {
    logDir = mkdtempSync(join(tmpdir(), 'recur-limits-'));
    process.env.RECUR_TEST_LOG_FILE = join(logDir, 'recur.log');
    // Defaults but for the log level and a trusted proxy, so one test can speak for several addresses.
    h = await startHarness({ backend: 'pglite', worker: false, env: { LOG_LEVEL: 'warn', RECUR_TRUST_PROXY: 'true', GITHUB_WEBHOOK_SECRET: GITHUB_SECRET } });
    delete process.env.RECUR_TEST_LOG_FILE;
    served = await serveOnSocket(h.app);
  });
  afterAll(async () => {
    await served?.close();
    await h?.close();
    rmSync(logDir, { recursive: true, force: true });
  });

  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${served.url}/webhooks/langsmith`, { method: 'POST', body, headers }).then(async (res) => ({ status: res.status, retryAfter: res.headers.get('retry-after'), json: (await res.json()) as any }));

  it('answers every one of 6,000 signed deliveries one address sends within seconds: no fixed rate refuses them', async () => {
    const { env } = h.services.config;
    expect([env.RECUR_RATE_LIMIT_PER_ADDRESS, env.RECUR_RATE_LIMIT_PER_TOKEN]).toEqual([0, 0]);
    const stored = await h.services.database.db.$count(inboxEvents);
    // More than the old default let one address send in its 10 s window (500/s: 5,000). Most are GitHub pings,
    // signed and answered without storage, sent in-process (the address is the forwarded one), so the burst
    // is fast enough to have met that limit.
    const answers = await inParallel(6_000, 32, async (i) => {
      const address = { 'x-forwarded-for': '198.51.100.20' };
      if (i % 20 === 0) {
        const body = delivery();
        return (await h.app.request('/webhooks/langsmith', { method: 'POST', body, headers: { ...signedHeaders(body), ...address } })).status;
      }
      const body = '{"zen":"Keep it logically awesome.","hook_id":1}';
      const res = await h.app.request('/webhooks/github', {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': signHmacSha256(body, GITHUB_SECRET), ...address },
      });
      await res.arrayBuffer();
      return res.status;
    });
    expect(tally(answers)).toEqual({ 200: 5_700, 202: 300 });
    expect(await h.services.database.db.$count(inboxEvents)).toBe(stored + 300);
  }, 120_000);

  it('limits requests that fail authentication per address with 429, never the signed ones sent meanwhile, and logs one counted line per address per interval', async () => {
    const flooder = '203.0.113.66';
    const bystander = '203.0.113.77';
    const refusalLines = (address: string) => logLines().filter((l) => l.msg === 'requests refused: authentication failed' && l.address === address);
    const stored = await h.services.database.db.$count(inboxEvents);

    // 10 failures per second per address (averaged over 10 s): the first 100 are 401, then 429.
    const statuses = await inParallel(400, 16, async (i) => {
      const body = delivery();
      if (i % 4 === 3) return (await post(body, { ...signedHeaders(body), 'x-forwarded-for': flooder })).status + 1_000;
      const refused = await post(body, { 'content-type': 'application/json', 'x-langsmith-signature': `sha256=${'0'.repeat(64)}`, 'x-forwarded-for': flooder });
      if (refused.status === 429) {
        expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
        expect(refused.json.error.code).toBe('rate_limited');
      }
      return refused.status;
    });
    // Every signed delivery (marked +1000) was accepted; the failing ones were refused, 100 with 401.
    expect(tally(statuses)).toEqual({ 1202: 100, 401: 100, 429: 200 });
    expect(await h.services.database.db.$count(inboxEvents)).toBe(stored + 100);
    // Another address has a budget of its own.
    const other = delivery();
    expect((await post(other, { 'content-type': 'application/json', 'x-forwarded-for': bystander })).status).toBe(401);

    // One line at once for each address; the rest of the flooder's interval comes as one counted line at its end.
    expect(refusalLines(flooder)).toEqual([expect.objectContaining({ level: 40, refused: 1, by_code: { unauthorized: 1 }, interval_s: 10 })]);
    expect(refusalLines(bystander)).toHaveLength(1);
    const summed = await eventually(async () => (refusalLines(flooder).length === 2 ? refusalLines(flooder) : null), 15_000, 200);
    expect(summed?.[1]).toMatchObject({ refused: 299, by_code: { unauthorized: 99, rate_limited: 200 } });
    // Nothing else was logged per refused request.
    expect(logLines().filter((l) => l.level >= 40 && l.msg !== 'requests refused: authentication failed')).toEqual([]);

    const metrics = await (await fetch(`${served.url}/metrics`)).text();
    expect(metrics).toMatch(/^recur_rate_limited_total\{limit="auth_failure"\} 200$/m);
  }, 60_000);
});

describe('load shedding on real pressure', () => {
  it('answers 503 with Retry-After once the inbox backlog is past RECUR_SHED_INBOX_PENDING, stores nothing for it, and takes deliveries again once it drains', async () => {
    const h = await startHarness({ backend: 'pglite', worker: false, env: { RECUR_SHED_INBOX_PENDING: '3' } });
    try {
      const send = () => {
        const body = delivery();
        return h.app.request('/webhooks/langsmith', { method: 'POST', body, headers: signedHeaders(body) });
      };
      for (let i = 0; i < 4; i++) expect((await send()).status).toBe(202);
      // The backlog is counted in the background, at most once a second: the refusal comes within about that.
      const shed = await eventually(async () => {
        const res = await send();
        return res.status === 503 ? res : null;
      }, 5_000, 100);
      expect(shed).not.toBeNull();
      expect(shed!.headers.get('retry-after')).toBe('30');
      expect(await shed!.json()).toEqual({ error: { code: 'unavailable', message: expect.stringContaining('backlog'), retry_after: 30 } });
      const pending = await h.services.database.db.$count(inboxEvents, eq(inboxEvents.status, 'pending'));
      // What was accepted before the count caught up is stored; the shed deliveries are not.
      const stored = await h.services.database.db.$count(inboxEvents);
      expect((await send()).status).toBe(503);
      expect(await h.services.database.db.$count(inboxEvents)).toBe(stored);
      expect(pending).toBeGreaterThan(3);

      await h.services.database.db.update(inboxEvents).set({ status: 'processed', processedAt: new Date() });
      const accepted = await eventually(async () => ((await send()).status === 202 ? true : null), 5_000, 100);
      expect(accepted).toBe(true);
      const metrics = await (await h.app.request('/metrics')).text();
      expect(metrics).toMatch(/^recur_load_shed_total\{reason="inbox_backlog"\} [1-9]\d*$/m);
    } finally {
      await h.close();
    }
  }, 60_000);

  it.skipIf(!pgUrl)('answers 503 with Retry-After while the oldest delivery has waited past RECUR_SHED_STORE_WAIT_MS for PostgreSQL, and stores the waiting one once it answers', async () => {
    const db = await createDatabase(pgUrl);
    const h = await startHarness({ backend: 'postgres', databaseUrl: db.url, worker: false, env: { RECUR_SHED_STORE_WAIT_MS: '200' } });
    const locker = connectSql(db.url);
    try {
      const send = () => {
        const body = delivery();
        return h.app.request('/webhooks/langsmith', { method: 'POST', body, headers: signedHeaders(body) });
      };
      expect((await send()).status).toBe(202);
      // Another session holds the inbox table: the next delivery's insert waits for it.
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      const holding = locker.transaction(async (query) => {
        await query('lock table inbox_events in exclusive mode');
        locked();
        await held;
      });
      await isLocked;
      const waiting = send();
      await new Promise((r) => setTimeout(r, 400));
      const shed = await send();
      expect(shed.status).toBe(503);
      expect(Number(shed.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await shed.json()).toMatchObject({ error: { code: 'unavailable', message: expect.stringContaining('database') } });
      release();
      await holding;
      expect((await waiting).status).toBe(202);
      expect((await send()).status).toBe(202);
      expect(await h.services.database.db.$count(inboxEvents)).toBe(3);
    } finally {
      await locker.end();
      await h.close();
      await db.drop();
    }
  }, 60_000);
});
