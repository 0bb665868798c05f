// Optional LLM-assisted drafting of an evaluator spec through an OpenAI-compatible chat completions
// endpoint (RECUR_LLM_URL, RECUR_LLM_API_KEY, RECUR_LLM_MODEL; off unless RECUR_LLM_URL is set). The model
// improves on the deterministic template; its answer is used only when it validates against the spec
// schema. Off, failing, slow or invalid: the template stands. Nothing unredacted is sent.
import type { Severity } from '../families/types.js';
import { askForJson, type LlmSettings } from '../llm.js';
import { redactSecrets } from '../redaction.js';
import { evaluatorSpecSchema } from './spec_schema.js';
import type { EvaluatorSpec, FamilyForEvaluator } from './templates.js';


export type Drafted = { spec: EvaluatorSpec; source: 'llm' } | { spec: EvaluatorSpec; source: 'template'; reason: string };

const INSTRUCTIONS = `You write regression evaluators for AI agent failures. Answer with one JSON object, nothing else, of
exactly one of these shapes (version is always 1):
{"version":1,"type":"tool_order","first":"<tool that must run first>","then":"<tool that must run after>","rationale":"..."}
{"version":1,"type":"tool_loop","tool":"<tool>","max_consecutive":<int>,"rationale":"..."}
{"version":1,"type":"forbidden_error","tool":"<tool or null>","error_type":"<type or null>","message_pattern":"<JavaScript regex>","rationale":"..."}
{"version":1,"type":"latency_bound","tool":"<tool or null>","max_ms":<int>,"rationale":"..."}
{"version":1,"type":"output_rubric","prompt":"<LLM-as-judge prompt>","pass_criteria":["..."],"rationale":"..."}
Pick the most deterministic check that catches the failure; use output_rubric only when nothing else can.`;

export async function draftSpec(llm: LlmSettings | null, family: FamilyForEvaluator & { severity: Severity }, template: EvaluatorSpec): Promise<Drafted> {
  if (!llm) return { spec: template, source: 'template', reason: 'llm drafting is off' };
  const described = {
    title: redactSecrets(family.title),
    description: family.description ? redactSecrets(family.description).slice(0, 4000) : null,
    kind: family.kind,
    boundary: family.boundary,
    tool: family.tool,
    error_type: family.errorType,
    deterministic_draft: template,
  };
  const answer = await askForJson(llm, INSTRUCTIONS, described, 15_000);
  if (!answer.ok) return { spec: template, source: 'template', reason: 'status' in answer ? `llm answered ${answer.status}` : `llm unavailable: ${answer.error}` };
  let spec: unknown;
  try {
    spec = JSON.parse(answer.content);
  } catch (err) {
    return { spec: template, source: 'template', reason: `llm unavailable: ${(err as Error).message}` };
  }
  const parsed = evaluatorSpecSchema.safeParse(spec);
  if (!parsed.success) return { spec: template, source: 'template', reason: `llm spec invalid: ${parsed.error.issues[0]?.message}` };
  return { spec: parsed.data as EvaluatorSpec, source: 'llm' };
}
