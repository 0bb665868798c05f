// Severity: explicit or upstream wins; otherwise a default per kind. A family keeps the most urgent
// severity it has seen (0 urgent … 3 low) and is never silently downgraded.
import type { Severity, SignalKind } from './types.js';

export const DEFAULT_SEVERITY_BY_KIND: Record<SignalKind, Severity> = {
  guardrail: 1,
  tool_error: 2,
  timeout: 2,
  eval_failure: 2,
  anomaly: 2,
  negative_feedback: 3,
  other: 3,
};

export function signalSeverity(kind: SignalKind, given: Severity | undefined): Severity {
  return given ?? DEFAULT_SEVERITY_BY_KIND[kind];
}

export function mergeSeverity(current: Severity, incoming: Severity): Severity {
  return Math.min(current, incoming) as Severity;
}
