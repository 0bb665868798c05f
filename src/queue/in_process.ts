// The in-process queue for the embedded (PGlite) default: jobs live in memory, the durable state is the
// database (pending inbox rows, families whose ticket is behind), and the sweeper re-queues from there
// after a restart. Same semantics as the BullMQ driver: a job id already queued or running is a no-op.
import { runTracedJob, withTraceContext } from './job_telemetry.js';
import { backoffDelay, JOB_NAMES, NonRetryableError, parsePayload, QUEUE_OF } from './jobs.js';
import type { EnqueueOptions, JobName, JobPayload, JobQueue, Processors, RetryPolicy } from './jobs.js';

interface Job {
  id: string;
  name: JobName;
  payload: unknown;
  attempt: number;
  timer?: NodeJS.Timeout;
}

export function createInProcessQueue(retry: RetryPolicy, onFailed: (name: JobName, id: string, err: unknown) => void): JobQueue {
  const jobs = new Map<string, Job>();
  const ready: Job[] = [];
  let processors: Processors | null = null;
  let concurrency = 1;
  let running = 0;
  let closed = false;
  const idle = new Set<() => void>();

  const pump = () => {
    while (processors && !closed && running < concurrency && ready.length > 0) {
      const job = ready.shift()!;
      running += 1;
      void run(job).finally(() => {
        running -= 1;
        if (running === 0) for (const resolve of idle) resolve();
        pump();
      });
    }
  };

  const schedule = (job: Job, delayMs: number) => {
    if (delayMs <= 0) {
      ready.push(job);
      pump();
      return;
    }
    job.timer = setTimeout(() => {
      job.timer = undefined;
      ready.push(job);
      pump();
    }, delayMs);
    job.timer.unref();
  };

  const run = async (job: Job) => {
    job.attempt += 1;
    try {
      const payload = parsePayload(job.name, job.payload);
      await runTracedJob(job.name, job.payload, job.attempt, () =>
        (processors![job.name] as (p: unknown, c: { attempt: number }) => Promise<void>)(payload, { attempt: job.attempt }),
      );
      jobs.delete(job.id);
    } catch (err) {
      if (err instanceof NonRetryableError || job.attempt >= retry.attempts || closed) {
        jobs.delete(job.id);
        onFailed(job.name, job.id, err);
      } else {
        schedule(job, backoffDelay(retry, job.attempt));
      }
    }
  };

  return {
    driver: 'in-process',
    async enqueue<N extends JobName>(name: N, payload: JobPayload<N>, opts: EnqueueOptions) {
      if (closed || jobs.has(opts.jobId)) return;
      const job: Job = { id: opts.jobId, name, payload: withTraceContext(payload, opts.trace, opts.links), attempt: 0 };
      jobs.set(job.id, job);
      schedule(job, opts.delayMs ?? 0);
    },
    async work(given, opts) {
      processors = given;
      concurrency = opts.concurrency;
      pump();
    },
    async depth() {
      const counts = Object.fromEntries(JOB_NAMES.map((n) => [QUEUE_OF[n], 0]));
      for (const job of jobs.values()) counts[QUEUE_OF[job.name]]! += 1;
      return counts;
    },
    async ping() {},
    async close() {
      closed = true;
      for (const job of jobs.values()) if (job.timer) clearTimeout(job.timer);
      if (running > 0) {
        await new Promise<void>((resolve) => {
          const done = () => {
            idle.delete(done);
            resolve();
          };
          idle.add(done);
        });
      }
      jobs.clear();
      ready.length = 0;
    },
  };
}
