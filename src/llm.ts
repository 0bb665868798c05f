// The optional model (RECUR_LLM_URL, RECUR_LLM_API_KEY, RECUR_LLM_MODEL): one JSON answer from an
// OpenAI-compatible chat completions endpoint, for evaluator drafting and boundary judgement. Callers send
// only redacted text, and treat every failure as "no answer".

export interface LlmSettings {
  url: string;
  apiKey?: string;
  model: string;
  timeoutMs?: number;
}

/** The model's answer text, or why there is none: its HTTP status, or the error that stopped the call. */
export type LlmAnswer = { ok: true; content: string } | { ok: false; status: number } | { ok: false; error: string };

export async function askForJson(llm: LlmSettings, instructions: string, input: unknown, defaultTimeoutMs: number): Promise<LlmAnswer> {
  try {
    const res = await fetch(`${llm.url.replace(/\/$/, '')}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(llm.apiKey ? { authorization: `Bearer ${llm.apiKey}` } : {}) },
      body: JSON.stringify({
        model: llm.model,
        temperature: 0,
        response_format: { type: 'json_object' },
        messages: [
          { role: 'system', content: instructions },
          { role: 'user', content: JSON.stringify(input) },
        ],
      }),
      signal: AbortSignal.timeout(llm.timeoutMs ?? defaultTimeoutMs),
    });
    if (!res.ok) return { ok: false, status: res.status };
    const body = (await res.json()) as { choices?: Array<{ message?: { content?: unknown } }> };
    const content = body.choices?.[0]?.message?.content;
    return typeof content === 'string' ? { ok: true, content } : { ok: false, error: 'the answer has no message content' };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
