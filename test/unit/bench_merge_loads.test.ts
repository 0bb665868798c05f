import { describe, expect, it } from 'vitest';
import { mergeLoads, stealPercent } from '../../bench/bench_processes.js';
import type { LoadResult } from '../../bench/load_generator.js';

const load = (over: { sent: number; accepted: number; windowMs: number; latenciesMs: number[]; statuses: Record<string, number>; ids?: string[] }): LoadResult => ({
  sent: over.sent,
  statuses: over.statuses,
  errors: 0,
  measured: { requests: over.latenciesMs.length, accepted: over.accepted, windowMs: over.windowMs, latenciesMs: over.latenciesMs },
  madeOnTheFly: 1,
  accepted: over.ids?.map((id) => [id, 0]),
});

const a = load({ sent: 10, accepted: 3, windowMs: 2000, latenciesMs: [1, 2, 3], statuses: { '202': 9, '503': 1 }, ids: ['a1', 'a2'] });
const b = load({ sent: 6, accepted: 2, windowMs: 2500, latenciesMs: [4, 5], statuses: { '202': 6 }, ids: ['b1'] });

describe('mergeLoads', () => {
  it('adds up the windows of slices measured in turn, so the rate is over the time measured', () => {
    const merged = mergeLoads([a, b], 'in turn');
    expect(merged.measured).toEqual({ requests: 5, accepted: 5, windowMs: 4500, latenciesMs: [1, 2, 3, 4, 5] });
    expect(merged.statuses).toEqual({ '202': 15, '503': 1 });
    expect(merged.sent).toBe(16);
    expect(merged.madeOnTheFly).toBe(2);
    expect(merged.accepted?.map(([id]) => id)).toEqual(['a1', 'a2', 'b1']);
  });

  it('takes the longest window of generators that ran together', () => {
    expect(mergeLoads([a, b], 'together').measured.windowMs).toBe(2500);
  });

  it('answers no accepted ids when none was recorded', () => {
    const plain = { ...a, accepted: undefined };
    expect(mergeLoads([plain, plain], 'in turn').accepted).toBeUndefined();
  });
});

describe('stealPercent', () => {
  it('is the stolen share of the ticks counted, and unknown without any', () => {
    expect(stealPercent({ total: 800, steal: 40 })).toBe(5);
    expect(stealPercent({ total: 0, steal: 0 })).toBeNull();
  });
});
