// With no exporter, spans are not recorded (the SDK's sampler says so) but keep real ids: a request
// continues an inbound traceparent, a root gets a new trace, and the context is handed over instead of made active;
// job spans (withSpan) are still active, so what runs inside them logs and enqueues under their ids.
import { randomBytes } from 'node:crypto';
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { activeTraceIds, currentTraceCarrier, spansRecorded, startTracing, runInContext, startContextSpan, traceIdsOf, withSpan } from '../../src/telemetry/tracing.js';

const tracing = startTracing({}, 'api');
const inbound = (flags: '00' | '01') => {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, ctx: propagation.extract(ROOT_CONTEXT, { traceparent: `00-${traceId}-${spanId}-${flags}` }) };
};

describe('tracing without an exporter', () => {
  it('records nothing', () => {
    expect(tracing).toMatchObject({ exporting: false, recording: false });
    expect(spansRecorded()).toBe(false);
  });

  it('continues an inbound traceparent with a new span id, hands the context over, and marks it unsampled', async () => {
    for (const flags of ['01', '00'] as const) {
      const parent = inbound(flags);
      const { span, ctx } = startContextSpan('POST /x', { parent: parent.ctx });
      const seen = await runInContext(ctx, async () => {
        expect(span.isRecording()).toBe(false);
        expect(trace.getActiveSpan()).toBeUndefined();
        return { ids: traceIdsOf(span), carrier: currentTraceCarrier(ctx) };
      });
      span.end();
      expect(seen.ids?.trace_id).toBe(parent.traceId);
      expect(seen.ids?.span_id).toMatch(/^[0-9a-f]{16}$/);
      expect(seen.ids?.span_id).not.toBe(parent.spanId);
      expect(seen.carrier?.traceparent).toBe(`00-${parent.traceId}-${seen.ids!.span_id}-00`);
    }
  });

  it('starts a trace of its own without a parent', async () => {
    const carrier = currentTraceCarrier(startContextSpan('GET /y', { parent: ROOT_CONTEXT }).ctx);
    expect(carrier?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    expect(carrier?.traceparent).not.toMatch(/^00-0{32}-/);
  });

  it('makes a job span active, for the log lines and the jobs of what runs inside it', async () => {
    const parent = inbound('01');
    await withSpan('job x', { parent: parent.ctx }, async (span) => {
      const ids = activeTraceIds();
      expect(ids).toEqual(traceIdsOf(span));
      expect(ids?.trace_id).toBe(parent.traceId);
      expect(currentTraceCarrier()?.traceparent).toBe(`00-${parent.traceId}-${ids!.span_id}-00`);
      await new Promise((r) => setTimeout(r, 1));
      expect(activeTraceIds()).toEqual(ids);
    });
    expect(trace.getSpan(context.active())).toBeUndefined();
  });
});
