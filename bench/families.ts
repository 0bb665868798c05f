// Per-event processing time with 100 families and with 100,000: the grouping lookups are by indexed
// keys, so the cost of one event must not grow with the number of families (target: within 1.5x).
// Seeds families with what the grouping engine stores (keys, templates, profiles), then times the same mix
// of events through the real processing path: recurrences found by fingerprint, paraphrases found by the
// similarity step, and brand-new failures. PostgreSQL 15, fsync on. Run: npm run bench:families [-- --events 600]
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileSchema } from '../src/config/file.js';
import { openDatabase } from '../src/db/client.js';
import { planGrouping } from '../src/families/grouping/plan.js';
import { GROUPING_VERSION } from '../src/families/grouping/version.js';
import type { Signal } from '../src/families/types.js';
import { storeDeliveries } from '../src/ingest/inbox.js';
import { processInboxEvent } from '../src/ingest/process_event.js';
import { SIGNAL_EVENT_TYPE, signalInboxSource } from '../src/ingest/signals/source.js';
import { createDatabase, startPostgres } from '../test/helpers/postgres.js';
import { connectSql, type SqlClient } from '../test/helpers/sql.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '600' }, large: { type: 'string', default: '100000' } } });
const EVENTS = Number(values.events);
const SIZES = [100, Number(values.large)];
const WORKFLOWS = ['refund-agent', 'support-triage', 'research-synthesis', 'plan-upgrade', 'incident-triage', 'sales-email'];
const TOOLS = ['lookup_order', 'issue_refund', 'search_docs', 'create_ticket', 'send_email', 'query_logs', 'charge_card', 'fetch_url'];
const VERBS = ['ignores', 'skips', 'repeats', 'misreads', 'drops', 'duplicates', 'delays', 'confuses'];
const OBJECTS = ['refund policy', 'customer tier', 'ticket priority', 'plan limits', 'incident owner', 'email tone', 'order status', 'search filters'];

/** The i-th seeded family, as the signal that would have created it: even ones carry an error message. */
function seedSignal(i: number): Signal {
  const workflow = WORKFLOWS[i % WORKFLOWS.length]!;
  if (i % 2 === 0) {
    const tool = TOOLS[i % TOOLS.length]!;
    return { source: 'tool-gateway', kind: 'tool_error', workflow, tool, errorType: `E${i}`, title: `${tool} failed (${i})`, message: `${tool} failed with code E${i} on order 1234`, occurredAt: new Date() };
  }
  const title = `Agent ${VERBS[i % 8]} the ${OBJECTS[Math.floor(i / 8) % 8]} in step ${i}`;
  return { source: 'user-feedback', kind: 'negative_feedback', workflow, title, occurredAt: new Date() };
}

/**
 * Seeds what the grouping engine would have stored for n families: the family, its fingerprint key, its
 * template in the miner's leaf, its profile with the inverted index, and the scope's feature frequencies.
 */
async function seed(url: string, n: number) {
  const sql = connectSql(url);
  const BATCH = 2_000;
  const frequencies = new Map<string, number>();
  for (let start = 0; start < n; start += BATCH) {
    const familyRows: object[] = [];
    const keyRows: object[] = [];
    const templateRows: object[] = [];
    const profileRows: object[] = [];
    const featureRows: object[] = [];
    for (let i = start; i < Math.min(n, start + BATCH); i++) {
      const s = seedSignal(i);
      const plan = planGrouping(s, [], new Date());
      const id = randomUUID();
      familyRows.push({ id, title: s.title, workflow: s.workflow, kind: s.kind, tool: s.tool ?? null, error_type: s.errorType ?? null, boundary: 'unknown', severity: 3, fingerprint: plan.fingerprint.key, grouping_version: GROUPING_VERSION, first_seen: new Date(), last_seen: new Date(), trace_count: 1, event_count: 1 });
      keyRows.push({ source: plan.fingerprint.source, key: plan.fingerprint.key, family_id: id });
      for (const k of plan.titleWords) keyRows.push({ source: k.source, key: k.key, family_id: id });
      templateRows.push({ scope: plan.scope, leaf: plan.leaf, tokens: plan.tokens.join(' '), family_id: id });
      profileRows.push({ family_id: id, scope: plan.scope, features: Object.fromEntries(plan.features.map((f) => [f, 1])), signals: 1 });
      for (const feature of ['', ...plan.features]) {
        if (feature) featureRows.push({ scope: plan.scope, feature, family_id: id });
        frequencies.set(`${plan.scope}\u0000${feature}`, (frequencies.get(`${plan.scope}\u0000${feature}`) ?? 0) + 1);
      }
    }
    await insertRows(sql, 'families', familyRows);
    await insertRows(sql, 'family_keys', keyRows, 'on conflict do nothing');
    await insertRows(sql, 'family_templates', templateRows);
    await insertRows(sql, 'family_profiles', profileRows);
    for (let i = 0; i < featureRows.length; i += 10_000) await insertRows(sql, 'family_features', featureRows.slice(i, i + 10_000), 'on conflict do nothing');
  }
  const stats = [...frequencies].map(([key, families]) => ({ scope: key.split('\u0000')[0]!, feature: key.split('\u0000')[1]!, families }));
  for (let i = 0; i < stats.length; i += 10_000) await insertRows(sql, 'grouping_feature_stats', stats.slice(i, i + 10_000));
  await sql.query('analyze');
  await sql.end();
}

/** Inserts rows (objects keyed by column) in one statement; the columns they leave out take their defaults. */
async function insertRows(sql: SqlClient, table: string, rows: readonly object[], suffix = ''): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!).map((c) => `"${c}"`).join(', ');
  await sql.query(`insert into ${table} (${columns}) select ${columns} from json_populate_recordset(null::${table}, $1::json) ${suffix}`, [JSON.stringify(rows)]);
}

/** The same event mix whatever the number of families: targets are among the first 100 seeded. */
function events(): Array<Record<string, unknown>> {
  return Array.from({ length: EVENTS }, (_, j) => {
    const base = { id: randomUUID(), occurred_at: new Date().toISOString(), trace: { trace_id: randomUUID(), run_id: randomUUID() } };
    const target = seedSignal((j * 7 + Math.floor(j / 300)) % 100);
    switch (j % 3) {
      case 0: {
        const s = seedSignal((j * 2) % 100);
        return { ...base, source: s.source, kind: s.kind, workflow: s.workflow, tool: s.tool, error_type: s.errorType, title: s.title, message: s.message!.replace('1234', String(j)) };
      }
      case 1: {
        // A wording not seen before each time, so it is found as a near duplicate, not by fingerprint.
        const s = target.message ? seedSignal(((j * 7) % 100) | 1) : target;
        return { ...base, source: s.source, kind: s.kind, workflow: s.workflow, title: `${FILLERS[j % FILLERS.length]} ${s.title.toLowerCase()}` };
      }
      default:
        return { ...base, source: 'eval-ci', kind: 'eval_failure', workflow: WORKFLOWS[j % 6], title: `New failure ${j}`, message: `check ${letters(j)} failed` };
    }
  });
}

const FILLERS = ['The', 'Again:', 'Sometimes', 'Repeatedly,', 'Still', 'Often', 'Occasionally', 'Intermittently', 'Once more:', 'Noticed:', 'Reported:', 'Observed:'];
const letters = (n: number) => n.toString(26).replace(/./g, (d) => String.fromCharCode(97 + parseInt(d, 26)));

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function measure(serverUrl: string, n: number) {
  const created = await createDatabase(serverUrl);
  const database = await openDatabase({ databaseUrl: created.url, dataDir: '/tmp' });
  await database.migrate();
  const t0 = performance.now();
  await seed(created.url, n);
  const seedSeconds = (performance.now() - t0) / 1000;

  const signals = events();
  const stored = await storeDeliveries(
    database.db,
    signals.map((s) => ({ source: signalInboxSource(String(s.source)), deliveryId: String(s.id), eventType: SIGNAL_EVENT_TYPE, body: new TextEncoder().encode(JSON.stringify(s)), payload: s, status: 'pending' as const })),
  );
  const config = fileSchema.parse({});
  const times: number[] = [];
  const matched: Record<string, number> = {};
  const byRule: Record<string, number[]> = {};
  for (const eventId of stored.accepted) {
    const start = performance.now();
    const outcome = await processInboxEvent({ db: database.db, config, maxAttempts: 1 }, eventId);
    times.push(performance.now() - start);
    const by = outcome.result === 'assigned' ? outcome.assignment.matchedBy : outcome.result;
    matched[by] = (matched[by] ?? 0) + 1;
    (byRule[by] ??= []).push(times.at(-1)!);
  }
  await database.close();
  await created.drop();
  const warm = times.slice(50).sort((a, b) => a - b);
  const medians = Object.fromEntries(Object.entries(byRule).map(([rule, ts]) => [rule, +pct([...ts].sort((a, b) => a - b), 50).toFixed(2)]));
  return { families: n, seed_s: +seedSeconds.toFixed(1), events: warm.length, median_ms: +pct(warm, 50).toFixed(3), p95_ms: +pct(warm, 95).toFixed(3), mean_ms: +(warm.reduce((a, b) => a + b, 0) / warm.length).toFixed(3), matched, median_ms_by_rule: medians };
}

const server = await startPostgres({ fsync: true });
try {
  const results = [];
  for (const n of SIZES) results.push(await measure(server.url, n));
  const ratio = +(results[1]!.median_ms / results[0]!.median_ms).toFixed(2);
  console.table(results.map(({ matched, median_ms_by_rule, ...r }) => ({ ...r, matched: JSON.stringify(matched), by_rule: JSON.stringify(median_ms_by_rule) })));
  console.log(`median per-event time at ${SIZES[1]} families is ${ratio}x the time at ${SIZES[0]} (target <= 1.5x): ${ratio <= 1.5 ? 'PASS' : 'FAIL'}`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/families.json', JSON.stringify({ at: new Date().toISOString(), results, ratio }, null, 2));
} finally {
  await server.destroy();
}
process.exit(0);
