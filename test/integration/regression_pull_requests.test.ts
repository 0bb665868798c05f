// The optional regression pull request (recur.yaml evaluators.pull_requests) against a fake GitHub: off by
// default; when on, one pull request per ticketed family adding its evaluator files, linked to the ticket
// both ways, exactly once through duplicates, lost answers and timeouts, updated in place when the spec
// changes, and never in the way of the ticket itself.
import { randomUUID } from 'node:crypto';
import ts from 'typescript';
import { and, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { evaluators, familyHistory, regressionPullRequests, sideEffects } from '../../src/db/schema/index.js';
import { gitBlobSha } from '../../src/evaluators/regression_pr/render.js';
import { createRegressionPullRequests } from '../../src/evaluators/regression_pr/queue.js';
import { specDigest, syncRegressionPullRequest, type RegressionPullRequestDeps } from '../../src/evaluators/regression_pr/sync.js';
import { closingReferences } from '../../src/ingest/github/commands.js';
import { processInboxEvent } from '../../src/ingest/process_event.js';
import { createInProcessQueue } from '../../src/queue/in_process.js';
import { syncFamilyTicket } from '../../src/tickets/sync.js';
import { signedHeaders } from '../helpers/fixtures.js';
import { eventually, postLangsmith, settled, startHarness, type Harness } from '../helpers/recur.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake_github.js';

const TOKEN = 'ghp_testtoken0123456789';
const ENABLED = { evaluators: { pull_requests: { enabled: true } } };
/** Every call the pull request makes: the repo, refs, contents and pulls. */
const REPO_WRITES = /^\/repos\/[^/]+\/[^/]+(\/git\/|\/contents\/|\/pulls|$)/;

const githubEnv = (gh: FakeGitHub, repo: string, timeoutMs = 1500) => ({
  GITHUB_TOKEN: TOKEN,
  GITHUB_API_URL: gh.url,
  GITHUB_REPO: repo,
  RECUR_GITHUB_WRITE_GAP_MS: '0',
  RECUR_GITHUB_TIMEOUT_MS: String(timeoutMs),
});

const langsmithIssue = (issueId: string, name: string, description = 'The agent invokes issue_refund before lookup_refund_policy.') =>
  JSON.stringify({
    id: randomUUID(),
    type: 'issue.created',
    created: 1779800000,
    request_id: randomUUID(),
    data: { object: { id: issueId, name, severity: 0, session_name: 'refund-agent-prod', description } },
  });

const familyOf = (body: string | null) => /recur:family=([0-9a-f-]{36})/.exec(body ?? '')![1]!;

describe('regression pull requests, off by default', () => {
  let gh: FakeGitHub;
  let h: Harness;
  beforeAll(async () => {
    gh = await startFakeGitHub({ token: TOKEN });
    h = await startHarness({ backend: 'pglite', env: githubEnv(gh, 'acme/agents') });
  });
  afterAll(async () => {
    await h?.close();
    await gh?.close();
  });

  it('opens a ticket with an evaluator and makes no repo, ref, contents or pulls call', async () => {
    const body = langsmithIssue('ls-off', 'Refund issued before the policy lookup');
    expect((await postLangsmith(h, body, signedHeaders(body))).status).toBe(202);
    expect(await settled(h.services)).toBe(true);
    await h.worker!.sweep();
    const [issue] = gh.issues('acme/agents');
    expect(issue).toBeDefined();
    const familyId = familyOf(issue!.body);
    expect(await h.services.database.db.$count(evaluators, eq(evaluators.familyId, familyId))).toBe(1);
    expect(gh.calls.filter((c) => REPO_WRITES.test(c.path))).toEqual([]);
    expect(await h.services.database.db.$count(regressionPullRequests)).toBe(0);
  });
});

describe('regression pull requests, on', () => {
  const REPO = 'acme/agents';
  let gh: FakeGitHub;
  let h: Harness;

  beforeAll(async () => {
    gh = await startFakeGitHub({ token: TOKEN });
    h = await startHarness({ backend: 'pglite', env: githubEnv(gh, REPO), file: ENABLED });
  });
  afterAll(async () => {
    await h?.close();
    await gh?.close();
  });
  afterEach(() => gh.reset());

  const db = () => h.services.database.db;
  const row = async (familyId: string) => (await db().select().from(regressionPullRequests).where(eq(regressionPullRequests.familyId, familyId)))[0];
  const evaluatorOf = async (familyId: string) => (await db().select({ e: evaluators, digest: specDigest }).from(evaluators).where(eq(evaluators.familyId, familyId)))[0]!;

  /** The ticket sync has refreshed the evaluator, the pull request holds its spec, and the ticket shows it. */
  const pullRequestSettled = async (familyId: string) => {
    expect(await settled(h.services)).toBe(true);
    const done = await eventually(async () => {
      const [pr, { digest }] = [await row(familyId), await evaluatorOf(familyId)];
      return Boolean(pr?.number && pr.specDigest === digest && pr.leaseUntil === null);
    }, 20_000);
    expect(done).toBe(true);
    expect(await settled(h.services)).toBe(true);
  };

  const openTicket = async (issueId: string, name: string) => {
    const body = langsmithIssue(issueId, name);
    expect((await postLangsmith(h, body, signedHeaders(body))).status).toBe(202);
    expect(await settled(h.services)).toBe(true);
    const issue = gh.issues(REPO).find((i) => i.title.includes(name))!;
    expect(issue).toBeDefined();
    return { number: issue.number, familyId: familyOf(issue.body) };
  };

  describe('one family', () => {
    let ticket: { number: number; familyId: string };
    let branch: string;

    beforeAll(async () => {
      ticket = await openTicket('ls-pr', 'Refund flow calls payment API before policy check');
      branch = `recur/regression-${ticket.familyId}`;
      await pullRequestSettled(ticket.familyId);
    });

    it('opens exactly one pull request from its own branch with both files, and the files hold the evaluator', async () => {
      const prs = gh.pullRequests(REPO);
      expect(prs).toHaveLength(1);
      expect(prs[0]).toMatchObject({ head: branch, base: 'main', state: 'open' });
      const { e: evaluator } = await evaluatorOf(ticket.familyId);
      const files = gh.files(REPO, branch)!;
      const json = JSON.parse(files[`evals/regressions/${ticket.familyId}.json`]!);
      expect(json).toMatchObject({ evaluator_id: evaluator.id, family_id: ticket.familyId, suite: evaluator.suite, revision: evaluator.revision });
      expect(json.spec).toEqual(evaluator.spec);
      expect(json.spec).toMatchObject({ type: 'tool_order', first: 'lookup_refund_policy', then: 'issue_refund' });
      const source = files[`evals/regressions/${ticket.familyId}.ts`]!;
      expect(source).toContain(`export const EVALUATOR_ID = "${evaluator.id}";`);
      expect(source).toContain('export function recurToolOrder(');
      const compiled = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext }, reportDiagnostics: true });
      expect(compiled.diagnostics ?? []).toEqual([]);
      expect(gh.files(REPO, 'main')).toEqual({ 'README.md': '# agents\n' });
    });

    it('refers to the ticket without a closing keyword, and the ticket links the pull request', async () => {
      const [pr] = gh.pullRequests(REPO);
      expect(pr!.body).toContain(`Refs #${ticket.number}`);
      expect(closingReferences(`${pr!.title}\n${pr!.body}`, REPO)).toEqual([]);
      expect(`${pr!.title}\n${pr!.body}`).not.toMatch(/\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+\S*#\d/i);
      const issueBody = gh.issue(REPO, ticket.number)!.body!;
      const coverage = issueBody.split('### Regression coverage')[1]!.split('###')[0]!;
      expect(coverage).toContain(`pull request [#${pr!.number}](https://github.com/${REPO}/pull/${pr!.number}).`);
      const history = await db().select().from(familyHistory).where(and(eq(familyHistory.familyId, ticket.familyId), eq(familyHistory.action, 'regression_pr_opened')));
      expect(history).toHaveLength(1);
      const ledger = await db().select().from(sideEffects).where(eq(sideEffects.familyId, ticket.familyId));
      const keys = ledger.filter((l) => l.kind.startsWith('github.') && !l.kind.startsWith('github.issue')).map((l) => [l.operationKey, l.status]);
      expect(keys.sort()).toEqual(
        [
          [`github.contents.put:${ticket.familyId}:evals/regressions/${ticket.familyId}.json:r1`, 'succeeded'],
          [`github.contents.put:${ticket.familyId}:evals/regressions/${ticket.familyId}.ts:r1`, 'succeeded'],
          [`github.pull.create:${ticket.familyId}`, 'succeeded'],
          [`github.ref.create:${ticket.familyId}`, 'succeeded'],
        ].sort(),
      );
    });

    it('processed again and again (queued duplicates, sweeps, a ticket sync): still one pull request, one ref, nothing rewritten', async () => {
      await Promise.all(
        Array.from({ length: 5 }, (_, i) => h.services.queue.enqueue('regression.pull_request', { familyId: ticket.familyId }, { jobId: `dup-${i}-${randomUUID()}` })),
      );
      await h.worker!.sweep();
      const patched = await h.app.request(`/v1/families/${ticket.familyId}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ owner: { team: 'acme/refunds' } }) });
      expect(patched.status).toBe(200);
      await pullRequestSettled(ticket.familyId);
      expect(await eventually(async () => gh.issue(REPO, ticket.number)!.body!.includes('@acme/refunds'))).toBe(true);
      expect(gh.pullRequests(REPO)).toHaveLength(1);
      expect(gh.callsTo('POST', /\/pulls$/)).toEqual([]);
      expect(gh.callsTo('POST', /\/git\/refs$/)).toEqual([]);
      expect(gh.callsTo('PUT', /\/contents\//)).toEqual([]);
    });

    it('a spec change updates both files on the same branch with their current sha, and opens no second pull request', async () => {
      const before = gh.files(REPO, branch)!;
      const patched = await h.app.request(`/v1/families/${ticket.familyId}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ severity: 2 }) });
      expect(patched.status).toBe(200);
      await pullRequestSettled(ticket.familyId);
      const { e: evaluator } = await evaluatorOf(ticket.familyId);
      expect(evaluator).toMatchObject({ suite: 'coverage', revision: 2 });
      const after = gh.files(REPO, branch)!;
      expect(JSON.parse(after[`evals/regressions/${ticket.familyId}.json`]!)).toMatchObject({ suite: 'coverage', revision: 2, spec: evaluator.spec });
      const puts = gh.callsTo('PUT', /\/contents\//);
      expect(puts).toHaveLength(2);
      for (const put of puts) {
        const path = decodeURIComponent(put.path.split('/contents/')[1]!);
        expect(put.status).toBe(200);
        expect(put.body).toMatchObject({ branch, sha: gitBlobSha(before[path]!) });
      }
      expect(gh.callsTo('POST', /\/pulls$/)).toEqual([]);
      expect(gh.callsTo('POST', /\/git\/refs$/)).toEqual([]);
      expect(gh.pullRequests(REPO)).toHaveLength(1);
      expect((await row(ticket.familyId))).toMatchObject({ revision: 2, state: 'open' });
      const keys = (await db().select({ key: sideEffects.operationKey }).from(sideEffects).where(eq(sideEffects.kind, 'github.contents.put'))).map((r) => r.key);
      expect(keys).toEqual(expect.arrayContaining([`github.contents.put:${ticket.familyId}:evals/regressions/${ticket.familyId}.json:r2`]));
    });

    it('once the pull request is merged, a later spec change writes nothing and opens nothing', async () => {
      const [pr] = gh.pullRequests(REPO);
      gh.closePullRequest(REPO, pr!.number, { merged: true });
      const patched = await h.app.request(`/v1/families/${ticket.familyId}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ severity: 1 }) });
      expect(patched.status).toBe(200);
      expect(await eventually(async () => (await row(ticket.familyId))?.state === 'merged')).toBe(true);
      expect(await settled(h.services)).toBe(true);
      expect(gh.callsTo('GET', /\/pulls$/).map((c) => c.query)).toEqual([{ head: `acme:${branch}`, state: 'all', sort: 'created', direction: 'desc', per_page: '100' }]);
      expect(gh.callsTo('PUT', /\/contents\//)).toEqual([]);
      expect(gh.callsTo('POST', /\/pulls$/)).toEqual([]);
      expect(gh.pullRequests(REPO)).toHaveLength(1);
    });
  });

  it('reconciles a pull request GitHub opened but answered 502 for: exactly one POST /pulls', async () => {
    gh.fail({ method: 'POST', path: /\/repos\/acme\/agents\/pulls$/, status: 502, afterEffect: true });
    const ticket = await openTicket('ls-pr-502', 'Agent refunds twice when the payment API is slow');
    await pullRequestSettled(ticket.familyId);
    expect(gh.callsTo('POST', /\/pulls$/).map((c) => c.status)).toEqual([502]);
    expect(gh.pullRequests(REPO).filter((p) => p.head.endsWith(ticket.familyId))).toHaveLength(1);
    const [ledger] = await db().select().from(sideEffects).where(eq(sideEffects.operationKey, `github.pull.create:${ticket.familyId}`));
    expect(ledger).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(gh.callsTo('GET', /\/pulls$/).length).toBeGreaterThanOrEqual(1);
  });

  it('GitHub refusing every branch, file and pull request call does not hold the ticket back; the pull request follows once it recovers', async () => {
    gh.failFor(2_500, { path: /^\/repos\/acme\/agents(\/git\/|\/contents\/|\/pulls|$)/, status: 503 });
    const ticket = await openTicket('ls-pr-down', 'Agent cancels the order instead of refunding it');
    const issue = gh.issue(REPO, ticket.number)!;
    expect(issue.body).toContain('### Regression coverage');
    expect(gh.callsTo('POST', /\/issues$/).map((c) => c.status)).toEqual([201]);
    const [created] = await db().select().from(sideEffects).where(eq(sideEffects.operationKey, `github.issue.create:${ticket.familyId}`));
    expect(created?.status).toBe('succeeded');
    expect(await eventually(async () => gh.calls.some((c) => REPO_WRITES.test(c.path) && c.status === 503))).toBe(true);
    await pullRequestSettled(ticket.familyId);
    expect(gh.pullRequests(REPO).filter((p) => p.head.endsWith(ticket.familyId))).toHaveLength(1);
    expect(gh.issue(REPO, ticket.number)!.body).toContain(`/pull/${(await row(ticket.familyId))!.number}`);
  });
});

describe('regression pull requests, step by step', () => {
  // No worker: the test runs each step itself, so it decides exactly when something fails.
  const REPO = 'acme/manual';
  let gh: FakeGitHub;
  let h: Harness;
  let deps: RegressionPullRequestDeps;

  beforeAll(async () => {
    gh = await startFakeGitHub({ token: TOKEN });
    h = await startHarness({ backend: 'pglite', env: githubEnv(gh, REPO, 800), file: ENABLED, worker: false });
    deps = { db: h.services.database.db, repos: h.services.sink.repos, settings: { enabled: true, path: 'evals/regressions', branchPrefix: 'recur/regression-' }, leaseMs: 60_000 };
  });
  afterAll(async () => {
    await h?.close();
    await gh?.close();
  });
  afterEach(() => gh.reset());

  /** Takes one LangSmith issue through processing and ticket sync by hand; answers its family. */
  const ticketed = async (issueId: string, name: string): Promise<string> => {
    const body = langsmithIssue(issueId, name);
    const { json } = await postLangsmith(h, body, signedHeaders(body));
    const { services } = h;
    const outcome = await processInboxEvent({ db: services.database.db, config: services.config.file, maxAttempts: 8 }, json.event_id);
    if (outcome.result !== 'assigned') throw new Error(`not assigned: ${outcome.result}`);
    const familyId = outcome.assignment.familyId;
    const sync = await syncFamilyTicket(
      { db: services.database.db, sink: services.sink, config: services.config.file, defaultRepo: services.defaultRepo, leaseMs: 60_000, updateIntervalMs: 0 },
      familyId,
    );
    expect(sync.result).toBe('created');
    return familyId;
  };

  // First in this block: its family is the only one in this database when it sweeps.
  it('the sweeper queues a family whose pull request is behind, once, and lets a recently failed one rest', async () => {
    const familyId = await ticketed('ls-m-sweep', 'Agent refunds to a closed card');
    const queue = createInProcessQueue({ attempts: 1, backoffMs: 1 }, () => {});
    const prs = createRegressionPullRequests({ db: deps.db, queue, sink: h.services.sink, log: h.services.log, settings: deps.settings, leaseMs: 60_000 });
    expect(await prs.sweep({ graceMs: 0, batch: 100, quietMs: 0 })).toBe(1);
    expect(await prs.sweep({ graceMs: 0, batch: 100, quietMs: 0 })).toBe(1);
    expect(await queue.depth()).toMatchObject({ 'recur-tickets': 1 }); // the same job id: queued once
    expect(await prs.sweep({ graceMs: 60_000, batch: 100, quietMs: 0 })).toBe(0); // evaluator just written: the job from the ticket sync has it

    // A token without the Contents permission: refused for good, so the job's own retries end quickly.
    gh.fail({ method: 'GET', path: /^\/repos\/acme\/manual$/, status: 403, body: { message: 'Resource not accessible by integration' } });
    await expect(syncRegressionPullRequest(deps, familyId)).rejects.toMatchObject({ status: 403 });
    expect(await prs.sweep({ graceMs: 0, batch: 100, quietMs: 60_000 })).toBe(0);
    expect(await prs.sweep({ graceMs: 0, batch: 100, quietMs: 0 })).toBe(1);
    await queue.close();
  });

  it('runs once when five workers try at the same time: one opens, the others find it held or done', async () => {
    const familyId = await ticketed('ls-m-dup', 'Agent skips the refund policy lookup');
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => syncRegressionPullRequest(deps, familyId)));
    expect(outcomes.filter((o) => o.result === 'opened')).toHaveLength(1);
    expect(outcomes.filter((o) => o.result !== 'opened').every((o) => o.result === 'busy' || (o.result === 'skipped' && o.reason === 'up_to_date'))).toBe(true);
    expect(await syncRegressionPullRequest(deps, familyId)).toEqual({ result: 'skipped', reason: 'up_to_date' });
    expect(gh.callsTo('POST', /\/git\/refs$/)).toHaveLength(1);
    expect(gh.callsTo('PUT', /\/contents\//)).toHaveLength(2);
    expect(gh.callsTo('POST', /\/pulls$/)).toHaveLength(1);
    expect(gh.pullRequests(REPO)).toHaveLength(1);
  });

  it('reconciles a branch and a file GitHub made but answered 502 for, by looking them up', async () => {
    const familyId = await ticketed('ls-m-502', 'Agent issues refunds above the approval limit');
    gh.fail({ method: 'POST', path: /\/git\/refs$/, status: 502, afterEffect: true });
    await expect(syncRegressionPullRequest(deps, familyId)).rejects.toMatchObject({ status: 502 });
    gh.fail({ method: 'PUT', path: /\/contents\//, status: 502, afterEffect: true });
    await expect(syncRegressionPullRequest(deps, familyId)).rejects.toMatchObject({ status: 502 });
    expect(await syncRegressionPullRequest(deps, familyId)).toMatchObject({ result: 'opened', linked: true });
    expect(gh.callsTo('POST', /\/git\/refs$/).map((c) => c.status)).toEqual([502]);
    expect(gh.callsTo('PUT', /\/contents\//).map((c) => c.status)).toEqual([502, 201]);
    expect(gh.callsTo('POST', /\/pulls$/).map((c) => c.status)).toEqual([201]);
    const ledger = await h.services.database.db.select().from(sideEffects).where(eq(sideEffects.familyId, familyId));
    expect(ledger.find((l) => l.kind === 'github.ref.create')).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(ledger.filter((l) => l.kind === 'github.contents.put').map((l) => [l.status, l.attempts]).sort()).toEqual([
      ['succeeded', 1],
      ['succeeded', 2],
    ]);
  });

  it('reconciles a pull request create that timed out after GitHub applied it: exactly one POST /pulls', async () => {
    const familyId = await ticketed('ls-m-hang', 'Agent refunds without a receipt number');
    gh.fail({ method: 'POST', path: /\/pulls$/, hang: true, afterEffect: true });
    await expect(syncRegressionPullRequest(deps, familyId)).rejects.toBeDefined();
    expect(gh.pullRequests(REPO).filter((p) => p.head.endsWith(familyId))).toHaveLength(1);
    const again = await syncRegressionPullRequest(deps, familyId);
    expect(again).toMatchObject({ result: 'opened', linked: true });
    expect(gh.callsTo('POST', /\/pulls$/).map((c) => c.status)).toEqual([0]);
    expect(gh.pullRequests(REPO).filter((p) => p.head.endsWith(familyId))).toHaveLength(1);
    expect((await h.services.database.db.select().from(regressionPullRequests).where(eq(regressionPullRequests.familyId, familyId)))[0]).toMatchObject({
      number: gh.pullRequests(REPO).find((p) => p.head.endsWith(familyId))!.number,
      state: 'open',
      leaseUntil: null,
    });
  });
});
