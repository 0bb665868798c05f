// Fault drill: PostgreSQL stops for 10 s under load. Nothing can be stored, so deliveries answer 503 and
// nothing is acknowledged that is not committed; LangSmith retries 5xx with backoff, and once the database is
// back every delivery ends stored and is processed exactly once, with one ticket per family.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startDrill, type Drill } from '../helpers/drill.js';
import { buildScenario, startSender } from '../helpers/langsmith_sender.js';
import { createDatabase, startPostgres, type PgServer } from '../helpers/postgres.js';
import { eventually } from '../helpers/recur.js';

const pgUrl = inject('pgUrl');
const redisUrl = inject('redisUrl');
const OUTAGE_MS = 10_000;

describe.each([
  { queue: 'redis' as const, skip: !pgUrl || !redisUrl },
  // The queue lives in the database that stops: jobs and the database go down and come back together.
  { queue: 'postgres' as const, skip: !pgUrl },
])('fault drill: PostgreSQL stops for 10 s under load (jobs on $queue)', ({ queue, skip }) => {
  let drill: Drill | undefined;
  let server: PgServer | undefined;
  afterAll(async () => {
    await drill?.stop();
    await server?.destroy();
  });

  it.skipIf(skip)('answers 503 meanwhile, and the retrying sender ends with everything stored and processed once', async () => {
    // A server of its own: stopping the shared one would take every other test file down with it.
    server = await startPostgres();
    const db = await createDatabase(server.url);
    drill = await startDrill({ databaseUrl: db.url, redisUrl: queue === 'redis' ? redisUrl : undefined });
    const scenario = buildScenario({ families: 6, tracesPerFamily: 50 });
    const sender = startSender(scenario, { url: drill.api.url, ratePerSecond: 15 });

    const before = await eventually(async () => {
      const p = await drill!.progress();
      return p.processed >= 30 ? p : null;
    }, 60_000);
    expect(before, drill.diagnostics()).toBeTruthy();
    await drill.mark('stopping postgres');
    await server.stop();
    const down = Date.now();
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    // The server may take connections before pg_ctl returns: the outage ends when the start begins.
    const up = Date.now();
    await server.start();
    await drill.mark('postgres restarted');
    const poison = await drill.injectPoison();

    const results = await sender.done;
    await drill.mark('sender done');
    await drill.settle(scenario, 120_000);
    await drill.mark('settled');
    await drill.expectExactlyOnce(scenario, results, { poison });
    // The sender saw the outage as 503s and nothing else: no other error, and (past a margin for answers to
    // commits made just before the stop) no 2xx while nothing could be stored...
    const answers = sender.answers().map((a) => ({ ...a, at: a.at - down }));
    expect(answers.filter((a) => ![200, 202, 503].includes(a.status))).toEqual([]);
    const during = answers.filter((a) => a.at > 2_000 && a.at < up - down);
    expect(during.filter((a) => a.status === 503).length).toBeGreaterThan(0);
    expect(during.filter((a) => a.status !== 503)).toEqual([]);
    // ...and retried its way through it.
    expect(results.filter((r) => r.answers.includes(503)).length).toBeGreaterThan(OUTAGE_MS / 1000);
  }, 300_000);
});
