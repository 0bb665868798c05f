// The release gate: may release R of workflow W ship? A pure function of the workflow's families, its
// benchmark evaluators and their results for that release, under the gate policy from recur.yaml.
// Ignored families never block.
import type { FamilyStatus } from '../families/types.js';

export interface GatePolicy {
  block_at_severity_lte: number;
  missing_results: 'pass' | 'block';
}

export interface GateFamily {
  id: string;
  title: string;
  severity: number;
  status: FamilyStatus;
  ticketUrl: string | null;
}

export interface GateEvaluator {
  id: string;
  familyId: string;
  /** The latest result reported for this release (and environment), if any. */
  passed: boolean | null;
}

export type BlockReason = 'open_family' | 'regressed' | 'failing_evaluator' | 'missing_evaluation';

export interface GateDecision {
  decision: 'pass' | 'block';
  blocking: Array<{ family_id: string; title: string; severity: number; reason: BlockReason; ticket_url: string | null; evaluator_id: string | null }>;
  evaluators: { required: number; passed: number; failed: number; missing: number };
}

const LIVE: ReadonlySet<FamilyStatus> = new Set(['open', 'fixing', 'regressed']);

export function decideGate(input: { families: GateFamily[]; evaluators: GateEvaluator[]; policy: GatePolicy }): GateDecision {
  const { families, evaluators, policy } = input;
  const byId = new Map(families.map((f) => [f.id, f]));
  const blocking: GateDecision['blocking'] = [];
  const block = (f: GateFamily, reason: BlockReason, evaluatorId: string | null = null) =>
    blocking.push({ family_id: f.id, title: f.title, severity: f.severity, reason, ticket_url: f.ticketUrl, evaluator_id: evaluatorId });

  for (const f of families) {
    if (LIVE.has(f.status) && f.severity <= policy.block_at_severity_lte) block(f, f.status === 'regressed' ? 'regressed' : 'open_family');
  }
  const required = evaluators.filter((e) => byId.get(e.familyId)?.status !== 'ignored');
  let passed = 0;
  let failed = 0;
  let missing = 0;
  for (const e of required) {
    const family = byId.get(e.familyId);
    if (e.passed === true) passed += 1;
    else if (e.passed === false) {
      failed += 1;
      if (family) block(family, 'failing_evaluator', e.id);
    } else {
      missing += 1;
      if (family && policy.missing_results === 'block') block(family, 'missing_evaluation', e.id);
    }
  }
  blocking.sort((a, b) => a.severity - b.severity || a.title.localeCompare(b.title));
  return { decision: blocking.length ? 'block' : 'pass', blocking, evaluators: { required: required.length, passed, failed, missing } };
}
