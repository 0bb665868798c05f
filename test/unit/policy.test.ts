import { describe, expect, it } from 'vitest';
import { decideTicket, type PolicyInput } from '../../src/tickets/policy.js';

const openWhen = { min_traces: 2, within: 86_400_000, always_at_severity_lte: 0 };
const base: PolicyInput = { status: 'watching', severity: 2, recentOccurrences: 0, hasTicket: false };

describe('decideTicket', () => {
  it.each<[string, Partial<PolicyInput>, ReturnType<typeof decideTicket>]>([
    ['one trace at sev2 waits', { recentOccurrences: 1 }, { action: 'none', reason: 'below_threshold' }],
    ['no traces at sev2 waits', {}, { action: 'none', reason: 'below_threshold' }],
    ['two recent traces open', { recentOccurrences: 2 }, { action: 'open', reason: 'recurrence' }],
    ['many recent traces open', { recentOccurrences: 40 }, { action: 'open', reason: 'recurrence' }],
    ['sev0 opens with no trace', { severity: 0 }, { action: 'open', reason: 'severity' }],
    ['sev1 with one trace waits', { severity: 1, recentOccurrences: 1 }, { action: 'none', reason: 'below_threshold' }],
    ['an ignored family never opens', { status: 'ignored', severity: 0, recentOccurrences: 9 }, { action: 'none', reason: 'ignored' }],
    ['a family with a ticket updates it', { hasTicket: true }, { action: 'update' }],
    ['a family someone set to open gets its ticket below the thresholds', { status: 'open', recentOccurrences: 0, severity: 3 }, { action: 'open', reason: 'requested' }],
    ['a ticketed ignored family still updates its ticket', { hasTicket: true, status: 'ignored' }, { action: 'update' }],
  ])('%s', (_, input, expected) => {
    expect(decideTicket({ ...base, ...input }, openWhen)).toEqual(expected);
  });

  it('follows the configured thresholds', () => {
    const strict = { min_traces: 5, within: 3_600_000, always_at_severity_lte: 1 };
    expect(decideTicket({ ...base, recentOccurrences: 4 }, strict)).toEqual({ action: 'none', reason: 'below_threshold' });
    expect(decideTicket({ ...base, recentOccurrences: 5 }, strict)).toEqual({ action: 'open', reason: 'recurrence' });
    expect(decideTicket({ ...base, severity: 1 }, strict)).toEqual({ action: 'open', reason: 'severity' });
  });
});
