// Sheds deliveries on real pressure, never at a fixed rate: when the oldest delivery still waiting for the
// database has waited too long, or the inbox backlog (pending rows) is past a threshold. A shed request is
// answered 503 with Retry-After before its body is read; LangSmith and Standard Webhooks senders retry it.
import type { MiddlewareHandler } from 'hono';
import { loadShed } from '../telemetry/metrics.js';
import type { AppEnv } from './context.js';
import { AppError } from './errors.js';

export interface Pressure {
  /** How long the oldest delivery not yet committed has waited for the database (ms). */
  storeWaitMs: number;
  /** Pending inbox rows at the last count (counted up to the threshold); null before the first count. */
  inboxPending: number | null;
}

/** Each 0 when off. */
export interface ShedLimits {
  storeWaitMs: number;
  inboxPending: number;
}

export type ShedReason = 'store_wait' | 'inbox_backlog';

export interface Shed {
  reason: ShedReason;
  retryAfterS: number;
}

/** The inbox backlog drains at the workers' pace: a sender is asked to come back well later. */
const BACKLOG_RETRY_AFTER_S = 30;
const MAX_RETRY_AFTER_S = 60;

/** Whether to shed a delivery now, and when its sender should try again. */
export function shedDecision(pressure: Pressure, limits: ShedLimits): Shed | null {
  if (limits.storeWaitMs > 0 && pressure.storeWaitMs > limits.storeWaitMs) {
    // The database is behind by about the oldest wait: ask for a retry once that much has passed.
    return { reason: 'store_wait', retryAfterS: Math.min(MAX_RETRY_AFTER_S, Math.max(1, Math.ceil(pressure.storeWaitMs / 1000))) };
  }
  if (limits.inboxPending > 0 && pressure.inboxPending !== null && pressure.inboxPending > limits.inboxPending) {
    return { reason: 'inbox_backlog', retryAfterS: BACKLOG_RETRY_AFTER_S };
  }
  return null;
}

/** Least time between two counts of the backlog. */
export const BACKLOG_COUNT_EVERY_MS = 1_000;

/**
 * The latest count of a number that is costly to read: a read starts (in the background) when the last
 * one is older than `everyMs` and none is running, so the caller never waits for it. Counted only while
 * asked for: an idle api reads nothing.
 */
export function latestCount(count: () => Promise<number>, everyMs: number): () => number | null {
  let value: number | null = null;
  let startedAt = -Infinity;
  let running = false;
  return () => {
    const now = performance.now();
    if (!running && now - startedAt >= everyMs) {
      running = true;
      startedAt = now;
      count().then(
        (n) => {
          value = n;
          running = false;
        },
        () => {
          // Unreadable (the database is down): storing fails too and answers 503 by itself.
          value = null;
          running = false;
        },
      );
    }
    return value;
  };
}

export interface LoadSheddingOptions {
  limits: ShedLimits;
  storeWaitMs: () => number;
  /** Counts pending inbox rows, up to the limit it is given. */
  countPending: (limit: number) => Promise<number>;
}

/** The middleware for the delivery routes; null when both limits are off. */
export function loadShedding({ limits, storeWaitMs, countPending }: LoadSheddingOptions) {
  if (limits.storeWaitMs <= 0 && limits.inboxPending <= 0) return null;
  // One past the threshold is enough to know it is past.
  const inboxPending = limits.inboxPending > 0 ? latestCount(() => countPending(limits.inboxPending + 1), BACKLOG_COUNT_EVERY_MS) : () => null;
  // Not async: on every delivery, one promise less.
  const shedding: MiddlewareHandler<AppEnv> = (c, next) => {
    const shed = shedDecision({ storeWaitMs: storeWaitMs(), inboxPending: inboxPending() }, limits);
    if (!shed) return next();
    loadShed.inc({ reason: shed.reason });
    c.header('Retry-After', String(shed.retryAfterS));
    const why = shed.reason === 'store_wait' ? 'the database is behind' : 'the inbox backlog is past its limit';
    throw new AppError('unavailable', `overloaded (${why}); retry after ${shed.retryAfterS} s`, { retry_after: shed.retryAfterS });
  };
  return shedding;
}
