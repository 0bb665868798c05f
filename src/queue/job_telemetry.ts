// What every queue driver does around a job: the enqueuer's trace context travels in the job's data
// (`_trace`, stripped again when the payload is parsed), and each run is a `job <name>` span that
// continues it and is timed in recur_job_duration_seconds.
import { SpanKind } from '@opentelemetry/api';
import { jobDuration } from '../telemetry/metrics.js';
import { contextFromCarrier, currentTraceCarrier, withSpan, type TraceCarrier } from '../telemetry/tracing.js';
import type { JobName } from './jobs.js';

/** The job's data as stored in the queue: its payload plus the trace context of whoever queued it. */
export function withTraceContext<P extends object>(payload: P, carrier: TraceCarrier | undefined = currentTraceCarrier()): P & { _trace?: TraceCarrier } {
  return carrier ? { ...payload, _trace: carrier } : payload;
}

export async function runTracedJob(name: JobName, data: unknown, attempt: number, run: () => Promise<void>): Promise<void> {
  const started = performance.now();
  let outcome = 'ok';
  try {
    await withSpan(
      `job ${name}`,
      {
        kind: SpanKind.CONSUMER,
        parent: contextFromCarrier((data as { _trace?: unknown } | null)?._trace),
        attributes: { 'messaging.operation.type': 'process', 'recur.job.name': name, 'recur.job.attempt': attempt },
      },
      run,
    );
  } catch (err) {
    outcome = 'error';
    throw err;
  } finally {
    jobDuration.observe({ job: name, outcome }, (performance.now() - started) / 1000);
  }
}
