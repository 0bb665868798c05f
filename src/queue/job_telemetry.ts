// What every queue driver does around a job: the enqueuer's trace context travels in the job's data
// (`_trace`, stripped again when the payload is parsed), and each run is a `job <name>` span that
// continues it, linked to the traces of the other deliveries a batch job carries (`_links`), and is
// timed in recur_job_duration_seconds.
import { SpanKind } from '@opentelemetry/api';
import { jobDuration } from '../telemetry/metrics.js';
import { contextFromCarrier, currentTraceCarrier, linksFromCarriers, withSpan, type TraceCarrier } from '../telemetry/tracing.js';
import type { JobName } from './jobs.js';

/**
 * The job's data as stored in the queue: its payload plus the trace context of whoever queued it, and
 * those of the other deliveries it carries on (`_links`, a batch job's).
 */
export function withTraceContext<P extends object>(
  payload: P,
  carrier: TraceCarrier | undefined = currentTraceCarrier(),
  links: readonly TraceCarrier[] = [],
): P & { _trace?: TraceCarrier; _links?: TraceCarrier[] } {
  // Keys added one at a time: in Node 20, a spread followed by more keys gives the object a new hidden class
  // on every call (with the delivery log line, about a tenth of the API's CPU per delivery; commit c9c2341).
  const data: P & { _trace?: TraceCarrier; _links?: TraceCarrier[] } = Object.assign({}, payload);
  if (carrier) data._trace = carrier;
  if (links.length > 0) data._links = [...links];
  return data;
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
        links: linksFromCarriers((data as { _links?: unknown } | null)?._links),
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
