// Builds what every role shares from the config: the database (migrated), the queue, the ticket sink.
import { join } from 'node:path';
import type { Config } from './config/index.js';
import { openDatabase, type Database } from './db/client.js';
import { createBullQueue } from './queue/bullmq.js';
import { createInProcessQueue } from './queue/in_process.js';
import type { JobQueue, RetryPolicy } from './queue/jobs.js';
import type { Logger } from './telemetry/logger.js';
import { ConfigError } from './config/errors.js';
import { createGitHubSink } from './tickets/sinks/github.js';
import { createGitHubClient, hasGitHubCredentials } from './tickets/sinks/github_client.js';
import { releaseAllLeases } from './tickets/lease.js';
import { createLocalSink } from './tickets/sinks/local.js';
import type { TicketSink } from './tickets/sinks/types.js';

export interface Services {
  config: Config;
  database: Database;
  queue: JobQueue;
  sink: TicketSink;
  log: Logger;
  defaultRepo: string;
  /** Set on SIGTERM: /readyz answers 503 so a load balancer stops sending before the listener closes. */
  lifecycle: { draining: boolean };
  close(): Promise<void>;
}

export const LOCAL_DEFAULT_REPO = 'local/recur';

export async function createServices(config: Config, log: Logger): Promise<Services> {
  const { env } = config;
  if (hasGitHubCredentials(env) && !config.file.tickets.repo && !env.GITHUB_REPO && !config.file.owners.some((o) => o.repo)) {
    throw new ConfigError('invalid configuration\n  environment: GITHUB_REPO: required with GitHub credentials (or set tickets.repo in recur.yaml): where do tickets go?');
  }
  const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.RECUR_DATA_DIR });
  try {
    await database.migrate();
    // The embedded database belongs to this one process: a lease still held was taken by the process before
    // it, killed holding it, and waiting for it to lapse would only hold tickets back.
    if (database.kind === 'pglite') {
      const freed = await releaseAllLeases(database.db);
      if (freed.tickets + freed.pullRequests > 0) log.info(freed, 'released the leases a previous run left held');
    }
  } catch (err) {
    await database.close();
    throw err;
  }
  const retry: RetryPolicy = { attempts: env.RECUR_MAX_ATTEMPTS, backoffMs: 1_000 };
  const queue = env.REDIS_URL
    ? await createBullQueue({ kind: 'redis', url: env.REDIS_URL, prefix: env.RECUR_QUEUE_PREFIX }, retry, log)
    : env.DATABASE_URL
      ? await createBullQueue({ kind: 'postgres', url: env.DATABASE_URL }, retry, log)
      : createInProcessQueue(retry, (name, id, err) => log.error({ err, job: id, name }, 'job failed for good'));
  const publicUrl = env.RECUR_PUBLIC_URL ?? `http://localhost:${env.PORT}`;
  const sink = hasGitHubCredentials(env)
    ? createGitHubSink(createGitHubClient(env, log, { timeoutMs: env.RECUR_GITHUB_TIMEOUT_MS, writeGapMs: env.RECUR_GITHUB_WRITE_GAP_MS }))
    : createLocalSink(database.db, publicUrl);
  log.info({ database: database.kind, queue: queue.driver, tickets: sink.provider, dataDir: database.kind === 'pglite' ? join(env.RECUR_DATA_DIR, 'pgdata') : undefined }, 'services ready');
  return {
    config,
    database,
    queue,
    sink,
    log,
    defaultRepo: config.file.tickets.repo ?? env.GITHUB_REPO ?? LOCAL_DEFAULT_REPO,
    lifecycle: { draining: false },
    async close() {
      await queue.close();
      await database.close();
    },
  };
}
