// Fault drill: replies to /recur commands are never lost and never doubled. The reply is written to the
// outbox in the transaction that applies the command, then posted from the queue through the ledger. GitHub
// answers 502 to the reply (once without doing it, once after doing it), fails every reply for longer than the
// job's retries, and (embedded mode) hangs on one while recur is killed -9: each command ends with one reply.
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
const REPO = 'acme/agents';
const HOOK = 'reply-hook-secret-0123456789';
const GH_TOKEN = 'ghp_replytoken0123456789';
const COMMENTS = /^\/repos\/acme\/agents\/issues\/1\/comments$/;

describe.each([
  { mode: 'pglite' as const, skip: false },
  { mode: 'postgres' as const, skip: !pgUrl },
])('fault drill: GitHub fails the reply to a /recur command ($mode)', ({ mode, skip }) => {
  let gh: FakeGitHub | undefined;
  let service: ServiceProcess | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), `recur-reply-${mode}-`));
  afterAll(async () => {
    await service?.stop();
    await gh?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.skipIf(skip)('posts exactly one reply per command once GitHub recovers, across a kill -9', async () => {
    gh = await startFakeGitHub({ token: GH_TOKEN });
    const fake = gh;
    const db = mode === 'postgres' ? await createDatabase(pgUrl) : null;
    const env: Record<string, string> = {
      ...(db ? { DATABASE_URL: db.url } : {}),
      RECUR_DATA_DIR: dataDir,
      LANGSMITH_WEBHOOK_SECRET: TEST_SECRET,
      GITHUB_TOKEN: GH_TOKEN,
      GITHUB_API_URL: fake.url,
      GITHUB_REPO: REPO,
      GITHUB_WEBHOOK_SECRET: HOOK,
      RECUR_GITHUB_WRITE_GAP_MS: '0',
      RECUR_GITHUB_TIMEOUT_MS: '3000',
      RECUR_TICKET_DELAY_MS: '100',
      RECUR_SWEEP_INTERVAL_MS: '1000',
      // Two tries per job (1 s apart): a longer outage outlasts the job, and only the sweeper brings the reply back.
      RECUR_MAX_ATTEMPTS: '2',
    };
    service = await startService({ env });
    const hook = async (event: string, payload: object) => {
      const body = JSON.stringify(payload);
      const res = await fetch(`${service!.url}/webhooks/github`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': randomUUID(), 'x-hub-signature-256': await sign(HOOK, body) },
      });
      expect(res.status).toBe(202);
    };
    let commentId = 7_000;
    /** A member asks on issue #1; answers the id of the command's comment. */
    const command = async (text: string) => {
      commentId += 1;
      await hook('issue_comment', {
        action: 'created',
        repository: { full_name: REPO },
        issue: { number: 1 },
        comment: { id: commentId, body: text, author_association: 'MEMBER', user: { login: 'alice' } },
      });
      return commentId;
    };
    const replies = (id: number) => fake.issue(REPO, 1)!.comments.filter((c) => c.body.includes(`command:${id} -->`));
    /** recur records the answer in the family's history in the transaction that marks the outbox row done. */
    const answered = async (id: number) => {
      const list = await fetch(`${service!.url}/v1/families`).catch(() => null);
      const familyId = list ? (((await list.json()) as any).items[0]?.id as string | undefined) : undefined;
      if (!familyId) return false;
      const history = ((await (await fetch(`${service!.url}/v1/families/${familyId}`)).json()) as any).history as Array<{ action: string; detail: { answered?: string } }>;
      return history.some((h) => h.action === 'command' && h.detail.answered === `command:${id}`);
    };
    const expectOneReply = async (id: number, what: string, timeoutMs = 20_000) => {
      const svc = service!;
      const startedAt = Date.now();
      // Posted on GitHub, and done in recur (so nothing still in flight could post it again)...
      await eventually(async () => replies(id).length >= 1 && (await answered(id)), timeoutMs, 100, () => ({
        waitingFor: what,
        replies: replies(id).length,
        postCommentAnswers: fake.callsTo('POST', COMMENTS).map((c) => c.status),
        output: svc.output().slice(-3_000),
      }));
      console.log(`[reply drill ${mode}] ${what}: answered ${Date.now() - startedAt} ms after the command`);
      // ...exactly once.
      expect(replies(id), what).toHaveLength(1);
    };

    for (const body of batchDeliveries()) expect((await fetch(`${service.url}/webhooks/langsmith`, { method: 'POST', body, headers: signedHeaders(body) })).status).toBe(202);
    const first = service;
    await eventually(async () => ((await (await fetch(`${first.url}/v1/families`)).json()) as any).items[0]?.ticket?.number === 1, 20_000, 50, () => first.output().slice(-3_000));

    // 1. 502 without doing it: the job's retry posts it.
    fake.fail({ method: 'POST', path: COMMENTS, status: 502 });
    await expectOneReply(await command('/recur severity 1'), '502, not applied');

    // 2. 502 after doing it (the answer was lost): the retry finds the reply by its marker and posts nothing.
    fake.fail({ method: 'POST', path: COMMENTS, status: 502, afterEffect: true });
    await expectOneReply(await command('/recur severity 2'), '502, applied');

    // 3. Every reply fails for 2.5 s, longer than the job's two tries (1 s apart): the sweeper re-drives the outbox row.
    fake.failFor(2_500, { method: 'POST', path: COMMENTS, status: 502 });
    await expectOneReply(await command('/recur severity 3'), 'an outage longer than the job');

    const posts = () => fake.callsTo('POST', COMMENTS).map((c) => c.status);
    if (mode === 'postgres') {
      // The kill is drilled on the embedded mode only: on BullMQ a killed worker's job comes back when its lock
      // lapses (15 s), like every other job, and that wait would be most of this drill.
      console.log(`[reply drill ${mode}] POST comment answers: ${JSON.stringify(posts())}`);
      return;
    }

    // 4. GitHub does it and never answers, and recur is killed meanwhile: after a restart, one reply.
    fake.fail({ method: 'POST', path: COMMENTS, afterEffect: true, hang: true });
    const killed = await command('/recur severity 0');
    await eventually(async () => replies(killed).length === 1, 20_000, 50, () => first.output().slice(-3_000));
    await service.kill();
    service = await startService({ env });
    // The restarted process finishes the outbox row by finding the reply by its marker, and posts nothing.
    await expectOneReply(killed, 'killed while GitHub held the answer');

    console.log(`[reply drill ${mode}] POST comment answers: ${JSON.stringify(posts())}`);
    // Every command answered once on GitHub, whatever GitHub answered recur.
    for (let id = 7_001; id <= commentId; id++) expect(replies(id), `command ${id}`).toHaveLength(1);
  }, 120_000);
});
