// recur.yaml (docs/contract.md section 8): ticket policy, gate policy, workflow mapping, owners, boundary rules.
import { existsSync, readFileSync } from 'node:fs';
import picomatch from 'picomatch';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { BOUNDARIES, SIGNAL_KINDS } from '../families/types.js';
import { parseDuration } from './duration.js';
import { ConfigError, describeIssues } from './errors.js';

const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like 30s, 15m, 24h or 7d, got "${text}"` });
    return z.NEVER;
  }
  return ms;
});

const severity = z.number().int('expected an integer from 0 to 3').min(0, 'expected 0 to 3').max(3, 'expected 0 to 3');
const repo = z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected owner/name');
const regex = z.string().transform((text, ctx) => {
  try {
    return new RegExp(text, 'i');
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `expected a regular expression: ${(err as Error).message}` });
    return z.NEVER;
  }
});

/** A signal kind or a glob over kinds (`"{eval_failure,guardrail}"`): one that matches no kind is a typo. */
const kindGlob = z.string().refine((glob) => SIGNAL_KINDS.some((kind) => picomatch.isMatch(kind, glob, { nocase: true })), {
  message: `expected a signal kind or a glob matching one: ${SIGNAL_KINDS.join(', ')}`,
});

/** A folder inside a repository: relative, `/`-separated, no `.` or `..` parts. */
const repoPath = z
  .string()
  .regex(/^(?!.*(?:^|\/)\.{1,2}(?:\/|$))[\w.-]+(?:\/[\w.-]+)*$/, 'expected a relative folder like evals/regressions (letters, digits, . _ - and /)');
/**
 * A file in the ticket repository (a leading `/` is its root), or for the local ticket store a file on disk
 * (absolute, or relative to the working directory).
 */
const ownersFile = z
  .string()
  .regex(/^\/?(?!.*(?:^|\/)\.{1,2}(?:\/|$))[\w.-]+(?:\/[\w.-]+)*$/, 'expected a file path like .github/RECUR_OWNERS (letters, digits, . _ - and /, no . or .. parts)');
/** The start of a git branch name; the family id completes it. */
const branchPrefix = z
  .string()
  .regex(/^(?![-/.])(?!.*(?:\.\.|\/\/|\/\.|\.lock\/))[\w./-]{1,100}$/, 'expected the start of a branch name like recur/regression- (letters, digits, . _ - and /)');

export const fileSchema = z.strictObject({
  tickets: z
    .strictObject({
      repo: repo.optional(),
      /**
       * A CODEOWNERS-style file naming owners by tool, workflow, boundary or prompt path, read after the
       * `owners` rules: in the ticket repository through the GitHub API (cached 10 minutes), or from disk
       * for the local ticket store (read at each ticket sync). Unset: no file is read.
       */
      codeowners_path: ownersFile.optional(),
      open_when: z
        .strictObject({
          min_traces: z.number().int().min(1, 'expected at least 1').default(2),
          within: duration.default(24 * 3_600_000),
          always_at_severity_lte: severity.default(0),
        })
        .prefault({}),
    })
    .prefault({}),
  gate: z
    .strictObject({
      block_at_severity_lte: severity.default(1),
      missing_results: z.enum(['pass', 'block']).default('pass'),
    })
    .prefault({}),
  workflows: z
    .array(
      z.strictObject({
        match: z.strictObject({ langsmith_project: z.string().optional(), source: z.string().optional() }),
        workflow: z.string().min(1),
      }),
    )
    .default([]),
  owners: z
    .array(
      z.strictObject({
        match: z.strictObject({
          workflow: z.string().optional(),
          boundary: z.string().optional(),
          tool: z.string().optional(),
          kind: kindGlob.optional(),
          tenant: z.string().optional(),
        }),
        team: z.string().optional(),
        assignees: z.array(z.string()).default([]),
        repo: repo.optional(),
        labels: z.array(z.string()).default([]),
      }),
    )
    .default([]),
  boundaries: z.array(z.strictObject({ match: regex, boundary: z.enum(BOUNDARIES) })).default([]),
  evaluators: z
    .strictObject({
      /** A pull request per ticketed family adding its evaluator to the ticket's repo (GitHub only). */
      pull_requests: z
        .strictObject({
          enabled: z.boolean('expected true or false').default(false),
          path: repoPath.default('evals/regressions'),
          branch_prefix: branchPrefix.default('recur/regression-'),
        })
        .prefault({}),
    })
    .prefault({}),
});

export type FileConfig = z.output<typeof fileSchema>;

export function defaultFileConfig(): FileConfig {
  return fileSchema.parse({});
}

/** Reads and validates the config file; `explicit` paths must exist, the default one may be absent. */
export function loadFileConfig(path: string, explicit: boolean): FileConfig {
  if (!existsSync(path)) {
    if (explicit) throw new ConfigError(`invalid configuration\n  ${path}: file not found (RECUR_CONFIG)`);
    return defaultFileConfig();
  }
  const doc = parseDocument(readFileSync(path, 'utf8'));
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => `  ${path}: line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`);
    throw new ConfigError(`invalid configuration\n${lines.join('\n')}`);
  }
  const result = fileSchema.safeParse(doc.toJS() ?? {});
  if (!result.success) throw new ConfigError(describeIssues(path, result.error));
  return result.data;
}
