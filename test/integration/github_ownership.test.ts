// Ownership decides where a ticket goes and who is on it; GitHub App auth works like a token.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedHeaders } from '../helpers/fixtures.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake_github.js';
import { postLangsmith, settled, startHarness, type Harness } from '../helpers/recur.js';

const issueCreated = (id: string, name: string, project: string) =>
  JSON.stringify({ id: randomUUID(), type: 'issue.created', created: 1779800000, request_id: randomUUID(), data: { object: { id, name, severity: 0, session_name: project } } });

describe('ownership routes tickets, authenticated as a GitHub App', () => {
  let gh: FakeGitHub;
  let h: Harness;
  beforeAll(async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    gh = await startFakeGitHub({ app: { id: '4242', installationId: '99', publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() } });
    h = await startHarness({
      backend: 'pglite',
      env: {
        GITHUB_APP_ID: '4242',
        GITHUB_APP_INSTALLATION_ID: '99',
        GITHUB_APP_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        GITHUB_API_URL: gh.url,
        GITHUB_REPO: 'acme/agents',
        RECUR_GITHUB_WRITE_GAP_MS: '0',
      },
      file: {
        owners: [
          { match: { workflow: 'refund*', boundary: 'downstream_api' }, team: 'acme/payments-oncall', assignees: ['alice'], repo: 'acme/payments', labels: ['payments'] },
          { match: { workflow: 'support-*' }, team: 'acme/agent-platform' },
        ],
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await gh?.close();
  });

  const settle = () => settled(h.services);

  it('sends a matching family to the owner repo with team, assignees and labels', async () => {
    const body = issueCreated('own-1', 'Refund API timed out after 30s', 'refund-agent-prod');
    expect((await postLangsmith(h, body, signedHeaders(body))).status).toBe(202);
    await settle();
    const [issue] = gh.issues('acme/payments');
    expect(issue).toMatchObject({ assignees: ['alice'] });
    expect(issue!.labels).toEqual(expect.arrayContaining(['payments', 'boundary:downstream_api']));
    expect(issue!.labels).not.toContain('needs-owner');
    expect(issue!.body).toContain('Team: @acme/payments-oncall');
    expect(gh.callsTo('POST', /\/app\/installations\/99\/access_tokens$/).length).toBeGreaterThan(0);
  });

  it('uses the first matching rule, and the default repo with needs-owner when none matches', async () => {
    const team = issueCreated('own-2', 'Agent ignores the escalation rules', 'support-triage');
    const nobody = issueCreated('own-3', 'Agent ignores the escalation rules', 'research-bot');
    for (const body of [team, nobody]) expect((await postLangsmith(h, body, signedHeaders(body))).status).toBe(202);
    await settle();
    const issues = gh.issues('acme/agents');
    const support = issues.find((i) => i.title.includes('support-triage'))!;
    const research = issues.find((i) => i.title.includes('research-bot'))!;
    expect(support.body).toContain('Team: @acme/agent-platform');
    expect(support.labels).not.toContain('needs-owner');
    expect(research.labels).toContain('needs-owner');
    expect(research.body).toContain('No ownership rule matched');
  });
});
