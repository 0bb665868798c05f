// A family's boundary and where it came from: a person's word, a correction learned from another family,
// the signals' own votes (stated, a recur.yaml rule, the built-in rules), the model's judgement, or the
// words of its signals. Pure: the grouping step folds votes and calls decideFamilyBoundary; the ticket sync
// asks the model.
import { decideBoundaryTally, readBoundaryTally, WORDS_RULE, type BoundaryTally } from './boundary.js';
import type { Boundary } from './types.js';

export const BOUNDARY_SOURCES = ['rules', 'explicit', 'config', 'person', 'learned', 'model', 'words'] as const;
export type BoundarySource = (typeof BOUNDARY_SOURCES)[number];

/** The correction a family's boundary was learned from, kept with its votes. */
export interface LearnedBoundary {
  boundary: Boundary;
  correctionId: string;
  /** The ticket of the corrected family, when it had one. */
  ticketNumber: number | null;
  familyId: string;
  /** The correction key that matched (`tool+error:...`, `evaluator:...`, `workflow+kind:...`). */
  key: string;
}

/** What families.boundary_votes holds: the folded votes, and the correction the family learned from. */
export interface BoundaryState {
  tally: BoundaryTally;
  learned?: LearnedBoundary;
}

export interface FamilyBoundary {
  boundary: Boundary;
  /** 0..1; null for a family decided before confidences were kept. */
  confidence: number | null;
  reasons: string[];
  source: BoundarySource;
}

export function readBoundaryState(value: unknown): BoundaryState {
  const v = (typeof value === 'object' && value !== null ? value : {}) as { tally?: unknown; learned?: LearnedBoundary };
  return { tally: readBoundaryTally(v.tally), ...(v.learned ? { learned: v.learned } : {}) };
}

/**
 * A learned boundary found by the same tool and error class or the same evaluator stands like the person's
 * word it came from; one found only by the workflow and kind is loose (many unrelated failures share them),
 * so it holds only while the family's own signals point nowhere.
 */
export function learnedStands(learned: LearnedBoundary): boolean {
  return !learned.key.startsWith('workflow+kind:');
}

export function learnedDecision(learned: LearnedBoundary): FamilyBoundary {
  const from = learned.ticketNumber !== null ? `#${learned.ticketNumber}` : `family ${learned.familyId}`;
  return {
    boundary: learned.boundary,
    confidence: learnedStands(learned) ? 0.9 : 0.5,
    reasons: [`learned from ${from}`, `matched by ${learned.key}`],
    source: 'learned',
  };
}

/** The boundary of a family no vote has decided yet. */
export const UNDECIDED: FamilyBoundary = { boundary: 'unknown', confidence: 0, reasons: [], source: 'rules' };

/**
 * The family's boundary after its votes changed. A person's boundary stays whatever the signals say; so does
 * one learned by a standing correction. Otherwise the votes decide (their source is the tier that won:
 * stated, a recur.yaml rule, or the built-in rules); when no rule read any signal a loose learned boundary,
 * then the model's answer, then the words of the signals keep the family from being `unknown`.
 */
export function decideFamilyBoundary(current: FamilyBoundary, state: BoundaryState): FamilyBoundary {
  if (current.source === 'person') return current;
  if (state.learned && learnedStands(state.learned)) return learnedDecision(state.learned);
  const decided = decideBoundaryTally(state.tally);
  const voted: FamilyBoundary = { boundary: decided.boundary, confidence: decided.confidence, reasons: decided.reasons, source: sourceOfRule(decided.rule) };
  if (decided.boundary !== 'unknown' && voted.source !== 'words') return voted;
  if (state.learned) return learnedDecision(state.learned);
  if (current.source === 'model' && current.boundary !== 'unknown') return current;
  return decided.boundary !== 'unknown' ? voted : UNDECIDED;
}

export function sourceOfRule(rule: string): BoundarySource {
  if (rule === 'explicit') return 'explicit';
  if (rule === WORDS_RULE) return 'words';
  if (rule.startsWith('config:')) return 'config';
  return 'rules';
}

/** The reasons a person's boundary shows. */
export function personDecision(boundary: Boundary, actor: string): FamilyBoundary {
  return { boundary, confidence: 1, reasons: [`set by ${actor}`], source: 'person' };
}

/** The reasons the model's boundary shows: marked as the model's, never as a rule's. */
export function modelDecision(boundary: Boundary, model: string, reason: string): FamilyBoundary {
  return { boundary, confidence: null, reasons: [`the model ${model} judged: ${reason}`], source: 'model' };
}

/** A family row's boundary as decided. */
export function familyBoundaryOf(row: { boundary: Boundary; boundaryConfidence: number | null; boundaryReasons: string[]; boundarySource: BoundarySource }): FamilyBoundary {
  return { boundary: row.boundary, confidence: row.boundaryConfidence, reasons: row.boundaryReasons, source: row.boundarySource };
}

/** The families columns a decided boundary and its votes are stored in. */
export function boundaryColumns(decided: FamilyBoundary, state: BoundaryState) {
  return {
    boundary: decided.boundary,
    boundaryConfidence: decided.confidence,
    boundaryReasons: decided.reasons,
    boundarySource: decided.source,
    boundaryVotes: state as unknown as Record<string, unknown>,
  };
}
