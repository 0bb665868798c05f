// A CODEOWNERS-style file that names who owns a family: GitHub's syntax (`pattern @user @org/team`, comments,
// the last matching line wins), where a pattern is a prompt path or names a tool, workflow or boundary
// (`tool:stripe_*`, `workflow:refund-agent`, `boundary:permission`). Pure: reading and caching the file is the caller's.
import picomatch from 'picomatch';

export type CodeownersTarget = 'tool' | 'workflow' | 'boundary' | 'path';

export interface CodeownersRule {
  /** 1-based line in the file. */
  line: number;
  /** The pattern as written, prefix included: `tool:stripe_*`, `prompts/refund/**`. */
  pattern: string;
  target: CodeownersTarget;
  /** `@user`, `@org/team` or an email, as written; empty means the line clears ownership. */
  owners: string[];
  matches: (value: string) => boolean;
}

export interface CodeownersFile {
  /** The name reasons use: "CODEOWNERS line 7: ...". */
  name: string;
  rules: CodeownersRule[];
  /** Lines GitHub would skip as invalid, with why; the other lines still apply. */
  errors: { line: number; message: string }[];
}

export interface CodeownersSubject {
  workflow: string;
  tool?: string | null;
  boundary?: string | null;
  /** The prompt file the family's workflow runs, relative to the repository root. */
  promptPath?: string | null;
}

export interface CodeownersMatch {
  owners: string[];
  line: number;
  pattern: string;
  /** "CODEOWNERS line 7: tool:stripe_* @acme/payments", or "... (no owners)" for a line that clears ownership. */
  reason: string;
}

const PREFIXES: readonly CodeownersTarget[] = ['tool', 'workflow', 'boundary'];
const USER_OR_TEAM = /^@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export function parseCodeowners(text: string, name = 'CODEOWNERS'): CodeownersFile {
  const rules: CodeownersRule[] = [];
  const errors: CodeownersFile['errors'] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = index + 1;
    // A `#` starts a comment at the start of a line or after whitespace; "#" inside a token is kept.
    const content = raw.replace(/(?:^|\s)#.*$/, '').trim();
    if (content === '') continue;
    const [pattern, ...owners] = content.split(/\s+/) as [string, ...string[]];
    const problem = patternProblem(pattern) ?? ownersProblem(owners);
    if (problem !== null) {
      errors.push({ line, message: problem });
      continue;
    }
    const prefix = PREFIXES.find((p) => pattern.toLowerCase().startsWith(`${p}:`));
    const target: CodeownersTarget = prefix ?? 'path';
    const glob = prefix ? pattern.slice(prefix.length + 1) : pattern;
    if (glob === '') {
      errors.push({ line, message: `"${pattern}" names no ${prefix}` });
      continue;
    }
    rules.push({ line, pattern, target, owners, matches: prefix ? nameMatcher(glob) : pathMatcher(glob) });
  }
  return { name, rules, errors };
}

/** GitHub documents these gitignore features as not working in CODEOWNERS; it skips such lines. */
function patternProblem(pattern: string): string | null {
  if (pattern.startsWith('!')) return `"${pattern}": negation with ! is not supported`;
  if (/[[\]]/.test(pattern)) return `"${pattern}": character ranges with [ ] are not supported`;
  if (pattern.startsWith('\\#')) return `"${pattern}": escaping # is not supported`;
  return null;
}

function ownersProblem(owners: readonly string[]): string | null {
  const bad = owners.find((o) => !USER_OR_TEAM.test(o) && !EMAIL.test(o));
  return bad === undefined ? null : `"${bad}" is not an owner: expected @user, @org/team or an email address`;
}

/** Tool, workflow and boundary names: the glob covers the whole name, case-insensitively like recur.yaml owners. */
function nameMatcher(glob: string): (value: string) => boolean {
  const isMatch = picomatch(glob, { nocase: true, dot: true });
  return (value) => value !== '' && isMatch(value);
}

/**
 * Paths follow gitignore as GitHub applies it: a leading or inner `/` anchors the pattern at the root, else it
 * matches at any depth; a pattern naming a directory owns everything under it; `*` stays within one directory
 * (`docs/*` owns `docs/a.md`, not `docs/a/b.md`) and `**` crosses them. Paths are case-sensitive, as on GitHub.
 */
function pathMatcher(pattern: string): (value: string) => boolean {
  const directoryOnly = pattern.endsWith('/');
  const trimmed = pattern.replace(/\/+$/, '');
  const anchored = trimmed.startsWith('/') || trimmed.includes('/');
  const base = trimmed.replace(/^\/+/, '');
  const rooted = anchored ? base : `**/${base}`;
  // A literal last segment may name a directory and so owns what is under it; a wildcard one names files only.
  const literalLast = !/[*?]/.test(base.split('/').at(-1) ?? '');
  const globs = directoryOnly ? [`${rooted}/**`] : literalLast ? [rooted, `${rooted}/**`] : [rooted];
  const isMatch = picomatch(globs, { dot: true });
  return (value) => {
    const path = value.replace(/^\.?\/+/, '');
    return path !== '' && isMatch(path);
  };
}

/** The last line matching any of the subject's names wins, as on GitHub; null when no line matches. */
export function resolveCodeowners(file: CodeownersFile, subject: CodeownersSubject): CodeownersMatch | null {
  const values: Record<CodeownersTarget, string | null | undefined> = {
    tool: subject.tool,
    workflow: subject.workflow,
    boundary: subject.boundary,
    path: subject.promptPath,
  };
  for (let i = file.rules.length - 1; i >= 0; i--) {
    const rule = file.rules[i]!;
    const value = values[rule.target];
    if (value === null || value === undefined || !rule.matches(value)) continue;
    const said = rule.owners.length > 0 ? `${rule.pattern} ${rule.owners.join(' ')}` : `${rule.pattern} (no owners)`;
    return { owners: rule.owners, line: rule.line, pattern: rule.pattern, reason: `${file.name} line ${rule.line}: ${said}` };
  }
  return null;
}
