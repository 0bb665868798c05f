// The labelled boundary sets (test/fixtures/boundary_signals/) as the benchmark and the word model's
// training read them.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { boundaryEvidence, type BoundaryEvidence } from '../src/families/boundary.js';
import type { Boundary } from '../src/families/types.js';
import { signalSchema, toSignal } from '../src/ingest/signals/schema.js';

export const BOUNDARY_SETS_DIR = 'test/fixtures/boundary_signals';

export type Half = 'tune' | 'report';

/** The first set's split: the first byte of SHA-256 of the family label, even -> tune, odd -> report. */
export function halfOf(label: string): Half {
  return createHash('sha256').update(label).digest()[0]! % 2 === 0 ? 'tune' : 'report';
}

export interface LabelledSignal {
  label: string;
  accepted: Boundary[];
  evidence: BoundaryEvidence;
}

interface LabelledSet {
  signals: unknown[];
  truth: Record<string, string>;
  families: Record<string, { accepted: Boundary[]; why: string }>;
}

/** Every signal of a set, in the file's order, with its family's label and accepted boundaries. */
export function loadLabelledSignals(path: string): { signals: LabelledSignal[]; families: LabelledSet['families'] } {
  const set = JSON.parse(readFileSync(path, 'utf8')) as LabelledSet;
  const now = new Date();
  const signals = set.signals.map((raw) => {
    const parsed = signalSchema.parse(raw);
    const label = set.truth[parsed.id];
    if (label === undefined) throw new Error(`signal ${parsed.id} has no family in truth`);
    const family = set.families[label];
    if (family === undefined) throw new Error(`family ${label} of ${parsed.id} is not in families`);
    return { label, accepted: family.accepted, evidence: boundaryEvidence(toSignal(parsed, now)) };
  });
  return { signals, families: set.families };
}

/**
 * What the word model learns from: the studied sets only. The first set's report half and the holdout (the
 * sixteenth set) stay out, so they still measure it.
 */
export const WORD_TRAINING_SETS: ReadonlyArray<{ file: string; half?: Half }> = [
  { file: 'boundary-set.json', half: 'tune' },
  { file: 'boundary-set-2.json' },
  { file: 'boundary-set-3.json' },
  { file: 'boundary-set-4.json' },
  { file: 'boundary-set-5.json' },
  { file: 'boundary-set-6.json' },
  { file: 'boundary-set-7.json' },
  { file: 'boundary-set-8.json' },
  { file: 'boundary-set-9.json' },
  { file: 'boundary-set-10.json' },
  { file: 'boundary-set-11.json' },
  { file: 'boundary-set-12.json' },
  { file: 'boundary-set-13.json' },
  { file: 'boundary-set-14.json' },
  { file: 'boundary-set-15.json' },
];

/** Each training set's signals, its half only where one is named. */
export function wordTrainingSets(dir = BOUNDARY_SETS_DIR): Array<{ file: string; signals: LabelledSignal[] }> {
  return WORD_TRAINING_SETS.map(({ file, half }) => ({
    file,
    signals: loadLabelledSignals(`${dir}/${file}`).signals.filter((s) => half === undefined || halfOf(s.label) === half),
  }));
}

export function wordTrainingSignals(dir = BOUNDARY_SETS_DIR): LabelledSignal[] {
  return wordTrainingSets(dir).flatMap((set) => set.signals);
}
