// Warnings about a flood, counted rather than repeated: at most one line per key (a source address) per
// interval. The first event of a quiet key is logged at once; what follows within the interval is counted
// into one line at its end, so a flood of refused requests cannot become a flood of log lines.
import type { Logger } from '../telemetry/logger.js';

/** Past this many keys in one interval, further keys are counted together under OTHER_KEY. */
export const MAX_KEYS = 10_000;
export const OTHER_KEY = 'other';

export interface CountedWarnings {
  /** Counts one event of `kind` (such as the error code answered) for `key`. */
  record(key: string, kind: string): void;
}

interface Entry {
  counts: Record<string, number>;
  total: number;
}

export function countedWarnings(log: Pick<Logger, 'warn'>, msg: string, opts: { everyMs: number; keyField: string; maxKeys?: number }): CountedWarnings {
  const entries = new Map<string, Entry>();
  const maxKeys = opts.maxKeys ?? MAX_KEYS;
  const line = (key: string, total: number, counts: Record<string, number>) =>
    log.warn({ [opts.keyField]: key, refused: total, by_code: counts, interval_s: opts.everyMs / 1000 }, msg);

  const flush = (key: string) => {
    const entry = entries.get(key)!;
    if (entry.total === 0) {
      entries.delete(key);
      return;
    }
    line(key, entry.total, entry.counts);
    entries.set(key, { counts: {}, total: 0 });
    setTimeout(flush, opts.everyMs, key).unref();
  };

  return {
    record(key, kind) {
      if (!entries.has(key) && entries.size >= maxKeys) key = OTHER_KEY;
      const entry = entries.get(key);
      if (!entry) {
        line(key, 1, { [kind]: 1 });
        entries.set(key, { counts: {}, total: 0 });
        setTimeout(flush, opts.everyMs, key).unref();
        return;
      }
      entry.counts[kind] = (entry.counts[kind] ?? 0) + 1;
      entry.total += 1;
    },
  };
}
