import { describe, expect, it } from 'vitest';
import { decideTicketState, statusLabelChange, type TicketStateInput } from '../../src/tickets/ticket_state.js';

type Family = TicketStateInput['family'];
type Ticket = TicketStateInput['ticket'];
const family = (f: Partial<Family>): Family => ({ status: 'open', liveEpoch: 1, mergedInto: null, ...f });
const ticket = (t: Partial<Ticket>): Ticket => ({ state: 'open', liveEpoch: 1, ...t });

describe('decideTicketState', () => {
  it.each<[string, Partial<Family>, Partial<Ticket>, ReturnType<typeof decideTicketState>]>([
    ['an open family with its open issue: nothing', {}, {}, { action: 'none' }],
    ['regressed after GitHub closed it on "Fixes #n" (recur saw the close)', { status: 'regressed', liveEpoch: 3 }, { state: 'closed', liveEpoch: 1 }, { action: 'reopen', epoch: 3, because: 'turned' }],
    ['regressed while recur still believes the issue open (the close never reached it)', { status: 'regressed', liveEpoch: 3 }, { state: 'open', liveEpoch: 1 }, { action: 'reopen', epoch: 3, because: 'turned' }],
    ['set back to open after being ignored', { status: 'open', liveEpoch: 5 }, { state: 'closed', liveEpoch: 4 }, { action: 'reopen', epoch: 5, because: 'turned' }],
    ['fixing counts as live', { status: 'fixing', liveEpoch: 2 }, { state: 'open', liveEpoch: 0 }, { action: 'reopen', epoch: 2, because: 'turned' }],
    ['already reopened for this turn: nothing', { status: 'regressed', liveEpoch: 3 }, { state: 'open', liveEpoch: 3 }, { action: 'none' }],
    ['live, this turn sent, but the issue was closed since (as a duplicate, then unmerged): reopen again', { status: 'open', liveEpoch: 3 }, { state: 'closed', liveEpoch: 3 }, { action: 'reopen', epoch: 3, because: 'mismatch' }],
    ['ignored: closed as not planned', { status: 'ignored', liveEpoch: 2 }, { state: 'open', liveEpoch: 1 }, { action: 'close_ignored', epoch: 2, because: 'turned' }],
    ['ignored while recur believes it closed: closed anyway (a missed reopen)', { status: 'ignored', liveEpoch: 4 }, { state: 'closed', liveEpoch: 3 }, { action: 'close_ignored', epoch: 4, because: 'turned' }],
    ['ignored, this turn sent, yet recur knows it open again: closed again', { status: 'ignored', liveEpoch: 4 }, { state: 'open', liveEpoch: 4 }, { action: 'close_ignored', epoch: 4, because: 'mismatch' }],
    ['ignored, closed by a person as not planned (event seen): nothing', { status: 'ignored', liveEpoch: 2 }, { state: 'closed', liveEpoch: 2 }, { action: 'none' }],
    ['resolved: GitHub or a person closes it, never recur', { status: 'resolved', liveEpoch: 2 }, { state: 'open', liveEpoch: 1 }, { action: 'none' }],
    ['resolved and closed: nothing', { status: 'resolved', liveEpoch: 2 }, { state: 'closed', liveEpoch: 1 }, { action: 'none' }],
    ['merged into another family: closed as its duplicate', { mergedInto: 'f-2', status: 'open' }, { state: 'open' }, { action: 'close_duplicate', into: 'f-2' }],
    ['merged, and already closed: nothing (a person reopening it is not overruled)', { mergedInto: 'f-2', liveEpoch: 9 }, { state: 'closed', liveEpoch: 1 }, { action: 'none' }],
  ])('%s', (_, f, t, expected) => {
    expect(decideTicketState({ family: family(f), ticket: ticket(t) })).toEqual(expected);
  });
});

describe('statusLabelChange', () => {
  it.each<[string, Family['status'], string[], ReturnType<typeof statusLabelChange>]>([
    ['regressed without the label: add it', 'regressed', ['recur', 'sev:1'], { add: ['regressed'], remove: [] }],
    ['regressed with it: nothing', 'regressed', ['recur', 'regressed'], { add: [], remove: [] }],
    ['resolved again: the label goes', 'resolved', ['recur', 'regressed'], { add: [], remove: ['regressed'] }],
    ['set to open from regressed: the label goes', 'open', ['regressed'], { add: [], remove: ['regressed'] }],
    ['open without it: nothing', 'open', ['recur'], { add: [], remove: [] }],
  ])('%s', (_, status, labels, expected) => {
    expect(statusLabelChange(status, labels)).toEqual(expected);
  });
});
