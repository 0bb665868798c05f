// When deliveries are shed (503 with Retry-After) and when not: only on real pressure, each limit off at 0;
// and the backlog count is read in the background, at most once per interval, never awaited.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { latestCount, shedDecision, type Pressure, type ShedLimits } from '../../src/http/load_shedding.js';

const limits: ShedLimits = { storeWaitMs: 5_000, inboxPending: 100_000 };

describe('shedDecision', () => {
  it.each<[string, Pressure, ShedLimits, ReturnType<typeof shedDecision>]>([
    ['idle', { storeWaitMs: 0, inboxPending: 0 }, limits, null],
    ['busy but within both limits', { storeWaitMs: 4_999, inboxPending: 100_000 }, limits, null],
    ['the backlog not counted yet', { storeWaitMs: 0, inboxPending: null }, limits, null],
    ['a delivery waited past the limit', { storeWaitMs: 5_001, inboxPending: 0 }, limits, { reason: 'store_wait', retryAfterS: 6 }],
    ['a long wait asks for at most a minute', { storeWaitMs: 600_000, inboxPending: 0 }, limits, { reason: 'store_wait', retryAfterS: 60 }],
    ['a short limit asks for at least a second', { storeWaitMs: 20, inboxPending: 0 }, { storeWaitMs: 10, inboxPending: 0 }, { reason: 'store_wait', retryAfterS: 1 }],
    ['the backlog past its limit', { storeWaitMs: 0, inboxPending: 100_001 }, limits, { reason: 'inbox_backlog', retryAfterS: 30 }],
    ['both: the database wait is named', { storeWaitMs: 9_000, inboxPending: 200_000 }, limits, { reason: 'store_wait', retryAfterS: 9 }],
    ['the wait limit off', { storeWaitMs: 600_000, inboxPending: 0 }, { storeWaitMs: 0, inboxPending: 100_000 }, null],
    ['the backlog limit off', { storeWaitMs: 0, inboxPending: 10_000_000 }, { storeWaitMs: 5_000, inboxPending: 0 }, null],
    ['both off', { storeWaitMs: 600_000, inboxPending: 10_000_000 }, { storeWaitMs: 0, inboxPending: 0 }, null],
  ])('%s', (_, pressure, given, expected) => {
    expect(shedDecision(pressure, given)).toEqual(expected);
  });
});

describe('latestCount', () => {
  afterEach(() => vi.useRealTimers());

  it('answers the last count at once, and counts again in the background once per interval', async () => {
    vi.useFakeTimers();
    let next = 1;
    let release: (() => void) | undefined;
    const count = vi.fn(() => new Promise<number>((resolve) => (release = () => resolve(next))));
    const latest = latestCount(count, 1_000);

    expect(latest()).toBeNull();
    expect(count).toHaveBeenCalledTimes(1);
    expect(latest()).toBeNull(); // still counting: no second count
    expect(count).toHaveBeenCalledTimes(1);
    release!();
    await vi.advanceTimersByTimeAsync(0);
    expect(latest()).toBe(1);
    expect(count).toHaveBeenCalledTimes(1);

    next = 7;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(latest()).toBe(1); // the new count started; the old answer stands until it ends
    expect(count).toHaveBeenCalledTimes(2);
    release!();
    await vi.advanceTimersByTimeAsync(0);
    expect(latest()).toBe(7);
  });

  it('forgets the count when it cannot be read', async () => {
    vi.useFakeTimers();
    const count = vi.fn().mockResolvedValueOnce(5).mockRejectedValueOnce(new Error('down'));
    const latest = latestCount(count, 1_000);
    latest();
    await vi.advanceTimersByTimeAsync(0);
    expect(latest()).toBe(5);
    await vi.advanceTimersByTimeAsync(1_000);
    latest();
    await vi.advanceTimersByTimeAsync(0);
    expect(latest()).toBeNull();
  });
});
