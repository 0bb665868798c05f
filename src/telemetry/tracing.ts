// Tracing through @opentelemetry/api. A tracer provider, the W3C trace-context propagator and an
// AsyncLocalStorage context manager are always registered, so every log line carries a trace id and an
// inbound `traceparent` continues into the jobs it causes; spans are recorded and leave the process only
// when OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set, through OTLP/HTTP.
//
// Span names are low-cardinality (`POST /webhooks/langsmith`, `job inbox.process`, `github POST
// /repos/{owner}/{repo}/issues`); attributes carry ids and outcomes, never secrets, tokens, emails or
// payload text.
import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Link, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, BatchSpanProcessor, NodeTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export const tracer = trace.getTracer('recur');

export interface Tracing {
  /** True when spans are exported (an OTLP endpoint is configured). */
  readonly exporting: boolean;
  /** True when spans are recorded: exported, or handed to a test's processors. */
  readonly recording: boolean;
  /** Flushes pending spans; part of graceful shutdown. */
  shutdown(): Promise<void>;
}

let installed: Tracing | null = null;

/**
 * Registers the global tracer provider once per process. `extraProcessors` lets a test observe spans in
 * memory; production uses the OTLP exporter configured by the standard OTEL_* variables (sampler included).
 * With neither, the sampler records no span: recording spans only to drop them cost more CPU per webhook
 * than verifying and storing it. Unrecorded spans still have real ids (a new span under the parent's trace,
 * or a new trace), so `x-trace-id`, the ids in log lines and the `traceparent` a job carries work alike;
 * they are marked unsampled, so every role that should export needs the OTEL_* variables.
 */
export function startTracing(env: NodeJS.ProcessEnv, role: string, extraProcessors: SpanProcessor[] = []): Tracing {
  if (installed) return installed;
  const exporting = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) && env.OTEL_SDK_DISABLED !== 'true';
  const recording = exporting || extraProcessors.length > 0;
  const spanProcessors = [...extraProcessors];
  if (exporting) spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME || 'recur',
      [ATTR_SERVICE_VERSION]: '0.1.0',
      'recur.role': role,
    }),
    spanProcessors,
    ...(recording ? {} : { sampler: new AlwaysOffSampler() }),
  });
  provider.register({ contextManager: new AsyncLocalStorageContextManager(), propagator: new W3CTraceContextPropagator() });
  installed = {
    exporting,
    recording,
    async shutdown() {
      await provider.forceFlush().catch(() => {});
      await provider.shutdown().catch(() => {});
    },
  };
  return installed;
}

/** Runs `fn` inside an active span that records failures and always ends. */
export async function withSpan<T>(
  name: string,
  opts: { attributes?: Attributes; kind?: SpanKind; parent?: Context; links?: Link[] },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes: opts.attributes, links: opts.links }, opts.parent ?? context.active(), (span) => endingSpan(span, fn));
}

/** Whether this process records spans (see startTracing). */
export function spansRecorded(): boolean {
  return installed?.recording ?? false;
}

/**
 * Starts a span under `opts.parent` and answers it with the context that holds it. Run what belongs in it
 * through runInContext, and end it (failSpan first if it failed).
 */
export function startContextSpan(name: string, opts: { attributes?: Attributes; kind?: SpanKind; parent: Context }): { span: Span; ctx: Context } {
  const span = tracer.startSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes: opts.attributes }, opts.parent);
  return { span, ctx: trace.setSpan(opts.parent, span) };
}

/**
 * Runs `fn` with `ctx` active while spans are recorded, so that every span started below joins it.
 * Otherwise `fn` runs as it is and passes the context on itself: once AsyncLocalStorage has been used,
 * Node 20 runs a hook on every promise the process creates from then on, and that cost the api role about
 * a quarter of its CPU per webhook.
 */
export function runInContext<T>(ctx: Context, fn: () => T): T {
  return spansRecorded() ? context.with(ctx, fn) : fn();
}

async function endingSpan<T>(span: Span, fn: (span: Span) => Promise<T>): Promise<T> {
  try {
    return await fn(span);
  } catch (err) {
    failSpan(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** Marks a span failed by `err` (its name and message only: never a payload). */
export function failSpan(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? { name: err.name, message: err.message } : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : 'error' });
}

export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** The active trace context (or `ctx`) as W3C headers, to travel with a job. */
export function currentTraceCarrier(ctx: Context = context.active()): TraceCarrier | undefined {
  const carrier: TraceCarrier = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent ? carrier : undefined;
}

/** The context a job's span continues: the one its enqueuer was in, or none. */
export function contextFromCarrier(carrier: unknown): Context {
  if (!carrier || typeof carrier !== 'object') return context.active();
  const { traceparent, tracestate } = carrier as Record<string, unknown>;
  if (typeof traceparent !== 'string') return context.active();
  return propagation.extract(context.active(), { traceparent, ...(typeof tracestate === 'string' ? { tracestate } : {}) });
}

/** Links to the traces of `carriers` (the other deliveries a batch job processes). */
export function linksFromCarriers(carriers: unknown): Link[] {
  if (!Array.isArray(carriers)) return [];
  return carriers.flatMap((carrier) => {
    const spanContext = trace.getSpanContext(contextFromCarrier(carrier));
    return spanContext && trace.isSpanContextValid(spanContext) ? [{ context: spanContext }] : [];
  });
}

/**
 * The context an inbound HTTP request continues, from its `traceparent`/`tracestate` headers; without a
 * `traceparent` (most webhooks) the headers are not walked at all.
 */
export function contextFromHeaders(header: (name: string) => string | null | undefined): Context {
  const traceparent = header('traceparent');
  if (traceparent == null) return context.active();
  return contextFromCarrier({ traceparent, tracestate: header('tracestate') ?? undefined });
}

/** The trace and span ids of the active span, for log lines and response headers. */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  return traceIdsOf(trace.getActiveSpan());
}

/** The trace and span ids of `span`, when it has valid ones. */
export function traceIdsOf(span: Span | undefined): { trace_id: string; span_id: string } | undefined {
  const ctx = span?.spanContext();
  if (!ctx || !trace.isSpanContextValid(ctx)) return undefined;
  return { trace_id: ctx.traceId, span_id: ctx.spanId };
}

export { SpanKind };
