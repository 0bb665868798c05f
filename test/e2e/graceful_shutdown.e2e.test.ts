// SIGTERM under load, with a GitHub write in flight: recur stops accepting, answers the requests it has,
// lets the running ticket job finish its GitHub call and record the receipt, closes its pools and exits 0
// within the bound. Every delivery answered 202 is stored; after a restart each is processed exactly
// once, and there is one issue.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectSql } from '../helpers/sql.js';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { fixtureText, signedHeaders, TEST_SECRET } from '../helpers/fixtures.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake_github.js';
import { createDatabase } from '../helpers/postgres.js';
import { eventually } from '../helpers/recur.js';
import { startService, type ServiceProcess } from '../helpers/service_process.js';

const pgUrl = inject('pgUrl');
const redisUrl = inject('redisUrl');
const REPO = 'acme/agents';
const GH_TOKEN = 'ghp_shutdowntoken0123456789';

/** The trace-added fixture as a new delivery carrying a new trace. */
function traceAdded(): { id: string; body: string } {
  const event = JSON.parse(fixtureText('issue-trace-added-1.json')) as { id: string; data: { trace: { trace_id: string; run_id: string } } };
  event.id = randomUUID();
  event.data.trace.trace_id = randomUUID();
  event.data.trace.run_id = randomUUID();
  return { id: event.id, body: JSON.stringify(event) };
}

describe.skipIf(!pgUrl || !redisUrl)('graceful shutdown on SIGTERM', () => {
  let gh: FakeGitHub;
  let service: ServiceProcess | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'recur-sigterm-'));
  afterAll(async () => {
    await service?.stop();
    await gh?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes what it accepted and loses nothing', async () => {
    gh = await startFakeGitHub({ token: GH_TOKEN });
    const db = await createDatabase(pgUrl!);
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl!,
      RECUR_QUEUE_PREFIX: `sigterm${process.pid}`,
      RECUR_DATA_DIR: dataDir,
      LANGSMITH_WEBHOOK_SECRET: TEST_SECRET,
      GITHUB_TOKEN: GH_TOKEN,
      GITHUB_API_URL: gh.url,
      GITHUB_REPO: REPO,
      RECUR_GITHUB_WRITE_GAP_MS: '0',
      RECUR_TICKET_DELAY_MS: '0',
      RECUR_SWEEP_INTERVAL_MS: '1000',
      RECUR_SHUTDOWN_TIMEOUT_MS: '20000',
    };
    // GitHub takes 8 s to create the issue: SIGTERM lands while the ticket job waits for it.
    gh.fail({ method: 'POST', path: /\/repos\/acme\/agents\/issues$/, delayMs: 8_000 });
    service = await startService({ env });
    const created = fixtureText('issue-created.json');
    expect((await fetch(`${service.url}/webhooks/langsmith`, { method: 'POST', body: created, headers: signedHeaders(created) })).status).toBe(202);
    await eventually(async () => gh.callsTo('POST', /\/issues$/).length === 1, 20_000);

    // Load from 6 concurrent senders until the listener goes away.
    const accepted = new Set<string>();
    const answered: number[] = [];
    let refused = 0;
    let stop = false;
    const url = `${service.url}/webhooks/langsmith`;
    const sender = async () => {
      while (!stop) {
        const { id, body } = traceAdded();
        try {
          const res = await fetch(url, { method: 'POST', body, headers: signedHeaders(body) });
          answered.push(res.status);
          if (res.status === 202) accepted.add(id);
          await res.arrayBuffer();
        } catch {
          refused += 1; // connection refused or closed: a real sender retries it later
          await new Promise((r) => setTimeout(r, 50));
          if (refused > 30) return;
        }
      }
    };
    const senders = Array.from({ length: 6 }, sender);
    await eventually(async () => accepted.size >= 20, 20_000);

    const createInFlight = gh.callsTo('POST', /\/issues$/)[0]!.status === 0;
    const signalled = Date.now();
    const exitCode = await service.stop();
    const tookMs = Date.now() - signalled;
    stop = true;
    await Promise.all(senders);
    const output = service.output();

    expect(exitCode).toBe(0);
    expect(tookMs).toBeLessThan(20_000);
    expect(output).toContain('shutting down');
    expect(output).not.toContain('shutdown bound reached');
    // No request that reached recur was answered with an error.
    expect(answered.filter((s) => s !== 202)).toEqual([]);
    expect(accepted.size).toBeGreaterThanOrEqual(20);
    expect(createInFlight).toBe(true);

    const sql = connectSql(db.url);
    try {
      // The GitHub call in flight was finished and its receipt recorded before the exit.
      const [effect] = await sql.query<{ status: string }>(`select status from side_effects where kind = 'github.issue.create'`);
      expect(effect?.status).toBe('succeeded');
      // Every 202 is stored.
      const stored = await sql.query<{ delivery_id: string }>(`select delivery_id from inbox_events where source = 'langsmith'`);
      const storedIds = new Set(stored.map((r) => r.delivery_id));
      for (const id of accepted) expect(storedIds.has(id), id).toBe(true);

      // After a restart, everything is processed exactly once.
      service = await startService({ env });
      await eventually(async () => (await sql.query<{ n: number }>(`select count(*)::int as n from inbox_events where status = 'pending'`))[0]!.n === 0, 30_000);
      const [counts] = await sql.query<{ traces: number; processed: number }>(`
        select (select count(*)::int from traces) as traces,
               (select count(*)::int from inbox_events where status = 'processed') as processed`);
      expect(counts!.processed).toBe(stored.length);
      // One trace per trace-added delivery (the issue.created delivery carries none).
      expect(counts!.traces).toBe(stored.length - 1);
      const [family] = await sql.query<{ trace_count: number }>('select trace_count from families');
      expect(family!.trace_count).toBe(stored.length - 1);
      expect(gh.issues(REPO)).toHaveLength(1);
      expect(gh.callsTo('POST', /\/issues$/)).toHaveLength(1);
    } finally {
      await sql.end();
    }
  }, 120_000);
});
