// Boundary and owner on GitHub, against the fake GitHub on loopback: the owners file is read from the ticket
// repository through the contents API and cached; a `boundary:<b>` label or `/recur boundary` set by a person
// wins and is learned, while recur's own labels coming back are not mistaken for a person's; an assignment
// made on GitHub is kept.
import { randomUUID } from 'node:crypto';
import examples from '@octokit/webhooks-examples/api.github.com/index.json' with { type: 'json' };
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundaryCorrections, families } from '../../src/db/schema/index.js';
import { settleOwnerAndBoundary } from '../../src/tickets/owner_and_boundary.js';
import type { TicketSink } from '../../src/tickets/sinks/types.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake_github.js';
import { eventually, postGitHubHook, settled, startHarness, type Harness } from '../helpers/recur.js';

const REPO = 'acme/agents';
const TOKEN = 'ghp_testtoken0123456789';
const HOOK_SECRET = 'github-hook-secret-0123456789';
const OWNERS_PATH = '.github/RECUR_OWNERS';

function example(name: string, action: string): any {
  const group = (examples as Array<{ name: string; examples: any[] }>).find((e) => e.name === name)!;
  return structuredClone(group.examples.find((e) => e.action === action) ?? group.examples[0]);
}

describe('boundary and owner on GitHub', () => {
  let gh: FakeGitHub;
  let h: Harness;

  const putOwnersFile = async (text: string) => {
    const current = await fetch(`${gh.url}/repos/${REPO}/contents/${OWNERS_PATH}`, { headers: { authorization: `token ${TOKEN}` } });
    const sha = current.ok ? ((await current.json()) as { sha: string }).sha : undefined;
    const res = await fetch(`${gh.url}/repos/${REPO}/contents/${OWNERS_PATH}`, {
      method: 'PUT',
      headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'owners', content: Buffer.from(text).toString('base64'), ...(sha ? { sha } : {}) }),
    });
    expect(res.ok).toBe(true);
  };

  beforeAll(async () => {
    gh = await startFakeGitHub({ token: TOKEN });
    await putOwnersFile('workflow:*         @acme/agent-platform\ntool:stripe_*      @acme/payments @carol\n');
    h = await startHarness({
      backend: 'pglite',
      env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.url, GITHUB_REPO: REPO, GITHUB_WEBHOOK_SECRET: HOOK_SECRET, RECUR_GITHUB_WRITE_GAP_MS: '0' },
      file: { tickets: { codeowners_path: OWNERS_PATH } },
    });
  });
  afterAll(async () => {
    await h?.close();
    await gh?.close();
  });

  const db = () => h.services.database.db;
  const send = async (...signals: object[]) => {
    const res = await h.app.request('/v1/signals', { method: 'POST', body: JSON.stringify({ signals }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(202);
    expect(await settled(h.services)).toBe(true);
  };
  const signal = (over: Record<string, unknown>) => ({
    id: randomUUID(),
    source: 'tool-gateway',
    kind: 'tool_error',
    severity: 0,
    trace: { trace_id: `t-${randomUUID()}`, run_id: 'r' },
    ...over,
  });
  const familyByWorkflow = async (workflow: string) => (await db().select().from(families).where(eq(families.workflow, workflow)))[0]!;
  const issueOf = (familyId: string) => gh.issues(REPO).find((i) => i.body?.includes(`recur:family=${familyId}`))!;
  const hook = (event: string, payload: unknown) => postGitHubHook(h.app, HOOK_SECRET, event, payload);
  const issueEvent = (action: string, number: number, extra: Record<string, unknown>) => {
    const payload = example('issues', action);
    payload.action = action;
    payload.repository.full_name = REPO;
    payload.issue.number = number;
    return Object.assign(payload, extra);
  };
  const contentReads = () => gh.callsTo('GET', /\/contents\/\.github(?:\/|%2F)RECUR_OWNERS$/).length;

  it('reads the owners file from the ticket repository once, and names the line in the ticket', async () => {
    gh.reset();
    await send(signal({ workflow: 'billing-agent', title: 'stripe_refund answered 402 Payment Required', tool: 'stripe_refund' }));
    const family = await familyByWorkflow('billing-agent');
    expect(family).toMatchObject({ ownerTeam: 'acme/payments', ownerAssignees: ['carol'], ownerReason: `${OWNERS_PATH} line 2: tool:stripe_* @acme/payments @carol`, ownerSource: 'rules' });
    const issue = issueOf(family.id);
    expect(issue.assignees).toEqual(['carol']);
    expect(issue.body).toContain('Team: @acme/payments');
    expect(issue.body).toMatch(/Why: \.github\/RECUR_OWNERS line 2: tool:stripe_\* @\u200Dacme\/payments @\u200Dcarol/);
    expect(issue.labels).not.toContain('needs-owner');
    expect(contentReads()).toBe(1);
  });

  it('keeps the file for a while: an edit is not read again at once', async () => {
    await putOwnersFile('workflow:*         @acme/someone-else\n');
    gh.reset();
    await send(signal({ workflow: 'search-agent', title: 'search_docs timed out after 30s', kind: 'timeout', tool: 'search_docs' }));
    expect(await familyByWorkflow('search-agent')).toMatchObject({ ownerTeam: 'acme/agent-platform', ownerReason: `${OWNERS_PATH} line 1: workflow:* @acme/agent-platform` });
    expect(contentReads()).toBe(0);
  });

  it('keeps the owner it has when the owners file cannot be read, rather than calling the family unowned', async () => {
    const family = await familyByWorkflow('billing-agent');
    const unreachable: TicketSink = { ...h.services.sink, readOwnersFile: () => Promise.reject(new Error('GitHub answered 502')) };
    const outcome = await settleOwnerAndBoundary({ db: db(), sink: unreachable, config: h.services.config.file, defaultRepo: REPO }, family.id);
    expect(outcome.owner).toBe('unavailable');
    expect(await familyByWorkflow('billing-agent')).toMatchObject({ ownerTeam: 'acme/payments', ownerAssignees: ['carol'] });
  });

  it('takes a boundary label a person adds as theirs, and learns from it', async () => {
    const family = await familyByWorkflow('billing-agent');
    expect(family).toMatchObject({ boundary: 'tool_contract', boundarySource: 'rules' });
    const issue = issueOf(family.id);
    expect(await hook('issues', issueEvent('labeled', issue.number, { label: { name: 'boundary:downstream_api' }, sender: { login: 'alice' } }))).toBe(202);
    expect(await settled(h.services)).toBe(true);
    const after = await familyByWorkflow('billing-agent');
    expect(after).toMatchObject({ boundary: 'downstream_api', boundarySource: 'person', boundaryReasons: ['set by github:alice'] });
    const [correction] = await db().select().from(boundaryCorrections).where(eq(boundaryCorrections.familyId, family.id));
    expect(correction).toMatchObject({ boundary: 'downstream_api', ticketNumber: issue.number, actor: 'github:alice' });
    expect(correction!.keys[0]).toBe('tool+error:stripe_refund|http_402');
    const relabelled = gh.issue(REPO, issue.number)!;
    expect(relabelled.labels).toContain('boundary:downstream_api');
    expect(relabelled.labels).not.toContain('boundary:tool_contract');
    expect(relabelled.body).toContain('`downstream_api` (set by a person)');
  });

  it("does not take recur's own boundary label, reported back by GitHub, for a person's", async () => {
    const family = await familyByWorkflow('search-agent');
    const issue = issueOf(family.id);
    expect(issue.labels).toContain(`boundary:${family.boundary}`);
    // The votes moved on before GitHub's report of the old label arrived.
    await db().update(families).set({ boundary: 'context_source' }).where(eq(families.id, family.id));
    expect(await hook('issues', issueEvent('labeled', issue.number, { label: { name: `boundary:${family.boundary}` }, sender: { login: 'recur-bot' } }))).toBe(202);
    expect(await settled(h.services)).toBe(true);
    expect(await familyByWorkflow('search-agent')).toMatchObject({ boundary: 'context_source', boundarySource: 'rules' });
  });

  it('takes /recur boundary from a member, answers that it will be learned, and records the correction', async () => {
    const family = await familyByWorkflow('search-agent');
    const issue = issueOf(family.id);
    const comment = example('issue_comment', 'created');
    comment.repository.full_name = REPO;
    comment.issue.number = issue.number;
    comment.comment.body = '/recur boundary downstream_api';
    comment.comment.author_association = 'MEMBER';
    comment.comment.user.login = 'bob';
    expect(await hook('issue_comment', comment)).toBe(202);
    expect(await settled(h.services)).toBe(true);
    expect(await familyByWorkflow('search-agent')).toMatchObject({ boundary: 'downstream_api', boundarySource: 'person', boundaryReasons: ['set by github:bob'] });
    // Replies are posted after the event is processed: wait for it.
    const answer = await eventually(async () => gh.issue(REPO, issue.number)!.comments.map((c) => c.body).find((b) => b.includes('boundary set to')));
    expect(answer).toContain('new families with the same evidence will start with it');
    const corrections = await db().select().from(boundaryCorrections).where(eq(boundaryCorrections.familyId, family.id));
    expect(corrections.map((c) => c.actor)).toEqual(['github:bob']);
  });

  it('keeps an assignment made on GitHub, and ignores its own assignments coming back', async () => {
    const family = await familyByWorkflow('billing-agent');
    const issue = issueOf(family.id);
    expect(await hook('issues', issueEvent('assigned', issue.number, { assignee: { login: 'carol' }, sender: { login: 'recur-bot' } }))).toBe(202);
    expect(await settled(h.services)).toBe(true);
    expect((await familyByWorkflow('billing-agent')).ownerSource).toBe('rules');

    expect(await hook('issues', issueEvent('assigned', issue.number, { assignee: { login: 'zoe' }, sender: { login: 'alice' } }))).toBe(202);
    expect(await settled(h.services)).toBe(true);
    const assigned = await familyByWorkflow('billing-agent');
    expect(assigned).toMatchObject({ ownerAssignees: ['carol', 'zoe'], ownerSource: 'person', ownerReason: '@zoe assigned on GitHub by github:alice' });

    // A new owners file and new evidence do not take it away.
    await putOwnersFile('tool:stripe_*      @acme/other-team\n');
    await send(signal({ workflow: 'billing-agent', title: 'stripe_refund answered 402 Payment Required', tool: 'stripe_refund' }));
    expect(await familyByWorkflow('billing-agent')).toMatchObject({ ownerTeam: 'acme/payments', ownerAssignees: ['carol', 'zoe'], ownerSource: 'person' });
    const body = gh.issue(REPO, issue.number)!.body!;
    expect(body).toContain('Assignees: @carol, @zoe');
    expect(body).toContain('Why: @\u200Dzoe assigned on GitHub by github:alice');
  });
});
