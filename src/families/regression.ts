// Whether a new occurrence of a resolved family is a regression. Not when the fix is merged but no
// release carries it yet, and not when the occurrence comes from a release older than the one that
// carried the fix (when both versions parse as semver): those are the false regressions people complain
// about. Otherwise it is: the failure came back.
import semver from 'semver';
import type { FamilyStatus, FixStatus } from './types.js';

export interface RegressionInput {
  status: FamilyStatus;
  fixStatus: FixStatus;
  fixRelease: string | null;
  occurrenceRelease: string | undefined;
}

export type RegressionDecision =
  | { regressed: true }
  | { regressed: false; reason: 'not_resolved' | 'fix_not_released' | 'older_release' };

export function decideRegression(input: RegressionInput): RegressionDecision {
  if (input.status !== 'resolved') return { regressed: false, reason: 'not_resolved' };
  if (input.fixStatus === 'merged') return { regressed: false, reason: 'fix_not_released' };
  const fixed = version(input.fixRelease);
  const seen = version(input.occurrenceRelease);
  if (input.fixStatus === 'released' && fixed && seen && semver.lt(seen, fixed)) return { regressed: false, reason: 'older_release' };
  return { regressed: true };
}

function version(text: string | null | undefined): string | null {
  if (!text) return null;
  return semver.valid(semver.clean(text, { loose: true }) ?? '') ?? null;
}
