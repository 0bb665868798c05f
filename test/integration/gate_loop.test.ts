// The loop that keeps a fix fixed: LangSmith batch -> ticket -> evaluator -> gate blocks (open sev0) ->
// merged "Fixes #n" -> passing evaluations -> gate passes -> a failing evaluation reopens the ticket,
// labelled regressed, and the gate blocks naming the family and the evaluator.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { batchDeliveries, signedHeaders } from '../helpers/fixtures.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake_github.js';
import { createDatabase } from '../helpers/postgres.js';
import { postGitHubHook, postLangsmith, settled, startHarness, type Harness } from '../helpers/recur.js';

const pgUrl = inject('pgUrl');
const redisUrl = inject('redisUrl');
const REPO = 'acme/agents';
const HOOK_SECRET = 'gate-loop-hook-secret-0123';
const WORKFLOW = 'refund-agent-prod';

describe('evaluators and release gates, end to end', () => {
  let gh: FakeGitHub;
  let h: Harness;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    gh = await startFakeGitHub();
    const real = Boolean(pgUrl && redisUrl);
    const db = real ? await createDatabase(pgUrl) : undefined;
    drop = db?.drop;
    h = await startHarness({
      backend: real ? 'postgres+redis' : 'pglite',
      databaseUrl: db?.url,
      redisUrl,
      env: { GITHUB_TOKEN: 'ghp_gateloop0123456789', GITHUB_API_URL: gh.url, GITHUB_REPO: REPO, GITHUB_WEBHOOK_SECRET: HOOK_SECRET, RECUR_GITHUB_WRITE_GAP_MS: '0' },
    });
  });
  afterAll(async () => {
    await h?.close();
    await drop?.();
    await gh?.close();
  });

  const settle = () => settled(h.services);
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await h.app.request(path, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    return { status: res.status, json: (await res.json()) as any };
  };
  const hook = async (event: string, payload: object) => expect(await postGitHubHook(h.app, HOOK_SECRET, event, payload)).toBe(202);
  const gate = (release: string) => api('GET', `/v1/gates/${WORKFLOW}?release=${release}`);

  it('runs the whole loop', async () => {
    for (const body of batchDeliveries()) expect((await postLangsmith(h, body, signedHeaders(body))).status).toBe(202);
    await settle();
    const [issue] = gh.issues(REPO);
    expect(issue).toBeDefined();
    // No rule reads "invokes issue_refund before lookup_refund_policy"; its words lean to the prompt, and an
    // urgent prompt failure is guarded by both suites.
    expect(issue!.body).toContain('`prompt` (a guess from the words of the signals');
    expect(issue!.body).toMatch(/- evaluator `[0-9a-f-]{36}` · suite `both` · not run/);

    const { json: listed } = await api('GET', `/v1/evaluators?workflow=${WORKFLOW}`);
    expect(listed.items).toHaveLength(1);
    const evaluator = listed.items[0];
    expect(evaluator).toMatchObject({ suite: 'both', kind: 'tool_order', spec: { version: 1, type: 'tool_order', first: 'lookup_refund_policy', then: 'issue_refund' } });
    expect(evaluator.examples.map((e: any) => e.trace_id)).toHaveLength(3);
    expect(JSON.stringify(evaluator.examples)).not.toContain('jane.doe@example.com');
    expect((await api('GET', `/v1/evaluators/${evaluator.id}`)).json.id).toBe(evaluator.id);
    const exported = await h.app.request(`/v1/evaluators/${evaluator.id}/export?format=ts`);
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-disposition')).toContain(`${evaluator.family_id}.ts`);
    expect(await exported.text()).toContain(`export const EVALUATOR_ID = "${evaluator.id}"`);

    const blocked = await gate('1.4.0');
    expect(blocked.json).toMatchObject({ decision: 'block', blocking: [{ reason: 'open_family', severity: 0, ticket_url: issue!.html_url }], evaluators: { required: 1, missing: 1 } });

    const pr = {
      action: 'closed',
      repository: { full_name: REPO },
      pull_request: { number: 7, title: 'Look up the refund policy first', body: `Fixes #${issue!.number}`, html_url: `https://github.com/${REPO}/pull/7`, merged: true, merged_at: new Date(Date.now() - 1000).toISOString() },
    };
    await hook('pull_request', pr);
    // Merging closes the issue on GitHub, which says so with an issues webhook of its own.
    gh.editIssue(REPO, issue!.number, { state: 'closed' });
    await hook('issues', { action: 'closed', repository: { full_name: REPO }, issue: { number: issue!.number, state: 'closed', state_reason: 'completed' } });
    await settle();
    const family = (await api('GET', '/v1/families')).json.items[0];
    expect(family).toMatchObject({ status: 'resolved', fix: { status: 'merged' }, guarded: false });
    expect(gh.issue(REPO, issue!.number)!.body).toContain('**Unguarded**');

    expect((await api('POST', '/v1/evaluations', { workflow: WORKFLOW, release: '1.4.1', results: [{ evaluator_id: evaluator.id, passed: true, score: 1 }] })).status).toBe(202);
    expect((await gate('1.4.1')).json).toMatchObject({ decision: 'pass', blocking: [], evaluators: { required: 1, passed: 1 } });
    await settle();
    expect(gh.issue(REPO, issue!.number)!.body).toContain('Guarded: a benchmark evaluator passed on a release containing the fix.');
    expect((await api('GET', `/v1/families/${family.id}`)).json).toMatchObject({ guarded: true, evaluators: [{ id: evaluator.id, status: 'passing' }] });

    const failed = await api('POST', '/v1/evaluations', { workflow: WORKFLOW, release: '1.5.0', results: [{ evaluator_id: evaluator.id, passed: false, run_url: 'https://smith.langchain.com/o/x/datasets/y/compare?selectedSessions=z' }] });
    expect(failed).toMatchObject({ status: 202, json: { regressed: [family.id] } });
    await settle();
    const reopened = gh.issue(REPO, issue!.number)!;
    expect(reopened.state).toBe('open');
    expect(reopened.labels).toContain('regressed');
    const third = await gate('1.5.0');
    expect(third.json.decision).toBe('block');
    expect(third.json.blocking.map((b: any) => [b.family_id, b.reason, b.evaluator_id])).toEqual(
      expect.arrayContaining([
        [family.id, 'regressed', null],
        [family.id, 'failing_evaluator', evaluator.id],
      ]),
    );
  }, 60_000);

  it('refuses results for evaluators of another workflow', async () => {
    const { json } = await api('GET', `/v1/evaluators?workflow=${WORKFLOW}`);
    const res = await api('POST', '/v1/evaluations', { workflow: 'other', release: '1', results: [{ evaluator_id: json.items[0].id, passed: true }] });
    expect(res.status).toBe(400);
  });
});
