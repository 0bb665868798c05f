// Timestamps recur takes from senders are RFC 3339 date-times in 1970-9999: anything it could not keep
// exactly (year 1 reads back as 2001) is refused, in LangSmith deliveries and in signals alike.
import { describe, expect, it } from 'vitest';
import { parseEnvelope } from '../../src/ingest/langsmith/envelope.js';
import { parseSignals } from '../../src/ingest/signals/schema.js';
import { timestampSchema, unixSecondsSchema } from '../../src/ingest/timestamps.js';

describe('timestampSchema', () => {
  it.each<[string, boolean]>([
    ['2026-11-21T10:00:00Z', true],
    ['2026-11-21T10:00:00.123456+05:30', true],
    ['1970-01-01T00:00:00Z', true],
    ['9999-12-31T23:59:59Z', true],
    ['2024-02-29T00:00:00Z', true],
    ['0001-01-01T00:00:00Z', false],
    ['0049-06-01T00:00:00Z', false],
    ['1969-12-31T23:59:59Z', false],
    ['1900-01-01T00:00:00Z', false],
    ['2023-02-29T00:00:00Z', false],
    ['2026-11-21T10:00:00', false],
    ['2026-11-21 10:00:00Z', false],
    ['+010000-01-01T00:00:00Z', false],
    ['yesterday', false],
  ])('%s: %s', (value, accepted) => {
    expect(timestampSchema.safeParse(value).success).toBe(accepted);
    // Accepted means kept exactly: JavaScript reads the same instant back from it.
    if (accepted) expect(Number.isNaN(new Date(value).getTime())).toBe(false);
  });

  it.each<[number, boolean]>([
    [0, true],
    [1_779_800_000, true],
    [253_402_300_799, true],
    [253_402_300_800, false],
    [1_779_800_000_000, false],
    [-1, false],
  ])('unix seconds %d: %s', (value, accepted) => {
    expect(unixSecondsSchema.safeParse(value).success).toBe(accepted);
  });
});

const traceAdded = (trace: Record<string, unknown>, created = 1_779_800_000) => ({
  id: 'd-1',
  type: 'issue.trace.added',
  created,
  data: { object: { id: 'i-1', name: 'n', session_name: 's' }, trace: { run_id: 'r', trace_id: 't', ...trace } },
});

describe('dates outside 1970-9999 are refused, never changed', () => {
  it.each<[string, unknown, string | null]>([
    ['a LangSmith trace start_time in year 1', traceAdded({ start_time: '0001-01-01T00:00:00Z' }), 'data.trace.start_time'],
    ['a LangSmith agent run in 1969', { id: 'd', type: 'issue.agent_run.failed', data: { object: { occurred_at: '1969-07-20T20:17:00Z' } } }, 'data.object.occurred_at'],
    ['a LangSmith created in milliseconds', traceAdded({}, 1_779_800_000_000), 'created'],
    ['a LangSmith trace start_time in 2026', traceAdded({ start_time: '2026-11-21T10:00:00Z' }), null],
  ])('%s', (_, body, refusedAt) => {
    const parsed = parseEnvelope(body);
    if (refusedAt === null) expect(parsed.ok).toBe(true);
    else expect(parsed).toEqual({ ok: false, message: expect.stringContaining(refusedAt) });
  });

  const signal = (extra: Record<string, unknown>) => ({ id: 's-1', source: 'eval-ci', workflow: 'w', title: 't', ...extra });
  it.each<[string, unknown, string | null]>([
    ['a signal occurred_at in year 1', signal({ occurred_at: '0001-01-01T00:00:00Z' }), 'signal.occurred_at'],
    ['a signal trace start_time in year 1', signal({ trace: { trace_id: 't', start_time: '0001-01-01T00:00:00Z' } }), 'signal.trace.start_time'],
    ['a signal at the end of 9999', signal({ occurred_at: '9999-12-31T23:59:59Z' }), null],
  ])('%s', (_, body, refusedAt) => {
    const parsed = parseSignals(body);
    if (refusedAt === null) expect(parsed.ok).toBe(true);
    else expect(parsed).toEqual({ ok: false, message: expect.stringContaining(`${refusedAt}: expected an RFC 3339 date-time`) });
  });
});
