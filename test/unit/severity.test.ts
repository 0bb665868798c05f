import { describe, expect, it } from 'vitest';
import { DEFAULT_SEVERITY_BY_KIND, mergeSeverity, signalSeverity } from '../../src/families/severity.js';
import { SIGNAL_KINDS } from '../../src/families/types.js';

describe('severity', () => {
  it.each(SIGNAL_KINDS.map((kind) => [kind]))('an explicit severity wins over the default for %s', (kind) => {
    expect(signalSeverity(kind, 0)).toBe(0);
    expect(signalSeverity(kind, 3)).toBe(3);
    expect(signalSeverity(kind, undefined)).toBe(DEFAULT_SEVERITY_BY_KIND[kind]);
  });

  it('defaults guardrail hits above feedback', () => {
    expect(signalSeverity('guardrail', undefined)).toBeLessThan(signalSeverity('negative_feedback', undefined));
  });

  it.each([
    [2, 0, 0],
    [0, 3, 0],
    [1, 1, 1],
    [3, 2, 2],
  ] as const)('a family at sev%i seeing sev%i is sev%i: the most urgent wins, never a silent downgrade', (current, incoming, expected) => {
    expect(mergeSeverity(current, incoming)).toBe(expected);
  });
});
