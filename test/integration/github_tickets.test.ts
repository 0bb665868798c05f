// GitHub tickets against a fake GitHub REST server on loopback: one issue per family whatever fails
// (5xx after GitHub applied the write, secondary rate limits, a response that never comes, storms of
// duplicate deliveries), and GitHub webhooks (real payload shapes, signed) driving recur's state.
import { randomUUID } from 'node:crypto';
import examples from '@octokit/webhooks-examples/api.github.com/index.json' with { type: 'json' };
import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { families, outbox, sideEffects, tickets } from '../../src/db/schema/index.js';
import { scheduleTicketSync } from '../../src/tickets/schedule.js';
import { batchDeliveries, signedHeaders } from '../helpers/fixtures.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake_github.js';
import { eventually, postGitHubHook, postLangsmith, settled, startHarness, type Harness } from '../helpers/recur.js';

const REPO = 'acme/agents';
const HOOK_SECRET = 'github-hook-secret-0123456789';

function example(name: string, action: string): any {
  const group = (examples as Array<{ name: string; examples: any[] }>).find((e) => e.name === name)!;
  return structuredClone(group.examples.find((e) => e.action === action) ?? group.examples[0]);
}


describe('GitHub tickets', () => {
  let gh: FakeGitHub;
  let h: Harness;

  beforeAll(async () => {
    gh = await startFakeGitHub({ token: 'ghp_testtoken0123456789' });
    h = await startHarness({
      backend: 'pglite',
      env: {
        GITHUB_TOKEN: 'ghp_testtoken0123456789',
        GITHUB_API_URL: gh.url,
        GITHUB_REPO: REPO,
        GITHUB_WEBHOOK_SECRET: HOOK_SECRET,
        RECUR_GITHUB_WRITE_GAP_MS: '0',
        RECUR_GITHUB_TIMEOUT_MS: '1500',
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await gh?.close();
  });
  afterEach(() => gh.reset());

  const settle = () => settled(h.services);

  const langsmithIssue = (issueId: string, name: string, type = 'issue.created', trace?: Record<string, unknown>) =>
    JSON.stringify({
      id: randomUUID(),
      type,
      created: 1779800000,
      request_id: randomUUID(),
      data: { object: { id: issueId, name, severity: 0, session_name: 'refund-agent-prod', description: 'desc' }, ...(trace ? { trace } : {}) },
    });
  const deliver = async (body: string) => expect((await postLangsmith(h, body, signedHeaders(body))).status).toBe(202);

  const postGitHub = (event: string, payload: unknown) => postGitHubHook(h.app, HOOK_SECRET, event, payload);

  it('opens one issue for the refund batch, with labels created, evidence and nothing secret', async () => {
    for (const body of batchDeliveries()) await deliver(body);
    await settle();
    const issues = gh.issues(REPO);
    expect(issues).toHaveLength(1);
    const [issue] = issues;
    expect(issue!.title).toBe('[sev0] refund-agent-prod: Refund flow calls payment API before policy check');
    expect(issue!.labels).toEqual(expect.arrayContaining(['recur', 'sev:0', 'workflow:refund-agent-prod', 'needs-owner']));
    expect(issue!.body).toContain('3 traces in all');
    expect(issue!.body).not.toContain('jane.doe@example.com');
    expect(gh.labels(REPO).map((l) => l.name)).toEqual(expect.arrayContaining(['recur', 'sev:0']));
    const [ledger] = await h.services.database.db.select().from(sideEffects).where(eq(sideEffects.kind, 'github.issue.create'));
    expect(ledger).toMatchObject({ status: 'succeeded', receipt: { repo: REPO, number: issue!.number } });
  });

  it('reconciles instead of duplicating when GitHub created the issue but answered 502', async () => {
    gh.fail({ method: 'POST', path: /\/repos\/acme\/agents\/issues$/, status: 502, afterEffect: true });
    await deliver(langsmithIssue('ls-502', 'Agent promises refunds it cannot issue'));
    await settle();
    const matching = gh.issues(REPO).filter((i) => i.title.includes('promises refunds'));
    expect(matching).toHaveLength(1);
    expect(gh.callsTo('POST', /\/issues$/).map((c) => c.status)).toEqual([502]);
    const [ledger] = await h.services.database.db.select().from(sideEffects).where(eq(sideEffects.status, 'succeeded'));
    expect(ledger).toBeDefined();
  });

  it('waits out a secondary rate limit and still creates one issue', async () => {
    gh.secondaryRateLimit(1, 1, { method: 'POST', path: /\/issues$/ });
    await deliver(langsmithIssue('ls-403', 'Agent quotes the wrong shipping window'));
    await settle();
    expect(gh.issues(REPO).filter((i) => i.title.includes('shipping window'))).toHaveLength(1);
    expect(gh.callsTo('POST', /\/issues$/).map((c) => c.status)).toEqual([403, 201]);
  });

  it('survives a response that never comes: the job times out, retries, and creates one issue', async () => {
    gh.hangNext(1, { method: 'POST', path: /\/issues$/ });
    await deliver(langsmithIssue('ls-hang', 'Agent escalates every ticket to tier 3'));
    await settle();
    expect(gh.issues(REPO).filter((i) => i.title.includes('tier 3'))).toHaveLength(1);
  });

  it('makes one issue from 100 concurrent duplicate deliveries', async () => {
    const body = langsmithIssue('ls-storm', 'Agent double-charges on retry');
    const answers = await Promise.all(Array.from({ length: 100 }, () => postLangsmith(h, body, signedHeaders(body))));
    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(99);
    await settle();
    expect(gh.issues(REPO).filter((i) => i.title.includes('double-charges'))).toHaveLength(1);
  });

  it('a merge closes the merged-away issue as a duplicate, and undoing it reopens that issue', async () => {
    const db = h.services.database.db;
    const familyOf = async (words: string) => {
      const issue = gh.issues(REPO).find((i) => i.title.includes(words))!;
      return { number: issue.number, id: /recur:family=([0-9a-f-]{36})/.exec(issue.body ?? '')![1]! };
    };
    const source = await familyOf('shipping window');
    const target = await familyOf('tier 3');
    const merged = await h.app.request(`/v1/families/${source.id}/merge`, { method: 'POST', body: JSON.stringify({ into: target.id }), headers: { 'content-type': 'application/json' } });
    expect(merged.status).toBe(200);
    expect(await settle()).toBe(true);
    expect(gh.issue(REPO, source.number)).toMatchObject({ state: 'closed', state_reason: 'duplicate' });

    // Undone, the family is open again without having turned (it was open when merged): recur's copy says
    // closed, so the issue is reopened.
    const rules = (await (await h.app.request(`/v1/grouping-rules?family_id=${source.id}`)).json()) as { items: Array<{ id: string }> };
    expect((await h.app.request(`/v1/grouping-rules/${rules.items[0]!.id}`, { method: 'DELETE' })).status).toBe(200);
    expect(await settle()).toBe(true);
    expect(gh.issue(REPO, source.number)).toMatchObject({ state: 'open' });
    expect((await db.select({ state: tickets.state }).from(tickets).where(eq(tickets.familyId, source.id)))[0]).toEqual({ state: 'open' });
  });

  describe('driven by GitHub webhooks', () => {
    let number: number;
    let familyId: string;
    const family = async () => (await h.services.database.db.select().from(families).where(eq(families.id, familyId)))[0]!;
    const ticketState = async () => (await h.services.database.db.select({ state: tickets.state }).from(tickets).where(eq(tickets.familyId, familyId)))[0]!.state;
    const setStatus = async (status: 'open' | 'ignored') => {
      const res = await h.app.request(`/v1/families/${familyId}`, { method: 'PATCH', body: JSON.stringify({ status }), headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(200);
    };

    beforeAll(async () => {
      await deliver(langsmithIssue('ls-hooks', 'Agent ignores the refund policy window'));
      await settle();
      const issue = gh.issues(REPO).find((i) => i.title.includes('refund policy window'))!;
      number = issue.number;
      familyId = /recur:family=([0-9a-f-]{36})/.exec(issue.body ?? '')![1]!;
    });

    const onIssue = (action: string, extra: Record<string, unknown> = {}) => {
      const payload = example('issues', action === 'closed' ? 'reopened' : action);
      payload.action = action;
      payload.repository.full_name = REPO;
      payload.issue.number = number;
      Object.assign(payload.issue, extra);
      return payload;
    };

    it('rejects a bad signature and answers ping', async () => {
      const res = await h.app.request('/webhooks/github', {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': 'd1', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
      });
      expect(res.status).toBe(401);
      expect(await postGitHub('ping', example('ping', ''))).toBe(200);
    });

    it('label sev:1 sets the severity; a comment command by a member applies and is answered', async () => {
      const labeled = onIssue('labeled');
      labeled.label = { ...labeled.label, name: 'sev:1' };
      expect(await postGitHub('issues', labeled)).toBe(202);
      await settle();
      expect((await family()).severity).toBe(1);

      const comment = example('issue_comment', 'created');
      comment.repository.full_name = REPO;
      comment.issue.number = number;
      comment.comment.body = 'Looked into it.\n/recur boundary prompt';
      comment.comment.author_association = 'MEMBER';
      expect(await postGitHub('issue_comment', comment)).toBe(202);
      await settle();
      expect((await family()).boundary).toBe('prompt');
      const answers = gh.issue(REPO, number)!.comments.map((c) => c.body);
      expect(answers.some((b) => b.includes('boundary set to `prompt`'))).toBe(true);
      // The reply was written to the outbox with the command and posted through the ledger, with its receipt.
      const key = `github.issue.comment:${REPO}#${number}:command:${comment.comment.id}`;
      const [row] = await h.services.database.db.select().from(outbox).where(eq(outbox.operationKey, key));
      expect(row).toMatchObject({ status: 'done', attempts: 1, kind: 'github.issue.comment' });
      const [ledger] = await h.services.database.db.select().from(sideEffects).where(eq(sideEffects.operationKey, key));
      const posted = gh.issue(REPO, number)!.comments.find((c) => c.body.includes('boundary set to `prompt`'))!;
      expect(ledger).toMatchObject({ status: 'succeeded', receipt: { repo: REPO, number, commentId: posted.id } });

      const stranger = structuredClone(comment);
      stranger.comment.id = comment.comment.id + 1;
      stranger.comment.body = '/recur ignore';
      stranger.comment.author_association = 'NONE';
      expect(await postGitHub('issue_comment', stranger)).toBe(202);
      await settle();
      expect((await family()).status).not.toBe('ignored');
    });

    it('a merged PR that says "Fixes #n" marks the fix merged and resolves; a release marks it released', async () => {
      const pr = example('pull_request', 'closed');
      pr.repository.full_name = REPO;
      pr.pull_request.merged = true;
      pr.pull_request.merged_at = new Date(Date.now() - 60_000).toISOString();
      pr.pull_request.title = 'Check the policy before refunding';
      pr.pull_request.body = `Fixes #${number}`;
      pr.pull_request.number = 31;
      // A GitHub Enterprise Server names its pull requests, releases and repositories on its own host.
      pr.pull_request.html_url = `https://ghe.acme.test/${REPO}/pull/31`;
      expect(await postGitHub('pull_request', pr)).toBe(202);
      await settle();
      expect(await family()).toMatchObject({ fixStatus: 'merged', status: 'resolved', fixPullRequest: `https://ghe.acme.test/${REPO}/pull/31` });
      // GitHub closes the issue itself on "Fixes #n"; recur's copy says so without waiting for the issues event.
      expect(await ticketState()).toBe('closed');
      expect(gh.issue(REPO, number)!.comments.some((c) => c.body.includes('**Fix merged**'))).toBe(true);

      const release = example('release', 'published');
      release.repository.full_name = REPO;
      release.repository.html_url = `https://ghe.acme.test/${REPO}`;
      release.release.tag_name = 'v1.4.1';
      release.release.published_at = new Date().toISOString();
      expect(await postGitHub('release', release)).toBe(202);
      await settle();
      expect(await family()).toMatchObject({ fixStatus: 'released', fixRelease: 'v1.4.1' });
    });

    it('a trace from an older release does not reopen; one from the fixed release does, labelled regressed', async () => {
      gh.editIssue(REPO, number, { state: 'closed' });
      await postGitHub('issues', onIssue('closed', { state: 'closed', state_reason: 'completed' }));
      await settle();
      const trace = (id: string) => ({ trace_id: `t-${id}`, run_id: `r-${id}`, start_time: new Date().toISOString() });
      // LangSmith events carry no release: these arrive through /v1/signals with `upstream` and `release`.
      const signal = (id: string, release: string) => ({
        id: randomUUID(), source: 'langsmith-bridge', kind: 'anomaly', workflow: 'refund-agent-prod', title: 'Agent ignores the refund policy window',
        release, trace: trace(id), upstream: { source: 'langsmith', id: 'ls-hooks' },
      });
      const send = async (s: object) => {
        const res = await h.app.request('/v1/signals', { method: 'POST', body: JSON.stringify(s), headers: { 'content-type': 'application/json' } });
        expect(res.status).toBe(202);
      };
      await send(signal('old', '1.4.0'));
      await settle();
      expect((await family()).status).toBe('resolved');
      expect(gh.issue(REPO, number)!.state).toBe('closed');

      await send(signal('new', '1.4.1'));
      await settle();
      expect(await family()).toMatchObject({ status: 'regressed', reopenCount: 1 });
      const issue = gh.issue(REPO, number)!;
      expect(issue.state).toBe('open');
      expect(issue.labels).toContain('regressed');
      expect(issue.comments.some((c) => c.body.includes('**Regressed**') && c.body.includes('t-new'))).toBe(true);
    });

    it('a merged revert of the fix marks it reverted and reopens with a comment', async () => {
      gh.editIssue(REPO, number, { state: 'closed' });
      await postGitHub('issues', onIssue('closed', { state: 'closed', state_reason: 'completed' }));
      await settle();
      const pr = example('pull_request', 'closed');
      pr.repository.full_name = REPO;
      pr.pull_request.merged = true;
      pr.pull_request.number = 32;
      pr.pull_request.title = 'Revert "Check the policy before refunding"';
      pr.pull_request.body = `Reverts ${REPO}#31`;
      pr.pull_request.html_url = `https://ghe.acme.test/${REPO}/pull/32`;
      expect(await postGitHub('pull_request', pr)).toBe(202);
      await settle();
      expect(await family()).toMatchObject({ fixStatus: 'reverted', status: 'open' });
      const issue = gh.issue(REPO, number)!;
      expect(issue.state).toBe('open');
      expect(issue.comments.some((c) => c.body.includes('**Fix reverted**'))).toBe(true);
    });

    it('closing as not planned ignores the family; new evidence then never reopens it', async () => {
      gh.editIssue(REPO, number, { state: 'closed' });
      await postGitHub('issues', onIssue('closed', { state: 'closed', state_reason: 'not_planned' }));
      await settle();
      expect((await family()).status).toBe('ignored');
      await deliver(langsmithIssue('ls-hooks', 'Agent ignores the refund policy window', 'issue.trace.added', { trace_id: 't-after-ignore', run_id: 'r', start_time: new Date().toISOString() }));
      await settle();
      expect((await family()).status).toBe('ignored');
      expect(gh.issue(REPO, number)!.state).toBe('closed');
    });

    it('set back to open, the issue is reopened even when recur believes it open already', async () => {
      // recur's copy is stale: the issue is closed on GitHub.
      await h.services.database.db.update(tickets).set({ state: 'open' }).where(eq(tickets.familyId, familyId));
      const comments = gh.issue(REPO, number)!.comments.length;
      await setStatus('open');
      expect(await settle()).toBe(true);
      expect(gh.callsTo('PATCH', new RegExp(`/issues/${number}$`)).filter((c) => (c.body as { state?: string }).state === 'open')).toHaveLength(1);
      expect(gh.issue(REPO, number)).toMatchObject({ state: 'open' });
      // One comment saying why (the fix was reverted earlier, so that is the reason given).
      expect(gh.issue(REPO, number)!.comments.slice(comments).map((c) => c.body)).toEqual([expect.stringContaining('reopened by recur')]);
      expect(await ticketState()).toBe('open');
    });

    it('ignored, the issue is closed even when recur believes it closed already; each turn is sent once', async () => {
      await h.services.database.db.update(tickets).set({ state: 'closed' }).where(eq(tickets.familyId, familyId));
      await setStatus('ignored');
      expect(await settle()).toBe(true);
      expect(gh.issue(REPO, number)).toMatchObject({ state: 'closed', state_reason: 'not_planned' });
      // Syncing again (new evidence, say) sends no second close.
      await h.services.database.db.update(families).set({ ticketGeneration: sql`${families.ticketGeneration} + 1` }).where(eq(families.id, familyId));
      await scheduleTicketSync(h.services.queue, h.services.log, familyId);
      expect(await settle()).toBe(true);
      expect(gh.callsTo('PATCH', new RegExp(`/issues/${number}$`)).filter((c) => (c.body as { state?: string }).state === 'closed')).toHaveLength(1);
    });
  });

  it('a fix merged while a reopen is in flight leaves recur\'s copy closed, as GitHub has it', async () => {
    await deliver(langsmithIssue('ls-race', 'Agent quotes a superseded refund table'));
    await settle();
    const issue = gh.issues(REPO).find((i) => i.title.includes('superseded refund table'))!;
    const familyId = /recur:family=([0-9a-f-]{36})/.exec(issue.body ?? '')![1]!;
    const db = h.services.database.db;
    const row = async () => (await db.select({ family: families, ticket: tickets }).from(families).innerJoin(tickets, eq(tickets.familyId, families.id)).where(eq(families.id, familyId)))[0]!;
    const mergeFix = async (pr: number) => {
      const payload = example('pull_request', 'closed');
      payload.repository.full_name = REPO;
      payload.repository.default_branch = 'main';
      Object.assign(payload.pull_request, { merged: true, merged_at: new Date().toISOString(), number: pr, title: 'Use the current refund table', body: `Fixes #${issue.number}`, html_url: `https://github.com/${REPO}/pull/${pr}` });
      payload.pull_request.base.ref = 'main';
      gh.editIssue(REPO, issue.number, { state: 'closed', state_reason: 'completed' });
      expect(await postGitHub('pull_request', payload)).toBe(202);
    };
    await mergeFix(41);
    await settle();
    expect((await row()).ticket.state).toBe('closed');

    // The reopen reaches GitHub, but its answer is slow; meanwhile a second fix is merged and GitHub closes the issue again.
    // The delay stays under RECUR_GITHUB_TIMEOUT_MS (1.5 s): the answer comes, late.
    gh.fail({ method: 'PATCH', path: new RegExp(`/issues/${issue.number}$`), afterEffect: true, delayMs: 1_200 });
    const res = await h.app.request(`/v1/families/${familyId}`, { method: 'PATCH', body: JSON.stringify({ status: 'open' }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    const inFlight = () => gh.callsTo('PATCH', new RegExp(`/issues/${issue.number}$`)).find((c) => (c.body as { state?: string }).state === 'open');
    await eventually(async () => inFlight() ?? null, 5_000, 20, () => ({ patches: gh.callsTo('PATCH', /\/issues\//) }));
    await mergeFix(42);
    await eventually(async () => ((await row()).family.fixPullRequest?.endsWith('/pull/42') ? true : null), 5_000, 20, async () => (await row()).family);
    expect(inFlight()!.status, 'the reopen was still waiting for its answer when the fix was applied').toBe(0);
    expect(await settle()).toBe(true);

    const { family, ticket } = await row();
    expect(gh.issue(REPO, issue.number)!.state).toBe('closed');
    expect(family.status).toBe('resolved');
    expect(ticket.state).toBe('closed');
  });
});
