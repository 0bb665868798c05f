// Deterministic evaluator templates: from a family's kind, boundary and wording, the guard a release
// pipeline can run so the failure stays fixed. Each spec is versioned JSON (SPEC_VERSION) with a `type`:
//   tool_order      "A must run before B"            (the failure: B ran before A)
//   tool_loop       at most N identical consecutive calls of a tool
//   forbidden_error a tool failure or error message that must not appear again
//   latency_bound   a call (or the run) must finish within max_ms
//   output_rubric   an LLM-as-judge prompt with pass criteria, for failures only a reader can judge
import { maskText } from '../families/grouping/mask.js';
import type { Boundary, Severity, SignalKind } from '../families/types.js';
import { redactSecrets } from '../redaction.js';

export const SPEC_VERSION = 1;

export type EvaluatorSpec =
  | { version: 1; type: 'tool_order'; first: string; then: string; rationale: string }
  | { version: 1; type: 'tool_loop'; tool: string; max_consecutive: number; rationale: string }
  | { version: 1; type: 'forbidden_error'; tool: string | null; error_type: string | null; message_pattern: string; rationale: string }
  | { version: 1; type: 'latency_bound'; tool: string | null; max_ms: number; rationale: string }
  | { version: 1; type: 'output_rubric'; prompt: string; pass_criteria: string[]; rationale: string };

export interface FamilyForEvaluator {
  title: string;
  description: string | null;
  kind: SignalKind | string;
  boundary: Boundary;
  severity: Severity;
  tool: string | null;
  errorType: string | null;
}

const TOOL = /\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b/g;

/** Picks the template that fits the family best; the rubric is the fallback that always applies. */
export function generateSpec(family: FamilyForEvaluator): EvaluatorSpec {
  const text = `${family.title}\n${family.description ?? ''}`;
  const order = /\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b[^.\n]{0,40}?\bbefore\b[^.\n]{0,20}?\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b/.exec(text);
  if (order && order[1] !== order[2]) {
    return { version: SPEC_VERSION, type: 'tool_order', first: order[2]!, then: order[1]!, rationale: `the failure: ${order[1]} ran before ${order[2]}` };
  }
  const tools = [...text.matchAll(TOOL)].map((m) => m[1]!);
  const tool = family.tool ?? tools[0] ?? null;
  if (/\b(loop|loops|looping|repeat(?:s|ed|edly)?|stuck|same call)\b/i.test(text) && tool) {
    return { version: SPEC_VERSION, type: 'tool_loop', tool, max_consecutive: 3, rationale: 'the failure: the agent called the same tool over and over' };
  }
  const timeout = /\b(time[sd]?[ -]?out|timed out|deadline|too slow|latency)\b/i.test(text) || family.kind === 'timeout';
  if (timeout) {
    return { version: SPEC_VERSION, type: 'latency_bound', tool, max_ms: durationMs(text) ?? 30_000, rationale: 'the failure: a call did not finish in time' };
  }
  if (family.kind === 'tool_error' || family.errorType) {
    const message = family.description ?? family.title;
    return {
      version: SPEC_VERSION,
      type: 'forbidden_error',
      tool,
      error_type: family.errorType,
      message_pattern: templatePattern(message),
      rationale: 'the failure: this error must not come back',
    };
  }
  return {
    version: SPEC_VERSION,
    type: 'output_rubric',
    prompt:
      'You are grading one run of an AI agent. Read the user input, the tool calls and the final answer.\n' +
      `Known failure to check for: ${redactSecrets(family.title)}.\n` +
      (family.description ? `Details: ${redactSecrets(family.description).slice(0, 1000)}\n` : '') +
      'Answer PASS if the run does not show this failure, FAIL if it does, then one sentence why.',
    pass_criteria: [`The run does not show: ${redactSecrets(family.title)}`, 'The answer stays within the workflow\'s policy and instructions', 'Every factual claim is supported by the tools\' output'],
    rationale: `judged by a reader: ${family.boundary} failure`,
  };
}

/** Severity 0-1 guard every release (benchmark); 2-3 widen coverage; urgent policy violations are both. */
export function routeSuite(severity: Severity, boundary: Boundary): 'benchmark' | 'coverage' | 'both' {
  if (severity === 0 && (boundary === 'permission' || boundary === 'prompt')) return 'both';
  return severity <= 1 ? 'benchmark' : 'coverage';
}

export function isBenchmark(suite: string): boolean {
  return suite === 'benchmark' || suite === 'both';
}

/** A regular expression matching the message's template: placeholders match anything on one line. */
function templatePattern(message: string): string {
  const template = maskText(message);
  return template
    .split(/<[a-z*]+>/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.+?');
}

function durationMs(text: string): number | null {
  const m = /\b(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|sec|secs|seconds?|m|min|minutes?)\b/i.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  return Math.round(unit.startsWith('ms') || unit.startsWith('milli') ? n : unit.startsWith('m') ? n * 60_000 : n * 1_000);
}
