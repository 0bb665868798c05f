// Tickets as GitHub issues. Writes that must not happen twice (creating an issue, posting a comment) are
// sent without automatic retries: an ambiguous failure fails the job, and its next attempt goes through
// the ledger, which looks for the issue's hidden marker (or the comment's) before sending anything again.
import { LRUCache } from 'lru-cache';
import type { GitHubClient } from './github_client.js';
import { familyMarker } from '../render.js';
import type { CloseReason, CommentReceipt, IssueDraft, IssueRef, PullRequestRef, RepoSink, TicketSink } from './types.js';

const NO_RETRY = { request: { retries: 0 } } as const;
/** How far back reconciliation looks for an issue recur may have created without recording it. */
const RECONCILE_PAGES = 3;
/** How long an owners file read from GitHub is used before it is read again: edits show up within this. */
export const OWNERS_FILE_TTL_MS = 10 * 60_000;
/** Largest owners file read: GitHub's own CODEOWNERS limit is 3 MB; recur's files are far smaller. */
const OWNERS_FILE_MAX_BYTES = 1_000_000;

const LABEL_COLORS: Array<[RegExp, string, string]> = [
  [/^sev:0$/, 'b60205', 'recur: urgent'],
  [/^sev:1$/, 'd93f0b', 'recur: high severity'],
  [/^sev:2$/, 'fbca04', 'recur: medium severity'],
  [/^sev:3$/, 'c2e0c6', 'recur: low severity'],
  [/^boundary:/, '5319e7', 'recur: suspected failure boundary'],
  [/^workflow:/, '1d76db', 'recur: agent workflow'],
  [/^regressed$/, 'e11d21', 'recur: came back after it was resolved'],
  [/^needs-owner$/, 'f9d0c4', 'recur: no ownership rule matched'],
  [/^recur$/, '0e8a16', 'Opened and kept in sync by recur'],
];

/** Labels recur manages: it adds and removes these, and never touches any other. */
export function isRecurLabel(name: string): boolean {
  return /^(recur|regressed|needs-owner|sev:\d|boundary:.+|workflow:.+)$/.test(name);
}

function splitRepo(repo: string): { owner: string; repo: string } {
  const [owner, name] = repo.split('/');
  return { owner: owner!, repo: name! };
}

function status(err: unknown): number | undefined {
  return (err as { status?: number })?.status;
}

export function createGitHubSink(client: GitHubClient, opts: { ownersFileTtlMs?: number } = {}): TicketSink {
  // One check per label per process, shared by concurrent syncs that need the same label.
  const labelChecks = new Map<string, Promise<void>>();
  // An absent file is remembered too (as ''), so a repo without one costs one request per interval.
  const ownersFiles = new LRUCache<string, string>({ max: 200, ttl: opts.ownersFileTtlMs ?? OWNERS_FILE_TTL_MS });
  const ownersReads = new Map<string, Promise<string>>();

  const fetchOwnersFile = async (repo: string, path: string): Promise<string> => {
    try {
      const { data } = await client.rest.repos.getContent({ ...splitRepo(repo), path: path.replace(/^\/+/, '') });
      if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) return '';
      const text = Buffer.from(data.content, 'base64').toString('utf8');
      return text.length > OWNERS_FILE_MAX_BYTES ? '' : text;
    } catch (err) {
      if (status(err) === 404) return '';
      throw err;
    }
  };

  const ensureLabel = async (repo: string, name: string) => {
    try {
      await client.rest.issues.getLabel({ ...splitRepo(repo), name });
    } catch (err) {
      if (status(err) !== 404) throw err;
      const [, color, description] = LABEL_COLORS.find(([pattern]) => pattern.test(name)) ?? [/./, 'ededed', 'recur'];
      try {
        await client.rest.issues.createLabel({ ...splitRepo(repo), name, color, description });
      } catch (createErr) {
        if (status(createErr) !== 422) throw createErr;
      }
    }
  };

  const ensureLabels = async (repo: string, labels: readonly string[]) => {
    await Promise.all(
      labels.map((name) => {
        const cacheKey = `${repo}\u0000${name}`;
        let check = labelChecks.get(cacheKey);
        if (!check) {
          check = ensureLabel(repo, name).catch((err) => {
            labelChecks.delete(cacheKey);
            throw err;
          });
          labelChecks.set(cacheKey, check);
        }
        return check;
      }),
    );
  };

  const findComment = async (ref: IssueRef, marker: string): Promise<CommentReceipt | null> => {
    const comments = await client.paginate(client.rest.issues.listComments, { ...splitRepo(ref.repo), issue_number: ref.number, per_page: 100 });
    const found = comments.find((c) => c.body?.includes(marker));
    return found ? { commentId: found.id } : null;
  };

  const commentOnce = async (ref: IssueRef, body: string, marker: string): Promise<CommentReceipt> => {
    const found = await findComment(ref, marker);
    if (found) return found;
    const { data } = await client.rest.issues.createComment({ ...splitRepo(ref.repo), issue_number: ref.number, body: `${body}\n\n${marker}`, ...NO_RETRY });
    return { commentId: data.id };
  };

  const removeLabel = async (where: { owner: string; repo: string; issue_number: number }, name: string) => {
    try {
      await client.rest.issues.removeLabel({ ...where, name });
    } catch (err) {
      if (status(err) !== 404) throw err;
    }
  };

  return {
    provider: 'github',
    repos: createGitHubRepoSink(client),

    async create(draft: IssueDraft): Promise<IssueRef> {
      await ensureLabels(draft.repo, draft.labels);
      const { data } = await client.rest.issues.create({
        ...splitRepo(draft.repo),
        title: draft.title,
        body: draft.body,
        labels: draft.labels,
        assignees: draft.assignees,
        ...NO_RETRY,
      });
      return { repo: draft.repo, number: data.number, url: data.html_url };
    },

    async update(ref: IssueRef, draft: IssueDraft, previousLabels: readonly string[]) {
      const where = { ...splitRepo(ref.repo), issue_number: ref.number };
      await client.rest.issues.update({ ...where, title: draft.title, body: draft.body });
      const added = draft.labels.filter((l) => !previousLabels.includes(l));
      if (added.length > 0) {
        await ensureLabels(ref.repo, added);
        await client.rest.issues.addLabels({ ...where, labels: added });
      }
      for (const name of previousLabels.filter((l) => isRecurLabel(l) && !draft.labels.includes(l))) await removeLabel(where, name);
      if (draft.assignees.length > 0) await client.rest.issues.addAssignees({ ...where, assignees: draft.assignees });
    },

    async close(ref: IssueRef, how: { reason: CloseReason; comment: string; marker: string }) {
      await commentOnce(ref, how.comment, how.marker);
      await client.rest.issues.update({
        ...splitRepo(ref.repo),
        issue_number: ref.number,
        state: 'closed',
        // GitHub's API knows "completed", "not_planned" and "duplicate" as reasons for closing.
        state_reason: how.reason as 'completed' | 'not_planned',
      });
    },

    async reopen(ref: IssueRef, how: { comment: string; marker: string; labels: string[] }) {
      await commentOnce(ref, how.comment, how.marker);
      const where = { ...splitRepo(ref.repo), issue_number: ref.number };
      await client.rest.issues.update({ ...where, state: 'open', state_reason: 'reopened' });
      if (how.labels.length > 0) {
        await ensureLabels(ref.repo, how.labels);
        await client.rest.issues.addLabels({ ...where, labels: how.labels });
      }
    },

    async comment(ref: IssueRef, how: { body: string; marker: string }) {
      return commentOnce(ref, how.body, how.marker);
    },

    findComment,

    async setLabels(ref: IssueRef, change: { add: readonly string[]; remove: readonly string[] }) {
      const where = { ...splitRepo(ref.repo), issue_number: ref.number };
      if (change.add.length > 0) {
        await ensureLabels(ref.repo, change.add);
        await client.rest.issues.addLabels({ ...where, labels: [...change.add] });
      }
      for (const name of change.remove) await removeLabel(where, name);
    },

    async readOwnersFile(repo: string, path: string) {
      const key = `${repo.toLowerCase()}\u0000${path}`;
      const cached = ownersFiles.get(key);
      if (cached !== undefined) return cached === '' ? null : cached;
      // Concurrent syncs share one request.
      let reading = ownersReads.get(key);
      if (!reading) {
        reading = fetchOwnersFile(repo, path)
          .then((text) => {
            ownersFiles.set(key, text);
            return text;
          })
          .finally(() => ownersReads.delete(key));
        ownersReads.set(key, reading);
      }
      const text = await reading;
      return text === '' ? null : text;
    },

    async findByMarker(repo: string, familyId: string) {
      const marker = familyMarker(familyId);
      for (let page = 1; page <= RECONCILE_PAGES; page++) {
        const { data } = await client.rest.issues.listForRepo({ ...splitRepo(repo), labels: 'recur', state: 'all', sort: 'created', direction: 'desc', per_page: 100, page });
        const found = data.find((issue) => !issue.pull_request && issue.body?.includes(marker));
        if (found) return { repo, number: found.number, url: found.html_url };
        if (data.length < 100) break;
      }
      return null;
    },
  };
}

/** Branches, files and pull requests, for the optional regression pull request (see evaluators/regression_pr). */
export function createGitHubRepoSink(client: GitHubClient): RepoSink {
  const getRef = async (repo: string, branch: string) => {
    try {
      const { data } = await client.rest.git.getRef({ ...splitRepo(repo), ref: `heads/${branch}` });
      return { sha: data.object.sha };
    } catch (err) {
      if (status(err) === 404) return null;
      throw err;
    }
  };

  const findPullRequest = async (repo: string, branch: string): Promise<PullRequestRef | null> => {
    const where = splitRepo(repo);
    // `head` must be `owner:branch`: GitHub ignores a bare branch name and lists every pull request.
    const { data } = await client.rest.pulls.list({ ...where, head: `${where.owner}:${branch}`, state: 'all', sort: 'created', direction: 'desc', per_page: 100 });
    const found = data.find((pr) => pr.head.ref === branch);
    if (!found) return null;
    return { repo, number: found.number, url: found.html_url, state: found.merged_at ? 'merged' : found.state === 'open' ? 'open' : 'closed' };
  };

  return {
    async defaultBranch(repo) {
      const { data } = await client.rest.repos.get(splitRepo(repo));
      return data.default_branch;
    },

    getRef,

    async createRef(repo, branch, sha) {
      try {
        const { data } = await client.rest.git.createRef({ ...splitRepo(repo), ref: `refs/heads/${branch}`, sha, ...NO_RETRY });
        return { sha: data.object.sha };
      } catch (err) {
        // "Reference already exists": made by an earlier attempt whose answer was lost.
        if (status(err) !== 422) throw err;
        const existing = await getRef(repo, branch);
        if (!existing) throw err;
        return existing;
      }
    },

    async getContents(repo, path, branch) {
      try {
        const { data } = await client.rest.repos.getContent({ ...splitRepo(repo), path, ref: branch });
        if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) throw new Error(`${repo}/${path} on ${branch} is not a file`);
        return { sha: data.sha, content: Buffer.from(data.content, 'base64').toString('utf8') };
      } catch (err) {
        if (status(err) === 404) return null;
        throw err;
      }
    },

    async putContents(repo, file) {
      const { data } = await client.rest.repos.createOrUpdateFileContents({
        ...splitRepo(repo),
        path: file.path,
        branch: file.branch,
        message: file.message,
        content: Buffer.from(file.content, 'utf8').toString('base64'),
        ...(file.sha ? { sha: file.sha } : {}),
        ...NO_RETRY,
      });
      if (!data.content?.sha) throw new Error(`GitHub answered no sha for ${repo}/${file.path}`);
      return { sha: data.content.sha };
    },

    findPullRequest,

    async createPullRequest(repo, pr) {
      try {
        const { data } = await client.rest.pulls.create({ ...splitRepo(repo), title: pr.title, body: pr.body, head: pr.head, base: pr.base, ...NO_RETRY });
        return { repo, number: data.number, url: data.html_url, state: 'open' };
      } catch (err) {
        // "A pull request already exists for owner:branch": opened by an attempt whose answer was lost.
        if (status(err) !== 422) throw err;
        const existing = await findPullRequest(repo, pr.head);
        if (!existing) throw err;
        return existing;
      }
    },
  };
}
