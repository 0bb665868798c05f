// Prometheus metrics (prom-client), served at GET /metrics by every role. Counters and histograms are
// updated where things happen; the gauges that describe stored state (queue depth, pending and dead
// inbox rows, families by status) are read when scraped. Every label has a small, closed set of values:
// nothing a sender controls becomes a label value unless it is on a known list.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'recur_' });

export const deliveries = new Counter({
  name: 'recur_deliveries_total',
  help: 'Inbound webhook deliveries by source, event type and outcome (accepted, duplicate, conflict, ignored, or the error code)',
  labelNames: ['source', 'type', 'outcome'] as const,
  registers: [registry],
});

export const duplicates = new Counter({
  name: 'recur_duplicates_total',
  help: 'Deliveries and batched signals recognised as already stored (answered from the unique index)',
  labelNames: ['source'] as const,
  registers: [registry],
});

export const httpDuration = new Histogram({
  name: 'recur_http_request_duration_seconds',
  help: 'Time to answer an HTTP request, by route pattern and status class',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

export const jobDuration = new Histogram({
  name: 'recur_job_duration_seconds',
  help: 'Time a job took to run, by job name and outcome (ok, error: retried or, after the last attempt, dead)',
  labelNames: ['job', 'outcome'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export const inboxBatchEvents = new Histogram({
  name: 'recur_inbox_batch_events',
  help: 'Inbox events applied by one processing transaction',
  buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
  registers: [registry],
});

export const inboxCommitDeliveries = new Histogram({
  name: 'recur_inbox_commit_deliveries',
  help: 'Deliveries stored by one inbox statement (group commit) in the api',
  buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
  registers: [registry],
});

export const inboxRelayEvents = new Histogram({
  name: 'recur_inbox_relay_events',
  help: 'Inbox events named by one job the api queued for processing',
  buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
  registers: [registry],
});

export const inboxBatchSplits = new Counter({
  name: 'recur_inbox_batch_splits_total',
  help: 'Batches whose transaction failed and whose listed events were retried one by one',
  registers: [registry],
});

export const eventDelay = new Histogram({
  name: 'recur_event_processing_delay_seconds',
  help: 'From a delivery being stored to its family being updated',
  labelNames: ['source'] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [registry],
});

export const sideEffects = new Counter({
  name: 'recur_side_effects_total',
  help: 'External side effects through the ledger, by kind and outcome (performed, reconciled, recorded, failed)',
  labelNames: ['kind', 'outcome'] as const,
  registers: [registry],
});

export const githubRateLimitRemaining = new Gauge({
  name: 'recur_github_rate_limit_remaining',
  help: 'x-ratelimit-remaining of the latest GitHub REST answer',
  registers: [registry],
});

export const githubRequests = new Counter({
  name: 'recur_github_requests_total',
  help: 'GitHub REST requests by method and status class',
  labelNames: ['method', 'status'] as const,
  registers: [registry],
});

export const gateDecisions = new Counter({
  name: 'recur_gate_decisions_total',
  help: 'Release-gate answers by decision',
  labelNames: ['decision'] as const,
  registers: [registry],
});

export const rateLimited = new Counter({
  name: 'recur_rate_limited_total',
  help: 'Requests answered 429, by what hit its limit (address, token, or auth_failure: an address whose requests keep failing authentication)',
  labelNames: ['limit'] as const,
  registers: [registry],
});

export const loadShed = new Counter({
  name: 'recur_load_shed_total',
  help: 'Deliveries answered 503 before their body was read, by the pressure that shed them (store_wait or inbox_backlog)',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const queueDepth = new Gauge({
  name: 'recur_queue_depth',
  help: 'Jobs waiting or delayed, per queue',
  labelNames: ['queue'] as const,
  registers: [registry],
});

export const inboxRows = new Gauge({
  name: 'recur_inbox_events',
  help: 'Inbox rows by state: pending, stuck (pending past the sweep grace with nobody on them), dead',
  labelNames: ['state'] as const,
  registers: [registry],
});

export const oldestPendingAge = new Gauge({
  name: 'recur_inbox_oldest_pending_age_seconds',
  help: 'Age of the oldest pending inbox row (0 when none)',
  registers: [registry],
});

export const familiesByStatus = new Gauge({
  name: 'recur_families',
  help: 'Failure families by status',
  labelNames: ['status'] as const,
  registers: [registry],
});

/** A label value from a known set, else `other`: a sender cannot mint new time series. */
export function boundedLabel(value: string | undefined, known: ReadonlySet<string>): string {
  if (!value) return 'unknown';
  return known.has(value) ? value : 'other';
}

/** `404` → `4xx`: status classes keep the label set small. */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}
