// Tracing through @opentelemetry/api. A tracer provider, the W3C trace-context propagator and an
// AsyncLocalStorage context manager are always registered, so every log line carries a trace id and an
// inbound `traceparent` continues into the jobs it causes; spans leave the process only when
// OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set, through OTLP/HTTP.
//
// Span names are low-cardinality (`POST /webhooks/langsmith`, `job inbox.process`, `github POST
// /repos/{owner}/{repo}/issues`); attributes carry ids and outcomes, never secrets, tokens, emails or
// payload text.
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export const tracer = trace.getTracer('recur');

export interface Tracing {
  /** True when spans are exported (an OTLP endpoint is configured). */
  readonly exporting: boolean;
  /** Flushes pending spans; part of graceful shutdown. */
  shutdown(): Promise<void>;
}

let installed: Tracing | null = null;

/**
 * Registers the global tracer provider once per process. `extraProcessors` lets a test observe spans in
 * memory; production uses the OTLP exporter configured by the standard OTEL_* variables.
 */
export function startTracing(env: NodeJS.ProcessEnv, role: string, extraProcessors: SpanProcessor[] = []): Tracing {
  if (installed) return installed;
  const exporting = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) && env.OTEL_SDK_DISABLED !== 'true';
  const spanProcessors = [...extraProcessors];
  if (exporting) spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME || 'recur',
      [ATTR_SERVICE_VERSION]: '0.1.0',
      'recur.role': role,
    }),
    spanProcessors,
  });
  provider.register({ contextManager: new AsyncLocalStorageContextManager(), propagator: new W3CTraceContextPropagator() });
  installed = {
    exporting,
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
  opts: { attributes?: Attributes; kind?: SpanKind; parent?: Context },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes: opts.attributes }, opts.parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err instanceof Error ? { name: err.name, message: err.message } : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : 'error' });
      throw err;
    } finally {
      span.end();
    }
  });
}

export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** The active trace context as W3C headers, to travel with a job. */
export function currentTraceCarrier(): TraceCarrier | undefined {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? carrier : undefined;
}

/** The context a job's span continues: the one its enqueuer was in, or none. */
export function contextFromCarrier(carrier: unknown): Context {
  if (!carrier || typeof carrier !== 'object') return context.active();
  const { traceparent, tracestate } = carrier as Record<string, unknown>;
  if (typeof traceparent !== 'string') return context.active();
  return propagation.extract(context.active(), { traceparent, ...(typeof tracestate === 'string' ? { tracestate } : {}) });
}

/** The context an inbound HTTP request continues, from its `traceparent`/`tracestate` headers. */
export function contextFromHeaders(headers: Headers): Context {
  return propagation.extract(context.active(), headers, {
    get: (carrier, key) => carrier.get(key) ?? undefined,
    keys: (carrier) => [...carrier.keys()],
  });
}

/** The trace and span ids of the active span, for log lines and response headers. */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  const ctx = trace.getActiveSpan()?.spanContext();
  if (!ctx || !trace.isSpanContextValid(ctx)) return undefined;
  return { trace_id: ctx.traceId, span_id: ctx.spanId };
}

export { SpanKind };
