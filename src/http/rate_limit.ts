// Opt-in rate limits on the delivery routes (RECUR_RATE_LIMIT_PER_ADDRESS, _PER_TOKEN; off by default:
// a correctly signed delivery is never refused by a fixed rate, see load_shedding.ts for what sheds load),
// per source address and per bearer token, checked before the body is read. A refused request answers 429
// with Retry-After, which LangSmith, GitHub and Standard Webhooks senders all retry. Limits are per process
// (in memory, rate-limiter-flexible); with N api processes behind a balancer a sender gets up to N times
// the limit, which is the point of scaling out.
import { createHash } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { bearerToken } from '../ingest/signature.js';
import { rateLimited } from '../telemetry/metrics.js';
import type { Logger } from '../telemetry/logger.js';
import type { AppEnv } from './context.js';
import { countedWarnings, type CountedWarnings } from './counted_warnings.js';
import { AppError } from './errors.js';

/** Limits are requests per second, averaged over this window so a short burst (a LangSmith batch) fits. */
export const WINDOW_SECONDS = 10;

export interface RateLimitOptions {
  perAddress: number;
  perToken: number;
  trustProxy: boolean;
  log: Pick<Logger, 'warn'>;
}

/** The limiting middleware; null when both limits are off (0), so the routes skip it altogether. */
export function webhookRateLimit(opts: RateLimitOptions) {
  if (opts.perAddress <= 0 && opts.perToken <= 0) return null;
  const byAddress = opts.perAddress > 0 ? new RateLimiterMemory({ keyPrefix: 'address', points: opts.perAddress * WINDOW_SECONDS, duration: WINDOW_SECONDS }) : null;
  const byToken = opts.perToken > 0 ? new RateLimiterMemory({ keyPrefix: 'token', points: opts.perToken * WINDOW_SECONDS, duration: WINDOW_SECONDS }) : null;

  const warnings = countedWarnings(opts.log, 'requests refused: rate limited', { everyMs: WINDOW_SECONDS * 1000, keyField: 'limited' });

  return createMiddleware<AppEnv>(async (c, next) => {
    const address = byAddress && sourceAddress(c, opts.trustProxy);
    if (byAddress && address) await consume(c, warnings, byAddress, address, 'address');
    const token = byToken && bearerToken(c.req.header('authorization'));
    // Hashed: the limiter's keys must not hold a credential.
    if (byToken && token) await consume(c, warnings, byToken, createHash('sha256').update(token).digest('base64url').slice(0, 22), 'token');
    return next();
  });
}

async function consume(c: Context<AppEnv>, warnings: CountedWarnings, limiter: RateLimiterMemory, key: string, limit: 'address' | 'token') {
  try {
    await limiter.consume(key);
  } catch (res) {
    if (!(res instanceof RateLimiterRes)) throw res;
    const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    rateLimited.inc({ limit });
    warnings.record(`${limit}:${key}`, 'rate_limited');
    c.header('Retry-After', String(retryAfter));
    throw new AppError('rate_limited', `too many requests from this ${limit}; retry after ${retryAfter} s`, { retry_after: retryAfter });
  }
}

/**
 * The client's address: the socket's peer, or behind a trusted proxy the left-most X-Forwarded-For
 * entry. Unknown (an in-process request) means no per-address limit.
 */
export function sourceAddress(c: Context, trustProxy: boolean): string | null {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded.slice(0, 64);
  }
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}
