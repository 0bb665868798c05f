// End to end at a sustained rate: every role its own process, built (`node dist/main.js api` and N `… worker`), on a
// throwaway PostgreSQL 15 (fsync and synchronous_commit on) and Redis, tickets going to a fake GitHub.
// A load generator process sends unique signed `issue.trace.added` deliveries over 50 families, open
// loop (delivery i is due at i / rate, whatever the answers do), and records when each 202 arrived.
//
// Delay from the 202 to the family being updated: the inbox row's processed_at minus the 202's arrival.
// processed_at is set in the transaction that updates the family, and is that transaction's start
// (now()), so the figure leaves out the few ms the transaction takes to commit. Both clocks are this
// machine's. After the load, the run waits for the backlog to drain and checks that every accepted
// delivery was processed exactly once. RSS of each recur process is sampled every second (VmRSS).
// Run: npm run bench:e2e [-- --rate 1000 --duration 60 --warmup 5 --workers 1 --concurrency 8]
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/client.js';
import { startFakeGitHub } from '../test/helpers/fake_github.js';
import { createDatabase, startPostgres } from '../test/helpers/postgres.js';
import { connectSql } from '../test/helpers/sql.js';
import { startRedis } from '../test/helpers/redis.js';
import { buildRecur, startService, type ServiceProcess } from '../test/helpers/service_process.js';
import { cpuMs, metricValue, percentile, rssMb, runLoad } from './bench_processes.js';

const SECRET = 'bench-secret-0123456789';
const TOKEN = 'ghp_benchtoken0123456789';
const REPO = 'acme/agents';
const FAMILIES = 50;
const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: process.env.BENCH_RATE ?? '1000' },
    duration: { type: 'string', default: process.env.BENCH_DURATION_S ?? '60' },
    warmup: { type: 'string', default: process.env.BENCH_WARMUP_S ?? '5' },
    workers: { type: 'string', default: process.env.BENCH_WORKERS ?? '1' },
    concurrency: { type: 'string', default: process.env.RECUR_WORKER_CONCURRENCY ?? '8' },
    'drain-timeout': { type: 'string', default: '180' },
    'log-level': { type: 'string', default: 'warn' },
    // e.g. --recur-node-options="--require <preload script>" to look inside recur's processes under the load
    'recur-node-options': { type: 'string', default: '' },
  },
});
const rate = Number(values.rate);
const durationMs = Number(values.duration) * 1000;
const warmupMs = Number(values.warmup) * 1000;
const workerCount = Number(values.workers);

// recur runs built, as its image runs it (`npm run build`, then `node dist/main.js <role>`).
buildRecur();
const pg = await startPostgres({ fsync: true });
const redis = await startRedis();
const gh = await startFakeGitHub({ token: TOKEN });
const processes: Array<{ name: string; svc: ServiceProcess }> = [];
let exitCode = 1;
try {
  const admin = connectSql(pg.url);
  const settings = Object.fromEntries(
    await Promise.all(['server_version', 'fsync', 'synchronous_commit'].map(async (name) => [name, (await admin.query(`show ${name}`))[0]![name] as string])),
  );
  await admin.end();
  if (settings.fsync !== 'on' || settings.synchronous_commit !== 'on') throw new Error(`durability is off: ${JSON.stringify(settings)}`);
  console.log(`PostgreSQL ${settings.server_version}: fsync=${settings.fsync} synchronous_commit=${settings.synchronous_commit}`);

  const db = await createDatabase(pg.url, 'recur_e2e');
  const migrated = await openDatabase({ databaseUrl: db.url, dataDir: tmpdir() });
  await migrated.migrate();
  await migrated.close();
  const sql = connectSql(db.url, { max: 2 });

  const env = {
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    LANGSMITH_WEBHOOK_SECRET: SECRET,
    GITHUB_TOKEN: TOKEN,
    GITHUB_API_URL: gh.url,
    GITHUB_REPO: REPO,
    LOG_LEVEL: values['log-level'],
    RECUR_WORKER_CONCURRENCY: values.concurrency,
    // One sender on loopback at 1,000/s: the per-address webhook limit would refuse most of it.
    RECUR_RATE_LIMIT_PER_ADDRESS: '0',
    RECUR_RATE_LIMIT_PER_TOKEN: '0',
    ...(values['recur-node-options'] ? { NODE_OPTIONS: values['recur-node-options'] } : {}),
  };
  processes.push({ name: 'api', svc: await startService({ from: 'built', role: 'api', env }) });
  for (let w = 1; w <= workerCount; w++) processes.push({ name: `worker${w}`, svc: await startService({ from: 'built', role: 'worker', env }) });
  await new Promise((r) => setTimeout(r, 2_000));

  const rss: Record<string, number[]> = Object.fromEntries(processes.map((p) => [p.name, []]));
  const backlog: Array<{ t_s: number; pending: number }> = [];
  const t0 = Date.now();
  const cpuBefore = Object.fromEntries(processes.map((p) => [p.name, cpuMs(p.svc.child.pid!) ?? 0]));
  const sampler = setInterval(() => {
    for (const p of processes) {
      const mb = rssMb(p.svc.child.pid!);
      if (mb !== null) rss[p.name]!.push(mb);
    }
    sql
      .query<{ n: number }>(`select count(*)::int as n from inbox_events where status = 'pending'`)
      .then(([r]) => backlog.push({ t_s: Math.round((Date.now() - t0) / 1000), pending: r!.n }))
      .catch(() => {});
  }, 1_000);

  const load = await runLoad(
    {
      url: `${processes[0]!.svc.url}/webhooks/langsmith`,
      secret: SECRET,
      mode: 'open',
      rate,
      connections: 64,
      warmupMs,
      durationMs,
      families: FAMILIES,
      precompute: Math.ceil(((warmupMs + durationMs) / 1000) * rate),
      recordAccepted: true,
    },
    1,
  );
  const sentForMs = Date.now() - t0;
  const accepted = load.accepted ?? [];
  console.log(`sent ${load.sent} in ${(sentForMs / 1000).toFixed(1)} s: ${JSON.stringify(load.statuses)}, ${load.errors} errors; draining`);

  const drainDeadline = Date.now() + Number(values['drain-timeout']) * 1000;
  for (;;) {
    const [r] = await sql.query<{ n: number }>(`select count(*)::int as n from inbox_events where status = 'pending'`);
    if (r!.n === 0 || Date.now() > drainDeadline) break;
    await new Promise((res) => setTimeout(res, 500));
  }
  const drainedAfterMs = Date.now() - t0 - sentForMs;
  clearInterval(sampler);
  const cpuUsed = Object.fromEntries(processes.map((p) => [p.name, +(((cpuMs(p.svc.child.pid!) ?? 0) - cpuBefore[p.name]!) / 1000).toFixed(1)]));

  // Exactly once: every 202 is one stored row, processed once, counted once in its family.
  const rows = await sql.query<{ id: string; status: string; processed_ms: number | null }>(
    'select id, status, (extract(epoch from processed_at) * 1000)::float8 as processed_ms from inbox_events',
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const [counts] = await sql.query<Record<string, number>>(`
    select (select count(*)::int from families) as families,
           (select coalesce(sum(event_count), 0)::int from families) as family_events,
           (select coalesce(sum(trace_count), 0)::int from families) as family_traces,
           (select count(*)::int from traces) as traces,
           (select count(*)::int from inbox_events where status = 'processed') as processed,
           (select count(*)::int from inbox_events where status = 'pending') as pending,
           (select count(*)::int from inbox_events where status = 'dead') as dead`);
  const answered = load.statuses['202'] ?? 0;
  const exactlyOnce = {
    answered_202: answered,
    inbox_rows: rows.length,
    every_202_stored: accepted.every(([id]) => byId.has(id)),
    processed: counts!.processed,
    pending: counts!.pending,
    dead: counts!.dead,
    families: counts!.families,
    family_events: counts!.family_events,
    family_traces: counts!.family_traces,
    traces: counts!.traces,
  };
  const exactlyOnceOk =
    exactlyOnce.every_202_stored &&
    rows.length === answered &&
    counts!.processed === answered &&
    counts!.pending === 0 &&
    counts!.dead === 0 &&
    counts!.families === FAMILIES &&
    counts!.family_events === answered &&
    counts!.family_traces === answered &&
    counts!.traces === answered;

  // Over every accepted delivery, warm-up included.
  const delays = accepted.flatMap(([id, answeredAt]) => {
    const processed = byId.get(id)?.processed_ms;
    return processed == null ? [] : [processed - answeredAt];
  });
  const delay = { p50_ms: +percentile(delays, 50).toFixed(1), p99_ms: +percentile(delays, 99).toFixed(1), max_ms: +percentile(delays, 100).toFixed(1), over_1s: delays.filter((d) => d > 1000).length };
  const answer = { p50_ms: +percentile(load.measured.latenciesMs, 50).toFixed(2), p99_ms: +percentile(load.measured.latenciesMs, 99).toFixed(2) };
  // What the workers say of their batches: how many events a transaction applied, and how many split.
  const workerMetrics = await Promise.all(
    processes.filter((p) => p.name.startsWith('worker')).map(async (p) => {
      const text = await (await fetch(`${p.svc.url}/metrics`)).text();
      const value = (name: string) => metricValue(text, name);
      const batches = value('recur_inbox_batch_events_count');
      return { process: p.name, batches, mean_events_per_batch: +(value('recur_inbox_batch_events_sum') / batches).toFixed(1), splits: value('recur_inbox_batch_splits_total') };
    }),
  );
  const rssMax = Object.fromEntries(Object.entries(rss).map(([name, s]) => [name, +Math.max(...s).toFixed(1)]));
  const rssOk = Object.values(rssMax).every((mb) => mb < 300);
  // Deliveries due in the measured window over the time until the last of them was answered.
  const sustained = +(load.measured.accepted / (load.measured.windowMs / 1000)).toFixed(1);

  console.table([{ rate_target: rate, accepted_per_s: sustained, answer_p50_ms: answer.p50_ms, answer_p99_ms: answer.p99_ms, delay_p50_ms: delay.p50_ms, delay_p99_ms: delay.p99_ms, delay_max_ms: delay.max_ms, drained_after_s: +(drainedAfterMs / 1000).toFixed(1) }]);
  console.table([exactlyOnce]);
  console.table(Object.entries(rssMax).map(([proc, mb]) => ({ process: proc, rss_max_mb: mb, cpu_s: cpuUsed[proc] })));
  const verdict = { delay_p99_le_1s: delay.p99_ms <= 1000, exactly_once: exactlyOnceOk, rss_under_300mb: rssOk, sustained_rate: sustained >= rate * 0.98 };
  console.table(workerMetrics);
  console.table([verdict]);

  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/e2e.json',
    JSON.stringify(
      {
        at: new Date(t0).toISOString(),
        command: `npm run bench:e2e -- ${process.argv.slice(2).join(' ')}`.trim(),
        machine: { cpus: cpus().length, node: process.version, loadavg_after: loadavg() },
        postgres: settings,
        rate,
        duration_s: durationMs / 1000,
        warmup_s: warmupMs / 1000,
        workers: workerCount,
        concurrency: Number(values.concurrency),
        sent: load.sent,
        statuses: load.statuses,
        errors: load.errors,
        accepted_per_s: sustained,
        answer,
        delay_from_202_to_family_update: { ...delay, measured_as: 'inbox_events.processed_at (start of the processing transaction) minus the 202 arrival' },
        drained_after_s: +(drainedAfterMs / 1000).toFixed(1),
        exactly_once: { ...exactlyOnce, ok: exactlyOnceOk },
        rss_max_mb: rssMax,
        cpu_s: cpuUsed,
        worker_batches: workerMetrics,
        backlog,
        verdict,
      },
      null,
      2,
    ),
  );
  console.log('written to bench/results/e2e.json');
  await sql.end();
  exitCode = Object.values(verdict).every(Boolean) ? 0 : 1;
} finally {
  for (const p of processes.reverse()) await p.svc.stop().catch(() => {});
  await gh.close();
  await redis.destroy();
  await pg.destroy();
}
process.exit(exitCode);
