import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/config/env.js';
import { ConfigError } from '../../src/config/errors.js';
import { loadFileConfig } from '../../src/config/file.js';
import { loadConfig } from '../../src/config/index.js';

describe('environment', () => {
  it('has the documented defaults', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({ PORT: 3000, HOST: '0.0.0.0', RECUR_DATA_DIR: './.recur', RECUR_MAX_BODY_BYTES: 1_048_576, GITHUB_API_URL: 'https://api.github.com' });
    expect(env.LANGSMITH_WEBHOOK_SECRET).toEqual([]);
    expect(env.RECUR_API_TOKENS).toBeUndefined();
  });

  it('splits rotated secrets and parses scoped tokens', () => {
    const env = parseEnv({
      LANGSMITH_WEBHOOK_SECRET: 'new-secret, old-secret',
      RECUR_API_TOKENS: 'ci:read+write:tok_0123456789abcdef,ops:admin:tok_fedcba9876543210',
    });
    expect(env.LANGSMITH_WEBHOOK_SECRET).toEqual(['new-secret', 'old-secret']);
    expect(env.RECUR_API_TOKENS).toEqual([
      { name: 'ci', scopes: ['read', 'write'], token: 'tok_0123456789abcdef' },
      { name: 'ops', scopes: ['admin'], token: 'tok_fedcba9876543210' },
    ]);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ RECUR_SIGNALS_SECRET: 'plain' }, 'RECUR_SIGNALS_SECRET'],
    [{ RECUR_API_TOKENS: 'ci:fly:tok_0123456789abcdef' }, 'RECUR_API_TOKENS'],
    [{ RECUR_API_TOKENS: 'ci:read:short' }, 'RECUR_API_TOKENS'],
    [{ RECUR_MAX_BODY_BYTES: '-1' }, 'RECUR_MAX_BODY_BYTES'],
    [{ GITHUB_REPO: 'not a repo' }, 'GITHUB_REPO'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('rejects %o naming %s', (source, name) => {
    expect(() => parseEnv(source)).toThrowError(new RegExp(`environment: ${name}: `));
  });

  it('never echoes a secret value in its error', () => {
    try {
      parseEnv({ RECUR_API_TOKENS: 'ci:fly:super-secret-token-value' });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain('super-secret-token-value');
    }
  });
});

describe('recur.yaml', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recur-config-'));
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads the contract example', () => {
    const path = write(
      'good.yaml',
      `tickets:
  repo: acme/agents
  open_when: { min_traces: 3, within: 12h, always_at_severity_lte: 0 }
gate: { block_at_severity_lte: 1, missing_results: pass }
workflows:
  - { match: { langsmith_project: "prod-api" }, workflow: support-agent }
owners:
  - { match: { workflow: "refund*", boundary: downstream_api }, team: acme/payments-oncall, assignees: [alice], repo: acme/payments }
  - { match: { workflow: "*" }, team: acme/agent-platform }
boundaries:
  - { match: "rate limit|429|timed out", boundary: downstream_api }
`,
    );
    const config = loadFileConfig(path, true);
    expect(config.tickets).toEqual({ repo: 'acme/agents', open_when: { min_traces: 3, within: 12 * 3_600_000, always_at_severity_lte: 0 } });
    expect(config.owners[0]).toMatchObject({ team: 'acme/payments-oncall', assignees: ['alice'], repo: 'acme/payments' });
    expect(config.boundaries[0]!.match.test('HTTP 429 from stripe')).toBe(true);
  });

  it('fills defaults for an empty file', () => {
    const config = loadFileConfig(write('empty.yaml', ''), true);
    expect(config.tickets.open_when).toEqual({ min_traces: 2, within: 86_400_000, always_at_severity_lte: 0 });
    expect(config.gate).toEqual({ block_at_severity_lte: 1, missing_results: 'pass' });
    expect(config.evaluators).toEqual({ pull_requests: { enabled: false, path: 'evals/regressions', branch_prefix: 'recur/regression-' } });
  });

  it('reads an owners rule that matches the signal kind', () => {
    const path = write('kind.yaml', 'owners:\n  - { match: { kind: "{eval_failure,guardrail}", workflow: "support*" }, team: acme/quality }\n');
    expect(loadFileConfig(path, true).owners[0]!.match).toEqual({ kind: '{eval_failure,guardrail}', workflow: 'support*' });
  });

  it('reads the regression pull request option', () => {
    const path = write('prs.yaml', 'evaluators:\n  pull_requests: { enabled: true, path: .github/evals, branch_prefix: bots/recur- }\n');
    expect(loadFileConfig(path, true).evaluators.pull_requests).toEqual({ enabled: true, path: '.github/evals', branch_prefix: 'bots/recur-' });
  });

  it('reads the owners file path, in the repository or on disk, and has none by default', () => {
    expect(loadFileConfig(write('owners-none.yaml', ''), true).tickets.codeowners_path).toBeUndefined();
    expect(loadFileConfig(write('owners-repo.yaml', 'tickets: { codeowners_path: .github/RECUR_OWNERS }\n'), true).tickets.codeowners_path).toBe('.github/RECUR_OWNERS');
    expect(loadFileConfig(write('owners-disk.yaml', 'tickets: { codeowners_path: /etc/recur/OWNERS }\n'), true).tickets.codeowners_path).toBe('/etc/recur/OWNERS');
  });

  it.each([
    ['tickets: { codeowners_path: ../CODEOWNERS }\n', 'tickets.codeowners_path'],
    ['tickets: { codeowners_path: "owners file" }\n', 'tickets.codeowners_path'],
    ['tickets:\n  open_when: { min_traces: two }\n', 'tickets.open_when.min_traces'],
    ['tickets:\n  open_when: { within: soon }\n', 'tickets.open_when.within'],
    ['gate: { block_at_severity_lte: 9 }\n', 'gate.block_at_severity_lte'],
    ['gate: { missing_results: maybe }\n', 'gate.missing_results'],
    ['tickets: { repo: "no slash" }\n', 'tickets.repo'],
    ['boundaries:\n  - { match: "(", boundary: prompt }\n', 'boundaries.0.match'],
    ['boundaries:\n  - { match: "x", boundary: vibes }\n', 'boundaries.0.boundary'],
    ['owners:\n  - { match: { workflow: x }, assignees: alice }\n', 'owners.0.assignees'],
    ['owners:\n  - { match: { kind: tool-error }, team: acme/x }\n', 'owners.0.match.kind'],
    ['tickets: { repoo: acme/agents }\n', 'tickets'],
    ['evaluators:\n  pull_requests: { enabled: yes please }\n', 'evaluators.pull_requests.enabled'],
    ['evaluators:\n  pull_requests: { path: ../outside }\n', 'evaluators.pull_requests.path'],
    ['evaluators:\n  pull_requests: { path: /abs/evals }\n', 'evaluators.pull_requests.path'],
    ['evaluators:\n  pull_requests: { branch_prefix: "bad..name" }\n', 'evaluators.pull_requests.branch_prefix'],
    ['evaluators:\n  pull_request: { enabled: true }\n', 'evaluators'],
  ])('names the key in %j', (text, key) => {
    const path = write(`bad-${key}.yaml`, text);
    expect(() => loadFileConfig(path, true)).toThrowError(ConfigError);
    expect(() => loadFileConfig(path, true)).toThrowError(`${path}: ${key}`);
  });

  it('reports YAML syntax errors with the file and line', () => {
    const path = write('syntax.yaml', 'tickets:\n  repo: [unclosed\n');
    expect(() => loadFileConfig(path, true)).toThrowError(new RegExp(`${path}: line \\d+`));
  });

  it('requires an explicit RECUR_CONFIG to exist, but not the default file', () => {
    expect(() => loadConfig({ RECUR_CONFIG: join(dir, 'missing.yaml') })).toThrowError(/file not found/);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(loadConfig({}).file.tickets.open_when.min_traces).toBe(2);
    } finally {
      process.chdir(cwd);
    }
  });
});
