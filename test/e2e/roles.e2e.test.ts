// The roles as separate processes, as a production deployment runs them: built (`npm run build`, then
// `node dist/main.js <role>`, as the image does), one API, two workers, one PostgreSQL and one Redis.
// Also the migrate command and what a bad configuration does at start-up.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectSql } from '../helpers/sql.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { batchDeliveries, signedHeaders, TEST_SECRET } from '../helpers/fixtures.js';
import { createDatabase } from '../helpers/postgres.js';
import { eventually } from '../helpers/recur.js';
import { buildRecur, startService, type ServiceProcess } from '../helpers/service_process.js';

const pgUrl = inject('pgUrl');
const redisUrl = inject('redisUrl');
const ROOT = new URL('../../', import.meta.url).pathname;

function runRecur(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe.skipIf(!pgUrl || !redisUrl)('api and two workers as separate processes, built', () => {
  const processes: ServiceProcess[] = [];
  beforeAll(() => buildRecur(), 180_000);
  afterAll(async () => {
    for (const p of processes) await p.stop();
  });

  it('share the work and make one family with one ticket', async () => {
    const db = await createDatabase(pgUrl);
    const env = { DATABASE_URL: db.url, REDIS_URL: redisUrl, RECUR_QUEUE_PREFIX: `roles${process.pid}`, LANGSMITH_WEBHOOK_SECRET: TEST_SECRET, RECUR_TICKET_DELAY_MS: '200', RECUR_TICKET_UPDATE_INTERVAL_MS: '0' };
    const api = await startService({ role: 'api', env, from: 'built' });
    processes.push(api);
    processes.push(await startService({ role: 'worker', env, from: 'built' }));
    processes.push(await startService({ role: 'worker', env, from: 'built' }));
    for (const body of batchDeliveries()) {
      const res = await fetch(`${api.url}/webhooks/langsmith`, { method: 'POST', body, headers: signedHeaders(body) });
      expect(res.status).toBe(202);
    }
    const page = await eventually(async () => {
      const json = (await (await fetch(`${api.url}/v1/families`)).json()) as any;
      return json.items[0]?.ticket && json.items[0].trace_count === 3 ? json : null;
    }, 30_000);
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ trace_count: 3, event_count: 4, status: 'open', ticket: { number: 1 } });
    const sql = connectSql(db.url);
    const rows = await sql.query<{ n: number }>('select count(*)::int as n from local_issues');
    await sql.end();
    expect(rows[0]?.n).toBe(1);
    // The `recur` command as the image runs it: NODE_ENV=production, the compiled CLI.
    const cli = spawnSync(process.execPath, ['bin/recur.js', 'families'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', RECUR_URL: api.url },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toContain(page.items[0].id);
    for (const p of processes.splice(0)) expect(await p.stop()).toBe(0);
  }, 90_000);
});

describe('start-up commands', () => {
  it.skipIf(!pgUrl)('`migrate` applies the migrations to PostgreSQL and is safe to repeat', async () => {
    const db = await createDatabase(pgUrl);
    for (let i = 0; i < 2; i++) {
      const run = runRecur(['migrate'], { DATABASE_URL: db.url });
      expect(run.status, run.stderr + run.stdout).toBe(0);
    }
    const sql = connectSql(db.url);
    const tables = await sql.query<{ table_name: string }>(`select table_name from information_schema.tables where table_schema = 'public' order by 1`);
    await sql.end();
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(['inbox_events', 'families', 'family_keys', 'traces', 'tickets', 'side_effects', 'family_history', 'local_issues']),
    );
    await db.drop();
  }, 60_000);

  it.each([
    [{ PORT: 'eighty' }, /environment: PORT: /],
    [{ DATABASE_URL: 'mysql://nope' }, /environment: DATABASE_URL: expected a postgres/],
  ])('refuses to start with %o, naming the variable', (env, message) => {
    const run = runRecur(['all'], { RECUR_DATA_DIR: mkdtempSync(join(tmpdir(), 'recur-bad-')), ...env });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('refuses a bad recur.yaml, naming the file and the key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'recur-bad-'));
    const file = join(dir, 'recur.yaml');
    writeFileSync(file, 'tickets:\n  open_when: { min_traces: 0 }\n');
    const run = runRecur(['all'], { RECUR_DATA_DIR: dir, RECUR_CONFIG: file });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`${file}: tickets.open_when.min_traces: expected at least 1`);
  });

  it('refuses to run the api role alone on the embedded database', () => {
    const run = runRecur(['api'], { RECUR_DATA_DIR: mkdtempSync(join(tmpdir(), 'recur-bad-')) });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('needs DATABASE_URL');
  });
});
