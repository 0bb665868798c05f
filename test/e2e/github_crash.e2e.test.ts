// Crash drill: kill -9 of recur after GitHub created the issue but before recur recorded the receipt, on the
// embedded database (PGlite, in-process queue) and on PostgreSQL (BullMQ's PostgreSQL backend). After a
// restart the unfinished ledger entry is reconciled by the issue's hidden marker, the family has exactly one
// ticket, and it has it within 15 s of the restart with the default 15 s lease: PGlite releases every lease
// at start (it is the only process), PostgreSQL wakes the family when the dead holder's lease lapses.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectSql, type SqlClient } from '../helpers/sql.js';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { batchDeliveries, signedHeaders, TEST_SECRET } from '../helpers/fixtures.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake_github.js';
import { createDatabase } from '../helpers/postgres.js';
import { eventually } from '../helpers/recur.js';
import { startService, type ServiceProcess } from '../helpers/service_process.js';

const pgUrl = inject('pgUrl');
const REPO = 'acme/agents';
const TOKEN = 'ghp_crashtoken0123456789';
/** The behaviour bound: the default lease (15 s) is the longest a dead holder can hold a family back. */
const RECOVERY_BOUND_MS = 15_000;

describe.each([
  { mode: 'pglite' as const, skip: false },
  { mode: 'postgres' as const, skip: !pgUrl },
])('a process killed mid side effect ($mode)', ({ mode, skip }) => {
  let gh: FakeGitHub | undefined;
  let service: ServiceProcess | undefined;
  let sql: SqlClient | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), `recur-crash-${mode}-`));
  afterAll(async () => {
    await service?.stop();
    await sql?.end();
    await gh?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.skipIf(skip)('leaves exactly one issue, recorded within 15 s of the restart', async () => {
    gh = await startFakeGitHub({ token: TOKEN });
    const db = mode === 'postgres' ? await createDatabase(pgUrl) : null;
    const env: Record<string, string> = {
      ...(db ? { DATABASE_URL: db.url } : {}),
      RECUR_DATA_DIR: dataDir,
      LANGSMITH_WEBHOOK_SECRET: TEST_SECRET,
      GITHUB_TOKEN: TOKEN,
      GITHUB_API_URL: gh.url,
      GITHUB_REPO: REPO,
      RECUR_GITHUB_WRITE_GAP_MS: '0',
      RECUR_TICKET_DELAY_MS: '100',
      RECUR_SWEEP_INTERVAL_MS: '1000',
      // The lease is left at its default (15 s): the bound under test.
    };
    // GitHub applies the create and then never answers: recur is waiting for its receipt when it dies.
    gh.fail({ method: 'POST', path: /\/repos\/acme\/agents\/issues$/, afterEffect: true, hang: true });
    service = await startService({ env });
    for (const body of batchDeliveries()) {
      const res = await fetch(`${service.url}/webhooks/langsmith`, { method: 'POST', body, headers: signedHeaders(body) });
      expect(res.status).toBe(202);
    }
    const first = service;
    await eventually(async () => gh!.issues(REPO).length === 1, 20_000, 50, () => ({ calls: gh!.calls.map((c) => `${c.method} ${c.path} ${c.status}`), output: first.output().slice(-3_000) }));
    await service.kill();

    // What the dead process left: an unfinished ledger entry, and (on PostgreSQL) its lease still held.
    const query = async <T>(text: string): Promise<T[]> => {
      if (sql) return sql.query<T>(text);
      const { PGlite } = await import('@electric-sql/pglite');
      const pg = await PGlite.create(join(dataDir, 'pgdata'));
      try {
        return (await pg.query<T>(text)).rows;
      } finally {
        await pg.close();
      }
    };
    if (db) sql = connectSql(db.url);
    const [left] = await query<{ status: string; leased: boolean }>(
      `select e.status, f.ticket_sync_lease_until is not null as leased from side_effects e join families f on f.id = e.family_id where e.kind = 'github.issue.create'`,
    );
    expect(left?.status).toBe('reserved');
    if (mode === 'postgres') expect(left?.leased).toBe(true);

    const restartedAt = Date.now();
    service = await startService({ env });
    const readyAt = Date.now();
    const second = service;
    let last: unknown;
    const recorded = await eventually(
      async () => {
        const res = await fetch(`${second.url}/v1/families`).catch((err) => err);
        last = res instanceof Response ? await res.json() : String(res);
        const families = (last as { items?: Array<{ ticket: { number: number } | null }> }).items ?? [];
        return families.length === 1 && families[0]!.ticket ? families[0]!.ticket : null;
      },
      30_000,
      100,
      () => ({ families: last, output: second.output().slice(-3_000) }),
    );
    const recoveryMs = Date.now() - readyAt;
    console.log(`[crash drill ${mode}] ticket recorded ${recoveryMs} ms after the restarted process was ready (${Date.now() - restartedAt} ms after it was started)`);
    expect(recorded).toMatchObject({ number: 1 });
    expect(recoveryMs, service.output().slice(-3_000)).toBeLessThan(RECOVERY_BOUND_MS);

    // Exactly one issue, found by its marker: the create was sent once and never again.
    expect(gh.issues(REPO)).toHaveLength(1);
    expect(gh.callsTo('POST', /\/issues$/)).toHaveLength(1);
    expect(gh.callsTo('GET', /\/repos\/acme\/agents\/issues$/).length).toBeGreaterThan(0);
    if (sql) {
      const [done] = await sql.query(`select status, receipt from side_effects where kind = 'github.issue.create'`);
      expect(done).toMatchObject({ status: 'succeeded', receipt: { repo: REPO, number: 1 } });
    }
  }, 90_000);
});
