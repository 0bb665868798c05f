// Fault drill: GitHub answers 502 for 15 s, then secondary-rate-limit 403s with Retry-After for 15 s more,
// while LangSmith delivers six new families; the first issue GitHub creates after that is answered 502 too
// (GitHub did it, the answer was lost). Ingest never notices, ticket syncs back off and retry, the ledger
// finds the issue whose answer was lost by its marker, and each family ends with exactly one issue.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { DRILL_REPO, startDrill, type Drill } from '../helpers/drill.js';
import { buildScenario, startSender } from '../helpers/langsmith_sender.js';
import { createDatabase } from '../helpers/postgres.js';

const pgUrl = inject('pgUrl');
const redisUrl = inject('redisUrl');
const PHASE_MS = 15_000;
const SECONDARY = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';

describe.skipIf(!pgUrl || !redisUrl)('fault drill: GitHub answers 502 and secondary rate limits for 30 s', () => {
  let drill: Drill | undefined;
  afterAll(async () => {
    await drill?.stop();
  });

  it('opens exactly one issue per family once GitHub is back, without hammering it meanwhile', async () => {
    const db = await createDatabase(pgUrl);
    drill = await startDrill({ databaseUrl: db.url, redisUrl });
    const { gh } = drill;
    const issuesPath = new RegExp(`^/repos/${DRILL_REPO}/issues$`);
    gh.fail({ method: 'POST', path: issuesPath, afterEffect: true, status: 502 });
    const start = Date.now();
    gh.failFor(PHASE_MS, { status: 502 });
    gh.failFor(2 * PHASE_MS, { status: 403, headers: { 'retry-after': '3' }, body: { message: SECONDARY, documentation_url: 'https://docs.github.com/rest' } });

    const scenario = buildScenario({ families: 6, tracesPerFamily: 30 });
    const sender = startSender(scenario, { url: drill.api.url, ratePerSecond: 20 });
    const results = await sender.done;
    await drill.mark('sender done');
    await drill.settle(scenario, 150_000);
    await drill.mark('settled');
    const calls = gh.calls.filter((c) => c.path !== '/rate_limit');
    const during = calls.filter((c) => c.at - start < 2 * PHASE_MS);
    const tally = new Map<string, number>();
    for (const c of calls) {
      const key = `${c.method} ${c.path.replace(/\/labels\/.+$/, '/labels/:name')} ${c.status}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
    }
    console.log(`[drill] GitHub calls: ${during.length} during the 30 s of faults, ${calls.length} in all`, Object.fromEntries(tally));

    await drill.expectExactlyOnce(scenario, results, { createdAfterLostAnswer: 1 });
    expect(sender.answers().filter((a) => a.status !== 202)).toEqual([]);
    // recur did try while GitHub was failing, and met both faults...
    expect(during.filter((c) => c.status === 502).length).toBeGreaterThan(0);
    expect(during.filter((c) => c.status === 403).length).toBeGreaterThan(0);
    // ...but backed off instead of retrying in a loop: about 120 calls for 6 families in those 30 s (ledger
    // look-ups, label checks, each retried after its Retry-After or the job's backoff); a retry loop makes thousands.
    expect(during.length).toBeLessThan(300);
    expect(gh.pendingFaults()).toBe(0);
  }, 300_000);
});
