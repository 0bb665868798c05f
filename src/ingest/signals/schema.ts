// The generic failure signal of docs/contract.md section 3 (`POST /v1/signals`), from eval CI, user feedback,
// tool gateways or OpenTelemetry pipelines, and its normalization to recur's Signal.
import { z } from 'zod';
import { BOUNDARIES, SIGNAL_KINDS, type Signal, type Severity } from '../../families/types.js';
import { timestampSchema } from '../timestamps.js';

export const MAX_BATCH = 500;

const optionalText = (max: number) =>
  z
    .string()
    .max(max)
    .optional()
    .transform((v) => (v && v.trim() ? v.trim() : undefined));

export const signalSchema = z.looseObject({
  id: z.string().min(1).max(200),
  source: z.string().regex(/^[\w.:-]{1,100}$/, 'expected 1-100 letters, digits, dots, colons, dashes or underscores'),
  kind: z.enum(SIGNAL_KINDS).default('other'),
  workflow: z.string().trim().min(1).max(200),
  title: z.string().trim().min(1).max(1000),
  message: optionalText(20_000),
  severity: z.number().int().min(0).max(3).optional(),
  boundary: z.enum(BOUNDARIES).optional(),
  tool: optionalText(200),
  error_type: optionalText(200),
  release: optionalText(100),
  environment: optionalText(100),
  tenant: optionalText(200),
  trace: z
    .looseObject({
      trace_id: z.string().min(1).max(200),
      run_id: z.string().max(200).optional(),
      url: z.url().max(4000).optional(),
      start_time: timestampSchema.optional(),
    })
    .optional(),
  occurred_at: timestampSchema.optional(),
  attributes: z
    .record(z.string().max(100), z.union([z.string().max(1000), z.number(), z.boolean()]))
    .refine((a) => Object.keys(a).length <= 50, 'at most 50 attributes')
    .optional(),
  upstream: z.object({ source: z.string().min(1).max(100), id: z.string().min(1).max(200), url: z.url().max(4000).optional() }).optional(),
});

export type SignalInput = z.output<typeof signalSchema>;

export type ParsedSignals = { ok: true; signals: SignalInput[] } | { ok: false; message: string };

/** One signal or `{"signals": [...]}`: all valid, or the first invalid item named by its index. */
export function parseSignals(body: unknown): ParsedSignals {
  const isBatch = typeof body === 'object' && body !== null && !Array.isArray(body) && 'signals' in body;
  const items: unknown = isBatch ? (body as { signals: unknown }).signals : body;
  if (isBatch) {
    if (!Array.isArray(items)) return { ok: false, message: 'signals: expected an array' };
    if (items.length === 0) return { ok: false, message: 'signals: expected at least one signal' };
    if (items.length > MAX_BATCH) return { ok: false, message: `signals: at most ${MAX_BATCH} signals per request, got ${items.length}` };
  }
  const list = isBatch ? (items as unknown[]) : [items];
  const signals: SignalInput[] = [];
  const seen = new Set<string>();
  for (const [index, item] of list.entries()) {
    const parsed = signalSchema.safeParse(item);
    const where = isBatch ? `signals[${index}]` : 'signal';
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return { ok: false, message: `${[where, ...issue.path].join('.')}: ${issue.message}` };
    }
    const key = `${parsed.data.source}\u0000${parsed.data.id}`;
    if (seen.has(key)) return { ok: false, message: `${where}: repeats source "${parsed.data.source}" and id "${parsed.data.id}" from earlier in the batch` };
    seen.add(key);
    signals.push(parsed.data);
  }
  return { ok: true, signals };
}

export function toSignal(input: SignalInput, receivedAt: Date): Signal {
  return {
    source: input.source,
    kind: input.kind,
    workflow: input.workflow,
    title: input.title,
    message: input.message,
    severity: input.severity as Severity | undefined,
    boundary: input.boundary,
    tool: input.tool,
    errorType: input.error_type,
    release: input.release,
    environment: input.environment,
    tenant: input.tenant,
    upstream: input.upstream,
    trace: input.trace
      ? { traceId: input.trace.trace_id, runId: input.trace.run_id ?? '', url: input.trace.url, startTime: input.trace.start_time }
      : undefined,
    occurredAt: new Date(input.occurred_at ?? input.trace?.start_time ?? receivedAt.toISOString()),
    attributes: input.attributes,
  };
}
