// State changes never wait and never trust a stale cache, end to end: a pull request saying "Fixes #1" is
// merged, GitHub closes #1 itself, and the `issues` event that would say so never reaches recur. A failing
// guard evaluator, and later a regressing trace, must each reopen #1 within 5 s (the fake GitHub must see the
// reopen PATCH), with the default body-edit interval (30 s) and ticket delay (2 s) in force.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sign } from '@octokit/webhooks-methods';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { batchDeliveries, signedHeaders, TEST_SECRET } from '../helpers/fixtures.js';
import { startFakeGitHub, type FakeCall, type FakeGitHub } from '../helpers/fake_github.js';
import { createDatabase } from '../helpers/postgres.js';
import { eventually } from '../helpers/recur.js';
import { startService, type ServiceProcess } from '../helpers/service_process.js';

const pgUrl = inject('pgUrl');
const REPO = 'acme/agents';
const HOOK = 'reopen-hook-secret-0123456789';
const GH_TOKEN = 'ghp_reopentoken0123456789';
const WORKFLOW = 'refund-agent-prod';
/** The behaviour bound of the issue: from the failing result (or the trace's delivery) to the reopen. */
const REOPEN_BOUND_MS = 5_000;

describe.each([
  { mode: 'pglite' as const, skip: false },
  { mode: 'postgres' as const, skip: !pgUrl },
])('a closed-by-keyword issue reopens without its issues event ($mode)', ({ mode, skip }) => {
  let gh: FakeGitHub | undefined;
  let service: ServiceProcess | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), `recur-reopen-${mode}-`));
  afterAll(async () => {
    await service?.stop();
    await gh?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.skipIf(skip)('a failing guard evaluator and a regressing trace each reopen it within 5 s', async () => {
    gh = await startFakeGitHub({ token: GH_TOKEN });
    const db = mode === 'postgres' ? await createDatabase(pgUrl) : null;
    service = await startService({
      env: {
        ...(db ? { DATABASE_URL: db.url } : {}),
        RECUR_DATA_DIR: dataDir,
        LANGSMITH_WEBHOOK_SECRET: TEST_SECRET,
        GITHUB_TOKEN: GH_TOKEN,
        GITHUB_API_URL: gh.url,
        GITHUB_REPO: REPO,
        GITHUB_WEBHOOK_SECRET: HOOK,
        RECUR_GITHUB_WRITE_GAP_MS: '0',
        // RECUR_TICKET_UPDATE_INTERVAL_MS (30 s) and RECUR_TICKET_DELAY_MS (2 s) keep their defaults.
      },
    });
    const svc = service;
    const fake = gh;
    const get = async (path: string) => (await (await fetch(`${svc.url}${path}`)).json()) as any;
    const post = (path: string, body: unknown) => fetch(`${svc.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const hook = async (event: string, payload: object) => {
      const body = JSON.stringify(payload);
      const res = await fetch(`${svc.url}/webhooks/github`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': randomUUID(), 'x-hub-signature-256': await sign(HOOK, body) },
      });
      expect(res.status).toBe(202);
    };
    const family = async () => (await get('/v1/families')).items[0];
    const waitFor = async <T>(what: string, check: () => Promise<T>, timeoutMs = 20_000) => {
      let last: unknown;
      return eventually(
        async () => {
          const f = await family();
          last = { status: f?.status, fix: f?.fix, ticket: f?.ticket, issue: fake.issue(REPO, 1) && { state: fake.issue(REPO, 1)!.state, labels: fake.issue(REPO, 1)!.labels } };
          return check();
        },
        timeoutMs,
        50,
        () => ({ waitingFor: what, last, output: svc.output().slice(-3_000) }),
      );
    };
    /** GitHub closes the issue itself on a merged "Fixes #1"; recur hears of the pull request only. */
    const mergeFix = async (pr: number) => {
      fake.editIssue(REPO, 1, { state: 'closed', state_reason: 'completed' });
      await hook('pull_request', {
        action: 'closed',
        repository: { full_name: REPO, default_branch: 'main' },
        pull_request: { number: pr, title: 'Check the refund policy first', body: 'Fixes #1', html_url: `https://github.com/${REPO}/pull/${pr}`, merged: true, merged_at: new Date().toISOString(), base: { ref: 'main' } },
      });
      await waitFor(`resolution by pull request ${pr}`, async () => {
        const f = await family();
        return f?.status === 'resolved' && f.fix.pull_request === `https://github.com/${REPO}/pull/${pr}` && f.ticket?.state === 'closed';
      });
    };
    const reopenPatches = (since: number): FakeCall[] =>
      fake.callsTo('PATCH', /^\/repos\/acme\/agents\/issues\/1$/).filter((c) => c.at >= since && (c.body as { state?: string })?.state === 'open' && c.status === 200);
    const reopenWithin = async (what: string, since: number) => {
      const patch = await waitFor(`the reopen after ${what}`, async () => reopenPatches(since)[0] ?? null, REOPEN_BOUND_MS + 10_000);
      const tookMs = patch!.at - since;
      console.log(`[reopen ${mode}] ${what}: reopen PATCH ${tookMs} ms later`);
      expect(tookMs, what).toBeLessThan(REOPEN_BOUND_MS);
      // The label follows the reopen in the same operation.
      await waitFor('the regressed label', async () => fake.issue(REPO, 1)!.state === 'open' && fake.issue(REPO, 1)!.labels.includes('regressed'), 5_000);
    };

    for (const body of batchDeliveries()) expect((await fetch(`${svc.url}/webhooks/langsmith`, { method: 'POST', body, headers: signedHeaders(body) })).status).toBe(202);
    await waitFor('the ticket', async () => (await family())?.ticket?.number === 1);
    const evaluator = await waitFor('the evaluator', async () => (await get(`/v1/evaluators?workflow=${WORKFLOW}`)).items[0] ?? null);

    // 1. A failing guard evaluator.
    await mergeFix(9);
    expect(fake.callsTo('GET', /^\/repos\/acme\/agents\/issues\/1$/)).toHaveLength(0);
    const failedAt = Date.now();
    expect((await post('/v1/evaluations', { workflow: WORKFLOW, release: '1.5.0', results: [{ evaluator_id: evaluator.id, passed: false }] })).status).toBe(202);
    await reopenWithin('a failing guard evaluator', failedAt);
    await waitFor('the regressed family', async () => (await family())?.status === 'regressed');

    // 2. A regressing trace: fixed again by keyword (again no issues event), the fix released, then the failure comes back.
    await mergeFix(10);
    await hook('release', { action: 'published', repository: { full_name: REPO }, release: { tag_name: 'v1.6.0', published_at: new Date(Date.now() + 1_000).toISOString() } });
    await waitFor('the released fix', async () => (await family())?.fix.status === 'released');
    const [, traceAdded] = batchDeliveries().map((b) => JSON.parse(b));
    traceAdded.id = randomUUID();
    traceAdded.data.trace = { ...traceAdded.data.trace, run_id: randomUUID(), trace_id: randomUUID(), start_time: new Date().toISOString() };
    const body = JSON.stringify(traceAdded);
    const sentAt = Date.now();
    expect((await fetch(`${svc.url}/webhooks/langsmith`, { method: 'POST', body, headers: signedHeaders(body) })).status).toBe(202);
    await reopenWithin('a regressing trace', sentAt);
    expect((await family())).toMatchObject({ status: 'regressed', reopen_count: 2 });

    // Each reopen was sent once, with one comment each; recur never had to ask GitHub what state #1 was in.
    expect(fake.issue(REPO, 1)!.comments.filter((c) => c.body.includes('**Regressed**'))).toHaveLength(2);
  }, 120_000);
});
