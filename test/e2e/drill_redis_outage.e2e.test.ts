// Fault drill: Redis stops for 10 s under load and comes back empty. Redis is a work queue, not a store:
// webhooks are still answered 202 meanwhile (the inbox is in PostgreSQL), the relay's failures are left to
// the sweeper, and once Redis is back every pending inbox row is queued again and processed exactly once.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startDrill, type Drill } from '../helpers/drill.js';
import { buildScenario, startSender } from '../helpers/langsmith_sender.js';
import { createDatabase } from '../helpers/postgres.js';
import { eventually } from '../helpers/recur.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

const pgUrl = inject('pgUrl');
const redisUrl = inject('redisUrl');
const OUTAGE_MS = 10_000;

describe.skipIf(!pgUrl || !redisUrl)('fault drill: Redis stops for 10 s under load', () => {
  let drill: Drill | undefined;
  let redis: RedisServer | undefined;
  afterAll(async () => {
    await drill?.stop();
    await redis?.destroy();
  });

  it('keeps accepting deliveries and processes every one exactly once when Redis is back', async () => {
    redis = await startRedis();
    const db = await createDatabase(pgUrl);
    drill = await startDrill({ databaseUrl: db.url, redisUrl: redis.url });
    const scenario = buildScenario({ families: 6, tracesPerFamily: 50 });
    const sender = startSender(scenario, { url: drill.api.url, ratePerSecond: 15 });

    const before = await eventually(async () => {
      const p = await drill!.progress();
      return p.processed >= 30 ? p : null;
    }, 60_000);
    expect(before, drill.diagnostics()).toBeTruthy();
    await redis.stop();
    const down = Date.now();
    await drill.mark('redis stopped');
    // Written while Redis is down: only the sweeper can queue it, after Redis is back.
    const poison = await drill.injectPoison();
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const up = Date.now();
    await drill.mark('redis restarted (empty)');
    await redis.start();

    const results = await sender.done;
    await drill.mark('sender done');
    await drill.settle(scenario, 120_000);
    await drill.mark('settled');
    await drill.expectExactlyOnce(scenario, results, { poison });
    // Webhooks were answered 202 all along, including the ones that arrived while Redis was down.
    const answers = sender.answers();
    expect(answers.filter((a) => a.status !== 202)).toEqual([]);
    expect(answers.filter((a) => a.at > down && a.at < up).length).toBeGreaterThan(OUTAGE_MS / 1000);
  }, 300_000);
});
