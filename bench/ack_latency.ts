// Time to answer N sequential signed LangSmith deliveries (unique issue.trace.added events), on the
// embedded default (PGlite) and on PostgreSQL (fsync on). Run: npm run bench:ack [-- --count 1000]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { signHmacSha256 } from '../src/ingest/signature.js';
import { createDatabase, startPostgres, findPostgresBin } from '../test/helpers/postgres.js';
import { buildRecur, startService } from '../test/helpers/service_process.js';

const SECRET = 'bench-secret-0123456789';
const { values } = parseArgs({ options: { count: { type: 'string', default: '1000' }, warmup: { type: 'string', default: '50' } } });
const count = Number(values.count);
const warmup = Number(values.warmup);

function delivery(i: number): string {
  const issue = `bench-issue-${i % 10}`;
  return JSON.stringify({
    id: randomUUID(),
    type: 'issue.trace.added',
    created: Math.floor(Date.now() / 1000),
    request_id: randomUUID(),
    data: {
      object: { id: issue, name: `Bench failure ${i % 10}`, description: 'synthetic', severity: 2, tenant_id: 't', session_id: 's', session_name: 'bench-agent', url: 'https://smith.langchain.com/o/t/projects/p/s' },
      trace: { run_id: randomUUID(), trace_id: randomUUID(), start_time: new Date().toISOString(), comment: 'x'.repeat(400) },
    },
  });
}

async function measure(url: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const body = delivery(i);
    const t0 = performance.now();
    const res = await fetch(`${url}/webhooks/langsmith`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-langsmith-signature': signHmacSha256(body, SECRET) },
    });
    await res.arrayBuffer();
    const ms = performance.now() - t0;
    if (res.status !== 202) throw new Error(`delivery ${i} answered ${res.status}`);
    if (i >= warmup) times.push(ms);
  }
  return times;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

function summarize(name: string, times: number[]) {
  const s = [...times].sort((a, b) => a - b);
  return { mode: name, deliveries: times.length, median_ms: +pct(s, 50).toFixed(2), p99_ms: +pct(s, 99).toFixed(2), max_ms: +s[s.length - 1]!.toFixed(2) };
}

async function run() {
  buildRecur();
  const results = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'recur-bench-'));
  try {
    const svc = await startService({ from: 'built', env: { LANGSMITH_WEBHOOK_SECRET: SECRET, RECUR_DATA_DIR: dataDir, LOG_LEVEL: 'warn' } });
    try {
      results.push(summarize('pglite (embedded default)', await measure(svc.url)));
    } finally {
      await svc.stop();
    }
    if (findPostgresBin('initdb')) {
      const pg = await startPostgres({ fsync: true });
      try {
        const db = await createDatabase(pg.url);
        const svc2 = await startService({ from: 'built', env: { LANGSMITH_WEBHOOK_SECRET: SECRET, RECUR_DATA_DIR: dataDir, DATABASE_URL: db.url, LOG_LEVEL: 'warn', ...(process.env.RECUR_INBOX_BATCH ? { RECUR_INBOX_BATCH: process.env.RECUR_INBOX_BATCH } : {}) } });
        try {
          results.push(summarize('postgresql 15 (fsync on, BullMQ postgres backend)', await measure(svc2.url)));
        } finally {
          await svc2.stop();
        }
      } finally {
        await pg.destroy();
      }
    } else {
      console.warn('PostgreSQL binaries not found: skipping the PostgreSQL run');
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.table(results);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/ack_latency.json', JSON.stringify({ at: new Date().toISOString(), count, results }, null, 2));
}

await run();
process.exit(0);
