import { describe, expect, it } from 'vitest';
import { groupingAccuracy, pairwiseScores, suggestionScores, worstMistakes, type ClusteredItem } from '../helpers/cluster_metrics.js';

/** Items from [label, cluster] pairs. */
const items = (rows: ReadonlyArray<readonly [string, string]>): ClusteredItem[] =>
  rows.map(([label, cluster]) => ({ label, cluster }));

/** `n` items of `label` in `cluster`. */
const cell = (label: string, cluster: string, n: number): ClusteredItem[] =>
  Array.from({ length: n }, () => ({ label, cluster }));

/** Manning, Raghavan & Schütze, Introduction to Information Retrieval, ch. 16.3 (Figure 16.4): x, o, d in 3 clusters. */
const textbook: ClusteredItem[] = [
  ...cell('x', 'c1', 5),
  ...cell('o', 'c1', 1),
  ...cell('x', 'c2', 1),
  ...cell('o', 'c2', 4),
  ...cell('d', 'c2', 1),
  ...cell('x', 'c3', 2),
  ...cell('d', 'c3', 3),
];

/** O(n^2) reference. */
function bruteForce(xs: ReadonlyArray<ClusteredItem>): { truePairs: number; predictedPairs: number; correctPairs: number } {
  let truePairs = 0;
  let predictedPairs = 0;
  let correctPairs = 0;
  for (let i = 0; i < xs.length; i++) {
    for (let j = i + 1; j < xs.length; j++) {
      const a = xs[i]!;
      const b = xs[j]!;
      const sameLabel = a.label === b.label;
      const sameCluster = a.cluster === b.cluster;
      if (sameLabel) truePairs++;
      if (sameCluster) predictedPairs++;
      if (sameLabel && sameCluster) correctPairs++;
    }
  }
  return { truePairs, predictedPairs, correctPairs };
}

describe('pairwiseScores', () => {
  it('empty input: no pairs at all, so precision and recall are both 1', () => {
    expect(pairwiseScores([])).toEqual({ precision: 1, recall: 1, f1: 1, truePairs: 0, predictedPairs: 0, correctPairs: 0 });
  });

  it('all singletons: no predicted pairs gives precision 1, every true pair missed', () => {
    // labels a a a b b -> true pairs 3 + 1 = 4
    const s = pairwiseScores(items([['a', '1'], ['a', '2'], ['a', '3'], ['b', '4'], ['b', '5']]));
    expect(s).toEqual({ precision: 1, recall: 0, f1: 0, truePairs: 4, predictedPairs: 0, correctPairs: 0 });
  });

  it('all singletons with all-distinct labels is perfect', () => {
    const s = pairwiseScores(items([['a', '1'], ['b', '2'], ['c', '3']]));
    expect(s).toEqual({ precision: 1, recall: 1, f1: 1, truePairs: 0, predictedPairs: 0, correctPairs: 0 });
  });

  it('everything in one cluster: recall 1, precision = true pairs / all pairs', () => {
    // a a b b b in one cluster: C(5,2) = 10 predicted, C(2,2) + C(3,2) = 4 true and correct
    const s = pairwiseScores([...cell('a', 'all', 2), ...cell('b', 'all', 3)]);
    expect(s.predictedPairs).toBe(10);
    expect(s.truePairs).toBe(4);
    expect(s.correctPairs).toBe(4);
    expect(s.precision).toBeCloseTo(0.4, 12);
    expect(s.recall).toBe(1);
    expect(s.f1).toBeCloseTo((2 * 0.4) / 1.4, 12);
  });

  it('a perfect clustering scores 1 whatever the cluster names are', () => {
    const s = pairwiseScores([...cell('a', 'fam_9', 3), ...cell('b', 'fam_2', 2), ...cell('c', 'fam_5', 1)]);
    expect(s).toEqual({ precision: 1, recall: 1, f1: 1, truePairs: 4, predictedPairs: 4, correctPairs: 4 });
  });

  it('textbook example (IIR ch. 16): TP 20, TP+FP 40, TP+FN 44', () => {
    const s = pairwiseScores(textbook);
    expect(s.correctPairs).toBe(20);
    expect(s.predictedPairs).toBe(40);
    expect(s.truePairs).toBe(44);
    expect(s.precision).toBeCloseTo(0.5, 12);
    expect(s.recall).toBeCloseTo(20 / 44, 12);
    expect(s.f1).toBeCloseTo(10 / 21, 12); // ~0.48 in the book
  });

  it('a split family costs recall only', () => {
    // a a a a split 2 + 2: true 6, predicted 1 + 1 = 2, correct 2
    const s = pairwiseScores([...cell('a', 'x', 2), ...cell('a', 'y', 2)]);
    expect(s).toMatchObject({ precision: 1, truePairs: 6, predictedPairs: 2, correctPairs: 2 });
    expect(s.recall).toBeCloseTo(1 / 3, 12);
    expect(s.f1).toBeCloseTo(0.5, 12);
  });

  it('a wrong merge costs precision only', () => {
    // a a + b b in one cluster: predicted 6, true 2, correct 2
    const s = pairwiseScores([...cell('a', 'x', 2), ...cell('b', 'x', 2)]);
    expect(s).toMatchObject({ recall: 1, truePairs: 2, predictedPairs: 6, correctPairs: 2 });
    expect(s.precision).toBeCloseTo(1 / 3, 12);
  });

  it('does not depend on item order', () => {
    const reversed = [...textbook].reverse();
    expect(pairwiseScores(reversed)).toEqual(pairwiseScores(textbook));
  });

  it('agrees with the O(n^2) definition on random clusterings', () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    for (let round = 0; round < 25; round++) {
      const n = 1 + rand(80);
      const labels = 1 + rand(10);
      const clusters = 1 + rand(12);
      const xs = Array.from({ length: n }, () => ({ label: `L${rand(labels)}`, cluster: `C${rand(clusters)}` }));
      const ref = bruteForce(xs);
      const s = pairwiseScores(xs);
      expect({ truePairs: s.truePairs, predictedPairs: s.predictedPairs, correctPairs: s.correctPairs }).toEqual(ref);
      expect(s.precision).toBeCloseTo(ref.predictedPairs === 0 ? 1 : ref.correctPairs / ref.predictedPairs, 12);
      expect(s.recall).toBeCloseTo(ref.truePairs === 0 ? 1 : ref.correctPairs / ref.truePairs, 12);
    }
  });

  it('is linear: 200k items in one label and cluster', () => {
    const xs = cell('a', 'x', 200_000);
    const t0 = performance.now();
    const s = pairwiseScores(xs);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(s.correctPairs).toBe((200_000 * 199_999) / 2);
    expect(s.f1).toBe(1);
  });
});

describe('worstMistakes', () => {
  it('ranks wrongly merged clusters and split labels by pairs lost (textbook example)', () => {
    const w = worstMistakes(textbook, 10);
    // c2: C(6,2) - C(4,2) = 9; c3: C(5,2) - C(2,2) - C(3,2) = 6; c1: C(6,2) - C(5,2) = 5
    expect(w.merged).toEqual([
      { cluster: 'c2', wrongPairs: 9, labels: [{ label: 'o', count: 4 }, { label: 'd', count: 1 }, { label: 'x', count: 1 }] },
      { cluster: 'c3', wrongPairs: 6, labels: [{ label: 'd', count: 3 }, { label: 'x', count: 2 }] },
      { cluster: 'c1', wrongPairs: 5, labels: [{ label: 'x', count: 5 }, { label: 'o', count: 1 }] },
    ]);
    // x: C(8,2) - C(5,2) - C(2,2) = 17; o: C(5,2) - C(4,2) = 4; d: C(4,2) - C(3,2) = 3
    expect(w.split).toEqual([
      { label: 'x', missedPairs: 17, clusters: [{ cluster: 'c1', count: 5 }, { cluster: 'c3', count: 2 }, { cluster: 'c2', count: 1 }] },
      { label: 'o', missedPairs: 4, clusters: [{ cluster: 'c2', count: 4 }, { cluster: 'c1', count: 1 }] },
      { label: 'd', missedPairs: 3, clusters: [{ cluster: 'c3', count: 3 }, { cluster: 'c2', count: 1 }] },
    ]);
  });

  it('truncates each list to the limit', () => {
    const w = worstMistakes(textbook, 1);
    expect(w.merged.map((m) => m.cluster)).toEqual(['c2']);
    expect(w.split.map((s) => s.label)).toEqual(['x']);
    expect(worstMistakes(textbook, 0)).toEqual({ merged: [], split: [] });
  });

  it('reports nothing for a perfect clustering', () => {
    expect(worstMistakes([...cell('a', 'x', 3), ...cell('b', 'y', 2)])).toEqual({ merged: [], split: [] });
  });

  it('ranks split labels by missed pairs', () => {
    // b split 1 + 1 loses 1 pair; a split 3 + 1 loses 3 pairs
    const w = worstMistakes([...cell('a', 'x', 3), ...cell('a', 'y', 1), ...cell('b', 'z', 1), ...cell('b', 'w', 1)]);
    expect(w.split.map((s) => [s.label, s.missedPairs])).toEqual([
      ['a', 3],
      ['b', 1],
    ]);
    expect(w.merged).toEqual([]);
  });
});

describe('groupingAccuracy', () => {
  const items = (pairs: Array<[string, string]>) => pairs.map(([label, cluster]) => ({ label, cluster }));
  it.each<[string, Array<[string, string]>, number]>([
    ['every group exactly found', [['a', '1'], ['a', '1'], ['b', '2']], 1],
    ['a group split in two counts none of its items', [['a', '1'], ['a', '2'], ['b', '3']], 1 / 3],
    ['two groups merged count none of their items', [['a', '1'], ['a', '1'], ['b', '1']], 0],
    ['a merge costs both groups, the rest still count', [['a', '1'], ['b', '1'], ['c', '2'], ['c', '2']], 2 / 4],
    ['nothing to score', [], 1],
  ])('%s', (_, pairs, expected) => {
    expect(groupingAccuracy(items(pairs))).toBeCloseTo(expected);
  });
});

describe('suggestionScores', () => {
  const items = (pairs: Array<[string, string]>) => pairs.map(([label, cluster]) => ({ label, cluster }));
  // a split over clusters 1, 2 and 3; b alone in 4
  const split = items([['a', '1'], ['a', '1'], ['a', '2'], ['a', '3'], ['b', '4'], ['b', '4']]);

  it('counts a suggestion right when both clusters hold mostly the same label, and merges only those', () => {
    const s = suggestionScores(split, [['2', '1'], ['3', '4']]);
    expect(s).toMatchObject({ suggested: 2, right: 1, precision: 0.5 });
    // a: 6 true pairs, 1 found; merging 2 into 1 finds 3 of them; b's 1 pair is found either way
    expect(s.recall).toBeCloseTo(2 / 7);
    expect(s.recallIfMerged).toBeCloseTo(4 / 7);
  });

  it('merging every right suggestion, even through a third cluster, recovers the whole split', () => {
    expect(suggestionScores(split, [['2', '1'], ['3', '2']]).recallIfMerged).toBeCloseTo(1);
  });

  it('no suggestions: precision 1 and the recall as clustered', () => {
    expect(suggestionScores(split, [])).toMatchObject({ suggested: 0, right: 0, precision: 1 });
    expect(suggestionScores(split, []).recallIfMerged).toBeCloseTo(2 / 7);
  });
});
