// Turns a validated LangSmith Engine event into what recur works with: a Signal for issue events, an
// operational record for failed Engine runs.
import type { FileConfig } from '../../config/file.js';
import { resolveWorkflow } from '../../families/workflow.js';
import type { Severity, Signal, TraceRef } from '../../families/types.js';
import type { AgentRunObject, Envelope, IssueObject, TraceObject } from './envelope.js';

export const LANGSMITH = 'langsmith';

export type Normalized =
  | { kind: 'signal'; signal: Signal }
  | {
      kind: 'operational';
      record: { kind: string; workflow?: string; status?: string; message?: string; occurredAt: Date; detail: Record<string, unknown> };
    }
  | { kind: 'ignored' };

export function normalizeLangsmith(envelope: Envelope, workflows: FileConfig['workflows']): Normalized {
  const data = envelope.data as Record<string, unknown>;
  const occurredAt = envelope.created ? new Date(envelope.created * 1000) : new Date();
  switch (envelope.type) {
    case 'issue.created':
    case 'issue.trace.added': {
      const issue = data.object as IssueObject;
      const trace = envelope.type === 'issue.trace.added' ? traceRef(issue, data.trace as TraceObject) : undefined;
      return {
        kind: 'signal',
        signal: {
          source: LANGSMITH,
          kind: 'anomaly',
          workflow: resolveWorkflow(workflows, { source: LANGSMITH, project: issue.session_name }),
          title: issue.name,
          description: issue.description ?? undefined,
          severity: (issue.severity ?? undefined) as Severity | undefined,
          tenant: issue.tenant_name ?? issue.tenant_id ?? undefined,
          upstream: { source: LANGSMITH, id: issue.id, url: issue.url ?? undefined },
          trace,
          occurredAt: trace?.startTime ? new Date(trace.startTime) : occurredAt,
          requestId: envelope.request_id ?? undefined,
          // issue.created announces the upstream grouping; its traces arrive as issue.trace.added.
          countsAsOccurrence: envelope.type === 'issue.trace.added',
        },
      };
    }
    case 'issue.agent_run.failed': {
      const run = data.object as AgentRunObject;
      return {
        kind: 'operational',
        record: {
          kind: envelope.type,
          workflow: run.session_name
            ? resolveWorkflow(workflows, { source: LANGSMITH, project: run.session_name })
            : undefined,
          status: run.status ?? undefined,
          message: run.error_message ?? undefined,
          occurredAt: run.occurred_at ? new Date(run.occurred_at) : occurredAt,
          detail: { url: run.url, thread_id: run.thread_id, run_id: run.run_id, tenant: run.tenant_name ?? run.tenant_id },
        },
      };
    }
    default:
      return { kind: 'ignored' };
  }
}

/** LangSmith links a run as /o/<tenant>/projects/p/<project>/r/<run>?trace_id=<trace>, on the issue's host. */
function traceRef(issue: IssueObject, trace: TraceObject): TraceRef {
  let url: string | undefined;
  if (issue.url && issue.tenant_id && issue.session_id) {
    try {
      const origin = new URL(issue.url).origin;
      const path = ['o', issue.tenant_id, 'projects', 'p', issue.session_id, 'r', trace.run_id].map(encodeURIComponent).join('/');
      url = `${origin}/${path}?trace_id=${encodeURIComponent(trace.trace_id)}`;
    } catch {
      url = undefined;
    }
  }
  return {
    traceId: trace.trace_id,
    runId: trace.run_id,
    url,
    startTime: trace.start_time ?? undefined,
    comment: trace.comment ?? undefined,
  };
}
