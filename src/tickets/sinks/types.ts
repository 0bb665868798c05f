// What a ticket destination must do. GitHub and the local store both implement it, so the ledger,
// policy and rendering are the same whichever one is configured.
import type { TicketProvider } from '../../db/schema/index.js';

export interface IssueDraft {
  repo: string;
  title: string;
  body: string;
  labels: string[];
  assignees: string[];
}

export interface IssueRef extends Record<string, unknown> {
  repo: string;
  number: number;
  url: string;
}

export type CloseReason = 'completed' | 'not_planned' | 'duplicate';

export interface CommentReceipt extends Record<string, unknown> {
  commentId: number;
}

export interface TicketSink {
  readonly provider: TicketProvider;
  /** Branches, files and pull requests in a ticket's repo: GitHub only (the local store has no repository). */
  readonly repos?: RepoSink;
  create(draft: IssueDraft, familyId: string): Promise<IssueRef>;
  /**
   * Rewrites title and body, adds the labels and assignees it lacks and removes the recur labels in
   * `previousLabels` that no longer apply; labels and assignees people added stay.
   */
  update(ref: IssueRef, draft: IssueDraft, previousLabels: readonly string[]): Promise<void>;
  /**
   * Leaves `comment` (once: a comment carrying `marker` is not posted again) and closes the issue.
   * Safe to repeat.
   */
  close(ref: IssueRef, how: { reason: CloseReason; comment: string; marker: string }): Promise<void>;
  /** Leaves `comment` once (as for close), reopens the issue and adds `labels`. Safe to repeat. */
  reopen(ref: IssueRef, how: { comment: string; marker: string; labels: string[] }): Promise<void>;
  /** Posts `body` once: a comment already carrying `marker` is not posted again. Answers the comment's id. */
  comment(ref: IssueRef, how: { body: string; marker: string }): Promise<CommentReceipt>;
  /** The comment carrying `marker`, or null: how an unfinished comment is reconciled before it is sent again. */
  findComment(ref: IssueRef, marker: string): Promise<CommentReceipt | null>;
  /** Adds and removes labels (recur's own), without touching the title or body. Safe to repeat. */
  setLabels(ref: IssueRef, change: { add: readonly string[]; remove: readonly string[] }): Promise<void>;
  /** Finds the issue carrying the family's hidden marker: how an unfinished create is reconciled. */
  findByMarker(repo: string, familyId: string): Promise<IssueRef | null>;
  /**
   * The owners file (recur.yaml tickets.codeowners_path) as text, or null when there is none: GitHub reads it
   * from the repo's default branch and keeps it a while; the local store reads it from disk. Throws when it
   * cannot tell (GitHub unreachable): the caller then keeps the owner it had.
   */
  readOwnersFile(repo: string, path: string): Promise<string | null>;
}

/** The hidden marker that makes a comment findable, so a retried operation never posts it twice. */
export function operationMarker(operationKey: string): string {
  return `<!-- recur:op=${operationKey} -->`;
}

export interface PullRequestRef extends Record<string, unknown> {
  repo: string;
  number: number;
  url: string;
  state: 'open' | 'closed' | 'merged';
}

/** A file as the repository holds it: its git blob sha, and its text. */
export interface RepoFile {
  sha: string;
  content: string;
}

/**
 * What recur needs to propose files to a repository. Writes that must not happen twice (a ref, a file
 * write, a pull request) are sent once, without automatic retries; the ledger reconciles by the lookups.
 */
export interface RepoSink {
  defaultBranch(repo: string): Promise<string>;
  /** The commit a branch points at, or null when there is no such branch. */
  getRef(repo: string, branch: string): Promise<{ sha: string } | null>;
  /** Creates the branch at `sha`; a branch that already exists is returned as it is. */
  createRef(repo: string, branch: string, sha: string): Promise<{ sha: string }>;
  /** A file's text on a branch (sent and received base64-encoded), or null when it is not there. */
  getContents(repo: string, path: string, branch: string): Promise<RepoFile | null>;
  /** Creates the file, or replaces it when `sha` (its current blob sha) is given; answers the new blob sha. */
  putContents(repo: string, file: { path: string; branch: string; content: string; message: string; sha?: string }): Promise<{ sha: string }>;
  /** The pull request from `branch` of this repo, in any state (the newest when there are several). */
  findPullRequest(repo: string, branch: string): Promise<PullRequestRef | null>;
  createPullRequest(repo: string, pr: { title: string; body: string; head: string; base: string }): Promise<PullRequestRef>;
}
