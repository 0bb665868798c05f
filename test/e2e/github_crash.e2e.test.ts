// kill -9 of the worker after GitHub created the issue but before recur recorded the receipt: after a
// restart the unfinished ledger entry is reconciled by the issue's hidden marker, and there is still
// exactly one issue.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { batchDeliveries, signedHeaders, TEST_SECRET } from '../helpers/fixtures.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake_github.js';
import { createDatabase } from '../helpers/postgres.js';
import { eventually } from '../helpers/recur.js';
import { startService, type ServiceProcess } from '../helpers/service_process.js';

const pgUrl = inject('pgUrl');
const REPO = 'acme/agents';

describe.skipIf(!pgUrl)('a worker killed mid side effect', () => {
  let gh: FakeGitHub;
  let service: ServiceProcess | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'recur-crash-'));
  afterAll(async () => {
    await service?.stop();
    await gh?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('leaves exactly one issue after a restart', async () => {
    gh = await startFakeGitHub({ token: 'ghp_crashtoken0123456789' });
    const db = await createDatabase(pgUrl);
    const env = {
      DATABASE_URL: db.url,
      RECUR_DATA_DIR: dataDir,
      LANGSMITH_WEBHOOK_SECRET: TEST_SECRET,
      GITHUB_TOKEN: 'ghp_crashtoken0123456789',
      GITHUB_API_URL: gh.url,
      GITHUB_REPO: REPO,
      RECUR_GITHUB_WRITE_GAP_MS: '0',
      RECUR_TICKET_DELAY_MS: '100',
      RECUR_TICKET_LEASE_MS: '2000',
      RECUR_SWEEP_INTERVAL_MS: '1000',
    };
    // GitHub applies the create and then never answers: the worker is waiting for its receipt.
    gh.fail({ method: 'POST', path: /\/repos\/acme\/agents\/issues$/, afterEffect: true, hang: true });
    service = await startService({ env });
    for (const body of batchDeliveries()) {
      const res = await fetch(`${service.url}/webhooks/langsmith`, { method: 'POST', body, headers: signedHeaders(body) });
      expect(res.status).toBe(202);
    }
    await eventually(async () => gh.issues(REPO).length === 1, 20_000);
    await service.kill();

    const sql = postgres(db.url, { max: 1 });
    const [reserved] = await sql`select status from side_effects where kind = 'github.issue.create'`;
    expect(reserved?.status).toBe('reserved');

    service = await startService({ env });
    const done = await eventually(async () => {
      const [row] = await sql`select status, receipt from side_effects where kind = 'github.issue.create'`;
      return row?.status === 'succeeded' ? row : null;
    }, 30_000);
    expect(done).toMatchObject({ receipt: { repo: REPO, number: 1 } });
    const [ticket] = await sql`select number, state from tickets`;
    await sql.end();
    expect(ticket).toMatchObject({ number: 1, state: 'open' });
    expect(gh.issues(REPO)).toHaveLength(1);
    expect(gh.callsTo('POST', /\/issues$/)).toHaveLength(1);
    expect(gh.callsTo('GET', /\/repos\/acme\/agents\/issues$/).length).toBeGreaterThan(0);
  }, 90_000);
});
