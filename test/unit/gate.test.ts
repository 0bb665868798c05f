import { describe, expect, it } from 'vitest';
import { decideGate, type GateEvaluator, type GateFamily } from '../../src/gates/decide.js';

const policy = { block_at_severity_lte: 1, missing_results: 'pass' as const };
const fam = (id: string, over: Partial<GateFamily> = {}): GateFamily => ({ id, title: `family ${id}`, severity: 1, status: 'resolved', ticketUrl: null, ...over });
const ev = (id: string, familyId: string, passed: boolean | null): GateEvaluator => ({ id, familyId, passed });

describe('decideGate', () => {
  it.each<[string, GateFamily[], GateEvaluator[], string, string[]]>([
    ['nothing known passes', [], [], 'pass', []],
    ['an open sev0 family blocks', [fam('a', { status: 'open', severity: 0 })], [], 'block', ['a:open_family']],
    ['an open sev1 family blocks', [fam('a', { status: 'open', severity: 1 })], [], 'block', ['a:open_family']],
    ['an open sev2 family does not', [fam('a', { status: 'open', severity: 2 })], [], 'pass', []],
    ['a fixing family blocks', [fam('a', { status: 'fixing', severity: 0 })], [], 'block', ['a:open_family']],
    ['a regressed family blocks as regressed', [fam('a', { status: 'regressed', severity: 1 })], [], 'block', ['a:regressed']],
    ['watching, resolved and ignored families do not', [fam('a', { status: 'watching', severity: 0 }), fam('b'), fam('c', { status: 'ignored', severity: 0 })], [], 'pass', []],
    ['a failing benchmark evaluator blocks, even for a low severity', [fam('a', { severity: 3 })], [ev('e1', 'a', false)], 'block', ['a:failing_evaluator']],
    ['a passing evaluator passes', [fam('a')], [ev('e1', 'a', true)], 'pass', []],
    ['a missing result passes under missing_results: pass', [fam('a')], [ev('e1', 'a', null)], 'pass', []],
    ['an ignored family\'s failing evaluator never blocks', [fam('a', { status: 'ignored' })], [ev('e1', 'a', false)], 'pass', []],
  ])('%s', (_, families, evaluators, decision, reasons) => {
    const out = decideGate({ families, evaluators, policy });
    expect(out.decision).toBe(decision);
    expect(out.blocking.map((b) => `${b.family_id}:${b.reason}`)).toEqual(reasons);
  });

  it('blocks on missing results when the policy says so, and counts evaluators', () => {
    const out = decideGate({
      families: [fam('a'), fam('b'), fam('c'), fam('d', { status: 'ignored' })],
      evaluators: [ev('e1', 'a', true), ev('e2', 'b', false), ev('e3', 'c', null), ev('e4', 'd', null)],
      policy: { block_at_severity_lte: 1, missing_results: 'block' },
    });
    expect(out.evaluators).toEqual({ required: 3, passed: 1, failed: 1, missing: 1 });
    expect(out.blocking.map((b) => `${b.family_id}:${b.reason}:${b.evaluator_id}`)).toEqual(['b:failing_evaluator:e2', 'c:missing_evaluation:e3']);
  });
});
