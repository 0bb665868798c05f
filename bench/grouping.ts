// Grouping quality on data nobody on this project wrote, measured from outside through the public API:
// a labelled set of signals goes through POST /v1/signals of a running recur, in order, and the families
// are read back through GET /v1/families and GET /v1/families/:id/traces (each signal has its own trace).
// Printed: pairwise precision and recall and Loghub's grouping accuracy (GA: a signal counts when its
// family holds exactly the signals of its true group), per system (Loghub) or per set, beside the peer's
// figures the set carries (Drain3 for Loghub).
//
//   npm run bench:grouping -- --url http://localhost:3000 [--token T]   against a recur you started
//   npm run bench:grouping -- --start pglite|postgres|postgres-bullmq   starts one (fresh storage) itself
//   --set loghub (default; ../shared/benchmarks/loghub/loghub-dev-set.json) | agent-tune | agent-tune-2 | agent-tune-3 | agent-tune-4 | agent-tune-5 | agent-tune-6 | agent-tune-7 | agent-tune-8 | agent-tune-9 | agent-tune-10 | agent-tune-11 | agent-tune-12 | agent-tune-13 | agent-tune-14 | agent-tune-15 | agent-tune-16 | agent-holdout-15 | agent-holdout-17 | agent-holdout-18 | agent-holdout-19 | agent-holdout-20 | agent-holdout-21 | <path>
//   --assignments <file>   also writes each signal's id, true label and family there, to study the misses
//   --related K            also asks each family for its K related families (GET /v1/families/:id/related)
//                          and prints how many are the same failure, and the recall if a person merged those
//   --embeddings [--embeddings-threshold 0.85]   with --start: turns the semantic step on, served by
//                          bench/embeddings_server.ts (a sentence encoder installed for the run, see there)
//
// The recur it measures must be fresh: families already there would take part in the grouping.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { groupingAccuracy, pairwiseScores, suggestionScores, type SuggestionScores } from '../test/helpers/cluster_metrics.js';
import { createDatabase, startPostgres, type PgServer } from '../test/helpers/postgres.js';
import { startService, type ServiceProcess } from '../test/helpers/service_process.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.RECUR_URL ?? 'http://localhost:3000' },
    token: { type: 'string', default: process.env.RECUR_TOKEN },
    start: { type: 'string' },
    set: { type: 'string', default: 'loghub' },
    batch: { type: 'string', default: '50' },
    'drain-timeout': { type: 'string', default: '600' },
    assignments: { type: 'string' },
    related: { type: 'string' },
    embeddings: { type: 'boolean', default: false },
    'embeddings-threshold': { type: 'string' },
  },
});

const SETS: Record<string, string> = {
  loghub: new URL('../../shared/benchmarks/loghub/loghub-dev-set.json', import.meta.url).pathname,
  'agent-tune': new URL('../test/fixtures/agent_signals/grouping-tune.json', import.meta.url).pathname,
  'agent-tune-2': new URL('../test/fixtures/agent_signals/grouping-tune-2.json', import.meta.url).pathname,
  'agent-tune-3': new URL('../test/fixtures/agent_signals/grouping-tune-3.json', import.meta.url).pathname,
  'agent-tune-4': new URL('../test/fixtures/agent_signals/grouping-tune-4.json', import.meta.url).pathname,
  'agent-tune-5': new URL('../test/fixtures/agent_signals/grouping-tune-5.json', import.meta.url).pathname,
  'agent-tune-6': new URL('../test/fixtures/agent_signals/grouping-tune-6.json', import.meta.url).pathname,
  'agent-tune-7': new URL('../test/fixtures/agent_signals/grouping-tune-7.json', import.meta.url).pathname,
  'agent-tune-8': new URL('../test/fixtures/agent_signals/grouping-tune-8.json', import.meta.url).pathname,
  'agent-tune-9': new URL('../test/fixtures/agent_signals/grouping-tune-9.json', import.meta.url).pathname,
  'agent-tune-10': new URL('../test/fixtures/agent_signals/grouping-tune-10.json', import.meta.url).pathname,
  'agent-tune-11': new URL('../test/fixtures/agent_signals/grouping-tune-11.json', import.meta.url).pathname,
  'agent-tune-12': new URL('../test/fixtures/agent_signals/grouping-tune-12.json', import.meta.url).pathname,
  'agent-tune-13': new URL('../test/fixtures/agent_signals/grouping-tune-13.json', import.meta.url).pathname,
  'agent-tune-14': new URL('../test/fixtures/agent_signals/grouping-tune-14.json', import.meta.url).pathname,
  'agent-tune-15': new URL('../test/fixtures/agent_signals/grouping-tune-15.json', import.meta.url).pathname,
  'agent-tune-16': new URL('../test/fixtures/agent_signals/grouping-tune-16.json', import.meta.url).pathname,
  'agent-holdout-15': new URL('../test/fixtures/agent_signals/grouping-holdout-15.json', import.meta.url).pathname,
  'agent-holdout-17': new URL('../test/fixtures/agent_signals/grouping-holdout-17.json', import.meta.url).pathname,
  'agent-holdout-18': new URL('../test/fixtures/agent_signals/grouping-holdout-18.json', import.meta.url).pathname,
  'agent-holdout-19': new URL('../test/fixtures/agent_signals/grouping-holdout-19.json', import.meta.url).pathname,
  'agent-holdout-20': new URL('../test/fixtures/agent_signals/grouping-holdout-20.json', import.meta.url).pathname,
  'agent-holdout-21': new URL('../test/fixtures/agent_signals/grouping-holdout-21.json', import.meta.url).pathname,
};

interface LabelledSet {
  signals: Array<{ id: string; workflow: string; trace?: { trace_id: string; run_id?: string } } & Record<string, unknown>>;
  truth: Record<string, string>;
  datasets?: string[];
  peer?: Record<string, { drain3: { plain: { precision: number; recall: number; ga: number } } }>;
}

async function api(url: string, path: string, init: RequestInit = {}): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(values.token ? { authorization: `Bearer ${values.token}` } : {}) };
  const res = await fetch(`${url}${path}`, { ...init, headers });
  return { status: res.status, json: await res.json() };
}

async function send(url: string, set: LabelledSet): Promise<void> {
  const size = Number(values.batch);
  for (let i = 0; i < set.signals.length; i += size) {
    const res = await api(url, '/v1/signals', { method: 'POST', body: JSON.stringify({ signals: set.signals.slice(i, i + size) }) });
    if (res.status !== 202) throw new Error(`POST /v1/signals answered ${res.status}: ${JSON.stringify(res.json)}`);
  }
}

/**
 * A family is read back by the traces it holds, so a signal sent without a trace (the contract allows it)
 * gets one named after its id. Grouping never reads the trace.
 */
function withTraces(set: LabelledSet): LabelledSet {
  return { ...set, signals: set.signals.map((s) => (s.trace ? s : { ...s, trace: { trace_id: `bench-${s.id}` } })) };
}

/** Every family of the set's workflows with the trace ids it holds; waits until every signal has a family. */
async function readFamilies(url: string, set: LabelledSet): Promise<Map<string, string>> {
  const workflows = [...new Set(set.signals.map((s) => s.workflow))];
  const deadline = Date.now() + Number(values['drain-timeout']) * 1000;
  let familyOfTrace = new Map<string, string>();
  for (;;) {
    familyOfTrace = new Map();
    for (const workflow of workflows) {
      let cursor: string | null = null;
      do {
        const page: { json: any } = await api(url, `/v1/families?workflow=${encodeURIComponent(workflow)}&limit=200${cursor ? `&cursor=${cursor}` : ''}`);
        for (const family of page.json.items) {
          let traceCursor: string | null = null;
          do {
            const traces: { json: any } = await api(url, `/v1/families/${family.id}/traces?limit=500${traceCursor ? `&cursor=${traceCursor}` : ''}`);
            for (const t of traces.json.items) familyOfTrace.set(t.trace_id, family.id);
            traceCursor = traces.json.next_cursor;
          } while (traceCursor);
        }
        cursor = page.json.next_cursor;
      } while (cursor);
    }
    if (familyOfTrace.size >= set.signals.length) return familyOfTrace;
    if (Date.now() > deadline) throw new Error(`after ${values['drain-timeout']} s only ${familyOfTrace.size} of ${set.signals.length} signals have a family`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function startRecur(mode: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'recur-bench-grouping-'));
  let pg: PgServer | null = null;
  let redis: { url: string; destroy(): Promise<void> } | null = null;
  const env: Record<string, string> = { RECUR_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  let embeddings: { url: string; close: () => Promise<void> } | null = null;
  if (values.embeddings) {
    const { EMBEDDINGS_MODEL, startEmbeddingsServer } = await import('./embeddings_server.js');
    embeddings = await startEmbeddingsServer();
    Object.assign(env, { RECUR_EMBEDDINGS_URL: embeddings.url, RECUR_EMBEDDINGS_MODEL: EMBEDDINGS_MODEL, RECUR_EMBEDDINGS_TIMEOUT_MS: '10000' });
    if (values['embeddings-threshold']) env.RECUR_EMBEDDINGS_THRESHOLD = values['embeddings-threshold'];
  }
  if (mode !== 'pglite') {
    pg = await startPostgres();
    env.DATABASE_URL = (await createDatabase(pg.url)).url;
    if (mode === 'postgres') {
      const { startRedis } = await import('../test/helpers/redis.js');
      redis = await startRedis();
      env.REDIS_URL = redis.url;
    } else if (mode !== 'postgres-bullmq') throw new Error(`--start: expected pglite, postgres or postgres-bullmq, got ${mode}`);
  }
  const service: ServiceProcess = await startService({ env });
  return {
    url: service.url,
    stop: async () => {
      await service.stop();
      await Promise.allSettled([pg?.destroy(), redis?.destroy(), embeddings?.close()]);
    },
  };
}

const path = SETS[values.set!] ?? values.set!;
const set = withTraces(JSON.parse(readFileSync(path, 'utf8')) as LabelledSet);
const started = values.start ? await startRecur(values.start) : null;
const url = started?.url ?? values.url!;
try {
  const t0 = performance.now();
  await send(url, set);
  const familyOfTrace = await readFamilies(url, set);
  const seconds = (performance.now() - t0) / 1000;
  const items = set.signals.map((s) => ({ label: set.truth[s.id]!, cluster: familyOfTrace.get(s.trace!.trace_id) ?? `missing:${s.id}` }));
  const groups = set.datasets ?? [...new Set(set.signals.map((s) => s.workflow))];
  const groupOf = (item: { label: string }, signal: { workflow: string }) => (set.datasets ? item.label.split('/')[0]! : signal.workflow);
  const rows = groups.map((group) => {
    const mine = items.filter((item, i) => groupOf(item, set.signals[i]!) === group);
    const scores = pairwiseScores(mine);
    const peer = set.peer?.[group]?.drain3.plain;
    return {
      group,
      signals: mine.length,
      true_groups: new Set(mine.map((i) => i.label)).size,
      families: new Set(mine.map((i) => i.cluster)).size,
      precision: +scores.precision.toFixed(3),
      recall: +scores.recall.toFixed(3),
      ga: +groupingAccuracy(mine).toFixed(3),
      ...(peer ? { drain3_precision: peer.precision, drain3_recall: peer.recall, drain3_ga: peer.ga } : {}),
    };
  });
  const mean = (key: 'precision' | 'recall' | 'ga' | 'drain3_ga') => +(rows.reduce((sum, r) => sum + Number((r as Record<string, unknown>)[key] ?? 0), 0) / rows.length).toFixed(3);
  const all = pairwiseScores(items);
  console.table(rows);
  console.log(
    `${values.set}${values.start ? ` on ${values.start}` : ''}${values.embeddings ? ` with the semantic step (threshold ${values['embeddings-threshold'] ?? 'default'})` : ''}: ${items.length} signals, ${new Set(items.map((i) => i.label)).size} true groups -> ${new Set(items.map((i) => i.cluster)).size} families in ${seconds.toFixed(1)} s\n` +
      `mean over ${rows.length} groups: precision ${mean('precision')}, recall ${mean('recall')}, GA ${mean('ga')}${set.peer ? ` (Drain3 GA ${mean('drain3_ga')})` : ''}\n` +
      `pooled pairwise: precision ${all.precision.toFixed(3)}, recall ${all.recall.toFixed(3)}`,
  );
  let related: SuggestionScores | undefined;
  if (values.related) {
    const suggestions: Array<[string, string]> = [];
    for (const id of new Set(items.map((i) => i.cluster))) {
      const res: { json: any } = await api(url, `/v1/families/${id}/related?limit=${Number(values.related)}`);
      for (const other of res.json.items) suggestions.push([id, other.id]);
    }
    related = suggestionScores(items, suggestions);
    console.log(
      `related families (up to ${values.related} each): ${related.suggested} suggested, ${related.right} the same failure (${(100 * related.precision).toFixed(0)}%); ` +
        `pairwise recall ${related.recall.toFixed(3)} -> ${related.recallIfMerged.toFixed(3)} if a person merged those`,
    );
  }
  if (values.assignments) writeFileSync(values.assignments, JSON.stringify(set.signals.map((s, i) => ({ id: s.id, ...items[i] })), null, 1));
  mkdirSync('bench/results', { recursive: true });
  const setName = (SETS[values.set!] ? values.set! : basename(values.set!, '.json')) + (values.embeddings ? '-semantic' : '');
  writeFileSync(`bench/results/grouping-${setName}${values.start ? `-${values.start}` : ''}.json`, JSON.stringify({ at: new Date().toISOString(), set: path, rows, pooled: all, related }, null, 2));
} finally {
  await started?.stop();
}
process.exit(0);
