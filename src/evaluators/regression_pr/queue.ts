// How regression pull requests ride the job queue: queued after a ticket sync when there is work, swept
// when a job was missed or gave up, and run one family at a time. A slow or failing GitHub delays only
// these jobs: the ticket sync has finished before one is queued.
import { and, eq, isNull, lt, ne, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { evaluators, families, regressionPullRequests, tickets } from '../../db/schema/index.js';
import type { JobQueue } from '../../queue/jobs.js';
import { regressionPullRequestJobId } from '../../queue/job_ids.js';
import { scheduleTicketSync } from '../../tickets/schedule.js';
import type { TicketSink } from '../../tickets/sinks/types.js';
import { regressionPullRequestPlan, specDigest, syncRegressionPullRequest, type RegressionPullRequestDeps, type RegressionPullRequestSettings } from './sync.js';

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface RegressionPullRequests {
  /** Queues the family's pull request work when it has any; does nothing (not even a query) when off. */
  schedule(familyId: string): Promise<void>;
  /** The job: one family's pull request brought up to date. */
  process(familyId: string): Promise<void>;
  /** Queues the families whose pull request is behind and not being worked on; how many. */
  sweep(opts: { graceMs: number; batch: number; quietMs?: number }): Promise<number>;
}

/**
 * A family worked on (done or failed) this recently is left to its own job's retries: a token without
 * the Contents permission should cost a few calls every ten minutes, not a few per sweep.
 */
const SWEEP_QUIET_MS = 10 * 60_000;


export function createRegressionPullRequests(ctx: { db: Db; queue: JobQueue; sink: TicketSink; log: Logger; settings: RegressionPullRequestSettings; leaseMs: number }): RegressionPullRequests {
  const { db, queue, log } = ctx;
  const deps: RegressionPullRequestDeps = { db, repos: ctx.sink.repos, settings: ctx.settings, leaseMs: ctx.leaseMs };
  const on = ctx.settings.enabled && Boolean(ctx.sink.repos);

  return {
    async schedule(familyId) {
      if (!on) return;
      const { plan, revision } = await regressionPullRequestPlan(deps, familyId);
      if (plan.action === 'none') return;
      await queue
        .enqueue('regression.pull_request', { familyId }, { jobId: regressionPullRequestJobId(familyId, revision) })
        .catch((err) => log.warn({ err, familyId }, 'regression pull request not queued; the sweeper will queue it'));
    },

    async process(familyId) {
      const outcome = await syncRegressionPullRequest(deps, familyId);
      // Another worker holds the family; retrying later finds its work done or what is left of it.
      if (outcome.result === 'busy') throw new Error(`regression pull request of family ${familyId} is being written elsewhere`);
      log.info({ familyId, ...outcome }, 'regression pull request synced');
      if (outcome.result === 'opened' && outcome.linked) await scheduleTicketSync(queue, log, familyId);
    },

    async sweep(opts) {
      if (!on) return 0;
      const cutoff = sql`now() - ${`${opts.graceMs} milliseconds`}::interval`;
      const quiet = sql`now() - ${`${opts.quietMs ?? SWEEP_QUIET_MS} milliseconds`}::interval`;
      const behind = await db
        .select({ familyId: evaluators.familyId, revision: evaluators.revision })
        .from(evaluators)
        .innerJoin(tickets, and(eq(tickets.familyId, evaluators.familyId), eq(tickets.provider, 'github')))
        .innerJoin(families, and(eq(families.id, evaluators.familyId), isNull(families.mergedInto), ne(families.status, 'ignored')))
        .leftJoin(regressionPullRequests, eq(regressionPullRequests.familyId, evaluators.familyId))
        .where(
          and(
            lt(evaluators.updatedAt, cutoff),
            or(
              isNull(regressionPullRequests.familyId),
              isNull(regressionPullRequests.number),
              and(eq(regressionPullRequests.state, 'open'), sql`${regressionPullRequests.specDigest} is distinct from ${specDigest}`),
            ),
            or(isNull(regressionPullRequests.familyId), lt(regressionPullRequests.updatedAt, quiet)),
            or(isNull(regressionPullRequests.leaseUntil), lt(regressionPullRequests.leaseUntil, sql`now()`)),
          ),
        )
        .limit(opts.batch);
      for (const { familyId, revision } of behind) {
        await queue.enqueue('regression.pull_request', { familyId }, { jobId: regressionPullRequestJobId(familyId, revision) });
      }
      return behind.length;
    },
  };
}
