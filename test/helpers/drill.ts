// Fault drills: recur's api and worker roles as separate child processes on PostgreSQL, with jobs on Redis or
// on BullMQ's PostgreSQL backend (no Redis), with the fake GitHub, a LangSmith-like sender, and the checks
// every drill ends with: each accepted delivery processed exactly once, family counters consistent with what
// was sent, one ticket (one created issue) per family, and no dead letter but the poison the drill injected.
import { randomUUID } from 'node:crypto';
import { connectSql, type SqlClient } from './sql.js';
import { expect } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from './fake_github.js';
import { TEST_SECRET } from './fixtures.js';
import { expectedCounts, type DeliveryResult, type Scenario } from './langsmith_sender.js';
import { eventually } from './recur.js';
import { startService, type ServiceProcess } from './service_process.js';

export const DRILL_REPO = 'acme/agents';
const GITHUB_TOKEN = 'ghp_drilltoken0123456789';
const ISSUES_PATH = /^\/repos\/acme\/agents\/issues$/;

export interface Drill {
  api: ServiceProcess;
  workers: ServiceProcess[];
  gh: FakeGitHub;
  sql: SqlClient;
  startWorker(): Promise<ServiceProcess>;
  /**
   * Writes a poison row straight into the inbox: a pending LangSmith event whose stored payload no longer
   * validates, which processing must mark dead at once (and nothing else). Returns its delivery id.
   */
  injectPoison(): Promise<string>;
  progress(): Promise<{ pending: number; processed: number; dead: number; families: number; tickets: number }>;
  /** Waits until nothing is pending and every family's ticket exists and has caught up with its evidence. */
  settle(scenario: Scenario, timeoutMs: number): Promise<void>;
  /** The end-of-drill checks; `poison` is the one delivery allowed (and required) to be dead. */
  expectExactlyOnce(scenario: Scenario, results: DeliveryResult[], opts: { poison?: string; createdAfterLostAnswer?: number }): Promise<void>;
  /** What the processes said last, for failure messages. */
  diagnostics(): string;
  /** Logs how long the drill has run, with what it reached: where the phase timings of a drill come from. */
  mark(phase: string): Promise<void>;
  stop(): Promise<void>;
}

export interface DrillOptions {
  databaseUrl: string;
  /** Jobs on BullMQ over Redis; without it, on BullMQ's PostgreSQL backend in the drill's database. */
  redisUrl?: string;
  workers?: number;
  env?: Record<string, string>;
}

export async function startDrill(opts: DrillOptions): Promise<Drill> {
  const gh = await startFakeGitHub({ token: GITHUB_TOKEN });
  const env: Record<string, string> = {
    DATABASE_URL: opts.databaseUrl,
    ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl, RECUR_QUEUE_PREFIX: `drill${process.pid}${randomUUID().slice(0, 6)}` } : {}),
    LANGSMITH_WEBHOOK_SECRET: TEST_SECRET,
    GITHUB_TOKEN,
    GITHUB_API_URL: gh.url,
    GITHUB_REPO: DRILL_REPO,
    RECUR_GITHUB_WRITE_GAP_MS: '0',
    RECUR_GITHUB_TIMEOUT_MS: '5000',
    RECUR_TICKET_DELAY_MS: '300',
    RECUR_TICKET_UPDATE_INTERVAL_MS: '1000',
    RECUR_TICKET_LEASE_MS: '5000',
    RECUR_SWEEP_INTERVAL_MS: '1000',
    LOG_LEVEL: 'warn',
    ...opts.env,
  };
  const sql = connectSql(opts.databaseUrl, { max: 2, connectTimeoutMs: 5_000 });
  const processes: ServiceProcess[] = [];
  const workers: ServiceProcess[] = [];
  const startWorker = async () => {
    const w = await startService({ role: 'worker', env: { ...env, LOG_LEVEL: 'info' } });
    processes.push(w);
    workers.push(w);
    // The worker answers /readyz once it consumes the queues: a drill's clock starts with a working worker.
    const ready = await eventually(async () => (await fetch(`${w.url}/readyz`).catch(() => null))?.status === 200, 60_000, 100);
    if (!ready) throw new Error(`worker not ready within 60 s:\n${w.output().slice(-4_000)}`);
    return w;
  };
  const api = await startService({ role: 'api', env });
  processes.push(api);
  for (let i = 0; i < (opts.workers ?? 1); i++) await startWorker();

  const progress = async () => {
    const [row] = await sql.query<{ pending: number; processed: number; dead: number; families: number; tickets: number }>(`
      select
        (select count(*)::int from inbox_events where status = 'pending') as pending,
        (select count(*)::int from inbox_events where status = 'processed') as processed,
        (select count(*)::int from inbox_events where status = 'dead') as dead,
        (select count(*)::int from families where merged_into is null) as families,
        (select count(*)::int from tickets) as tickets`);
    return row!;
  };

  const diagnostics = () =>
    processes
      .map((p, i) => `--- ${i === 0 ? 'api' : `worker ${i}`} (pid ${p.child.pid}, exit ${p.child.exitCode ?? p.child.signalCode ?? 'running'}) ---\n${p.output().slice(-4_000)}`)
      .join('\n');

  const t0 = Date.now();
  const mark = async (phase: string) => {
    const p = await progress().catch(() => null);
    console.log(`[drill] ${((Date.now() - t0) / 1000).toFixed(1)} s ${phase} ${p ? JSON.stringify(p) : '(database unreachable)'}`);
  };
  return {
    api,
    workers,
    gh,
    sql,
    startWorker,
    progress,
    diagnostics,

    mark,

    async injectPoison() {
      const id = `drill-poison-${randomUUID()}`;
      await sql.query(
        `insert into inbox_events (source, delivery_id, event_type, body_sha256, payload, status)
         values ('langsmith', $1, 'issue.created', $2, $3::jsonb, 'pending')`,
        [id, '0'.repeat(64), JSON.stringify({ id, type: 'issue.created', data: {} })],
      );
      return id;
    },

    async settle(scenario, timeoutMs) {
      let last: unknown;
      let nextReport = Date.now() + 10_000;
      const ok = await eventually(async () => {
        if (Date.now() > nextReport) {
          nextReport += 10_000;
          await mark('settling');
        }
        try {
          const [row] = await sql.query<{ pending: number; behind: number; tickets: number }>(`
            select
              (select count(*)::int from inbox_events where status = 'pending') as pending,
              (select count(*)::int from families where merged_into is null
                 and (ticket_generation > ticket_synced_generation or ticket_sync_lease_until is not null)) as behind,
              (select count(*)::int from tickets) as tickets`);
          last = row;
          return row!.pending === 0 && row!.behind === 0 && row!.tickets >= scenario.families.length;
        } catch (err) {
          last = String(err);
          return false;
        }
      }, timeoutMs, 250);
      expect(ok, `not settled within ${timeoutMs} ms: ${JSON.stringify(last)}\n${diagnostics()}`).toBe(true);
    },

    async expectExactlyOnce(scenario, results, { poison, createdAfterLostAnswer = 0 }) {
      // The sender: every delivery ended stored (202 the first time it got through, 200 for a copy of one
      // stored before); nothing was refused, nothing conflicted, nothing was given up.
      const finals = results.map((r) => r.status);
      expect(finals.filter((s) => s !== 202 && s !== 200), 'deliveries that did not end stored').toEqual([]);

      // The inbox: exactly the deliveries sent, each processed; dead only the poison.
      const inbox = await sql.query<{ delivery_id: string; status: string; attempts: number; last_error: string | null }>(
        `select delivery_id, status, attempts, last_error from inbox_events where source = 'langsmith'`,
      );
      const sentIds = new Set(scenario.deliveries.map((d) => d.id));
      expect(inbox.filter((r) => !sentIds.has(r.delivery_id) && r.delivery_id !== poison).map((r) => r.delivery_id), 'rows nobody sent').toEqual([]);
      expect(inbox.length).toBe(sentIds.size + (poison ? 1 : 0));
      expect(inbox.filter((r) => r.status !== 'processed' && r.delivery_id !== poison).map((r) => [r.delivery_id, r.status, r.last_error])).toEqual([]);
      const dead = await sql.query<{ delivery_id: string }>(`select delivery_id, attempts from inbox_events where status = 'dead'`);
      expect(dead.map((r) => r.delivery_id)).toEqual(poison ? [poison] : []);

      // Families: one per LangSmith issue, with counters equal to what was sent, each trace once.
      const families = await sql.query<{ id: string; issue_id: string; event_count: number; trace_count: number; trace_rows: number; occurrences: number }>(`
        select f.id, k.key as issue_id, f.event_count, f.trace_count,
          (select count(*)::int from traces t where t.family_id = f.id) as trace_rows,
          (select count(*)::int from family_occurrences o where o.family_id = f.id) as occurrences
        from families f left join family_keys k on k.family_id = f.id and k.source = 'langsmith'
        where f.merged_into is null`);
      expect(families).toHaveLength(scenario.families.length);
      const byIssue = new Map(families.map((f) => [f.issue_id, f]));
      for (const [i, fam] of scenario.families.entries()) {
        const want = expectedCounts(scenario, i);
        const got = byIssue.get(fam.issueId);
        expect(got, `family for issue ${fam.issueId}`).toBeDefined();
        expect({ events: got!.event_count, traces: got!.trace_count, traceRows: got!.trace_rows, occurrences: got!.occurrences }, fam.session).toEqual({
          events: want.events,
          traces: want.traces,
          traceRows: want.traces,
          occurrences: want.occurrences,
        });
      }
      const duplicateTraces = await sql.query('select family_id, trace_id, run_id from traces group by 1, 2, 3 having count(*) > 1');
      expect(duplicateTraces).toHaveLength(0);

      // Tickets: one per family in recur, one issue per family at GitHub, every ledger entry finished.
      const tickets = await sql.query<{ family_id: string; number: number }>('select family_id, number from tickets order by number');
      expect(new Set(tickets.map((t) => t.family_id))).toEqual(new Set(families.map((f) => f.id)));
      const effects = await sql.query(`select operation_key, status from side_effects where status <> 'succeeded'`);
      expect(effects).toHaveLength(0);
      const issues = gh.issues(DRILL_REPO);
      const markers = issues.map((issue) => [...(issue.body ?? '').matchAll(/recur:family=([0-9a-f-]{36})/g)].map((m) => m[1]));
      expect(markers.every((m) => m.length === 1), 'one family marker per issue').toBe(true);
      expect(new Set(markers.flat())).toEqual(new Set(families.map((f) => f.id)));
      expect(issues).toHaveLength(scenario.families.length);
      expect(issues.map((i) => i.number).sort((a, b) => a - b)).toEqual(tickets.map((t) => t.number));
      // One POST /issues that created an issue per family; `createdAfterLostAnswer` of them GitHub applied but
      // answered with an error, and the ledger found them by their marker instead of posting again.
      const created = gh.callsTo('POST', ISSUES_PATH).filter((c) => c.status === 201);
      expect(created.length + createdAfterLostAnswer).toBe(scenario.families.length);
    },

    async stop() {
      await Promise.allSettled(processes.map((p) => p.stop()));
      await sql.end();
      await gh.close();
    },
  };
}
