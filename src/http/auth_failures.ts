// Requests that fail authentication, per source address: each counts against a budget, and once an
// address is over it its failing requests answer 429 with Retry-After instead of 401. They are logged as
// counted warnings (one line per address per interval), never one line each. A request that authenticates
// is never counted or refused here, whatever else its address sends.
import type { Context } from 'hono';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { rateLimited } from '../telemetry/metrics.js';
import type { Logger } from '../telemetry/logger.js';
import type { AppEnv } from './context.js';
import { countedWarnings } from './counted_warnings.js';
import { AppError } from './errors.js';
import { sourceAddress, WINDOW_SECONDS } from './rate_limit.js';

export const LOG_EVERY_MS = 10_000;

export interface AuthFailureOptions {
  /** Failed requests per second per address, averaged over the rate limits' window; 0 = never refused. */
  perAddress: number;
  trustProxy: boolean;
  log: Pick<Logger, 'warn'>;
  logEveryMs?: number;
}

/** The answer to a request that failed authentication (`unauthorized`): that error, or 429 once its address is over budget. */
export type AuthFailureAnswer = (c: Context<AppEnv>, err: AppError) => Promise<AppError>;

export function authFailureAnswer(opts: AuthFailureOptions): AuthFailureAnswer {
  const limiter = opts.perAddress > 0 ? new RateLimiterMemory({ keyPrefix: 'auth-failure', points: opts.perAddress * WINDOW_SECONDS, duration: WINDOW_SECONDS }) : null;
  const warnings = countedWarnings(opts.log, 'requests refused: authentication failed', { everyMs: opts.logEveryMs ?? LOG_EVERY_MS, keyField: 'address' });
  return async (c, err) => {
    const address = sourceAddress(c, opts.trustProxy);
    let answer = err;
    if (limiter && address) {
      try {
        await limiter.consume(address);
      } catch (res) {
        if (!(res instanceof RateLimiterRes)) throw res;
        const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
        rateLimited.inc({ limit: 'auth_failure' });
        c.header('Retry-After', String(retryAfter));
        answer = new AppError('rate_limited', `too many requests from this address failed authentication; retry after ${retryAfter} s`, { retry_after: retryAfter });
      }
    }
    warnings.record(address ?? 'unknown', answer.code);
    return answer;
  };
}
