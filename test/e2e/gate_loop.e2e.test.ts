// The whole loop end to end, as deployed: recur as a child process on real PostgreSQL + Redis, a fake
// GitHub, everything over HTTP. LangSmith batch -> ticket -> evaluator -> gate for 1.4.0 blocks (open sev0)
// -> merged PR "Fixes #n" -> evaluations for 1.4.1 pass -> gate passes -> an evaluation for 1.5.0 fails ->
// ticket reopened and labelled regressed, gate blocks naming the family and the evaluator.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sign } from '@octokit/webhooks-methods';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { batchDeliveries, signedHeaders, TEST_SECRET } from '../helpers/fixtures.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake_github.js';
import { createDatabase } from '../helpers/postgres.js';
import { eventually } from '../helpers/recur.js';
import { startService, type ServiceProcess } from '../helpers/service_process.js';

const pgUrl = inject('pgUrl');
const redisUrl = inject('redisUrl');
const REPO = 'acme/agents';
const HOOK = 'e2e-hook-secret-0123456789';
const TOKEN = 'pipeline-token-0123456789';
const WORKFLOW = 'refund-agent-prod';

describe.skipIf(!pgUrl || !redisUrl)('the release-gate loop, end to end on PostgreSQL + Redis', () => {
  let gh: FakeGitHub;
  let service: ServiceProcess;
  const dataDir = mkdtempSync(join(tmpdir(), 'recur-loop-'));
  afterAll(async () => {
    await service?.stop();
    await gh?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('blocks, passes, then blocks again when the guarded failure comes back', async () => {
    gh = await startFakeGitHub({ token: 'ghp_looptoken0123456789' });
    const db = await createDatabase(pgUrl);
    service = await startService({
      env: {
        DATABASE_URL: db.url,
        REDIS_URL: redisUrl,
        RECUR_QUEUE_PREFIX: `loop${process.pid}`,
        RECUR_DATA_DIR: dataDir,
        LANGSMITH_WEBHOOK_SECRET: TEST_SECRET,
        GITHUB_TOKEN: 'ghp_looptoken0123456789',
        GITHUB_API_URL: gh.url,
        GITHUB_REPO: REPO,
        GITHUB_WEBHOOK_SECRET: HOOK,
        RECUR_API_TOKENS: `pipeline:read+write:${TOKEN}`,
        RECUR_GITHUB_WRITE_GAP_MS: '0',
        RECUR_TICKET_DELAY_MS: '200',
        RECUR_TICKET_UPDATE_INTERVAL_MS: '0',
      },
    });
    const auth = { authorization: `Bearer ${TOKEN}` };
    const get = async (path: string) => (await (await fetch(`${service.url}${path}`, { headers: auth })).json()) as any;
    const post = async (path: string, body: unknown) =>
      fetch(`${service.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { ...auth, 'content-type': 'application/json' } });
    const hook = async (event: string, payload: object) => {
      const body = JSON.stringify(payload);
      const res = await fetch(`${service.url}/webhooks/github`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': randomUUID(), 'x-hub-signature-256': await sign(HOOK, body) },
      });
      expect(res.status).toBe(202);
    };

    for (const body of batchDeliveries()) {
      expect((await fetch(`${service.url}/webhooks/langsmith`, { method: 'POST', body, headers: signedHeaders(body) })).status).toBe(202);
    }
    const issue = await eventually(async () => gh.issues(REPO).find((i) => i.body?.includes('3 traces in all')) ?? null, 20_000);
    expect(issue).not.toBeNull();
    // GitHub has the issue a moment before recur records it; the gate answers from recur's records.
    await eventually(async () => (await get('/v1/families')).items[0]?.ticket?.number === issue!.number, 20_000);
    const evaluator = (await eventually(async () => (await get(`/v1/evaluators?workflow=${WORKFLOW}`)).items[0] ?? null, 20_000)) as any;
    // An urgent failure its words place at the prompt: guarded by both suites.
    expect((await get('/v1/families')).items[0]).toMatchObject({ boundary: 'prompt', boundary_detail: { source: 'words' } });
    expect(evaluator).toMatchObject({ suite: 'both', spec: { type: 'tool_order' } });

    expect(await get(`/v1/gates/${WORKFLOW}?release=1.4.0`)).toMatchObject({ decision: 'block', blocking: [{ reason: 'open_family' }] });

    await hook('pull_request', {
      action: 'closed',
      repository: { full_name: REPO },
      pull_request: { number: 9, title: 'Check policy first', body: `Fixes #${issue!.number}`, html_url: `https://github.com/${REPO}/pull/9`, merged: true, merged_at: new Date().toISOString() },
    });
    gh.editIssue(REPO, issue!.number, { state: 'closed' });
    await hook('issues', { action: 'closed', repository: { full_name: REPO }, issue: { number: issue!.number, state: 'closed', state_reason: 'completed' } });
    await eventually(async () => (await get('/v1/families')).items[0]?.status === 'resolved', 20_000);

    expect((await post('/v1/evaluations', { workflow: WORKFLOW, release: '1.4.1', results: [{ evaluator_id: evaluator.id, passed: true }] })).status).toBe(202);
    expect(await get(`/v1/gates/${WORKFLOW}?release=1.4.1`)).toMatchObject({ decision: 'pass', blocking: [] });

    expect((await post('/v1/evaluations', { workflow: WORKFLOW, release: '1.5.0', results: [{ evaluator_id: evaluator.id, passed: false }] })).status).toBe(202);
    const reopened = await eventually(async () => {
      const i = gh.issue(REPO, issue!.number)!;
      return i.state === 'open' && i.labels.includes('regressed') ? i : null;
    }, 20_000);
    expect(reopened).not.toBeNull();
    const gate = await get(`/v1/gates/${WORKFLOW}?release=1.5.0`);
    expect(gate.decision).toBe('block');
    expect(gate.blocking.map((b: any) => b.reason).sort()).toEqual(['failing_evaluator', 'regressed']);
    expect(gate.blocking.find((b: any) => b.reason === 'failing_evaluator').evaluator_id).toBe(evaluator.id);
  }, 120_000);
});
