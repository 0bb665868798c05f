// Whether a ticket's issue must be reopened or closed, and which labels go with the family's status: pure
// decisions over the family and what recur last brought the issue to. They never wait for the body-edit
// interval, and they do not trust the state as recur last saw it: GitHub closes an issue itself when
// a pull request says "Fixes #12", and the `issues` event saying so may never come.
import type { FamilyStatus } from '../families/types.js';

export const LIVE_STATUSES: ReadonlySet<FamilyStatus> = new Set(['open', 'fixing', 'regressed']);

export interface TicketStateInput {
  /** `liveEpoch`: bumped each time the status turned live or stopped being live (see schema/families.ts). */
  family: { status: FamilyStatus; liveEpoch: number; mergedInto: string | null };
  /** `state`: as recur last saw it; `liveEpoch`: the family epoch the state was last brought to. */
  ticket: { state: 'open' | 'closed'; liveEpoch: number };
}

/**
 * `because`: `turned` when the family turned since the state was last brought to it (one operation per
 * turn), `mismatch` when it did not but recur's copy of the issue disagrees (closed as a duplicate, then the
 * merge undone): that is its own operation, told apart by when the copy last changed.
 */
export type TicketStateChange =
  | { action: 'none' }
  /** Sent for each turn to live, whatever state recur saw last: reopening an open issue changes nothing. */
  | { action: 'reopen'; epoch: number; because: 'turned' | 'mismatch' }
  | { action: 'close_ignored'; epoch: number; because: 'turned' | 'mismatch' }
  | { action: 'close_duplicate'; into: string };

export function decideTicketState({ family, ticket }: TicketStateInput): TicketStateChange {
  // A duplicate is closed once; a person who reopens it on GitHub is not overruled.
  if (family.mergedInto) return ticket.state === 'open' ? { action: 'close_duplicate', into: family.mergedInto } : { action: 'none' };
  const turned = ticket.liveEpoch < family.liveEpoch;
  if (LIVE_STATUSES.has(family.status)) {
    if (turned) return { action: 'reopen', epoch: family.liveEpoch, because: 'turned' };
    return ticket.state === 'closed' ? { action: 'reopen', epoch: family.liveEpoch, because: 'mismatch' } : { action: 'none' };
  }
  if (family.status === 'ignored') {
    if (turned) return { action: 'close_ignored', epoch: family.liveEpoch, because: 'turned' };
    return ticket.state === 'open' ? { action: 'close_ignored', epoch: family.liveEpoch, because: 'mismatch' } : { action: 'none' };
  }
  // Resolved: closed on GitHub by a person or a merged fix, never by recur.
  return { action: 'none' };
}

/** The labels a status carries on the issue: `regressed` while the family is regressed, and only then. */
export function statusLabelChange(status: FamilyStatus, labels: readonly string[]): { add: string[]; remove: string[] } {
  const wanted = status === 'regressed';
  const has = labels.includes('regressed');
  if (wanted && !has) return { add: ['regressed'], remove: [] };
  if (!wanted && has) return { add: [], remove: ['regressed'] };
  return { add: [], remove: [] };
}
