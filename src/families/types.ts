// The shapes a failure signal and a failure family take inside recur, independent of where they came from.

export const BOUNDARIES = [
  'prompt',
  'tool_contract',
  'context_source',
  'model_route',
  'permission',
  'downstream_api',
  'unknown',
] as const;
export type Boundary = (typeof BOUNDARIES)[number];

export const SIGNAL_KINDS = [
  'tool_error',
  'timeout',
  'eval_failure',
  'negative_feedback',
  'anomaly',
  'guardrail',
  'other',
] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

export const FAMILY_STATUSES = ['watching', 'open', 'fixing', 'resolved', 'regressed', 'ignored'] as const;
export type FamilyStatus = (typeof FAMILY_STATUSES)[number];

export const FIX_STATUSES = ['none', 'proposed', 'merged', 'reverted', 'released'] as const;
export type FixStatus = (typeof FIX_STATUSES)[number];

/** 0 urgent, 1 high, 2 medium, 3 low: LangSmith's scale. */
export type Severity = 0 | 1 | 2 | 3;

export interface TraceRef {
  traceId: string;
  runId: string;
  url?: string;
  startTime?: string;
  comment?: string;
}

export interface UpstreamRef {
  source: string;
  id: string;
  url?: string;
}

/** A normalized failure signal: what every source is turned into before clustering. */
export interface Signal {
  source: string;
  kind: SignalKind;
  workflow: string;
  title: string;
  /** Error text or evaluator reason: what the failure says. Grouping uses its template. */
  message?: string;
  /** Human prose about the failure (a LangSmith issue description): shown, never grouped on. */
  description?: string;
  severity?: Severity;
  boundary?: Boundary;
  tool?: string;
  errorType?: string;
  release?: string;
  environment?: string;
  tenant?: string;
  upstream?: UpstreamRef;
  trace?: TraceRef;
  occurredAt: Date;
  attributes?: Record<string, string | number | boolean>;
  /** False for an announcement that is not itself a failure happening (LangSmith's issue.created). */
  countsAsOccurrence?: boolean;
  requestId?: string;
}
