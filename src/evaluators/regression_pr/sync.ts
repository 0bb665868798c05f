// Opens, and keeps current, the one regression pull request of a ticketed family: a branch from the ticket
// repo's default branch, the evaluator's files on it, and a pull request that refers to the ticket. Each
// write goes through the side-effect ledger under a business key, and an unfinished one is looked up
// (the branch, the file's blob sha, the pull request from the branch) before anything is sent again.
// One writer per family at a time, under a lease on its row.
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { evaluators, families, regressionPullRequests, tickets } from '../../db/schema/index.js';
import { recordHistory } from '../../families/history.js';
import { leaseExpiry, withLease, type Fence, type LeaseStore } from '../../tickets/lease.js';
import { runSideEffect } from '../../tickets/ledger.js';
import type { PullRequestRef, RepoSink } from '../../tickets/sinks/types.js';
import type { ExportInput } from '../export.js';
import type { EvaluatorSpec } from '../templates.js';
import { planRegressionPullRequest, type PullRequestPlan } from './plan.js';
import { commitMessage, gitBlobSha, pullRequestBody, pullRequestTitle, regressionBranch, regressionFiles, type RegressionFile } from './render.js';

export interface RegressionPullRequestSettings {
  enabled: boolean;
  /** Folder in the ticket's repo the files go to. */
  path: string;
  branchPrefix: string;
}

export interface RegressionPullRequestDeps {
  db: Db;
  /** Absent when tickets are local: pull requests need GitHub. */
  repos: RepoSink | undefined;
  settings: RegressionPullRequestSettings;
  leaseMs: number;
}

export type RegressionPullRequestOutcome =
  | { result: 'skipped'; reason: Extract<PullRequestPlan, { action: 'none' }>['reason'] }
  | { result: 'busy' }
  /** `linked`: the pull request became known just now, so the ticket has a link to show. */
  | { result: 'opened'; number: number; url: string; linked: boolean }
  | { result: 'updated'; number: number; revision: number }
  | { result: 'closed'; number: number; state: string };

/** What the evaluator checks and where it runs; new example traces alone do not change it. */
export const specDigest = sql<string>`md5(${evaluators.spec}::text || '|' || ${evaluators.suite})`;

export async function syncRegressionPullRequest(deps: RegressionPullRequestDeps, familyId: string): Promise<RegressionPullRequestOutcome> {
  const { db } = deps;
  if (!deps.settings.enabled) return { result: 'skipped', reason: 'disabled' };
  if (!deps.repos) return { result: 'skipped', reason: 'not_github' };
  const first = await loadSituation(deps, familyId);
  const firstPlan = planRegressionPullRequest(first.situation);
  if (firstPlan.action === 'none') return { result: 'skipped', reason: firstPlan.reason };

  await db
    .insert(regressionPullRequests)
    .values({ familyId, repo: first.ticket!.repo, branch: regressionBranch(deps.settings.branchPrefix, familyId) })
    .onConflictDoNothing();
  const held = await withLease(pullRequestLease(db, familyId), { ms: deps.leaseMs }, async (fence) => {
    // Read again under the lease: the holder before may have done the work.
    const now = await loadSituation(deps, familyId);
    const plan = planRegressionPullRequest(now.situation);
    if (plan.action === 'none') return { result: 'skipped' as const, reason: plan.reason };
    return carryOut({ ...deps, fence }, plan, now as Required<Loaded>);
  });
  return held.held ? held.value : { result: 'busy' };
}

/** One writer per family; updatedAt says when it was last worked on, done or failed (the sweeper lets it rest). */
export function pullRequestLease(db: Db, familyId: string): LeaseStore {
  const mine = (token: string) => and(eq(regressionPullRequests.familyId, familyId), eq(regressionPullRequests.leaseHolder, token));
  return {
    async acquire(token, ms) {
      const taken = await db
        .update(regressionPullRequests)
        .set({ leaseUntil: leaseExpiry(ms), leaseHolder: token })
        .where(and(eq(regressionPullRequests.familyId, familyId), or(isNull(regressionPullRequests.leaseUntil), lt(regressionPullRequests.leaseUntil, sql`now()`))))
        .returning({ familyId: regressionPullRequests.familyId });
      return taken.length > 0;
    },
    async renew(token, ms) {
      const renewed = await db.update(regressionPullRequests).set({ leaseUntil: leaseExpiry(ms) }).where(mine(token)).returning({ familyId: regressionPullRequests.familyId });
      return renewed.length > 0;
    },
    async release(token) {
      await db.update(regressionPullRequests).set({ leaseUntil: null, leaseHolder: null, updatedAt: sql`now()` }).where(mine(token));
    },
  };
}

type LeasedDeps = RegressionPullRequestDeps & { fence: Fence };

async function carryOut(deps: LeasedDeps, plan: { action: 'open' | 'update' }, loaded: Required<Loaded>): Promise<RegressionPullRequestOutcome> {
  const { db, settings } = deps;
  const repos = deps.repos!;
  const { family, ticket, evaluator, pullRequest } = loaded;
  const { repo, branch } = pullRequest!;
  const familyId = family.id;

  if (plan.action === 'update') {
    // The row says open; people may have merged or closed it since. Only an open one gets new files.
    const live = await repos.findPullRequest(repo, branch);
    if (!live || live.state !== 'open') {
      const state = live?.state ?? 'closed';
      await db.update(regressionPullRequests).set({ state, updatedAt: sql`now()` }).where(eq(regressionPullRequests.familyId, familyId));
      return { result: 'closed', number: pullRequest!.number!, state };
    }
  }

  const base = plan.action === 'open' ? await ensureBranch(db, repos, { familyId, repo, branch }, deps.fence) : null;
  const files = regressionFiles(settings.path, exportInput(evaluator));
  if (pullRequest!.specDigest !== evaluator.specDigest) {
    for (const file of files) await putFile(db, repos, { familyId, repo, branch, revision: evaluator.revision }, file, deps.fence);
    await db
      .update(regressionPullRequests)
      .set({ revision: evaluator.revision, specDigest: evaluator.specDigest, updatedAt: sql`now()` })
      .where(eq(regressionPullRequests.familyId, familyId));
  }
  if (plan.action === 'update') return { result: 'updated', number: pullRequest!.number!, revision: evaluator.revision };

  const view = {
    family: { id: familyId, title: family.title, workflow: family.workflow },
    ticket: { number: ticket.number },
    evaluator: { id: evaluator.id, type: (evaluator.spec as EvaluatorSpec).type, suite: evaluator.suite, revision: evaluator.revision },
    files,
  };
  let linked = false;
  const { receipt } = await runSideEffect<PullRequestRef>(db, {
    key: `github.pull.create:${familyId}`,
    kind: 'github.pull.create',
    familyId,
    input: { repo, branch, base },
    reconcile: () => repos.findPullRequest(repo, branch),
    perform: () => repos.createPullRequest(repo, { title: pullRequestTitle(view), body: pullRequestBody(view), head: branch, base: base! }),
    fence: deps.fence,
    apply: async (tx, pr) => {
      const recorded = await tx
        .update(regressionPullRequests)
        .set({ number: pr.number, url: pr.url, state: pr.state, updatedAt: sql`now()` })
        .where(and(eq(regressionPullRequests.familyId, familyId), isNull(regressionPullRequests.number)))
        .returning({ familyId: regressionPullRequests.familyId });
      if (recorded.length === 0) return;
      linked = true;
      // The ticket shows the pull request under "Regression coverage": it needs a render.
      await tx.update(families).set({ ticketGeneration: sql`${families.ticketGeneration} + 1`, updatedAt: sql`now()` }).where(eq(families.id, familyId));
      await recordHistory(tx, familyId, 'regression_pr_opened', 'recur', { repo, number: pr.number, url: pr.url, branch });
    },
  });
  return { result: 'opened', number: receipt.number, url: receipt.url, linked };
}

/** What the family's pull request needs now, and the evaluator revision that asks for it. */
export async function regressionPullRequestPlan(deps: RegressionPullRequestDeps, familyId: string): Promise<{ plan: PullRequestPlan; revision: number }> {
  const loaded = await loadSituation(deps, familyId);
  return { plan: planRegressionPullRequest(loaded.situation), revision: loaded.evaluator?.revision ?? 0 };
}

/** The branch, made from the default branch's head; answers the base the pull request targets. */
async function ensureBranch(db: Db, repos: RepoSink, at: { familyId: string; repo: string; branch: string }, fence: Fence): Promise<string> {
  const { receipt } = await runSideEffect<{ sha: string; base: string }>(db, {
    key: `github.ref.create:${at.familyId}`,
    kind: 'github.ref.create',
    familyId: at.familyId,
    input: { repo: at.repo, branch: at.branch },
    reconcile: async () => {
      const found = await repos.getRef(at.repo, at.branch);
      return found ? { sha: found.sha, base: await repos.defaultBranch(at.repo) } : null;
    },
    perform: async () => {
      const base = await repos.defaultBranch(at.repo);
      const head = await repos.getRef(at.repo, base);
      if (!head) throw new Error(`${at.repo} has no branch ${base} to start ${at.branch} from`);
      const made = await repos.createRef(at.repo, at.branch, head.sha);
      return { sha: made.sha, base };
    },
    fence,
    apply: async () => {},
  });
  return receipt.base;
}

/** One file at one evaluator revision; a file already holding exactly this content is not written again. */
async function putFile(db: Db, repos: RepoSink, at: { familyId: string; repo: string; branch: string; revision: number }, file: RegressionFile, fence: Fence) {
  const sha = gitBlobSha(file.content);
  await runSideEffect<{ sha: string }>(db, {
    key: `github.contents.put:${at.familyId}:${file.path}:r${at.revision}`,
    kind: 'github.contents.put',
    familyId: at.familyId,
    input: { repo: at.repo, branch: at.branch, path: file.path, sha },
    reconcile: async () => ((await repos.getContents(at.repo, file.path, at.branch))?.sha === sha ? { sha } : null),
    perform: async () => {
      const current = await repos.getContents(at.repo, file.path, at.branch);
      if (current?.sha === sha) return { sha };
      return repos.putContents(at.repo, {
        path: file.path,
        branch: at.branch,
        content: file.content,
        message: commitMessage(file, at.revision, Boolean(current)),
        ...(current ? { sha: current.sha } : {}),
      });
    },
    fence,
    apply: async () => {},
  });
}

interface Loaded {
  situation: Parameters<typeof planRegressionPullRequest>[0];
  family?: typeof families.$inferSelect;
  ticket?: typeof tickets.$inferSelect;
  evaluator?: typeof evaluators.$inferSelect & { specDigest: string };
  pullRequest?: typeof regressionPullRequests.$inferSelect;
}

async function loadSituation(deps: RegressionPullRequestDeps, familyId: string): Promise<Loaded> {
  const { db } = deps;
  const [family] = await db.select().from(families).where(eq(families.id, familyId));
  const [ticket] = await db.select().from(tickets).where(eq(tickets.familyId, familyId));
  const [evaluator] = await db.select({ row: evaluators, specDigest }).from(evaluators).where(eq(evaluators.familyId, familyId));
  const [pullRequest] = await db.select().from(regressionPullRequests).where(eq(regressionPullRequests.familyId, familyId));
  return {
    situation: {
      enabled: deps.settings.enabled,
      canWrite: Boolean(deps.repos),
      family: family ? { status: family.status, mergedInto: family.mergedInto } : null,
      ticket: ticket ? { provider: ticket.provider } : null,
      evaluator: evaluator ? { revision: evaluator.row.revision, specDigest: evaluator.specDigest } : null,
      pullRequest: pullRequest ? { number: pullRequest.number, state: pullRequest.state, specDigest: pullRequest.specDigest } : null,
    },
    family,
    ticket,
    evaluator: evaluator ? { ...evaluator.row, specDigest: evaluator.specDigest } : undefined,
    pullRequest,
  };
}

function exportInput(e: typeof evaluators.$inferSelect): ExportInput {
  return { id: e.id, familyId: e.familyId, workflow: e.workflow, suite: e.suite, revision: e.revision, spec: e.spec as EvaluatorSpec, examples: e.examples };
}
