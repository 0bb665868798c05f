// Runs payload retention in the worker role: once at start, then every RECUR_RETENTION_INTERVAL_MS. Every
// worker keeps the timer; the retention lock lets one of them prune at a time and the others skip.
import type { Db } from '../db/client.js';
import { prunePayloads, type PruneResult } from '../ingest/retention.js';
import type { Logger } from '../telemetry/logger.js';

export interface RetentionTimer {
  /** Runs retention now, after any run in progress; null when retention is off or the run failed. */
  runNow(): Promise<PruneResult | null>;
  stop(): Promise<void>;
}

export function startRetentionTimer(db: Db, log: Logger, opts: { days: number | null; intervalMs: number }): RetentionTimer {
  const { days } = opts;
  if (days === null) {
    log.info('retention off (RECUR_RETENTION_DAYS): delivery payloads are kept for ever');
    return { runNow: async () => null, stop: async () => {} };
  }
  const stopping = new AbortController();
  const prune = async (): Promise<PruneResult | null> => {
    try {
      const result = await prunePayloads(db, { days, batch: 1_000, maxBatches: 50, signal: stopping.signal });
      if (result.pruned > 0) log.info({ ...result, older_than_days: days }, 'retention pruned delivery payloads');
      return result;
    } catch (err) {
      log.warn({ err }, 'retention run failed; will retry');
      return null;
    }
  };
  let running: Promise<PruneResult | null> | null = null;
  const start = () => {
    const run = prune().finally(() => {
      if (running === run) running = null;
    });
    running = run;
    return run;
  };
  // A tick that finds a run still going leaves it be: runs never pile up behind a slow one.
  const timer = setInterval(() => void (running ?? start()), opts.intervalMs);
  timer.unref();
  void start();
  return {
    async runNow() {
      await running;
      return start();
    },
    async stop() {
      clearInterval(timer);
      stopping.abort();
      await running;
    },
  };
}
