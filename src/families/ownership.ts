// Who owns a family: the first recur.yaml `owners` rule whose globs match; no match means the default repo
// and a `needs-owner` label, so an unowned ticket is visible as such.
import picomatch from 'picomatch';
import type { FileConfig } from '../config/file.js';

export interface Ownership {
  team: string | null;
  assignees: string[];
  repo: string | null;
  labels: string[];
  matched: boolean;
}

export interface OwnershipInput {
  workflow: string;
  boundary: string;
  tool?: string | null;
  tenant?: string | null;
}

export const NEEDS_OWNER_LABEL = 'needs-owner';

export function resolveOwnership(rules: FileConfig['owners'], input: OwnershipInput): Ownership {
  for (const rule of rules) {
    const { match } = rule;
    if (!globMatches(match.workflow, input.workflow)) continue;
    if (!globMatches(match.boundary, input.boundary)) continue;
    if (!globMatches(match.tool, input.tool ?? '')) continue;
    if (!globMatches(match.tenant, input.tenant ?? '')) continue;
    return { team: rule.team ?? null, assignees: rule.assignees, repo: rule.repo ?? null, labels: rule.labels, matched: true };
  }
  return { team: null, assignees: [], repo: null, labels: [NEEDS_OWNER_LABEL], matched: false };
}

function globMatches(glob: string | undefined, value: string): boolean {
  return glob === undefined || picomatch.isMatch(value, glob, { nocase: true });
}
