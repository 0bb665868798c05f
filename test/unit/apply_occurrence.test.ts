import { describe, expect, it } from 'vitest';
import { applyOccurrence, type FamilyState } from '../../src/families/assign.js';

const open: FamilyState = { severity: 2, status: 'open', fixStatus: 'none', fixRelease: null };
const resolved: FamilyState = { severity: 2, status: 'resolved', fixStatus: 'released', fixRelease: '1.4.1' };
const base = { created: false, traceAdded: false, counts: true, eventId: 'evt-1' };

describe('applyOccurrence', () => {
  it('a new family with a trace records the trace and needs its ticket', () => {
    const out = applyOccurrence(open, { ...base, severity: 2, created: true, traceAdded: true, trace: { traceId: 't1', runId: 'r1' } });
    expect(out.history).toEqual([{ action: 'trace_added', detail: { trace_id: 't1', run_id: 'r1', event_id: 'evt-1' } }]);
    expect(out.ticketDirty).toBe(true);
    expect(out.severityRaised).toBe(false);
  });

  it('a more severe occurrence raises the family and dirties the ticket; a milder one changes nothing', () => {
    const raised = applyOccurrence(open, { ...base, severity: 0 });
    expect(raised.family.severity).toBe(0);
    expect(raised.history).toEqual([{ action: 'severity_raised', detail: { from: 2, to: 0, event_id: 'evt-1' } }]);
    expect(raised.ticketDirty).toBe(true);

    const milder = applyOccurrence(open, { ...base, severity: 3 });
    expect(milder.family).toEqual(open);
    expect(milder.history).toEqual([]);
    expect(milder.ticketDirty).toBe(false);
  });

  it('an occurrence on a release at or after the fix regresses a resolved family', () => {
    const out = applyOccurrence(resolved, { ...base, severity: 2, release: '1.5.0', trace: { traceId: 't9', runId: 'r9' } });
    expect(out.regressed).toBe(true);
    expect(out.family.status).toBe('regressed');
    expect(out.history).toEqual([{ action: 'regressed', detail: { event_id: 'evt-1', trace_id: 't9', release: '1.5.0' } }]);
    expect(out.ticketDirty).toBe(true);
  });

  it('an occurrence from a release older than the fix is noted, not a regression', () => {
    const out = applyOccurrence(resolved, { ...base, severity: 2, release: '1.4.0' });
    expect(out.regressed).toBe(false);
    expect(out.family.status).toBe('resolved');
    expect(out.history).toEqual([{ action: 'seen_after_fix', detail: { event_id: 'evt-1', reason: 'older_release', release: '1.4.0' } }]);
  });

  it('evidence that does not count as an occurrence never regresses', () => {
    const out = applyOccurrence(resolved, { ...base, severity: 2, counts: false, release: '1.5.0' });
    expect(out.regressed).toBe(false);
    expect(out.history).toEqual([]);
  });
});
