import { describe, expect, it } from 'vitest';
import { generateSpec, routeSuite, type FamilyForEvaluator } from '../../src/evaluators/templates.js';

const family = (over: Partial<FamilyForEvaluator>): FamilyForEvaluator => ({
  title: 'x', description: null, kind: 'anomaly', boundary: 'unknown', severity: 2, tool: null, errorType: null, ...over,
});

describe('generateSpec', () => {
  it('turns "A before B" into an ordering guard: B must run first', () => {
    const spec = generateSpec(family({ title: 'Refund flow calls payment API before policy check', description: 'The agent invokes issue_refund before lookup_refund_policy, so refunds are issued.' }));
    expect(spec).toMatchObject({ type: 'tool_order', first: 'lookup_refund_policy', then: 'issue_refund' });
  });

  it.each([
    [{ title: 'Agent loops on lookup_order', kind: 'anomaly' }, { type: 'tool_loop', tool: 'lookup_order', max_consecutive: 3 }],
    [{ title: 'Agent stuck repeating calls', tool: 'search_docs' }, { type: 'tool_loop', tool: 'search_docs' }],
    [{ title: 'lookup_order timed out', description: 'timeout after 30s on order 8812', kind: 'timeout', tool: 'lookup_order' }, { type: 'latency_bound', tool: 'lookup_order', max_ms: 30_000 }],
    [{ title: 'Payment API too slow', description: 'p99 latency 2500ms' }, { type: 'latency_bound', max_ms: 2_500 }],
    [{ title: 'Slow run', kind: 'timeout' }, { type: 'latency_bound', max_ms: 30_000 }],
    [{ title: 'send_email failed', description: "SMTP 550 for 'bob@example.com'", kind: 'tool_error', tool: 'send_email', errorType: 'SMTPRecipientsRefused' }, { type: 'forbidden_error', tool: 'send_email', error_type: 'SMTPRecipientsRefused' }],
    [{ title: 'Answer cites the wrong refund window', kind: 'eval_failure', boundary: 'prompt' }, { type: 'output_rubric' }],
  ] as const)('%j -> %j', (over, expected) => {
    expect(generateSpec(family(over as Partial<FamilyForEvaluator>))).toMatchObject(expected);
  });

  it('makes a forbidden-error pattern that matches other occurrences and no other error', () => {
    const spec = generateSpec(family({ kind: 'tool_error', tool: 'lookup_order', description: 'KeyError: order 8812 has no shipping_address' }));
    expect(spec.type).toBe('forbidden_error');
    const pattern = new RegExp((spec as { message_pattern: string }).message_pattern);
    expect(pattern.test('KeyError: order 17 has no shipping_address')).toBe(true);
    expect(pattern.test('KeyError: order 17 has no billing_address')).toBe(false);
  });

  it('redacts what it quotes in a rubric', () => {
    const spec = generateSpec(family({ title: 'Agent emails jane.doe@example.com the wrong invoice' }));
    expect(JSON.stringify(spec)).not.toContain('jane.doe@example.com');
  });
});

describe('routeSuite', () => {
  it.each([
    [0, 'downstream_api', 'benchmark'],
    [1, 'tool_contract', 'benchmark'],
    [2, 'prompt', 'coverage'],
    [3, 'unknown', 'coverage'],
    [0, 'permission', 'both'],
    [0, 'prompt', 'both'],
    [1, 'prompt', 'benchmark'],
  ] as const)('sev%i %s -> %s', (severity, boundary, suite) => {
    expect(routeSuite(severity, boundary)).toBe(suite);
  });
});
