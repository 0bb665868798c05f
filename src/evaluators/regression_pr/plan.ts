// Whether a family's regression pull request needs work, and which: a pure decision over what recur
// knows (the family, its ticket, its evaluator, the pull request so far).
import type { PullRequestState } from '../../db/schema/index.js';
import type { FamilyStatus } from '../../families/types.js';

export interface PullRequestSituation {
  enabled: boolean;
  /** The ticket sink can write to repositories (GitHub). */
  canWrite: boolean;
  family: { status: FamilyStatus; mergedInto: string | null } | null;
  ticket: { provider: string } | null;
  /** `specDigest` changes with what the evaluator checks and where it runs, not with new example traces. */
  evaluator: { revision: number; specDigest: string } | null;
  pullRequest: { number: number | null; state: PullRequestState | null; specDigest: string | null } | null;
}

export type PullRequestPlan =
  | { action: 'open' }
  | { action: 'update' }
  | { action: 'none'; reason: 'disabled' | 'not_github' | 'no_family' | 'merged' | 'ignored' | 'no_ticket' | 'no_evaluator' | 'closed' | 'up_to_date' };

export function planRegressionPullRequest(s: PullRequestSituation): PullRequestPlan {
  if (!s.enabled) return { action: 'none', reason: 'disabled' };
  if (!s.canWrite) return { action: 'none', reason: 'not_github' };
  if (!s.family) return { action: 'none', reason: 'no_family' };
  if (s.family.mergedInto) return { action: 'none', reason: 'merged' };
  if (s.family.status === 'ignored') return { action: 'none', reason: 'ignored' };
  if (!s.ticket) return { action: 'none', reason: 'no_ticket' };
  if (s.ticket.provider !== 'github') return { action: 'none', reason: 'not_github' };
  if (!s.evaluator) return { action: 'none', reason: 'no_evaluator' };
  const pr = s.pullRequest;
  if (!pr || pr.number === null) return { action: 'open' };
  // Never a second pull request: once it is merged or closed, recur leaves the files to the repo's people.
  if (pr.state !== 'open') return { action: 'none', reason: 'closed' };
  if (pr.specDigest === s.evaluator.specDigest) return { action: 'none', reason: 'up_to_date' };
  return { action: 'update' };
}
