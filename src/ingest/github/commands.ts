// Parsing what people write in GitHub that recur acts on: closing references in pull requests
// ("Fixes #12", "closes acme/agents#12"), reverts ("Reverts acme/agents#31"), and /recur commands.
import { BOUNDARIES, type Boundary, type Severity } from '../../families/types.js';

export interface IssueReference {
  repo: string;
  number: number;
}

const CLOSING = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+(?:([\w.-]+\/[\w.-]+))?#(\d+)\b/gi;
const CLOSING_URL = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+https:\/\/github\.com\/([\w.-]+\/[\w.-]+)\/issues\/(\d+)\b/gi;

/** The issues a pull request closes by GitHub's closing keywords; `repo` defaults to the PR's own. */
export function closingReferences(text: string, defaultRepo: string): IssueReference[] {
  const refs = new Map<string, IssueReference>();
  for (const pattern of [CLOSING, CLOSING_URL]) {
    for (const m of text.matchAll(pattern)) {
      const ref = { repo: (m[1] ?? defaultRepo).toLowerCase(), number: Number(m[2]) };
      refs.set(`${ref.repo}#${ref.number}`, ref);
    }
  }
  return [...refs.values()];
}

/** GitHub's revert button writes `Reverts owner/repo#31` in the body of a PR titled `Revert "…"`. */
export function revertedPullRequest(title: string, body: string, defaultRepo: string): IssueReference | null {
  if (!/^Revert\b/i.test(title.trim())) return null;
  const m = /\bReverts\s+(?:([\w.-]+\/[\w.-]+))?#(\d+)\b/i.exec(body);
  return m ? { repo: (m[1] ?? defaultRepo).toLowerCase(), number: Number(m[2]) } : null;
}

export type RecurCommand =
  | { command: 'ignore' }
  | { command: 'severity'; severity: Severity }
  | { command: 'boundary'; boundary: Boundary }
  | { command: 'merge'; number: number }
  | { command: 'invalid'; message: string };

const USAGE = 'expected one of: `/recur ignore`, `/recur severity <0-3>`, `/recur boundary <b>`, `/recur merge #<n>`';

/** The first `/recur …` line of a comment, or null when there is none. */
export function parseRecurCommand(body: string): RecurCommand | null {
  const line = body.split('\n').map((l) => l.trim()).find((l) => /^\/recur\b/i.test(l));
  if (!line) return null;
  const [, verb = '', arg = '', ...rest] = line.split(/\s+/);
  if (rest.length > 0) return { command: 'invalid', message: USAGE };
  switch (verb.toLowerCase()) {
    case 'ignore':
      return arg ? { command: 'invalid', message: USAGE } : { command: 'ignore' };
    case 'severity':
      return /^[0-3]$/.test(arg) ? { command: 'severity', severity: Number(arg) as Severity } : { command: 'invalid', message: 'severity: expected 0 (urgent) to 3 (low)' };
    case 'boundary':
      return (BOUNDARIES as readonly string[]).includes(arg)
        ? { command: 'boundary', boundary: arg as Boundary }
        : { command: 'invalid', message: `boundary: expected one of ${BOUNDARIES.join(', ')}` };
    case 'merge': {
      const m = /^#?(\d+)$/.exec(arg);
      return m ? { command: 'merge', number: Number(m[1]) } : { command: 'invalid', message: 'merge: expected `/recur merge #<issue number>`' };
    }
    default:
      return { command: 'invalid', message: USAGE };
  }
}

/** Who may command recur from a comment: people with a stake in the repository. */
export const TRUSTED_ASSOCIATIONS = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);
