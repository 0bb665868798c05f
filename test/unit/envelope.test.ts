import { describe, expect, it } from 'vitest';
import { parseEnvelope } from '../../src/ingest/langsmith/envelope.js';
import { normalizeLangsmith } from '../../src/ingest/langsmith/normalize.js';
import { fixtureText } from '../helpers/fixtures.js';

const fixture = (name: string) => JSON.parse(fixtureText(name)) as Record<string, any>;
const created = fixture('issue-created.json');
const traceAdded = fixture('issue-trace-added-3.json');
const runFailed = fixture('issue-agent-run-failed.json');

const without = (obj: Record<string, any>, path: string[]) => {
  const copy = structuredClone(obj);
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key];
  delete at[path[path.length - 1]!];
  return copy;
};
const withValue = (obj: Record<string, any>, path: string[], value: unknown) => {
  const copy = structuredClone(obj);
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key];
  at[path[path.length - 1]!] = value;
  return copy;
};

describe('parseEnvelope accepts', () => {
  it.each([
    ['issue.created', created],
    ['issue.trace.added', traceAdded],
    ['issue.agent_run.failed', runFailed],
  ])('%s fixtures as known types', (_, body) => {
    const parsed = parseEnvelope(body);
    expect(parsed).toMatchObject({ ok: true, known: true });
  });

  it('an unknown type as well-formed but unknown', () => {
    expect(parseEnvelope({ ...created, type: 'issue.resolved' })).toMatchObject({ ok: true, known: false });
  });

  it('and keeps unknown fields', () => {
    const parsed = parseEnvelope(withValue(created, ['data', 'object', 'new_field'], { nested: 1 }));
    expect(parsed.ok && (parsed.envelope.data as any).object.new_field).toEqual({ nested: 1 });
  });
});

describe('parseEnvelope rejects', () => {
  it.each([
    ['a JSON array', [created], ''],
    ['null', null, ''],
    ['a missing id', without(created, ['id']), 'id'],
    ['a numeric id', withValue(created, ['id'], 42), 'id'],
    ['an empty id', withValue(created, ['id'], ''), 'id'],
    ['a missing type', without(created, ['type']), 'type'],
    ['a missing data', without(created, ['data']), 'data'],
    ['data that is a string', withValue(created, ['data'], 'x'), 'data'],
    ['issue.created without object.id', without(created, ['data', 'object', 'id']), 'data.object.id'],
    ['issue.created without a name', without(created, ['data', 'object', 'name']), 'data.object.name'],
    ['a severity of 7', withValue(created, ['data', 'object', 'severity'], 7), 'data.object.severity'],
    ['a string severity', withValue(created, ['data', 'object', 'severity'], 'high'), 'data.object.severity'],
    ['no session_name (no workflow)', without(created, ['data', 'object', 'session_name']), 'data.object.session_name'],
    ['trace.added without trace', without(traceAdded, ['data', 'trace']), 'data.trace'],
    ['trace.added without trace_id', without(traceAdded, ['data', 'trace', 'trace_id']), 'data.trace.trace_id'],
    ['a non-date start_time', withValue(traceAdded, ['data', 'trace', 'start_time'], 'yesterday'), 'data.trace.start_time'],
    ['an oversized name', withValue(created, ['data', 'object', 'name'], 'x'.repeat(1001)), 'data.object.name'],
    ['agent_run.failed with a numeric status', withValue(runFailed, ['data', 'object', 'status'], 500), 'data.object.status'],
  ])('%s', (_, body, path) => {
    const parsed = parseEnvelope(body);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok && path) expect(parsed.message.startsWith(path)).toBe(true);
  });
});

describe('normalizeLangsmith', () => {
  it('turns issue.trace.added into a signal on the issue key with trace evidence', () => {
    const parsed = parseEnvelope(traceAdded);
    if (!parsed.ok) throw new Error(parsed.message);
    const n = normalizeLangsmith(parsed.envelope, []);
    expect(n.kind).toBe('signal');
    if (n.kind !== 'signal') return;
    expect(n.signal).toMatchObject({
      source: 'langsmith',
      workflow: 'refund-agent-prod',
      title: 'Refund flow calls payment API before policy check',
      severity: 0,
      upstream: { source: 'langsmith', id: '3f0c2b7e-5a41-4d8e-9c16-2b7d4e91a0c3' },
      trace: { traceId: '9e8d7c6b-3333-4a3b-9c8d-7e6f5a4b3c23', runId: '0a1b2c3d-3333-4e5f-8a9b-0c1d2e3f4a53' },
      requestId: 'a81f5d3c-2e6b-4c90-b7d1-94e0c8f2a5b6',
    });
    expect(n.signal.trace?.url).toBe(
      'https://smith.langchain.com/o/7b1e4c2a-0d9f-4a63-8e25-51c0f3a9d6b4/projects/p/c4d2a9e1-6b3f-4f07-a8d5-0e9b7c1f2a64/r/0a1b2c3d-3333-4e5f-8a9b-0c1d2e3f4a53?trace_id=9e8d7c6b-3333-4a3b-9c8d-7e6f5a4b3c23',
    );
  });

  it('maps the project to a workflow through recur.yaml, first match wins', () => {
    const parsed = parseEnvelope(created);
    if (!parsed.ok) throw new Error(parsed.message);
    const rules = [
      { match: { langsmith_project: 'other-*' }, workflow: 'nope' },
      { match: { langsmith_project: 'refund-agent-*' }, workflow: 'refunds' },
      { match: { langsmith_project: '*' }, workflow: 'catch-all' },
    ];
    const n = normalizeLangsmith(parsed.envelope, rules);
    expect(n.kind === 'signal' && n.signal.workflow).toBe('refunds');
  });

  it('records a failed Engine run as an operational event, not a signal', () => {
    const parsed = parseEnvelope(runFailed);
    if (!parsed.ok) throw new Error(parsed.message);
    const n = normalizeLangsmith(parsed.envelope, []);
    expect(n).toMatchObject({ kind: 'operational', record: { kind: 'issue.agent_run.failed', status: 'error', workflow: 'refund-agent-prod' } });
  });
});
