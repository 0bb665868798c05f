// Ticket policy v1: whether a family deserves a ticket now. A pure function of the family and config.
import type { FamilyStatus, Severity } from '../families/types.js';

export interface OpenWhen {
  min_traces: number;
  within: number;
  always_at_severity_lte: number;
}

export interface PolicyInput {
  status: FamilyStatus;
  severity: Severity;
  /** Occurrences of the family (traces, signals) that happened within `open_when.within`. */
  recentOccurrences: number;
  hasTicket: boolean;
}

export type TicketDecision =
  | { action: 'open'; reason: 'severity' | 'recurrence' | 'requested' }
  | { action: 'update' }
  | { action: 'none'; reason: 'ignored' | 'below_threshold' };

export function decideTicket(input: PolicyInput, openWhen: OpenWhen): TicketDecision {
  if (input.hasTicket) return { action: 'update' };
  if (input.status === 'ignored') return { action: 'none', reason: 'ignored' };
  if (input.status === 'open') return { action: 'open', reason: 'requested' };
  if (input.severity <= openWhen.always_at_severity_lte) return { action: 'open', reason: 'severity' };
  if (input.recentOccurrences >= openWhen.min_traces) return { action: 'open', reason: 'recurrence' };
  return { action: 'none', reason: 'below_threshold' };
}
