// Per-request telemetry: a server span that continues an inbound W3C `traceparent`, a request-scoped
// logger (request_id, plus trace_id/span_id from the span), the request-duration histogram, and for the
// webhook routes one counted outcome per delivery.
import { SpanKind, SpanStatusCode, type Context as TraceContext } from '@opentelemetry/api';
import { createMiddleware } from 'hono/factory';
import { matchedRoutes } from 'hono/route';
import type { Context } from 'hono';
import type { GroupCommit } from '../ingest/group_commit.js';
import { GITHUB_EVENTS } from '../ingest/github/events.js';
import { KNOWN_TYPES } from '../ingest/langsmith/envelope.js';
import { boundedLabel, deliveries, duplicates, httpDuration, statusClass } from '../telemetry/metrics.js';
import type { JobQueue } from '../queue/jobs.js';
import type { Services } from '../services.js';
import { lazyChild, type Logger } from '../telemetry/logger.js';
import { contextFromHeaders, currentTraceCarrier, failSpan, runInContext, spansRecorded, startContextSpan, traceIdsOf } from '../telemetry/tracing.js';
import type { AppEnv } from './context.js';
import { requestHeader } from './request_header.js';

/** The pattern the request matched (`/v1/families/:id`), never the raw path: span names and labels stay few. */
export function matchedRoute(c: Context): string {
  const handlers = matchedRoutes(c).filter((r) => r.method !== 'ALL');
  return handlers.at(-1)?.path ?? 'unmatched';
}

/**
 * The first middleware of every request: sets the services (and the api role's inbox writer) on the
 * context, runs the rest of the request in its server span with a request-scoped logger, observes its
 * duration, and asks a client to reconnect elsewhere once this instance is shutting down.
 */
export function requestTelemetry(
  services: Services,
  { inbox, requestIdOf, deliveryPaths }: { inbox?: GroupCommit; requestIdOf: (c: Context<AppEnv>) => string; deliveryPaths?: ReadonlyMap<string, DeliverySource> },
) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    const method = c.req.method;
    c.set('services', services);
    if (inbox) c.set('inbox', inbox);
    const { span, ctx: traceContext } = startContextSpan(method, {
      kind: SpanKind.SERVER,
      parent: contextFromHeaders((name) => requestHeader(c, name)),
      attributes: { 'http.request.method': method },
    });
    const requestId = requestIdOf(c);
    const ids = traceIdsOf(span);
    c.set('requestId', requestId);
    c.set('traceContext', traceContext);
    if (spansRecorded()) {
      // The span is the active one: log lines take its ids from there.
      c.set('log', lazyChild(services.log, { request_id: requestId }));
    } else {
      c.set('log', lazyChild(services.log, { request_id: requestId, ...ids }));
      if (ids) c.set('services', new ServicesInTrace(services, traceContext, ids));
    }
    // Served by Node, the ids go onto Node's response, which every answer is written to however it was
    // built: set through the context they would turn hono's plain answer headers into a web Headers
    // object, on every request. Otherwise (app.request() in tests) they are set before the answer exists,
    // and checked on it afterwards.
    const outgoing = c.env?.outgoing;
    const set = outgoing ? (name: string, value: string) => void outgoing.setHeader(name, value) : (name: string, value: string) => c.header(name, value);
    const setIds = () => {
      set('x-request-id', requestId);
      if (ids) set('x-trace-id', ids.trace_id);
    };
    setIds();
    try {
      await runInContext(traceContext, next);
      const route = matchedRoute(c);
      const status = c.res.status;
      if (span.isRecording()) {
        span.updateName(`${method} ${route}`);
        span.setAttributes({ 'http.route': route, 'http.response.status_code': status });
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      }
      httpDuration.observe({ method, route, status: statusClass(status) }, (performance.now() - started) / 1000);
      const source = deliveryPaths?.get(c.req.path);
      if (source) countDelivery(c, source);
      // An answer built elsewhere (a Response object returned as is) did not see the prepared headers.
      if (!outgoing && c.res.headers.get('x-request-id') !== requestId) setIds();
    } catch (err) {
      failSpan(span, err);
      throw err;
    } finally {
      span.end();
    }
    // Shutting down: the client's next request must open a new connection (to another instance).
    if (services.lifecycle.draining) c.header('connection', 'close');
  });
}

/**
 * The services a handler sees while the request's trace context is not the active one (spans are not
 * recorded, see runInContext): what it logs carries the request's trace and span ids, and the jobs it
 * queues continue the request's trace, as both would from the active context. Built on first use: the
 * webhook routes read only the config.
 */
class ServicesInTrace implements Services {
  #log: Logger | undefined;
  #queue: JobQueue | undefined;

  constructor(
    private readonly base: Services,
    private readonly traceContext: TraceContext,
    private readonly ids: { trace_id: string; span_id: string },
  ) {}

  get log(): Logger {
    return (this.#log ??= this.base.log.child(this.ids));
  }
  get queue(): JobQueue {
    if (this.#queue) return this.#queue;
    const { queue } = this.base;
    const trace = currentTraceCarrier(this.traceContext);
    const traced: JobQueue = Object.create(queue);
    traced.enqueue = (name, payload, opts) => queue.enqueue(name, payload, opts.trace || !trace ? opts : { ...opts, trace });
    return (this.#queue = traced);
  }
  get config() {
    return this.base.config;
  }
  get database() {
    return this.base.database;
  }
  get sink() {
    return this.base.sink;
  }
  get defaultRepo() {
    return this.base.defaultRepo;
  }
  get lifecycle() {
    return this.base.lifecycle;
  }
  close() {
    return this.base.close();
  }
}

const KNOWN_EVENT_TYPES: Record<DeliverySource, ReadonlySet<string>> = {
  langsmith: new Set(Object.keys(KNOWN_TYPES)),
  github: new Set([...Object.keys(GITHUB_EVENTS), 'ping']),
  signals: new Set(['signal']),
};

export type DeliverySource = 'langsmith' | 'github' | 'signals';

/**
 * Counts a request to a webhook route once, by how it was answered. Counted by the request telemetry
 * rather than by a middleware of its own: every layer of middleware is another async call on each
 * delivery.
 */
function countDelivery(c: Context<AppEnv>, source: DeliverySource): void {
  const answered = c.get('delivery');
  const rawType = answered?.type ?? (source === 'github' ? requestHeader(c, 'x-github-event') : source === 'signals' ? 'signal' : undefined);
  const outcome = answered?.outcome ?? errorCodeOf(c.res.status);
  deliveries.inc({ source, type: boundedLabel(rawType, KNOWN_EVENT_TYPES[source]!), outcome });
  // A signals batch counts its duplicate items itself.
  if (outcome === 'duplicate' && source !== 'signals') duplicates.inc({ source });
}

const CODE_OF_STATUS: Record<number, string> = {
  400: 'invalid_payload',
  401: 'unauthorized',
  403: 'forbidden',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
};

function errorCodeOf(status: number): string {
  if (status < 400) return status === 200 ? 'ok' : 'accepted';
  return CODE_OF_STATUS[status] ?? statusClass(status);
}
