// Builds recur's services and app in-process for integration tests, on PGlite or on the test servers.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { sign } from '@octokit/webhooks-methods';
import { pino } from 'pino';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { parseEnv } from '../../src/config/env.js';
import { fileSchema } from '../../src/config/file.js';
import type { Config } from '../../src/config/index.js';
import { families, inboxEvents, localIssues, outbox, tickets, traces } from '../../src/db/schema/index.js';
import { createApp } from '../../src/http/app.js';
import { startWorker, type WorkerHandle } from '../../src/queue/worker.js';
import { createServices, type Services } from '../../src/services.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { TEST_SECRET } from './fixtures.js';

export type Backend = 'pglite' | 'postgres' | 'postgres+redis';

export interface Harness {
  services: Services;
  app: ReturnType<typeof createApp>;
  worker: WorkerHandle | null;
  startWorker(): Promise<WorkerHandle>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  backend: Backend;
  databaseUrl?: string;
  redisUrl?: string;
  env?: Record<string, string>;
  file?: unknown;
  worker?: boolean;
}

export function testConfig(opts: { databaseUrl?: string; redisUrl?: string; dataDir: string; env?: Record<string, string>; file?: unknown }): Config {
  const env = parseEnv({
    LANGSMITH_WEBHOOK_SECRET: TEST_SECRET,
    RECUR_DATA_DIR: opts.dataDir,
    DATABASE_URL: opts.databaseUrl,
    REDIS_URL: opts.redisUrl,
    LOG_LEVEL: process.env.RECUR_TEST_LOG_LEVEL ?? 'silent',
    RECUR_TICKET_DELAY_MS: '50',
    RECUR_TICKET_UPDATE_INTERVAL_MS: '0',
    RECUR_SWEEP_INTERVAL_MS: '60000',
    RECUR_QUEUE_PREFIX: `t${process.pid}x${Math.random().toString(36).slice(2, 8)}`,
    ...opts.env,
  });
  return { env, file: fileSchema.parse(opts.file ?? {}), configPath: null };
}

/** RECUR_TEST_LOG_LEVEL=debug RECUR_TEST_LOG_FILE=/tmp/recur-test.log shows what the services did. */
function testLogger(level: string) {
  const file = process.env.RECUR_TEST_LOG_FILE;
  return file ? pino({ level }, pino.destination({ dest: file, append: true, sync: true })) : createLogger(level);
}

export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'recur-test-'));
  const config = testConfig({
    dataDir,
    databaseUrl: opts.backend === 'pglite' ? undefined : opts.databaseUrl,
    redisUrl: opts.backend === 'postgres+redis' ? opts.redisUrl : undefined,
    env: opts.env,
    file: opts.file,
  });
  const services = await createServices(config, testLogger(config.env.LOG_LEVEL));
  const app = createApp(services);
  const workers: WorkerHandle[] = [];
  const harness: Harness = {
    services,
    app,
    worker: null,
    async startWorker() {
      const w = await startWorker(services);
      workers.push(w);
      harness.worker ??= w;
      return w;
    },
    async close() {
      for (const w of workers) await w.stop();
      await services.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  if (opts.worker !== false) await harness.startWorker();
  return harness;
}

export async function postLangsmith(h: { app: Harness['app'] }, body: string, headers: Record<string, string>) {
  const res = await h.app.request('/webhooks/langsmith', { method: 'POST', body, headers });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

/**
 * Polls until `check` returns a truthy value and returns it; past the deadline it throws, saying what it
 * last saw (the check's value, and `seen()` when given: the state that explains it).
 */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000, everyMs = 50, seen?: () => unknown): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) {
      const context = seen ? `; state: ${describe(await seen())}` : '';
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${describe(value)}${context}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 2_000) ?? String(value);
  } catch {
    return String(value);
  }
}

export async function counts(services: Services) {
  const db = services.database.db;
  const [f, t, tk, li, pending] = await Promise.all([
    db.$count(families),
    db.$count(traces),
    db.$count(tickets),
    db.$count(localIssues),
    db.$count(inboxEvents, eq(inboxEvents.status, 'pending')),
  ]);
  return { families: f, traces: t, tickets: tk, localIssues: li, pending };
}

/** Waits until no event is pending, every family's ticket has caught up and every reply is posted; false when it never did. */
export async function settled(services: Services, timeoutMs = 20_000): Promise<boolean> {
  return eventually(async () => {
    // Pending first: families read before the last batch committed would all look synced (none yet).
    if ((await counts(services)).pending !== 0) return false;
    const rows = await services.database.db.select().from(families);
    if (!rows.every((f) => f.ticketSyncedGeneration === f.ticketGeneration && f.ticketSyncLeaseUntil === null)) return false;
    // Replies to /recur commands are posted from the outbox after the event is processed.
    return (await services.database.db.$count(outbox, eq(outbox.status, 'pending'))) === 0;
  }, timeoutMs);
}

/** Delivers a GitHub webhook to the app as GitHub would: signed, with event and delivery headers. */
export async function postGitHubHook(app: Harness['app'], secret: string, event: string, payload: unknown): Promise<number> {
  const body = JSON.stringify(payload);
  const res = await app.request('/webhooks/github', {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': randomUUID(), 'x-hub-signature-256': await sign(secret, body) },
  });
  return res.status;
}
