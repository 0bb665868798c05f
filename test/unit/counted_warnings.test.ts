// Counted warnings: the first event of a quiet key is logged at once, the rest of its interval in one line
// at the end with the count; lines per key are at least an interval apart; too many keys share one.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { countedWarnings } from '../../src/http/counted_warnings.js';

function fakeLog() {
  const lines: Array<{ fields: Record<string, unknown>; msg: string; at: number }> = [];
  return { lines, log: { warn: (fields: Record<string, unknown>, msg: string) => void lines.push({ fields, msg, at: Date.now() }) } };
}

describe('countedWarnings', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('logs the first refusal at once and the next ones as one counted line per interval', () => {
    const { lines, log } = fakeLog();
    const warnings = countedWarnings(log as never, 'refused', { everyMs: 10_000, keyField: 'address' });
    warnings.record('203.0.113.7', 'unauthorized');
    expect(lines).toEqual([{ fields: { address: '203.0.113.7', refused: 1, by_code: { unauthorized: 1 }, interval_s: 10 }, msg: 'refused', at: 0 }]);

    for (let i = 0; i < 500; i++) warnings.record('203.0.113.7', i < 100 ? 'unauthorized' : 'rate_limited');
    vi.advanceTimersByTime(9_999);
    expect(lines).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(lines[1]).toEqual({ fields: { address: '203.0.113.7', refused: 500, by_code: { unauthorized: 100, rate_limited: 400 }, interval_s: 10 }, msg: 'refused', at: 10_000 });

    warnings.record('203.0.113.7', 'unauthorized');
    vi.advanceTimersByTime(10_000);
    expect(lines.map((l) => [l.at, l.fields.refused])).toEqual([[0, 1], [10_000, 500], [20_000, 1]]);
    // A quiet interval ends the key's run: its next refusal is logged at once again.
    vi.advanceTimersByTime(10_000);
    expect(lines).toHaveLength(3);
    vi.advanceTimersByTime(5_000);
    warnings.record('203.0.113.7', 'unauthorized');
    expect(lines.map((l) => l.at)).toEqual([0, 10_000, 20_000, 35_000]);
  });

  it('keeps addresses apart, and counts addresses past the cap together', () => {
    const { lines, log } = fakeLog();
    const warnings = countedWarnings(log as never, 'refused', { everyMs: 10_000, keyField: 'address', maxKeys: 2 });
    for (const address of ['a', 'b', 'c', 'd', 'a', 'c']) warnings.record(address, 'unauthorized');
    vi.advanceTimersByTime(10_000);
    expect(lines.map((l) => [l.fields.address, l.fields.refused])).toEqual([
      ['a', 1],
      ['b', 1],
      ['other', 1],
      ['a', 1],
      ['other', 2],
    ]);
  });
});
