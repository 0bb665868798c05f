// Fault drill: kill -9 of the worker in the middle of a batch. LangSmith keeps delivering to the api while
// the only worker dies holding jobs and perhaps a ticket lease; a new worker takes over. Every delivery is
// still processed exactly once, each family has one ticket, and only the injected poison is dead; with jobs on
// Redis and on BullMQ's PostgreSQL backend.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startDrill, type Drill } from '../helpers/drill.js';
import { buildScenario, startSender } from '../helpers/langsmith_sender.js';
import { createDatabase } from '../helpers/postgres.js';
import { eventually } from '../helpers/recur.js';

const pgUrl = inject('pgUrl');
const redisUrl = inject('redisUrl');

describe.each([
  { queue: 'redis' as const, skip: !pgUrl || !redisUrl },
  { queue: 'postgres' as const, skip: !pgUrl },
])('fault drill: the worker is killed mid-batch (jobs on $queue)', ({ queue, skip }) => {
  let drill: Drill | undefined;
  afterAll(async () => {
    await drill?.stop();
  });

  it.skipIf(skip)('loses nothing and duplicates nothing when a new worker takes over', async () => {
    const db = await createDatabase(pgUrl);
    drill = await startDrill({ databaseUrl: db.url, redisUrl: queue === 'redis' ? redisUrl : undefined });
    const scenario = buildScenario({ families: 6, tracesPerFamily: 40 });
    const sender = startSender(scenario, { url: drill.api.url, ratePerSecond: 30 });

    // Mid-batch: the worker has done part of the work and more is queued behind it.
    const total = scenario.deliveries.length;
    const midway = await eventually(async () => {
      const p = await drill!.progress();
      return p.processed >= total / 4 && p.pending > 0 ? p : null;
    }, 60_000);
    expect(midway, drill.diagnostics()).toBeTruthy();
    await drill.workers[0]!.kill();
    await drill.mark('worker killed');
    const poison = await drill.injectPoison();
    const afterKill = await drill.progress();
    expect(afterKill.pending).toBeGreaterThan(0);

    await drill.startWorker();
    const results = await sender.done;
    await drill.mark('sender done');
    await drill.settle(scenario, 150_000);
    await drill.mark('settled');
    await drill.expectExactlyOnce(scenario, results, { poison });
    // The sender never noticed: the api kept answering 202 while no worker ran.
    expect(sender.answers().filter((a) => a.status !== 202)).toEqual([]);
  }, 300_000);
});
