// The regression pull request's pure parts: when there is work, and what is proposed (files, title, body).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { ExportInput } from '../../src/evaluators/export.js';
import { planRegressionPullRequest, type PullRequestSituation } from '../../src/evaluators/regression_pr/plan.js';
import { gitBlobSha, pullRequestBody, pullRequestTitle, regressionBranch, regressionFiles, type PullRequestView } from '../../src/evaluators/regression_pr/render.js';
import { closingReferences } from '../../src/ingest/github/commands.js';

const FAMILY = '0d7f6a52-6f1e-4b8a-9d3c-2e1f0a9b8c7d';

describe('planRegressionPullRequest', () => {
  const ready: PullRequestSituation = {
    enabled: true,
    canWrite: true,
    family: { status: 'open', mergedInto: null },
    ticket: { provider: 'github' },
    evaluator: { revision: 3, specDigest: 'd3' },
    pullRequest: null,
  };
  const pr = (over: Partial<NonNullable<PullRequestSituation['pullRequest']>>) => ({ number: 7, state: 'open' as const, specDigest: 'd2', ...over });

  it.each<[string, Partial<PullRequestSituation>, ReturnType<typeof planRegressionPullRequest>]>([
    ['off', { enabled: false }, { action: 'none', reason: 'disabled' }],
    ['local tickets (no repository to write to)', { canWrite: false }, { action: 'none', reason: 'not_github' }],
    ['a ticket made locally before GitHub was configured', { ticket: { provider: 'local' } }, { action: 'none', reason: 'not_github' }],
    ['no ticket yet', { ticket: null }, { action: 'none', reason: 'no_ticket' }],
    ['no evaluator yet', { evaluator: null }, { action: 'none', reason: 'no_evaluator' }],
    ['ignored', { family: { status: 'ignored', mergedInto: null } }, { action: 'none', reason: 'ignored' }],
    ['merged away', { family: { status: 'open', mergedInto: FAMILY } }, { action: 'none', reason: 'merged' }],
    ['missing family', { family: null }, { action: 'none', reason: 'no_family' }],
    ['ticket and evaluator, nothing opened', {}, { action: 'open' }],
    ['branch and files written, pull request not yet', { pullRequest: pr({ number: null, state: null, specDigest: 'd3' }) }, { action: 'open' }],
    ['resolved family still gets its guard', { family: { status: 'resolved', mergedInto: null } }, { action: 'open' }],
    ['open with an older spec', { pullRequest: pr({}) }, { action: 'update' }],
    ['open and current', { pullRequest: pr({ specDigest: 'd3' }) }, { action: 'none', reason: 'up_to_date' }],
    ['merged: never a second one', { pullRequest: pr({ state: 'merged' }) }, { action: 'none', reason: 'closed' }],
    ['closed: never a second one', { pullRequest: pr({ state: 'closed' }) }, { action: 'none', reason: 'closed' }],
  ])('%s', (_name, over, expected) => {
    expect(planRegressionPullRequest({ ...ready, ...over })).toEqual(expected);
  });
});

describe('what the pull request proposes', () => {
  const evaluator: ExportInput = {
    id: '11111111-1111-4111-8111-111111111111',
    familyId: FAMILY,
    workflow: 'refund-agent-prod',
    suite: 'benchmark',
    revision: 2,
    spec: { version: 1, type: 'forbidden_error', tool: 'issue_refund', error_type: 'AuthError', message_pattern: 'token sk-abcdefghijklmnopqrstuvwx rejected for .+?', rationale: 'r' },
    examples: [{ trace_id: 't1', run_id: 'r1', url: 'https://smith.langchain.com/x?api_key=supersecretvalue123', note: 'mail jane.doe@example.com' }],
  };

  it('names the branch and both files after the family', () => {
    expect(regressionBranch('recur/regression-', FAMILY)).toBe(`recur/regression-${FAMILY}`);
    expect(regressionFiles('evals/regressions', evaluator).map((f) => [f.kind, f.path])).toEqual([
      ['json', `evals/regressions/${FAMILY}.json`],
      ['ts', `evals/regressions/${FAMILY}.ts`],
    ]);
  });

  it('writes the evaluator as JSON and TypeScript with secrets and emails redacted, the pattern still a valid regex', () => {
    const [json, ts] = regressionFiles('evals/regressions', evaluator);
    for (const file of [json!, ts!]) {
      expect(file.content).not.toContain('sk-abcdefghijklmnopqrstuvwx');
      expect(file.content).not.toContain('supersecretvalue123');
      expect(file.content).not.toContain('jane.doe@example.com');
    }
    const parsed = JSON.parse(json!.content);
    expect(parsed).toMatchObject({ evaluator_id: evaluator.id, family_id: FAMILY, revision: 2, spec: { type: 'forbidden_error', tool: 'issue_refund' } });
    expect(() => new RegExp(parsed.spec.message_pattern)).not.toThrow();
    expect(ts!.content).toContain(`export const EVALUATOR_ID = "${evaluator.id}";`);
    const clean = regressionFiles('evals', { ...evaluator, spec: { version: 1, type: 'tool_loop', tool: 'lookup_order', max_consecutive: 3, rationale: 'r' }, examples: [] });
    expect(JSON.parse(clean[0]!.content).spec).toEqual({ version: 1, type: 'tool_loop', tool: 'lookup_order', max_consecutive: 3, rationale: 'r' });
  });

  it('knows a file by the blob sha git gives it', () => {
    expect(gitBlobSha('')).toBe('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
    expect(gitBlobSha('hello\n')).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
    const text = 'naïve → ✓\n';
    let fromGit: string | null = null;
    try {
      fromGit = execFileSync('git', ['hash-object', '--stdin'], { input: text }).toString().trim();
    } catch {
      // git not installed: the two fixed vectors above still hold
    }
    if (fromGit) expect(gitBlobSha(text)).toBe(fromGit);
  });

  const view = (title: string): PullRequestView => ({
    family: { id: FAMILY, title, workflow: 'refund-agent-prod' },
    ticket: { number: 12 },
    evaluator: { id: evaluator.id, type: 'forbidden_error', suite: 'benchmark', revision: 2 },
    files: regressionFiles('evals/regressions', evaluator),
  });

  it('refers to the ticket with "Refs #n" and never closes it, whatever the family title says', () => {
    const hostile = view('Fixes #3, closes acme/agents#4, resolves https://github.com/acme/agents/issues/5 @everyone');
    const text = `${pullRequestTitle(hostile)}\n${pullRequestBody(hostile)}`;
    expect(pullRequestBody(hostile)).toMatch(/^Refs #12$/m);
    expect(closingReferences(text, 'acme/agents')).toEqual([]);
    expect(text).not.toMatch(/(^|[^\w])@everyone\b/);
    expect(pullRequestBody(hostile)).toContain(`\`evals/regressions/${FAMILY}.json\``);
    expect(pullRequestBody(hostile)).toContain(`\`evals/regressions/${FAMILY}.ts\``);
    expect(pullRequestTitle(view('Refund flow calls payment API before policy check'))).toBe('Regression evaluator: refund-agent-prod: Refund flow calls payment API before policy check');
  });
});
