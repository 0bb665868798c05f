// The typed context every handler sees: shared services, and the API token that authenticated the call.
import type { HttpBindings } from '@hono/node-server';
import type { Context as TraceContext } from '@opentelemetry/api';
import type { ApiToken } from '../config/env.js';
import type { GroupCommit } from '../ingest/group_commit.js';
import type { Services } from '../services.js';
import type { Logger } from '../telemetry/logger.js';

export type AppEnv = {
  /** Node's request and response under @hono/node-server; absent when a test calls app.request(). */
  Bindings: Partial<HttpBindings>;
  Variables: {
    services: Services;
    /** The inbox writer every webhook route stores through (one group commit per app). */
    inbox: GroupCommit;
    token: ApiToken | null;
    requestId: string;
    /** The trace context holding the request's server span; pass it on where the active one is not it. */
    traceContext: TraceContext;
    /** The request's logger: every line carries request_id, and trace_id/span_id of the request's span. */
    log: Logger;
    /** Set by a webhook route once it knows the delivery's type and how it was answered (for metrics). */
    delivery?: { type: string; outcome: string };
  };
};
