// Trains the word model of boundary_words.ts: a multinomial logistic regression with L2 regularisation,
// fitted by AdaGrad over the examples in their given order, so the same examples always give the same
// model. A family that accepts two boundaries gives each of its signals half a label of each.
import { WORD_MODEL_BOUNDARIES, type WordModel } from './boundary_words.js';
import type { Boundary } from './types.js';

export interface WordExample {
  features: readonly string[];
  accepted: readonly Boundary[];
}

export interface WordTraining {
  /** A feature seen in fewer examples is dropped. */
  minExamples: number;
  l2: number;
  learningRate: number;
  epochs: number;
}

/**
 * Chosen on the studied sets alone: the rules of an earlier commit, words trained on the sets studied by
 * then, scored on the next ones (docs/boundary.md, "The words, measured").
 */
export const WORD_TRAINING: WordTraining = { minExamples: 2, l2: 0.05, learningRate: 0.5, epochs: 60 };

/** Weights are kept to three decimals; a feature whose weights all round to 0 is left out. */
const DECIMALS = 1_000;

export function trainWordModel(examples: readonly WordExample[], training: WordTraining = WORD_TRAINING): WordModel {
  const seen = new Map<string, number>();
  for (const ex of examples) for (const f of new Set(ex.features)) seen.set(f, (seen.get(f) ?? 0) + 1);
  const vocabulary = [...seen].filter(([, n]) => n >= training.minExamples).map(([f]) => f);
  const index = new Map(vocabulary.map((f, i) => [f, i]));
  const K = WORD_MODEL_BOUNDARIES.length;
  const bias = vocabulary.length; // the last column of each row
  const w = Array.from({ length: K }, () => new Float64Array(vocabulary.length + 1));
  const g2 = Array.from({ length: K }, () => new Float64Array(vocabulary.length + 1));
  const rows = examples.map((ex) => [...new Set(ex.features)].flatMap((f) => (index.has(f) ? [index.get(f)!] : [])).concat(bias));
  const targets = examples.map((ex) => WORD_MODEL_BOUNDARIES.map((b) => (ex.accepted.includes(b) ? 1 / ex.accepted.length : 0)));
  for (let epoch = 0; epoch < training.epochs; epoch++) {
    for (let n = 0; n < examples.length; n++) {
      const row = rows[n]!;
      const z = w.map((wk) => row.reduce((sum, j) => sum + wk[j]!, 0));
      const max = Math.max(...z);
      const e = z.map((v) => Math.exp(v - max));
      const total = e.reduce((a, b) => a + b, 0);
      for (let k = 0; k < K; k++) {
        const error = e[k]! / total - targets[n]![k]!;
        for (const j of row) {
          const grad = error + training.l2 * w[k]![j]!;
          g2[k]![j]! += grad * grad;
          w[k]![j]! -= (training.learningRate * grad) / Math.sqrt(g2[k]![j]! + 1e-8);
        }
      }
    }
  }
  const round = (x: number) => Math.round(x * DECIMALS) / DECIMALS + 0; // + 0 turns -0 into 0
  const weights: Record<string, number[]> = {};
  for (const [f, j] of index) {
    const row = w.map((wk) => round(wk[j]!));
    if (row.some((x) => x !== 0)) weights[f] = row;
  }
  return { bias: w.map((wk) => round(wk[bias]!)), weights };
}
