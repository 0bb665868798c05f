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

export interface TicketSink {
  readonly provider: TicketProvider;
  create(draft: IssueDraft, familyId: string): Promise<IssueRef>;
  update(ref: IssueRef, draft: IssueDraft): Promise<void>;
  /** Closes the issue, leaving `comment` on it first. */
  close(ref: IssueRef, how: { reason: 'completed' | 'not_planned' | 'duplicate'; comment: string }): Promise<void>;
  /** Finds the issue carrying the family's hidden marker: how an unfinished create is reconciled. */
  findByMarker(repo: string, familyId: string): Promise<IssueRef | null>;
}
