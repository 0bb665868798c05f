// With span processors (an exporter, or here a test's), every span is recorded and the request's context
// is made active, so spans started anywhere below it are its children.
import { ROOT_CONTEXT, propagation } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { runTracedJob, withTraceContext } from '../../src/queue/job_telemetry.js';
import { activeTraceIds, runInContext, spansRecorded, startContextSpan, startTracing, traceIdsOf, withSpan } from '../../src/telemetry/tracing.js';

const exporter = new InMemorySpanExporter();
startTracing({}, 'api', [new SimpleSpanProcessor(exporter)]);

describe('tracing with span processors', () => {
  it('records the request span and the spans started inside it as its children', async () => {
    expect(spansRecorded()).toBe(true);
    const traceId = 'a'.repeat(32);
    const parent = propagation.extract(ROOT_CONTEXT, { traceparent: `00-${traceId}-${'b'.repeat(16)}-01` });
    const { span, ctx } = startContextSpan('POST /webhooks/langsmith', { parent });
    await runInContext(ctx, async () => {
      expect(span.isRecording()).toBe(true);
      expect(activeTraceIds()).toEqual(traceIdsOf(span));
      await withSpan('db store_delivery', {}, async () => {});
    });
    span.end();
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.name === 'POST /webhooks/langsmith')!;
    const store = spans.find((s) => s.name === 'db store_delivery')!;
    expect(server.spanContext().traceId).toBe(traceId);
    expect(server.parentSpanContext?.spanId).toBe('b'.repeat(16));
    expect(store.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
  });

  it("continues a batch job's first delivery's trace and links the others'", async () => {
    const traceparent = (t: string) => ({ traceparent: `00-${t.repeat(32)}-${'c'.repeat(16)}-01` });
    const data = withTraceContext({ eventIds: ['x'] }, traceparent('1'), [traceparent('2'), traceparent('3'), { traceparent: 'not one' }]);
    await runTracedJob('inbox.process', data, 1, async () => {});
    const job = exporter.getFinishedSpans().find((s) => s.name === 'job inbox.process')!;
    expect(job.spanContext().traceId).toBe('1'.repeat(32));
    expect(job.links.map((l) => l.context.traceId)).toEqual(['2'.repeat(32), '3'.repeat(32)]);
  });
});
