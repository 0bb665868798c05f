// Ingest at the machine's limit: unique signed `issue.trace.added` deliveries (~1 KB) at 32 and 128
// connections, closed loop, against three servers side by side in one run, each its own process:
//   noop   hono reading and parsing the body (the ceiling of HTTP + JSON here),
//   naive  hono + recur's checks + one INSERT per request on node-postgres, pool of 10,
//   recur  `node dist/main.js api` on PostgreSQL + Redis (group commit),
// every one compiled first (none runs through a transpiler), on a throwaway PostgreSQL 15 cluster with fsync and synchronous_commit on; then recur's embedded default
// (`all` role on PGlite). After every naive and recur run the stored rows must equal the 202s, and every
// event id answered 202 must be a stored row.
// Run: npm run bench:ingest [-- --duration 10 --warmup 15 --connections 32,128 --targets noop,naive,recur,pglite
//                               --rounds 1 --slices 4 --generators 1 --max-steal 5 --retries 2]
// Every server is measured after --warmup seconds under the same load: the JIT settles within about 6 s for
// naive and 10-14 s for recur (a larger program), and a measurement before that counts compiling.
// The servers are then measured in turns (--slices, each a second of load then its share of --duration):
// noop, naive, recur, recur, naive, noop, ... so a drift of the machine's speed during the round reaches
// each of them alike instead of whichever was measured last.
// With --rounds N the three take turns N times; the machine's speed swings between measurements, and the
// median of the per-round ratios is the figure to read. A round in which the hypervisor took more than
// --max-steal % of the machine's CPU is measured again (all its servers), at most --retries times.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/client.js';
import { createDatabase, startPostgres } from '../test/helpers/postgres.js';
import { connectSql } from '../test/helpers/sql.js';
import { startRedis } from '../test/helpers/redis.js';
import { buildRecur, startService } from '../test/helpers/service_process.js';
import { compileScripts, cpuMs, machineTicks, mergeLoads, metricValue, openLoad, percentile, runLoad, startServer, stealPercent, treeCpuMs, type LoadSession, type Server } from './bench_processes.js';
import type { LoadResult } from './load_generator.js';

const SECRET = 'bench-secret-0123456789';
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: process.env.BENCH_DURATION_S ?? '10' },
    warmup: { type: 'string', default: process.env.BENCH_WARMUP_S ?? '15' },
    connections: { type: 'string', default: '32,128' },
    targets: { type: 'string', default: 'noop,naive,recur,pglite' },
    rounds: { type: 'string', default: '1' },
    // Each target's --duration is measured in this many turns, the targets alternating (see measureRound).
    slices: { type: 'string', default: '4' },
    generators: { type: 'string', default: '1' },
    // A round whose share of CPU taken by the hypervisor (steal) went over this is measured again, every
    // server of it, at most `retries` times: such a round measures the neighbours more than the servers.
    'max-steal': { type: 'string', default: '5' },
    retries: { type: 'string', default: '2' },
    'recur-log-level': { type: 'string', default: 'warn' },
    // e.g. --recur-node-options="--require <preload script>" to profile recur under the load (NODE_OPTIONS refuses --cpu-prof)
    'recur-node-options': { type: 'string', default: '' },
  },
});
const durationMs = Number(values.duration) * 1000;
const warmupMs = Number(values.warmup) * 1000;
const connectionCounts = values.connections.split(',').map(Number);
const targets = new Set(values.targets.split(','));
const rounds = Number(values.rounds);
const slices = Math.max(1, Number(values.slices));
/** Load before each slice's measured window, not measured: connections the server closed while idle reopen, and it comes back to full load. */
const SLICE_LEAD_IN_MS = 1000;
const generators = Number(values.generators);
const maxSteal = Number(values['max-steal']);
const retries = Number(values.retries);
// RECUR_* settings in the bench's own environment (RECUR_INBOX_BATCH=…) reach recur.
const passed = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('RECUR_'))) as Record<string, string>;
// No worker drains the inbox here: the backlog the api builds is the benchmark's own, not pressure to shed.
const recurEnv = { RECUR_SHED_INBOX_PENDING: '0', ...passed, LANGSMITH_WEBHOOK_SECRET: SECRET, LOG_LEVEL: values['recur-log-level'], RECUR_RATE_LIMIT_PER_ADDRESS: '0', RECUR_RATE_LIMIT_PER_TOKEN: '0', ...(values['recur-node-options'] ? { NODE_OPTIONS: values['recur-node-options'] } : {}) };

interface Row {
  round: number;
  target: string;
  connections: number;
  accepted_per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  measured_requests: number;
  non_202: Record<string, number>;
  errors: number;
  made_on_the_fly: number;
  /** CPU time of the server process (user + system) per request answered, over the whole run. */
  server_cpu_ms_per_request: number | null;
  /** CPU time of PostgreSQL (postmaster and every backend) per request answered, over the whole run. */
  db_cpu_ms_per_request: number | null;
  /** Share of the machine's CPU time the hypervisor gave to other guests during the run. */
  steal_pct?: number | null;
  /** Measured again, with the round's other servers, because steal went over --max-steal: not counted. */
  disturbed?: boolean;
  /** recur: deliveries stored per inbox statement (group commit), and events per job relayed to the queue. */
  deliveries_per_commit?: number;
  events_per_relay?: number;
  /**
   * Rows stored since the target's previous check (its warm-up included, for a round's first attempt) ==
   * the 202s answered meanwhile, and every event id answered 202 is a stored row (null: not checked).
   */
  durable_check: { answered_202: number; rows_added: number; ok: boolean } | null;
}

const rows: Row[] = [];
const precomputeFor = (target: string, ms: number) => Math.ceil((ms / 1000) * (target === 'noop' ? 25_000 : 12_000));

let postmasterPid: number | null = null;

/** recur's own account of its group commits and relays so far (/metrics). */
async function batching(url: string) {
  const text = await (await fetch(`${url}/metrics`)).text();
  return {
    commits: metricValue(text, 'recur_inbox_commit_deliveries_count'),
    commitSum: metricValue(text, 'recur_inbox_commit_deliveries_sum'),
    relays: metricValue(text, 'recur_inbox_relay_events_count'),
    relaySum: metricValue(text, 'recur_inbox_relay_events_sum'),
  };
}

/** A server measured in a round: how to count its stored rows and read their ids (naive and recur). */
interface Target {
  name: string;
  url: string;
  pid: number;
  countRows?: () => Promise<number>;
  storedIds?: () => Promise<Set<string>>;
  /** Since the last durability check: the row count then, and the loads run since (warm-up included). */
  unchecked?: { rows: number; loads: LoadResult[] };
}

/** What one target did over the slices of a round attempt. */
interface Tally {
  loads: LoadResult[];
  cpu: number;
  dbCpu: number | null;
  ticks: { steal: number; total: number };
}

/** A target's load for a round at one connection count: warmed once, then measured slice by slice. */
async function openTargetLoad(t: Target, connections: number): Promise<LoadSession> {
  const sliceMs = SLICE_LEAD_IN_MS + durationMs / slices;
  return openLoad(
    { url: `${t.url}/webhooks/langsmith`, secret: SECRET, mode: 'closed', connections, families: 50, precompute: precomputeFor(t.name, warmupMs + slices * sliceMs), recordAccepted: !!t.storedIds },
    generators,
  );
}

/** One slice of a target's measurement: SLICE_LEAD_IN_MS of load, then its share of --duration. */
async function measureSlice(t: Target, load: LoadSession, tally: Tally) {
  const cpuBefore = cpuMs(t.pid)!;
  const dbCpuBefore = postmasterPid ? treeCpuMs(postmasterPid) : null;
  const ticksBefore = machineTicks();
  const result = await load.run({ warmupMs: SLICE_LEAD_IN_MS, durationMs: durationMs / slices });
  tally.cpu += cpuMs(t.pid)! - cpuBefore;
  const dbCpuAfter = postmasterPid ? treeCpuMs(postmasterPid) : null;
  tally.dbCpu = tally.dbCpu === null || dbCpuBefore === null || dbCpuAfter === null ? null : tally.dbCpu + dbCpuAfter - dbCpuBefore;
  const ticksAfter = machineTicks();
  if (ticksBefore && ticksAfter) {
    tally.ticks.steal += ticksAfter.steal - ticksBefore.steal;
    tally.ticks.total += ticksAfter.total - ticksBefore.total;
  }
  tally.loads.push(result);
  t.unchecked?.loads.push(result);
}

/**
 * Measures every target of a round at one connection count, in --slices turns: noop, naive, recur, then
 * recur, naive, noop, and so on. Each target's figures merge its slices, so a drift of the machine's speed
 * within the round reaches every target alike instead of the one measured last. Then each target's 202s
 * are checked against its stored rows (checkDurable).
 */
async function measureRound(round: number, targets: Target[], loads: LoadSession[], connections: number): Promise<Row[]> {
  const tallies = targets.map((): Tally => ({ loads: [], cpu: 0, dbCpu: postmasterPid ? 0 : null, ticks: { steal: 0, total: 0 } }));
  const batchingBefore = await Promise.all(targets.map((t) => (t.name === 'recur' ? batching(t.url) : null)));
  for (let s = 0; s < slices; s++) {
    const order = targets.map((_, i) => i);
    if (s % 2 === 1) order.reverse();
    for (const i of order) await measureSlice(targets[i]!, loads[i]!, tallies[i]!);
  }
  const measured: Row[] = [];
  for (const [i, t] of targets.entries()) {
    const tally = tallies[i]!;
    const load = mergeLoads(tally.loads, 'in turn');
    const durable = await checkDurable(t);
    const r = summarize(round, t.name, connections, load, durable, tally.cpu, tally.dbCpu);
    r.steal_pct = stealPercent(tally.ticks);
    const before = batchingBefore[i];
    if (before) {
      const after = await batching(t.url);
      r.deliveries_per_commit = +((after.commitSum - before.commitSum) / (after.commits - before.commits)).toFixed(1);
      r.events_per_relay = +((after.relaySum - before.relaySum) / (after.relays - before.relays)).toFixed(1);
    }
    console.log(`${t.name.padEnd(6)} c=${String(connections).padEnd(3)} ${r.accepted_per_s.toFixed(0).padStart(6)}/s  p50 ${r.p50_ms.toFixed(2)} ms  p99 ${r.p99_ms.toFixed(2)} ms  cpu ${r.server_cpu_ms_per_request} ms/req${r.db_cpu_ms_per_request !== null ? `  db cpu ${r.db_cpu_ms_per_request} ms/req` : ''}${r.steal_pct != null ? `  steal ${r.steal_pct}%` : ''}${r.deliveries_per_commit ? `  ${r.deliveries_per_commit}/commit ${r.events_per_relay}/relay` : ''}${durable ? `  rows ${durable.rows_added} / 202s ${durable.answered_202} ${durable.ok ? 'ok' : 'MISMATCH'}` : ''}`);
    measured.push(r);
  }
  rows.push(...measured);
  return measured;
}

/** Every 202 the target answered since its last check is a stored row, and it stored no other. */
async function checkDurable(t: Target): Promise<Row['durable_check']> {
  if (!t.countRows || !t.unchecked) return null;
  const since = mergeLoads(t.unchecked.loads, 'in turn');
  const answered = since.statuses['202'] ?? 0;
  const rowsNow = await t.countRows();
  let everyIdStored = true;
  if (t.storedIds && since.accepted) {
    const ids = await t.storedIds();
    everyIdStored = since.accepted.every(([id]) => ids.has(id));
  }
  const added = rowsNow - t.unchecked.rows;
  t.unchecked = { rows: rowsNow, loads: [] };
  return { answered_202: answered, rows_added: added, ok: added === answered && everyIdStored };
}

function summarize(round: number, target: string, connections: number, load: LoadResult, durable: Row['durable_check'], cpu: number | null, dbCpu: number | null = null): Row {
  const perRequest = (ms: number | null) => (ms === null ? null : +(ms / Math.max(1, load.sent - load.errors)).toFixed(3));
  const lat = load.measured.latenciesMs;
  const non202 = Object.fromEntries(Object.entries(load.statuses).filter(([s]) => s !== '202'));
  return {
    round,
    target,
    connections,
    accepted_per_s: +(load.measured.accepted / (load.measured.windowMs / 1000)).toFixed(1),
    p50_ms: +percentile(lat, 50).toFixed(2),
    p99_ms: +percentile(lat, 99).toFixed(2),
    max_ms: +percentile(lat, 100).toFixed(2),
    measured_requests: load.measured.requests,
    non_202: non202,
    errors: load.errors,
    made_on_the_fly: load.madeOnTheFly,
    server_cpu_ms_per_request: perRequest(cpu),
    db_cpu_ms_per_request: perRequest(dbCpu),
    durable_check: durable,
  };
}

async function postgresTargets(): Promise<Record<string, string>> {
  const pg = await startPostgres({ fsync: true });
  postmasterPid = Number(readFileSync(join(pg.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const redis = await startRedis();
  const servers: Server[] = [];
  const cleanup = async () => {
    for (const s of servers) await s.stop().catch(() => {});
    await redis.destroy();
    await pg.destroy();
  };
  try {
    const admin = connectSql(pg.url);
    const settings = Object.fromEntries(
      await Promise.all(['server_version', 'fsync', 'synchronous_commit', 'wal_sync_method'].map(async (name) => [name, (await admin.query(`show ${name}`))[0]![name] as string])),
    );
    await admin.end();
    if (settings.fsync !== 'on' || settings.synchronous_commit !== 'on') throw new Error(`durability is off: ${JSON.stringify(settings)}`);
    console.log(`PostgreSQL ${settings.server_version}: fsync=${settings.fsync} synchronous_commit=${settings.synchronous_commit} wal_sync_method=${settings.wal_sync_method}`);

    const db = await createDatabase(pg.url, 'recur_bench');
    const migrated = await openDatabase({ databaseUrl: db.url, dataDir: tmpdir() });
    await migrated.migrate();
    await migrated.close();
    const sql = connectSql(db.url, { max: 2 });
    await sql.query('create table naive_inbox (like inbox_events including all)');

    const countOf = (table: string) => async () => (await sql.query<{ n: number }>(`select count(*)::int as n from ${table}`))[0]!.n;
    const idsIn = (table: string) => async () => new Set((await sql.query<{ id: string }>(`select id from ${table}`)).map((r) => r.id));
    const recurIds = idsIn('inbox_events');
    const naiveIds = idsIn('naive_inbox');

    // The load generator is compiled in the same tsc run.
    const referenceServers = compileScripts('bench/ingest_targets.ts', 'bench/load_generator.ts')[0]!;
    const startTargets = async () => {
      const noop = targets.has('noop') ? await startServer(referenceServers, ['noop'], {}) : null;
      const naive = targets.has('naive') ? await startServer(referenceServers, ['naive'], { DATABASE_URL: db.url, LANGSMITH_WEBHOOK_SECRET: SECRET }) : null;
      const recur = targets.has('recur')
        ? await startService({ from: 'built', role: 'api', env: { ...recurEnv, DATABASE_URL: db.url, REDIS_URL: redis.url, RECUR_QUEUE_PREFIX: 'bench' } })
        : null;
      const started = [noop, naive, recur ? { url: recur.url, child: recur.child, stop: async () => void (await recur.stop()) } : null];
      for (const s of started) if (s) servers.push(s);
      return { noop, naive, recur };
    };

    for (let round = 1; round <= rounds; round++) {
      // Every round measures freshly started servers: a server kept from round to round measured what it
      // had become (the naive one slowed down every round, its CPU per request 0.14 to 0.28 ms in five).
      const { noop, naive, recur } = await startTargets();
      const measuredTargets: Target[] = [];
      if (noop) measuredTargets.push({ name: 'noop', url: noop.url, pid: noop.child.pid! });
      if (naive) measuredTargets.push({ name: 'naive', url: naive.url, pid: naive.child.pid!, countRows: countOf('naive_inbox'), storedIds: naiveIds });
      if (recur) measuredTargets.push({ name: 'recur', url: recur.url, pid: recur.child.pid!, countRows: countOf('inbox_events'), storedIds: recurIds });
      try {
        for (const c of connectionCounts) {
          const loads: LoadSession[] = [];
          try {
            // Each target under load for --warmup seconds, nothing measured: its JIT (and its generator's)
            // settles before its first slice.
            for (const t of measuredTargets) {
              const load = await openTargetLoad(t, c);
              loads.push(load);
              if (t.countRows) t.unchecked = { rows: await t.countRows(), loads: [] };
              const warmed = await load.run({ warmupMs, durationMs: 0 });
              t.unchecked?.loads.push(warmed);
            }
            for (let attempt = 0; ; attempt++) {
              const measured = await measureRound(round, measuredTargets, loads, c);
              const steal = Math.max(0, ...measured.map((r) => r.steal_pct ?? 0));
              if (steal <= maxSteal || attempt >= retries) break;
              for (const r of measured) r.disturbed = true;
              console.log(`steal reached ${steal}% (over --max-steal ${maxSteal}%): round ${round} at ${c} connections is measured again`);
            }
          } finally {
            for (const load of loads) await load.close().catch(() => {});
          }
        }
      } finally {
        for (const s of servers.splice(0)) await s.stop().catch(() => {});
      }
    }
    await sql.end();
    return settings;
  } finally {
    await cleanup();
  }
}

async function pgliteTargets() {
  for (let round = 1; round <= rounds; round++) {
    for (const c of connectionCounts) {
      const dataDir = mkdtempSync(join(tmpdir(), 'recur-bench-ingest-'));
      try {
        const svc = await startService({ from: 'built', role: 'all', env: { ...recurEnv, RECUR_DATA_DIR: dataDir } });
        const cpuBefore = cpuMs(svc.child.pid!)!;
        let cpu = 0;
        const load = await runLoad(
          { url: `${svc.url}/webhooks/langsmith`, secret: SECRET, mode: 'closed', connections: c, warmupMs, durationMs, families: 50, precompute: precomputeFor('pglite', warmupMs + durationMs), recordAccepted: true },
          generators,
        ).finally(async () => {
          cpu = cpuMs(svc.child.pid!)! - cpuBefore;
          await svc.stop();
        });
        // The embedded database belongs to its process: it is read once recur has stopped.
        const { PGlite } = await import('@electric-sql/pglite');
        const pg = await PGlite.create(join(dataDir, 'pgdata'));
        const ids = new Set((await pg.query<{ id: string }>('select id from inbox_events')).rows.map((r) => r.id));
        await pg.close();
        const answered = load.statuses['202'] ?? 0;
        const durable = { answered_202: answered, rows_added: ids.size, ok: ids.size === answered && (load.accepted ?? []).every(([id]) => ids.has(id)) };
        rows.push(summarize(round, 'pglite', c, load, durable, cpu));
        const r = rows[rows.length - 1]!;
        console.log(`pglite c=${String(c).padEnd(3)} ${r.accepted_per_s.toFixed(0).padStart(6)}/s  p50 ${r.p50_ms.toFixed(2)} ms  p99 ${r.p99_ms.toFixed(2)} ms  rows ${ids.size} / 202s ${answered} ${durable.ok ? 'ok' : 'MISMATCH'}`);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  }
}

buildRecur();
const startedAt = new Date().toISOString();
const loadBefore = loadavg();
const settings = targets.has('noop') || targets.has('naive') || targets.has('recur') ? await postgresTargets() : null;
if (targets.has('pglite')) await pgliteTargets();

const verdicts: Array<{ round: string; connections: number; recur_vs_naive: number; recur_p99_ms: number; target: string; pass: boolean }> = [];
for (let round = 1; round <= rounds; round++) {
  for (const c of connectionCounts) {
    const of = (t: string) => rows.find((r) => r.round === round && r.target === t && r.connections === c && !r.disturbed);
    const recur = of('recur');
    const naive = of('naive');
    if (!recur || !naive) continue;
    const ratio = recur.accepted_per_s / naive.accepted_per_s;
    const gate = c === 32 ? ratio >= 1.2 && recur.p99_ms <= 25 : ratio >= 1.2;
    verdicts.push({ round: String(round), connections: c, recur_vs_naive: +ratio.toFixed(2), recur_p99_ms: recur.p99_ms, target: c === 32 ? '>= 1.2x, p99 <= 25 ms' : '>= 1.2x', pass: gate && !!recur.durable_check?.ok });
  }
}
// The machine's speed swings between measurements (steal_pct shows how much a neighbour took): over several
// rounds, the median of the per-round ratios is the figure to read.
if (rounds > 1) {
  for (const c of connectionCounts) {
    const these = verdicts.filter((v) => v.connections === c);
    if (these.length < 2) continue;
    const ratio = median(these.map((v) => v.recur_vs_naive));
    const p99 = median(these.map((v) => v.recur_p99_ms));
    verdicts.push({ round: 'median', connections: c, recur_vs_naive: +ratio.toFixed(2), recur_p99_ms: +p99.toFixed(2), target: c === 32 ? '>= 1.2x, p99 <= 25 ms' : '>= 1.2x', pass: ratio >= 1.2 && (c !== 32 || p99 <= 25) && rows.every((r) => r.target !== 'recur' || r.connections !== c || !!r.durable_check?.ok) });
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

console.table(rows.map((r) => ({ round: r.round, target: r.target, connections: r.connections, 'accepted/s': r.accepted_per_s, 'p50 ms': r.p50_ms, 'p99 ms': r.p99_ms, 'max ms': r.max_ms, 'cpu ms/req': r.server_cpu_ms_per_request, 'db cpu ms/req': r.db_cpu_ms_per_request ?? '-', 'steal %': r.steal_pct ?? '-', counted: r.disturbed ? 'no (steal)' : 'yes', 'non-202': JSON.stringify(r.non_202), durable: r.durable_check ? (r.durable_check.ok ? `ok (${r.durable_check.rows_added})` : 'MISMATCH') : '-' })));
if (verdicts.length) console.table(verdicts);
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/ingest.json',
  JSON.stringify({ at: startedAt, command: `npm run bench:ingest -- ${process.argv.slice(2).join(' ')}`.trim(), machine: { cpus: (await import('node:os')).cpus().length, node: process.version, loadavg_before: loadBefore, loadavg_after: loadavg() }, postgres: settings, duration_s: durationMs / 1000, warmup_s: warmupMs / 1000, generators, max_steal_pct: maxSteal, retries, recur_log_level: values['recur-log-level'], rows, verdicts }, null, 2),
);
console.log('written to bench/results/ingest.json');
process.exit(rows.every((r) => r.durable_check === null || r.durable_check.ok) ? 0 : 1);
