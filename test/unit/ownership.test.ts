import { describe, expect, it } from 'vitest';
import { fileSchema, type FileConfig } from '../../src/config/file.js';
import { parseCodeowners } from '../../src/families/codeowners.js';
import { NEEDS_OWNER_LABEL, resolveOwnership, type OwnershipInput } from '../../src/families/ownership.js';

function owners(rules: unknown[]): FileConfig['owners'] {
  return fileSchema.parse({ owners: rules }).owners;
}

const RULES = owners([
  { match: { workflow: 'refund*', boundary: 'downstream_api' }, team: 'acme/payments-oncall', assignees: ['alice'], repo: 'acme/payments' },
  { match: { workflow: 'support-agent', kind: '{eval_failure,negative_feedback}' }, team: 'acme/quality' },
  { match: { tool: 'stripe_*', kind: 'tool_error' }, team: 'acme/payments', labels: ['stripe'] },
  { match: { tenant: 'bigco' }, team: 'acme/enterprise' },
  { match: {}, team: 'acme/agent-platform' },
]);

const base: OwnershipInput = { workflow: 'sales-copilot', boundary: 'prompt' };

describe('resolveOwnership: recur.yaml rules', () => {
  it.each<[string, OwnershipInput, string, string]>([
    ['workflow and boundary', { workflow: 'refund-agent', boundary: 'downstream_api' }, 'acme/payments-oncall', 'recur.yaml owners[0]: workflow refund*, boundary downstream_api'],
    ['workflow and kind', { workflow: 'support-agent', boundary: 'prompt', kind: 'eval_failure' }, 'acme/quality', 'recur.yaml owners[1]: workflow support-agent, kind {eval_failure,negative_feedback}'],
    ['tool and kind', { ...base, tool: 'stripe_refund', kind: 'tool_error' }, 'acme/payments', 'recur.yaml owners[2]: tool stripe_*, kind tool_error'],
    ['kind matches case-insensitively', { ...base, tool: 'stripe_refund', kind: 'TOOL_ERROR' }, 'acme/payments', 'recur.yaml owners[2]: tool stripe_*, kind tool_error'],
    ['a kind rule does not match another kind', { ...base, tool: 'stripe_refund', kind: 'timeout' }, 'acme/agent-platform', 'recur.yaml owners[4]: every family'],
    ['a kind rule does not match a family without a kind', { workflow: 'support-agent', boundary: 'prompt' }, 'acme/agent-platform', 'recur.yaml owners[4]: every family'],
    ['tenant', { ...base, tenant: 'bigco' }, 'acme/enterprise', 'recur.yaml owners[3]: tenant bigco'],
    ['the first match wins', { workflow: 'refund-agent', boundary: 'downstream_api', tool: 'stripe_refund', kind: 'tool_error' }, 'acme/payments-oncall', 'recur.yaml owners[0]: workflow refund*, boundary downstream_api'],
  ])('%s', (_, input, team, reason) => {
    expect(resolveOwnership(RULES, input)).toMatchObject({ team, matched: true, reason });
  });

  it('keeps the rule repo, assignees and labels', () => {
    expect(resolveOwnership(RULES, { ...base, tool: 'stripe_refund', kind: 'tool_error' })).toEqual({
      team: 'acme/payments',
      assignees: [],
      repo: null,
      labels: ['stripe'],
      matched: true,
      reason: 'recur.yaml owners[2]: tool stripe_*, kind tool_error',
    });
  });

  it('falls back to needs-owner, with no reason, when nothing matches', () => {
    expect(resolveOwnership(RULES.slice(0, 4), base)).toEqual({ team: null, assignees: [], repo: null, labels: [NEEDS_OWNER_LABEL], matched: false, reason: null });
  });
});

describe('resolveOwnership: CODEOWNERS', () => {
  const codeowners = parseCodeowners(
    ['workflow:refund-agent @acme/refunds', 'tool:stripe_* @acme/payments @acme/finance @bob docs@acme.io', 'tool:stripe_legacy_*', 'prompts/sales/** @carol'].join('\n'),
  );

  it('is read when no recur.yaml rule matches', () => {
    expect(resolveOwnership([], { workflow: 'refund-agent', boundary: 'prompt' }, codeowners)).toEqual({
      team: 'acme/refunds',
      assignees: [],
      repo: null,
      labels: [],
      matched: true,
      reason: 'CODEOWNERS line 1: workflow:refund-agent @acme/refunds',
    });
  });

  it('gives the first team as the team and users as assignees', () => {
    expect(resolveOwnership([], { workflow: 'x', boundary: 'prompt', tool: 'stripe_refund' }, codeowners)).toMatchObject({
      team: 'acme/payments',
      assignees: ['bob'],
      reason: 'CODEOWNERS line 2: tool:stripe_* @acme/payments @acme/finance @bob docs@acme.io',
    });
  });

  it('owns by prompt path', () => {
    expect(resolveOwnership([], { workflow: 'sales-copilot', boundary: 'prompt', promptPath: 'prompts/sales/draft.md' }, codeowners)).toMatchObject({
      team: null,
      assignees: ['carol'],
      matched: true,
    });
  });

  it('comes after recur.yaml rules', () => {
    expect(resolveOwnership(RULES, { workflow: 'refund-agent', boundary: 'prompt' }, codeowners).reason).toBe('recur.yaml owners[4]: every family');
  });

  it('leaves a family unowned when its line has no owners, saying which line', () => {
    expect(resolveOwnership([], { workflow: 'refund-agent', boundary: 'prompt', tool: 'stripe_legacy_charge' }, codeowners)).toEqual({
      team: null,
      assignees: [],
      repo: null,
      labels: [NEEDS_OWNER_LABEL],
      matched: false,
      reason: 'CODEOWNERS line 3: tool:stripe_legacy_* (no owners)',
    });
  });
});
