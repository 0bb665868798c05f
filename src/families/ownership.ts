// Who owns a family, and why: the first recur.yaml `owners` rule whose globs match, else the last matching
// line of a CODEOWNERS-style file when one is given; no match means the default repo and a `needs-owner`
// label, so an unowned ticket is visible as such.
import picomatch from 'picomatch';
import type { FileConfig } from '../config/file.js';
import { resolveCodeowners, type CodeownersFile } from './codeowners.js';

export interface Ownership {
  team: string | null;
  assignees: string[];
  repo: string | null;
  labels: string[];
  matched: boolean;
  /**
   * Which rule decided, for the ticket's Owner section: "recur.yaml owners[2]: workflow refund*, boundary
   * downstream_api" or "CODEOWNERS line 7: tool:stripe_* @acme/payments". Null when nothing matched.
   */
  reason: string | null;
}

export interface OwnershipInput {
  workflow: string;
  boundary: string;
  tool?: string | null;
  tenant?: string | null;
  kind?: string | null;
  /** The prompt file the workflow runs, for CODEOWNERS path patterns. */
  promptPath?: string | null;
}

export const NEEDS_OWNER_LABEL = 'needs-owner';

type OwnerRule = FileConfig['owners'][number];

/** The match keys in the order a reason names them. */
const MATCH_KEYS = ['workflow', 'boundary', 'tool', 'kind', 'tenant'] as const;

export function resolveOwnership(rules: FileConfig['owners'], input: OwnershipInput, codeowners: CodeownersFile | null = null): Ownership {
  for (const [index, rule] of rules.entries()) {
    if (!ruleMatches(rule, input)) continue;
    return { team: rule.team ?? null, assignees: rule.assignees, repo: rule.repo ?? null, labels: rule.labels, matched: true, reason: `recur.yaml owners[${index}]: ${describeMatch(rule)}` };
  }
  const line = codeowners ? resolveCodeowners(codeowners, input) : null;
  if (line && line.owners.length > 0) {
    const teams = line.owners.filter((o) => /^@[^/]+\/.+$/.test(o)).map((o) => o.slice(1));
    const users = line.owners.filter((o) => /^@[^/]+$/.test(o)).map((o) => o.slice(1));
    // GitHub assigns people, not teams or emails: the first team is the family's team, users are assignees.
    return { team: teams[0] ?? null, assignees: users, repo: null, labels: [], matched: true, reason: line.reason };
  }
  // A CODEOWNERS line without owners deliberately leaves the family unowned; its reason says so.
  return { team: null, assignees: [], repo: null, labels: [NEEDS_OWNER_LABEL], matched: false, reason: line?.reason ?? null };
}

function ruleMatches(rule: OwnerRule, input: OwnershipInput): boolean {
  const { match } = rule;
  return (
    globMatches(match.workflow, input.workflow) &&
    globMatches(match.boundary, input.boundary) &&
    globMatches(match.tool, input.tool ?? '') &&
    globMatches(match.kind, input.kind ?? '') &&
    globMatches(match.tenant, input.tenant ?? '')
  );
}

function describeMatch(rule: OwnerRule): string {
  const parts = MATCH_KEYS.filter((key) => rule.match[key] !== undefined).map((key) => `${key} ${rule.match[key]}`);
  return parts.length > 0 ? parts.join(', ') : 'every family';
}

function globMatches(glob: string | undefined, value: string): boolean {
  return glob === undefined || picomatch.isMatch(value, glob, { nocase: true });
}
