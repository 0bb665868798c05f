// The optional semantic step's client: an OpenAI-compatible embeddings endpoint (RECUR_EMBEDDINGS_URL, its
// model RECUR_EMBEDDINGS_MODEL, RECUR_EMBEDDINGS_API_KEY), e.g. a local model server. Off unless both URL
// and model are set, so grouping is deterministic by default. Only redacted text is sent; an error, a
// timeout or a malformed answer gives no vector, and grouping goes on without the step.
import { LRUCache } from 'lru-cache';
import { redactSecrets } from '../../redaction.js';

export interface EmbeddingSettings {
  url: string;
  model: string;
  apiKey?: string;
  /** Cosine similarity at or above which a signal joins the closest family. */
  threshold: number;
  timeoutMs: number;
}

export interface Embedder {
  model: string;
  threshold: number;
  /** The text's vector, or null when the endpoint could not give one in time. */
  embed(text: string): Promise<number[] | null>;
}

export interface EmbedderLog {
  warn(obj: object, msg: string): void;
}

/** Longest text sent, in characters: the start of a failure report says what it is. */
const MAX_TEXT = 2_000;

export function createEmbedder(settings: EmbeddingSettings, log?: EmbedderLog): Embedder {
  // Recurrences bring the same text again: their vectors are kept.
  const cache = new LRUCache<string, number[]>({ max: 2_000 });
  return {
    model: settings.model,
    threshold: settings.threshold,
    async embed(text) {
      const input = redactSecrets(text).slice(0, MAX_TEXT);
      const cached = cache.get(input);
      if (cached) return cached;
      try {
        const res = await fetch(`${settings.url.replace(/\/$/, '')}/embeddings`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {}) },
          body: JSON.stringify({ model: settings.model, input }),
          signal: AbortSignal.timeout(settings.timeoutMs),
        });
        if (!res.ok) throw new Error(`the embeddings endpoint answered ${res.status}`);
        const vector = vectorOf(await res.json());
        if (!vector) throw new Error('the embeddings endpoint answered without a vector of numbers');
        cache.set(input, vector);
        return vector;
      } catch (err) {
        log?.warn({ err: (err as Error).message }, 'semantic grouping skipped: no embedding');
        return null;
      }
    },
  };
}

/** `data[0].embedding` of an OpenAI-style answer, when it is a non-empty list of finite numbers. */
export function vectorOf(body: unknown): number[] | null {
  const embedding = (body as { data?: Array<{ embedding?: unknown }> } | null)?.data?.[0]?.embedding;
  if (!Array.isArray(embedding) || embedding.length === 0 || embedding.length > 16_384) return null;
  return embedding.every((x) => typeof x === 'number' && Number.isFinite(x)) ? (embedding as number[]) : null;
}

export function cosine(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** A family's vector after one more signal: the running mean of its signals' vectors. */
export function foldVector(vector: readonly number[], signals: number, next: readonly number[]): number[] {
  return vector.map((x, i) => (x * signals + next[i]!) / (signals + 1));
}
