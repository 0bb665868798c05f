// Optional model judgement of a family's boundary, for a family the rules leave `unknown`: its redacted
// evidence goes to an OpenAI-compatible chat completions endpoint (the RECUR_LLM_* setting evaluator drafting
// uses) and the answer counts only when parseModelBoundary accepts it. Any failure, slow answer or other shape
// leaves the family `unknown`. Called outside any transaction: no database lock waits on the model.
import { askForJson, type LlmSettings } from '../llm.js';
import { redactSecrets } from '../redaction.js';
import { parseModelBoundary, type ModelBoundary } from './boundary.js';

/** What the model is shown of a family: the same kind of text its ticket shows, with secrets and personal data redacted. */
export interface FamilyEvidenceForModel {
  title: string;
  description: string | null;
  workflow: string;
  kind: string;
  tool: string | null;
  errorType: string | null;
  /** Masked message templates of recent occurrences. */
  templates: string[];
  /** Comments on recent traces. */
  comments: string[];
}

export type ModelJudgement = ({ result: 'answered' } & ModelBoundary) | { result: 'failed'; reason: string };

/** The model is asked while a ticket sync waits: a slow one is given up on quickly. */
export const MODEL_TIMEOUT_MS = 8_000;

const INSTRUCTIONS = `You classify where an AI agent's recurring failure lives. Answer with one JSON object and nothing else:
{"boundary": "<one of prompt, tool_contract, context_source, model_route, permission, downstream_api>", "reason": "<one short sentence naming the evidence>"}
- prompt: the agent's instructions or output handling (wrong tool choice or order, format, tone, leaked data, injection)
- tool_contract: a tool's arguments or schema (validation errors, wrong types, unknown tool, bad queries)
- context_source: what was retrieved or fed to the agent (missing, stale or irrelevant documents, citations)
- model_route: the model call itself (model not found, context length, content filter, provider errors)
- permission: authentication or authorization (401, 403, missing scopes, forbidden data)
- downstream_api: an external service the agent called (timeouts, 5xx, rate limits, outages)
If the evidence does not say, pick the most likely one and say so in the reason.`;

function describe(evidence: FamilyEvidenceForModel) {
  const text = (value: string | null, max: number) => (value === null ? null : redactSecrets(value).slice(0, max));
  return {
    title: text(evidence.title, 500),
    description: text(evidence.description, 2_000),
    workflow: text(evidence.workflow, 200),
    kind: evidence.kind,
    tool: text(evidence.tool, 200),
    error_type: text(evidence.errorType, 200),
    recent_messages: evidence.templates.slice(0, 5).map((t) => text(t, 500)),
    trace_comments: evidence.comments.slice(0, 5).map((c) => text(c, 500)),
  };
}

export async function judgeBoundaryByModel(llm: LlmSettings, evidence: FamilyEvidenceForModel): Promise<ModelJudgement> {
  const answer = await askForJson(llm, INSTRUCTIONS, describe(evidence), MODEL_TIMEOUT_MS);
  if (!answer.ok) return { result: 'failed', reason: 'status' in answer ? `the model answered ${answer.status}` : `the model was unavailable: ${answer.error}` };
  const parsed = parseModelBoundary(answer.content);
  if (!parsed) return { result: 'failed', reason: 'the model did not name one of the six boundaries with a reason' };
  return { result: 'answered', ...parsed };
}
