// The relay's pacing, on a fake clock: an idle relay sends at once, then at most one job per linger time
// however many commits arrive, each job holding what waited, in order. The queue here only records what it
// is asked to enqueue (the relay's own decisions are what is tested; test/integration/group_commit.test.ts
// relays to the real queues).
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Services } from '../../src/services.js';
import { createRelay } from '../../src/ingest/relay.js';
import { INBOX_JOB_MAX_EVENTS } from '../../src/queue/jobs.js';

function recordingQueue() {
  const jobs: Array<{ at: number; eventIds: string[] }> = [];
  const queue = { enqueue: async (_name: string, payload: { eventIds: string[] }) => void jobs.push({ at: performance.now(), eventIds: payload.eventIds }) };
  const log = { warn: () => {} };
  return { jobs, deps: { queue, log } as unknown as Pick<Services, 'queue' | 'log'> };
}

describe('relay pacing', () => {
  afterEach(() => vi.useRealTimers());

  it('sends an idle relay at once, then at most one job per linger time, each with what waited, in order', async () => {
    vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { jobs, deps } = recordingQueue();
    const relay = createRelay(deps, { lingerMs: 50 });
    const ids = Array.from({ length: 100 }, (_, i) => `e${i}`);
    for (const id of ids) {
      relay([{ eventId: id }]);
      await vi.advanceTimersByTimeAsync(2);
    }
    await vi.advanceTimersByTimeAsync(100);

    expect(jobs[0]).toEqual({ at: 0, eventIds: ['e0'] });
    const gaps = jobs.slice(1).map((job, i) => job.at - jobs[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(50);
    // 200 ms of commits at one job per 50 ms: the first at once, then four more.
    expect(jobs).toHaveLength(5);
    expect(jobs.flatMap((j) => j.eventIds)).toEqual(ids);
  });

  it('sends at once, without lingering, when a full job is waiting', async () => {
    vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { jobs, deps } = recordingQueue();
    const relay = createRelay(deps, { lingerMs: 50 });
    relay([{ eventId: 'first' }]);
    relay(Array.from({ length: INBOX_JOB_MAX_EVENTS + 10 }, (_, i) => ({ eventId: `full${i}` })));
    await vi.advanceTimersByTimeAsync(0);
    expect(jobs.map((j) => [j.at, j.eventIds.length])).toEqual([
      [0, 1],
      [0, INBOX_JOB_MAX_EVENTS],
    ]);
    // What is left is less than a job: it lingers.
    await vi.advanceTimersByTimeAsync(49);
    expect(jobs).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(jobs.map((j) => [j.at, j.eventIds.length]).at(-1)).toEqual([50, 10]);
  });
});
