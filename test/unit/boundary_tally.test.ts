// A family's boundary is kept as a tally of its signals' votes, folded one signal at a time and stored as
// JSON between signals; deciding the tally must give exactly what classifyBoundary gives for all the signals.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  boundaryEvidence,
  classifyBoundary,
  correctionKeys,
  correctionKeysOfTally,
  decideBoundaryTally,
  emptyBoundaryTally,
  foldBoundaryVote,
  mergeBoundaryTallies,
  readBoundaryTally,
  signalBoundary,
  subtractBoundaryTallies,
  type BoundaryEvidence,
  type BoundaryRule,
  type BoundaryTally,
} from '../../src/families/boundary.js';
import { signalSchema, toSignal } from '../../src/ingest/signals/schema.js';

const set = JSON.parse(readFileSync(new URL('../fixtures/boundary_signals/boundary-set.json', import.meta.url), 'utf8')) as {
  signals: unknown[];
  truth: Record<string, string>;
};

/** The labelled set's families, each as its signals' evidence in arrival order. */
function labelledFamilies(): Map<string, BoundaryEvidence[]> {
  const families = new Map<string, BoundaryEvidence[]>();
  const now = new Date('2026-12-01T00:00:00Z');
  for (const raw of set.signals) {
    const parsed = signalSchema.parse(raw);
    const label = set.truth[parsed.id]!;
    families.set(label, [...(families.get(label) ?? []), boundaryEvidence(toSignal(parsed, now))]);
  }
  return families;
}

/** Folds signals as the grouping step does: one at a time, the tally stored as JSON in between. */
function foldStored(signals: readonly BoundaryEvidence[], rules: readonly BoundaryRule[] = []): BoundaryTally {
  let stored: unknown = {};
  for (const e of signals) {
    const tally = readBoundaryTally(stored);
    const { vote, keys } = signalBoundary(e, rules);
    stored = JSON.parse(JSON.stringify(foldBoundaryVote(tally, vote, keys)));
  }
  return readBoundaryTally(stored);
}

describe('boundary tallies', () => {
  const families = labelledFamilies();

  it('decide every labelled family, and every prefix of it, exactly as classifyBoundary does', () => {
    expect(families.size).toBeGreaterThan(40);
    let compared = 0;
    for (const signals of families.values()) {
      for (let k = 1; k <= signals.length; k++) {
        const prefix = signals.slice(0, k);
        expect(decideBoundaryTally(foldStored(prefix))).toEqual(classifyBoundary(prefix));
        compared += 1;
      }
    }
    expect(compared).toBe(set.signals.length);
  });

  it('give the correction keys correctionKeys gives for the same signals', () => {
    for (const signals of families.values()) expect(correctionKeysOfTally(foldStored(signals))).toEqual(correctionKeys(signals));
  });

  it('merge into the tally of both families together (the decision of a merged family)', () => {
    const [a, b] = [...families.values()].slice(0, 2) as [BoundaryEvidence[], BoundaryEvidence[]];
    const merged = mergeBoundaryTallies(foldStored(a), foldStored(b));
    expect(decideBoundaryTally(merged)).toEqual(classifyBoundary([...a, ...b]));
    expect(merged.n).toBe(a.length + b.length);
    expect(correctionKeysOfTally(merged)).toEqual(correctionKeys([...a, ...b]));
  });

  it('without the votes a merge brought, decide as the family and the signals it took in since (undoing a merge)', () => {
    const all = [...families.values()];
    let compared = 0;
    for (let i = 0; i + 2 < all.length; i++) {
      const [before, merged, since] = [all[i]!, all[i + 1]!, all[i + 2]!];
      let tally = mergeBoundaryTallies(foldStored(before), foldStored(merged));
      for (const e of since) tally = foldBoundaryVote(tally, signalBoundary(e, []).vote, signalBoundary(e, []).keys);
      const left = subtractBoundaryTallies(JSON.parse(JSON.stringify(tally)), foldStored(merged), foldStored(before));
      expect(decideBoundaryTally(left)).toEqual(classifyBoundary([...before, ...since]));
      expect(left.n).toBe(before.length + since.length);
      expect(correctionKeysOfTally(left)).toEqual(correctionKeys([...before, ...since]));
      compared += 1;
    }
    expect(compared).toBe(families.size - 2);
  });

  it.each<[string, BoundaryEvidence[], BoundaryEvidence[], BoundaryEvidence[], string]>([
    [
      'the taken votes won: the family goes back to its own',
      [{ title: '401 Unauthorized from CRM', kind: 'tool_error', tool: 'crm' }],
      [{ title: '429 Too Many Requests from CRM', kind: 'tool_error', tool: 'crm' }, { title: '429 Too Many Requests from CRM', kind: 'tool_error', tool: 'crm' }],
      [],
      'permission',
    ],
    [
      'the votes of signals taken in since stay',
      [{ title: 'the user was unhappy', kind: 'negative_feedback' }],
      [{ title: '401 Unauthorized from CRM', kind: 'tool_error', tool: 'crm' }],
      [{ title: '429 Too Many Requests from CRM', kind: 'tool_error', tool: 'crm' }],
      'downstream_api',
    ],
    ['nothing left to vote', [{ title: 'the user was unhappy', kind: 'negative_feedback' }], [{ title: '401 Unauthorized from CRM', kind: 'tool_error', tool: 'crm' }], [], 'unknown'],
  ])('taking a merged family away: %s', (_, before, merged, since, boundary) => {
    let tally = mergeBoundaryTallies(foldStored(before), foldStored(merged));
    for (const e of since) tally = foldBoundaryVote(tally, signalBoundary(e, []).vote, signalBoundary(e, []).keys);
    const left = subtractBoundaryTallies(tally, foldStored(merged), foldStored(before));
    expect(decideBoundaryTally(left).boundary).toBe(boundary);
    expect(decideBoundaryTally(left)).toEqual(classifyBoundary([...before, ...since]));
  });

  it('keep the statement tiers: a stated boundary outranks a config rule, which outranks the built-in rules', () => {
    const rules: BoundaryRule[] = [{ match: /quota/i, boundary: 'model_route' }];
    const signals: BoundaryEvidence[] = [
      { title: '401 Unauthorized from CRM', kind: 'tool_error', tool: 'crm' },
      { title: '401 Unauthorized from CRM', kind: 'tool_error', tool: 'crm' },
      { title: 'monthly quota reached', kind: 'other' },
    ];
    expect(decideBoundaryTally(foldStored(signals, rules))).toMatchObject({ boundary: 'model_route', rule: 'config:0' });
    expect(decideBoundaryTally(foldStored(signals))).toMatchObject({ boundary: 'permission' });
    const stated = foldStored([...signals, { title: 'x', explicit: 'prompt' }], rules);
    expect(decideBoundaryTally(stated)).toMatchObject({ boundary: 'prompt', rule: 'explicit', confidence: 0.25 });
  });

  it('count signals that say nothing in the confidence, and read anything else stored as an empty tally', () => {
    const tally = foldStored([{ title: '403 Forbidden calling Zendesk', kind: 'tool_error', tool: 'zendesk' }, { title: 'the user was unhappy', kind: 'negative_feedback' }]);
    expect(tally.n).toBe(2);
    expect(decideBoundaryTally(tally)).toMatchObject({ boundary: 'permission', reasons: ['403 from zendesk in 1 of 2 signals'] });
    expect(decideBoundaryTally(readBoundaryTally(null))).toMatchObject({ boundary: 'unknown', reasons: [] });
    expect(readBoundaryTally({ votes: 'nonsense' })).toEqual(emptyBoundaryTally());
  });

  it.each(['__proto__', 'constructor'])('name a tool called %s in the reason, as any other tool', (tool) => {
    const signals: BoundaryEvidence[] = [
      { title: 'HTTP 401 Unauthorized', kind: 'tool_error', tool },
      { title: 'HTTP 401 Unauthorized', kind: 'tool_error', tool },
      { title: 'HTTP 401 Unauthorized', kind: 'tool_error', tool: 'crm_lookup' },
    ];
    const folded = foldStored(signals);
    expect(decideBoundaryTally(folded).reasons).toEqual([`401 from ${tool} and crm_lookup in 3 of 3 signals`]);
    const merged = mergeBoundaryTallies(foldStored(signals.slice(0, 1)), foldStored(signals.slice(1)));
    expect(decideBoundaryTally(merged).reasons).toEqual([`401 from ${tool} and crm_lookup in 3 of 3 signals`]);
  });

  it('stay small for a family with very many tools: the decision and counts stay exact, the listed subjects are bounded', () => {
    const signals: BoundaryEvidence[] = Array.from({ length: 200 }, (_, i) => ({ title: 'HTTP 401 Unauthorized', kind: 'tool_error', tool: `tool_${i}`, errorType: `Err${i}` }));
    const tally = foldStored(signals);
    expect(JSON.stringify(tally).length).toBeLessThan(5_000);
    const decided = decideBoundaryTally(tally);
    expect(decided).toMatchObject({ boundary: 'permission', confidence: classifyBoundary(signals).confidence });
    expect(decided.reasons[0]).toMatch(/^401 from tool_\d+, tool_\d+ and \d+ more in 200 of 200 signals$/);
  });
});
