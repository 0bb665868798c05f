import { describe, expect, it } from 'vitest';
import { parseCodeowners, resolveCodeowners, type CodeownersSubject } from '../../src/families/codeowners.js';

const FILE = `# Who owns recur's tickets.
*                        @acme/agent-platform
workflow:refund-agent    @acme/refunds
workflow:support-*       @acme/support @dana
tool:stripe_*            @acme/payments
boundary:permission      @acme/security    # access problems go to security first
tool:stripe_legacy_*
prompts/refund/**        @acme/refund-prompts
docs/*                   docs@acme.io
/prompts/shared/         @acme/prompt-guild
evals/                   @erin
`;

describe('parseCodeowners', () => {
  it('reads patterns, owners and line numbers, skipping comments and blank lines', () => {
    const file = parseCodeowners(FILE);
    expect(file.errors).toEqual([]);
    expect(file.rules.map((r) => [r.line, r.target, r.pattern, r.owners])).toEqual([
      [2, 'path', '*', ['@acme/agent-platform']],
      [3, 'workflow', 'workflow:refund-agent', ['@acme/refunds']],
      [4, 'workflow', 'workflow:support-*', ['@acme/support', '@dana']],
      [5, 'tool', 'tool:stripe_*', ['@acme/payments']],
      [6, 'boundary', 'boundary:permission', ['@acme/security']],
      [7, 'tool', 'tool:stripe_legacy_*', []],
      [8, 'path', 'prompts/refund/**', ['@acme/refund-prompts']],
      [9, 'path', 'docs/*', ['docs@acme.io']],
      [10, 'path', '/prompts/shared/', ['@acme/prompt-guild']],
      [11, 'path', 'evals/', ['@erin']],
    ]);
  });

  it.each([
    ['!prompts/secret.md @acme/x', 'negation with ! is not supported'],
    ['prompts/[ab].md @acme/x', 'character ranges with [ ] are not supported'],
    ['\\#notes.md @acme/x', 'escaping # is not supported'],
    ['tool:stripe_* acme/payments', '"acme/payments" is not an owner'],
    ['tool:stripe_* @', '"@" is not an owner'],
    ['tool: @acme/payments', '"tool:" names no tool'],
  ])('skips the invalid line %j, as GitHub does, and says why', (line, message) => {
    const file = parseCodeowners(`tool:* @acme/everyone\n${line}\n`);
    expect(file.rules.map((r) => r.line)).toEqual([1]);
    expect(file.errors).toEqual([{ line: 2, message: expect.stringContaining(message) }]);
  });

  it('reads CRLF files', () => {
    expect(parseCodeowners('tool:a @x\r\ntool:b @y\r\n').rules.map((r) => r.owners)).toEqual([['@x'], ['@y']]);
  });
});

describe('resolveCodeowners', () => {
  const file = parseCodeowners(FILE);

  it.each<[string, CodeownersSubject, string[] | null, string | null]>([
    ['the catch-all path line does not own a family without a prompt path', { workflow: 'sales-copilot' }, null, null],
    ['a workflow line', { workflow: 'refund-agent' }, ['@acme/refunds'], 'CODEOWNERS line 3: workflow:refund-agent @acme/refunds'],
    ['a workflow glob', { workflow: 'support-agent' }, ['@acme/support', '@dana'], 'CODEOWNERS line 4: workflow:support-* @acme/support @dana'],
    ['a later tool line beats an earlier workflow line', { workflow: 'refund-agent', tool: 'stripe_refund' }, ['@acme/payments'], 'CODEOWNERS line 5: tool:stripe_* @acme/payments'],
    ['a later boundary line beats both', { workflow: 'refund-agent', tool: 'stripe_refund', boundary: 'permission' }, ['@acme/security'], 'CODEOWNERS line 6: boundary:permission @acme/security'],
    ['a line without owners clears ownership', { workflow: 'refund-agent', tool: 'stripe_legacy_charge' }, [], 'CODEOWNERS line 7: tool:stripe_legacy_* (no owners)'],
    ['tool names match case-insensitively', { workflow: 'x', tool: 'Stripe_Refund' }, ['@acme/payments'], 'CODEOWNERS line 5: tool:stripe_* @acme/payments'],
    ['a prompt path under a ** pattern', { workflow: 'x', promptPath: 'prompts/refund/v2/system.md' }, ['@acme/refund-prompts'], 'CODEOWNERS line 8: prompts/refund/** @acme/refund-prompts'],
    ['a leading ./ in the prompt path', { workflow: 'x', promptPath: './prompts/refund/system.md' }, ['@acme/refund-prompts'], 'CODEOWNERS line 8: prompts/refund/** @acme/refund-prompts'],
    ['docs/* owns direct children', { workflow: 'x', promptPath: 'docs/tone.md' }, ['docs@acme.io'], 'CODEOWNERS line 9: docs/* docs@acme.io'],
    ['docs/* does not own nested files: the catch-all does', { workflow: 'x', promptPath: 'docs/a/tone.md' }, ['@acme/agent-platform'], 'CODEOWNERS line 2: * @acme/agent-platform'],
    ['an anchored directory owns what is under it', { workflow: 'x', promptPath: 'prompts/shared/x/y.md' }, ['@acme/prompt-guild'], 'CODEOWNERS line 10: /prompts/shared/ @acme/prompt-guild'],
    ['an anchored directory only at the root', { workflow: 'x', promptPath: 'apps/prompts/shared/y.md' }, ['@acme/agent-platform'], 'CODEOWNERS line 2: * @acme/agent-platform'],
    ['an unanchored directory at any depth', { workflow: 'x', promptPath: 'agents/refund/evals/case.yaml' }, ['@erin'], 'CODEOWNERS line 11: evals/ @erin'],
    ['paths are case-sensitive', { workflow: 'x', promptPath: 'Prompts/Refund/system.md' }, ['@acme/agent-platform'], 'CODEOWNERS line 2: * @acme/agent-platform'],
  ])('%s', (_, subject, owners, reason) => {
    const match = resolveCodeowners(file, subject);
    expect(match?.owners ?? null).toEqual(owners);
    expect(match?.reason ?? null).toBe(reason);
  });

  it('names the file it read in the reason', () => {
    const named = parseCodeowners('tool:stripe_* @acme/payments\n', '.github/CODEOWNERS');
    expect(resolveCodeowners(named, { workflow: 'x', tool: 'stripe_refund' })?.reason).toBe('.github/CODEOWNERS line 1: tool:stripe_* @acme/payments');
  });

  it('matches nothing in an empty file', () => {
    expect(resolveCodeowners(parseCodeowners('# nothing yet\n'), { workflow: 'x', tool: 'y', boundary: 'prompt', promptPath: 'a.md' })).toBeNull();
  });
});
