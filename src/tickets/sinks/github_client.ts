// The Octokit recur talks to GitHub with: a token or a GitHub App installation, GITHUB_API_URL (GitHub
// Enterprise Server works the same), the throttling plugin (waits out primary and secondary rate limits,
// a bounded number of times) and the retry plugin (retries 5xx on idempotent calls; callers switch it off
// for writes that must not happen twice), and a timeout so a GitHub that never answers cannot hang a job.
import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck';
import type { Env } from '../../config/env.js';
import { githubRateLimitRemaining, githubRequests, statusClass } from '../../telemetry/metrics.js';
import { SpanKind, withSpan } from '../../telemetry/tracing.js';

export const GitHubOctokit = Octokit.plugin(throttling, retry);
export type GitHubClient = InstanceType<typeof GitHubOctokit>;

interface Logger {
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface GitHubClientOptions {
  timeoutMs?: number;
  /**
   * Least time between two writes (content creation waits three times as long), as GitHub asks of
   * integrations to stay clear of secondary rate limits. Default 1000 ms.
   */
  writeGapMs?: number;
  /** How many times one request waits out a rate limit before failing (the job retries later). */
  rateLimitRetries?: number;
  onRateLimitRemaining?: (remaining: number) => void;
}

export function hasGitHubCredentials(env: Env): boolean {
  return Boolean(env.GITHUB_TOKEN || (env.GITHUB_APP_ID && env.GITHUB_APP_PRIVATE_KEY && env.GITHUB_APP_INSTALLATION_ID));
}

export function createGitHubClient(env: Env, log: Logger, opts: GitHubClientOptions = {}): GitHubClient {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const rateLimitRetries = opts.rateLimitRetries ?? 2;
  const auth = env.GITHUB_TOKEN
    ? { auth: env.GITHUB_TOKEN }
    : {
        authStrategy: createAppAuth,
        auth: { appId: env.GITHUB_APP_ID!, privateKey: env.GITHUB_APP_PRIVATE_KEY!.replace(/\\n/g, '\n'), installationId: env.GITHUB_APP_INSTALLATION_ID! },
      };
  const client = new GitHubOctokit({
    ...auth,
    baseUrl: env.GITHUB_API_URL.replace(/\/$/, ''),
    userAgent: 'recur',
    // Octokit reports every 4xx as a warning, including the 404s and 422s recur expects and handles.
    log: { debug: () => {}, info: () => {}, warn: (msg: string) => log.debug({}, msg), error: (msg: string) => log.warn({}, msg) },
    request: {
      fetch: (url: string | URL, init?: RequestInit) =>
        fetch(url, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs) }),
    },
    throttle: {
      write: new Bottleneck.Group({ maxConcurrent: 1, minTime: opts.writeGapMs ?? 1_000 }),
      notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: 3 * (opts.writeGapMs ?? 1_000) }),
      onRateLimit: (retryAfter: number, options: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
        log.warn({ retryAfter, method: options.method, url: options.url, retryCount }, 'GitHub rate limit reached');
        return retryCount < rateLimitRetries;
      },
      onSecondaryRateLimit: (retryAfter: number, options: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
        log.warn({ retryAfter, method: options.method, url: options.url, retryCount }, 'GitHub secondary rate limit reached');
        return retryCount < rateLimitRetries;
      },
    },
    retry: { doNotRetry: [400, 401, 403, 404, 409, 410, 422, 451] },
  });
  client.hook.wrap('request', async (request, options) => {
    const method = String(options.method ?? 'GET');
    // `url` is still the route template here (`/repos/{owner}/{repo}/issues`): a low-cardinality name.
    return withSpan(`github ${method} ${String(options.url)}`, { kind: SpanKind.CLIENT, attributes: { 'http.request.method': method } }, async (span) => {
      try {
        const response = await request(options);
        githubRequests.inc({ method, status: statusClass(response.status) });
        span.setAttribute('http.response.status_code', response.status);
        const remaining = Number(response.headers['x-ratelimit-remaining']);
        if (Number.isFinite(remaining)) githubRateLimitRemaining.set(remaining);
        return response;
      } catch (err) {
        const status = Number((err as { status?: number }).status);
        githubRequests.inc({ method, status: Number.isFinite(status) && status > 0 ? statusClass(status) : 'network' });
        if (Number.isFinite(status) && status > 0) span.setAttribute('http.response.status_code', status);
        throw err;
      }
    });
  });
  if (opts.onRateLimitRemaining) {
    const report = opts.onRateLimitRemaining;
    client.hook.after('request', (response) => {
      const remaining = Number(response.headers['x-ratelimit-remaining']);
      if (Number.isFinite(remaining)) report(remaining);
    });
  }
  return client;
}
