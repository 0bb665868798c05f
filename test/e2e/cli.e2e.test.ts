// `recur gate` as a release pipeline runs it: exit 0 on pass, 1 on block (printing what blocks), 2 on
// any error; plus `recur families` and `recur related`.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedHeaders } from '../helpers/fixtures.js';
import { freePort } from '../helpers/ports.js';
import { counts, eventually, postLangsmith, startHarness, type Harness } from '../helpers/recur.js';

const ROOT = new URL('../../', import.meta.url).pathname;

/** Async, so the server under test (in this process) can answer while the CLI waits. */
function recur(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/recur.js', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

describe('recur CLI', () => {
  let h: Harness;
  let server: ServerType;
  let url: string;
  beforeAll(async () => {
    h = await startHarness({ backend: 'pglite', env: { RECUR_API_TOKENS: 'ci:read+write:cli-token-0123456789' } });
    const port = await freePort();
    server = serve({ fetch: h.app.fetch, port, hostname: '127.0.0.1' });
    url = `http://127.0.0.1:${port}`;
    const body = JSON.stringify({
      id: randomUUID(), type: 'issue.created', created: 1779800000, request_id: randomUUID(),
      data: { object: { id: 'cli-1', name: 'Agent refunds without a policy check', severity: 0, session_name: 'refunds' } },
    });
    expect((await postLangsmith(h, body, signedHeaders(body))).status).toBe(202);
    await eventually(async () => (await counts(h.services)).tickets === 1);
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await h.close();
  });

  const env = () => ({ RECUR_URL: url, RECUR_TOKEN: 'cli-token-0123456789' });

  it('exits 1 and names the blocking family when the gate blocks', async () => {
    const run = await recur(['gate', '--workflow', 'refunds', '--release', '2.0.0'], env());
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('BLOCK: refunds 2.0.0');
    expect(run.stdout).toContain('[sev0] Agent refunds without a policy check (open_family)');
  });

  it('exits 0 when nothing blocks', async () => {
    const run = await recur(['gate', '--workflow', 'another-workflow', '--release', '2.0.0', '--environment', 'prod'], env());
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('PASS: another-workflow 2.0.0 (prod)');
  });

  it.each([
    ['a missing release', ['gate', '--workflow', 'refunds'], {}],
    ['no token', ['gate', '--workflow', 'refunds', '--release', '1'], { RECUR_TOKEN: '' }],
    ['an unreachable server', ['gate', '--workflow', 'refunds', '--release', '1'], { RECUR_URL: 'http://127.0.0.1:9' }],
    ['an unknown command', ['launch'], {}],
  ])('exits 2 on %s', async (_, args, extra) => {
    const run = await recur(args, { ...env(), ...extra });
    expect(run.status).toBe(2);
  });

  it('lists the families like one, and exits 2 for an unknown one', async () => {
    const signals = ['a deferral with a $25 fee: race policy says no deferrals', 'It promised a deferral for a small fee. Nobody at the office agrees.'].map((message, i) => ({
      id: randomUUID(), source: i === 0 ? 'eval-ci' : 'user-feedback', kind: i === 0 ? 'eval_failure' : 'negative_feedback', workflow: 'race-entries',
      title: i === 0 ? 'groundedness: deferral policy' : 'Deferral answer from the chatbot', message, trace: { trace_id: randomUUID() },
    }));
    const res = await h.app.request('/v1/signals', { method: 'POST', body: JSON.stringify({ signals }), headers: { 'content-type': 'application/json', authorization: 'Bearer cli-token-0123456789' } });
    expect(res.status).toBe(202);
    await eventually(async () => (await counts(h.services)).pending === 0);
    const listed = await recur(['families', '--workflow', 'race-entries'], env());
    const id = Object.fromEntries([...listed.stdout.matchAll(/^(\S+) .*? race-entries: (.*)$/gm)].map((m) => [m[2], m[1]]));
    expect(Object.keys(id).sort(), listed.stdout).toEqual(['Deferral answer from the chatbot', 'groundedness: deferral policy']);
    const run = await recur(['related', id['groundedness: deferral policy']!, '--limit', '3'], env());
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^${id['Deferral answer from the chatbot']}  0\\.\\d\\d  watching\\s+1 traces  Deferral answer from the chatbot  \\(shared: .*deferr.*; reported by other sources\\)$`, 'm'));
    expect((await recur(['related', randomUUID()], env())).status).toBe(2);
  });

  it('lists families', async () => {
    const run = await recur(['families', '--status', 'open'], env());
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/sev0\s+open\s+0 traces\s+refunds: Agent refunds without a policy check/);
  });
});
