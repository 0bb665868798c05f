// The production queue: BullMQ on Redis (REDIS_URL) or on BullMQ's PostgreSQL backend in the same
// database (DATABASE_URL alone). Both share the Queue/Worker API, so the options below apply to each.
import { Queue, UnrecoverableError, Worker, createPostgresBackend, runMigrations, type Job, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { runTracedJob, withTraceContext } from './job_telemetry.js';
import { JOB_NAMES, NonRetryableError, parsePayload, QUEUE_OF } from './jobs.js';
import type { EnqueueOptions, JobName, JobPayload, JobQueue, Processors, RetryPolicy } from './jobs.js';

/** `prefix` namespaces the Redis keys, so several recur deployments (or test runs) can share one Redis. */
export type BullBackend = { kind: 'redis'; url: string; prefix: string } | { kind: 'postgres'; url: string };

interface Logger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

const BULLMQ_SCHEMA = 'bullmq';

/**
 * A pg pool in which every client has an error listener. BullMQ builds clients that can be checked out
 * without one (its bootstrap does), and a pg client that loses its server while nobody listens throws
 * an uncaught exception: a database restart would take recur down with it.
 */
function guardedPool(url: string, max: number, log: Logger): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, options: `-c search_path=${BULLMQ_SCHEMA}`, connectionTimeoutMillis: 5_000, keepAlive: true });
  pool.on('connect', (client) => client.on('error', (err) => log.warn({ err }, 'queue database connection lost')));
  pool.on('error', (err) => log.warn({ err }, 'idle queue database connection lost'));
  return pool;
}

export async function createBullQueue(backend: BullBackend, retry: RetryPolicy, log: Logger): Promise<JobQueue> {
  const connections: Redis[] = [];
  const pools: pg.Pool[] = [];
  const redis = (producer: boolean) => {
    if (backend.kind !== 'redis') throw new Error('not a Redis backend');
    // Producers fail fast while Redis is down (the inbox row is durable and the sweeper re-queues it);
    // workers wait for Redis to come back.
    const conn = new Redis(backend.url, producer ? { maxRetriesPerRequest: 1, enableOfflineQueue: false } : { maxRetriesPerRequest: null });
    conn.on('error', () => {});
    connections.push(conn);
    return conn;
  };
  const pgConnection = (max: number) => {
    const pool = guardedPool(backend.url, max, log);
    pools.push(pool);
    return pool;
  };
  if (backend.kind === 'postgres') await migrateQueueSchema(backend.url, log);

  const jobOptions: JobsOptions = {
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs },
    // The database keeps the lasting record (processed, dead); the queue forgets finished jobs, which also
    // frees their ids so a replay can queue the same work again.
    removeOnComplete: true,
    removeOnFail: true,
  };
  // A worker that dies (kill -9, OOM) leaves its running jobs locked until the lock lapses and a stalled check
  // finds them: BullMQ's defaults (30 s lock, 30 s between checks) held a killed worker's events for up to a
  // minute. A running job renews its lock every lockDuration / 2, and a job run twice is harmless: the inbox row
  // is locked and its status checked, and ticket sync holds a lease.
  const stalledJobs = { lockDuration: 15_000, stalledInterval: 5_000 };

  const makeQueue = (name: string): Queue =>
    backend.kind === 'redis'
      ? new Queue(name, { connection: redis(true), prefix: backend.prefix, defaultJobOptions: jobOptions })
      : (new Queue(name, { connection: pgConnection(4), defaultJobOptions: jobOptions }, createPostgresBackend) as unknown as Queue);

  const queues = new Map<string, Queue>();
  for (const name of new Set(Object.values(QUEUE_OF))) {
    const q = makeQueue(name);
    q.on('error', (err) => log.error({ err, queue: name }, 'queue error'));
    queues.set(name, q);
  }
  // Bootstrapping now, while the database is known to be up, leaves no half-started queue behind.
  if (backend.kind === 'postgres') await Promise.all([...queues.values()].map((q) => q.waitUntilReady()));
  const workers: Worker[] = [];

  return {
    driver: backend.kind === 'redis' ? 'bullmq-redis' : 'bullmq-postgres',
    async enqueue<N extends JobName>(name: N, payload: JobPayload<N>, opts: EnqueueOptions) {
      await queues.get(QUEUE_OF[name])!.add(name, withTraceContext(payload, opts.trace, opts.links), { jobId: opts.jobId, delay: opts.delayMs });
    },
    async work(processors: Processors, opts: { concurrency: number }) {
      for (const queueName of queues.keys()) {
        const handle = async (job: Job) => {
          const name = job.name as JobName;
          if (!JOB_NAMES.includes(name) || QUEUE_OF[name] !== queueName) throw new UnrecoverableError(`unknown job ${job.name}`);
          try {
            const payload = parsePayload(name, job.data);
            const attempt = job.attemptsMade + 1;
            await runTracedJob(name, job.data, attempt, () => (processors[name] as (p: unknown, c: { attempt: number }) => Promise<void>)(payload, { attempt }));
          } catch (err) {
            if (err instanceof NonRetryableError) throw new UnrecoverableError(err.message);
            throw err;
          }
        };
        const worker =
          backend.kind === 'redis'
            ? new Worker(queueName, handle, { connection: redis(false), prefix: backend.prefix, concurrency: opts.concurrency, ...stalledJobs })
            : (new Worker(queueName, handle, { connection: pgConnection(opts.concurrency + 2), concurrency: opts.concurrency, ...stalledJobs }, createPostgresBackend) as unknown as Worker);
        worker.on('error', (err) => log.error({ err, queue: queueName }, 'worker error'));
        worker.on('failed', (job, err) => {
          if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) log.error({ err, job: job.id }, 'job failed for good');
        });
        workers.push(worker);
      }
      await Promise.all(workers.map((w) => w.waitUntilReady()));
    },
    async depth() {
      const out: Record<string, number> = {};
      for (const [name, q] of queues) {
        const counts = await q.getJobCounts('waiting', 'delayed', 'prioritized');
        out[name] = Object.values(counts).reduce((a, b) => a + b, 0);
      }
      return out;
    },
    async ping() {
      await queues.values().next().value!.getJobCounts('waiting');
    },
    async close() {
      await Promise.allSettled(workers.map((w) => w.close()));
      await Promise.allSettled([...queues.values()].map((q) => q.close()));
      for (const conn of connections) conn.disconnect();
      await Promise.allSettled(pools.map((p) => p.end()));
    },
  };
}

async function migrateQueueSchema(url: string, log: Logger): Promise<void> {
  const pool = guardedPool(url, 1, log);
  try {
    const client = await pool.connect();
    try {
      await runMigrations(client, BULLMQ_SCHEMA);
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}
