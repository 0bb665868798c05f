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

export interface TicketSink {
  readonly provider: TicketProvider;
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
  /** Posts `body` once: a comment already carrying `marker` is not posted again. */
  comment(ref: IssueRef, how: { body: string; marker: string }): Promise<void>;
  /** Finds the issue carrying the family's hidden marker: how an unfinished create is reconciled. */
  findByMarker(repo: string, familyId: string): Promise<IssueRef | null>;
}

/** The hidden marker that makes a comment findable, so a retried operation never posts it twice. */
export function operationMarker(operationKey: string): string {
  return `<!-- recur:op=${operationKey} -->`;
}
