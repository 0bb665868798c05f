// Per-request telemetry: a server span that continues an inbound W3C `traceparent`, a request-scoped
// logger (request_id, plus trace_id/span_id from the span), the request-duration histogram, and for the
// webhook routes one counted outcome per delivery.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { createMiddleware } from 'hono/factory';
import { matchedRoutes } from 'hono/route';
import type { Context } from 'hono';
import { GITHUB_EVENTS } from '../ingest/github/events.js';
import { KNOWN_TYPES } from '../ingest/langsmith/envelope.js';
import { boundedLabel, deliveries, duplicates, httpDuration, statusClass } from '../telemetry/metrics.js';
import { activeTraceIds, contextFromHeaders, withSpan } from '../telemetry/tracing.js';
import type { AppEnv } from './context.js';

/** The pattern the request matched (`/v1/families/:id`), never the raw path: span names and labels stay few. */
export function matchedRoute(c: Context): string {
  const handlers = matchedRoutes(c).filter((r) => r.method !== 'ALL');
  return handlers.at(-1)?.path ?? 'unmatched';
}

export function requestTelemetry(requestIdOf: (c: Context<AppEnv>) => string) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    const method = c.req.method;
    await withSpan(method, { kind: SpanKind.SERVER, parent: contextFromHeaders(c.req.raw.headers), attributes: { 'http.request.method': method } }, async (span) => {
      const requestId = requestIdOf(c);
      c.set('requestId', requestId);
      c.set('log', c.var.services.log.child({ request_id: requestId }));
      await next();
      const route = matchedRoute(c);
      const status = c.res.status;
      span.updateName(`${method} ${route}`);
      span.setAttributes({ 'http.route': route, 'http.response.status_code': status });
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      httpDuration.observe({ method, route, status: statusClass(status) }, (performance.now() - started) / 1000);
      c.header('x-request-id', requestId);
      const ids = activeTraceIds();
      if (ids) c.header('x-trace-id', ids.trace_id);
    });
  });
}

const KNOWN_EVENT_TYPES: Record<string, ReadonlySet<string>> = {
  langsmith: new Set(Object.keys(KNOWN_TYPES)),
  github: new Set([...Object.keys(GITHUB_EVENTS), 'ping']),
  signals: new Set(['signal']),
};

/** Counts every request to a webhook route once, by how it was answered. */
export function deliveryMetrics(source: 'langsmith' | 'github' | 'signals') {
  return createMiddleware<AppEnv>(async (c, next) => {
    await next();
    const answered = c.var.delivery;
    const rawType = answered?.type ?? (source === 'github' ? c.req.header('x-github-event') : source === 'signals' ? 'signal' : undefined);
    const outcome = answered?.outcome ?? errorCodeOf(c.res.status);
    deliveries.inc({ source, type: boundedLabel(rawType, KNOWN_EVENT_TYPES[source]!), outcome });
    // A signals batch counts its duplicate items itself.
    if (outcome === 'duplicate' && source !== 'signals') duplicates.inc({ source });
  });
}

const CODE_OF_STATUS: Record<number, string> = {
  400: 'invalid_payload',
  401: 'unauthorized',
  403: 'forbidden',
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
