// Clustering quality: pairwise precision and recall, and Loghub's grouping accuracy.
//
// Pairwise: compares predicted clusters with true labels over all pairs of items.
//
//   precision = of all pairs put in the same predicted cluster, the share that share a true label
//   recall    = of all pairs sharing a true label, the share put in the same predicted cluster
//
// Computed from contingency counts in O(n): with n_ij items of label i in cluster j,
//   correct pairs   = sum_ij C(n_ij, 2)
//   predicted pairs = sum_j  C(n_.j, 2)
//   true pairs      = sum_i  C(n_i., 2)

export interface ClusteredItem {
  /** The true family. */
  label: string;
  /** The predicted cluster (e.g. a family id). */
  cluster: string;
}

export interface PairwiseScores {
  precision: number;
  recall: number;
  f1: number;
  truePairs: number;
  predictedPairs: number;
  correctPairs: number;
}

export interface MergedMistake {
  cluster: string;
  /** Pairs in this cluster whose items have different labels. */
  wrongPairs: number;
  /** The labels merged into this cluster, largest first. */
  labels: Array<{ label: string; count: number }>;
}

export interface SplitMistake {
  label: string;
  /** Pairs of this label that were put in different clusters. */
  missedPairs: number;
  /** The clusters this label was split into, largest first. */
  clusters: Array<{ cluster: string; count: number }>;
}

export interface WorstMistakes {
  /** Predicted clusters holding more than one label, most wrong pairs first. */
  merged: MergedMistake[];
  /** Labels spread over more than one cluster, most missed pairs first. */
  split: SplitMistake[];
}

const pairs = (n: number): number => (n * (n - 1)) / 2;

interface Contingency {
  byCluster: Map<string, Map<string, number>>;
  byLabel: Map<string, Map<string, number>>;
  clusterSizes: Map<string, number>;
  labelSizes: Map<string, number>;
}

function bump<K>(m: Map<K, number>, k: K): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

function inner(m: Map<string, Map<string, number>>, k: string): Map<string, number> {
  let v = m.get(k);
  if (v === undefined) {
    v = new Map();
    m.set(k, v);
  }
  return v;
}

function contingency(items: ReadonlyArray<ClusteredItem>): Contingency {
  const c: Contingency = { byCluster: new Map(), byLabel: new Map(), clusterSizes: new Map(), labelSizes: new Map() };
  for (const { label, cluster } of items) {
    bump(inner(c.byCluster, cluster), label);
    bump(inner(c.byLabel, label), cluster);
    bump(c.clusterSizes, cluster);
    bump(c.labelSizes, label);
  }
  return c;
}

function sumPairs(counts: Iterable<number>): number {
  let s = 0;
  for (const n of counts) s += pairs(n);
  return s;
}

/** Pairwise precision, recall and F1. No predicted pairs: precision 1; no true pairs: recall 1. */
export function pairwiseScores(items: ReadonlyArray<ClusteredItem>): PairwiseScores {
  const c = contingency(items);
  const truePairs = sumPairs(c.labelSizes.values());
  const predictedPairs = sumPairs(c.clusterSizes.values());
  let correctPairs = 0;
  for (const cells of c.byCluster.values()) correctPairs += sumPairs(cells.values());
  const precision = predictedPairs === 0 ? 1 : correctPairs / predictedPairs;
  const recall = truePairs === 0 ? 1 : correctPairs / truePairs;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, truePairs, predictedPairs, correctPairs };
}

const byCountThenName = <T extends { count: number }>(name: (x: T) => string) =>
  (a: T, b: T): number => b.count - a.count || (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0);

/**
 * The largest mistakes, for debugging: predicted clusters that merge several labels (ranked by wrongly
 * merged pairs) and labels split over several clusters (ranked by missed pairs); `limit` of each.
 */
export function worstMistakes(items: ReadonlyArray<ClusteredItem>, limit = 10): WorstMistakes {
  const c = contingency(items);

  const merged: MergedMistake[] = [];
  for (const [cluster, cells] of c.byCluster) {
    if (cells.size < 2) continue;
    const wrongPairs = pairs(c.clusterSizes.get(cluster) ?? 0) - sumPairs(cells.values());
    const labels = [...cells].map(([label, count]) => ({ label, count })).sort(byCountThenName((x) => x.label));
    merged.push({ cluster, wrongPairs, labels });
  }
  merged.sort((a, b) => b.wrongPairs - a.wrongPairs || (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0));

  const split: SplitMistake[] = [];
  for (const [label, cells] of c.byLabel) {
    if (cells.size < 2) continue;
    const missedPairs = pairs(c.labelSizes.get(label) ?? 0) - sumPairs(cells.values());
    const clusters = [...cells].map(([cluster, count]) => ({ cluster, count })).sort(byCountThenName((x) => x.cluster));
    split.push({ label, missedPairs, clusters });
  }
  split.sort((a, b) => b.missedPairs - a.missedPairs || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));

  const n = Math.max(0, Math.floor(limit));
  return { merged: merged.slice(0, n), split: split.slice(0, n) };
}

/**
 * Loghub's grouping accuracy (GA; Zhu et al., ICSE-SEIP 2019): the share of items whose cluster holds
 * exactly the items of their label, no more and no fewer.
 */
export function groupingAccuracy(items: ReadonlyArray<ClusteredItem>): number {
  if (items.length === 0) return 1;
  const c = contingency(items);
  let correct = 0;
  for (const [label, clusters] of c.byLabel) {
    const [cluster] = [...clusters.keys()];
    if (clusters.size === 1 && c.clusterSizes.get(cluster!) === c.labelSizes.get(label)) correct += c.labelSizes.get(label)!;
  }
  return correct / items.length;
}

export interface SuggestionScores {
  suggested: number;
  /** Suggestions whose two clusters hold mostly the same label. */
  right: number;
  precision: number;
  /** Pairwise recall as clustered, and once every right suggestion is merged. */
  recall: number;
  recallIfMerged: number;
}

/**
 * How good merge suggestions are (pairs of clusters, as related families offers them): a suggestion is
 * right when its two clusters' largest labels are the same, and merging the right ones gives the recall
 * a person who accepted only those would get.
 */
export function suggestionScores(items: ReadonlyArray<ClusteredItem>, suggestions: ReadonlyArray<readonly [string, string]>): SuggestionScores {
  const c = contingency(items);
  const largest = (cluster: string) => [...(c.byCluster.get(cluster) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
  const parent = new Map<string, string>();
  const root = (x: string): string => {
    while (parent.has(x)) x = parent.get(x)!;
    return x;
  };
  let right = 0;
  for (const [a, b] of suggestions) {
    const label = largest(a);
    if (label === undefined || label !== largest(b)) continue;
    right += 1;
    if (root(a) !== root(b)) parent.set(root(a), root(b));
  }
  return {
    suggested: suggestions.length,
    right,
    precision: suggestions.length === 0 ? 1 : right / suggestions.length,
    recall: pairwiseScores(items).recall,
    recallIfMerged: pairwiseScores(items.map((i) => ({ ...i, cluster: root(i.cluster) }))).recall,
  };
}
