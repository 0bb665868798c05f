// A sender that behaves like LangSmith Engine, for fault drills: signed `issue.created` and
// `issue.trace.added` deliveries for several failure families, sent at a steady rate, each retried on 5xx,
// 429 and network errors with exponential backoff and jitter (honouring Retry-After) until it gets a final
// answer. It records every answer, so a drill can say what was accepted and what the sender saw meanwhile.
import { randomUUID } from 'node:crypto';
import { signedHeaders } from './fixtures.js';

export interface ScenarioFamily {
  issueId: string;
  name: string;
  session: string;
  severity: number;
}

export interface ScenarioDelivery {
  id: string;
  family: number;
  type: 'issue.created' | 'issue.trace.added';
  /** The trace a trace.added brings; a repeat of an earlier trace has the same one under a new delivery id. */
  trace?: { traceId: string; runId: string };
  body: string;
}

export interface Scenario {
  families: ScenarioFamily[];
  /** In sending order: the families interleaved, each starting with its issue.created. */
  deliveries: ScenarioDelivery[];
}

/** What a family should end with once every delivery is processed exactly once. */
export function expectedCounts(scenario: Scenario, family: number) {
  const mine = scenario.deliveries.filter((d) => d.family === family);
  const traces = mine.filter((d) => d.trace);
  return {
    events: new Set(mine.map((d) => d.id)).size,
    occurrences: new Set(traces.map((d) => d.id)).size,
    traces: new Set(traces.map((d) => `${d.trace!.traceId}/${d.trace!.runId}`)).size,
  };
}

const WORDS = ['refund', 'lookup', 'policy', 'invoice', 'routing', 'escalation', 'memory', 'citation', 'schema', 'handoff'];

/**
 * `families` LangSmith issues with `tracesPerFamily` traces each; every tenth trace is sent again under a new
 * delivery id (LangSmith reporting a trace twice), which must add an event but not a trace.
 */
export function buildScenario(opts: { families: number; tracesPerFamily: number }): Scenario {
  const now = Date.now();
  const families = Array.from({ length: opts.families }, (_, i) => ({
    issueId: randomUUID(),
    // Distinct wording per family, so no two are near-duplicates of each other.
    name: `Agent ${WORDS[i % WORDS.length]} step ${i} fails: ${randomUUID().slice(0, 8)} ${WORDS[(i * 3 + 1) % WORDS.length]} contract broken`,
    session: `drill-agent-${i}`,
    severity: i % 4,
  }));
  const envelope = (f: ScenarioFamily, type: ScenarioDelivery['type'], requestId: string, trace?: ScenarioDelivery['trace'], at = now) => {
    const id = randomUUID();
    const body = JSON.stringify({
      id,
      type,
      created: Math.floor(at / 1000),
      request_id: requestId,
      data: {
        object: { id: f.issueId, name: f.name, description: `Drill family ${f.session}`, severity: f.severity, tenant_name: 'Drill Tenant', session_name: f.session, url: `https://smith.example/issues/${f.issueId}` },
        ...(trace ? { trace: { run_id: trace.runId, trace_id: trace.traceId, start_time: new Date(at).toISOString(), comment: `trace ${trace.traceId.slice(0, 8)}` } } : {}),
      },
    });
    return { id, type, trace, body };
  };
  const perFamily = families.map((f, family) => {
    const requestId = randomUUID();
    const list: ScenarioDelivery[] = [{ ...envelope(f, 'issue.created', requestId), family }];
    const traces: Array<NonNullable<ScenarioDelivery['trace']>> = [];
    for (let t = 0; t < opts.tracesPerFamily; t++) {
      const trace = t % 10 === 9 ? traces[t - 5]! : { traceId: randomUUID(), runId: randomUUID() };
      traces.push(trace);
      list.push({ ...envelope(f, 'issue.trace.added', requestId, trace, now - t * 1000), family });
    }
    return list;
  });
  const deliveries: ScenarioDelivery[] = [];
  for (let i = 0; deliveries.length < perFamily.reduce((n, l) => n + l.length, 0); i++) {
    for (const list of perFamily) if (list[i]) deliveries.push(list[i]!);
  }
  return { families, deliveries };
}

export interface DeliveryResult {
  delivery: ScenarioDelivery;
  /** Final status (0 when the sender gave up); `answers` holds every status seen, 0 for a network error. */
  status: number;
  answers: number[];
  firstSentAt: number;
  settledAt: number;
}

export interface SenderOptions {
  url: string;
  /** Deliveries started per second (each then retries on its own). */
  ratePerSecond: number;
  /** A delivery still failing this long after it was first sent is given up (and fails the drill). */
  giveUpAfterMs?: number;
  requestTimeoutMs?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface Sender {
  /** Every delivery's outcome, once all of them have a final answer or were given up. */
  done: Promise<DeliveryResult[]>;
  /** Deliveries started so far. */
  started(): number;
  /** Every answer so far with the time it came (status 0: no answer, `error` says why), for asserting what the sender saw during a fault. */
  answers(): Array<{ at: number; status: number; error?: string }>;
}

const RETRYABLE = (status: number) => status === 0 || status === 429 || status >= 500;

export function startSender(scenario: Scenario, opts: SenderOptions): Sender {
  const giveUpAfterMs = opts.giveUpAfterMs ?? 120_000;
  const base = opts.baseBackoffMs ?? 250;
  const cap = opts.maxBackoffMs ?? 4_000;
  const log: Array<{ at: number; status: number; error?: string }> = [];
  let started = 0;

  const send = async (delivery: ScenarioDelivery): Promise<DeliveryResult> => {
    const firstSentAt = Date.now();
    const answers: number[] = [];
    for (let attempt = 0; ; attempt++) {
      let status = 0;
      let error: string | undefined;
      let retryAfterMs: number | undefined;
      try {
        const res = await fetch(`${opts.url}/webhooks/langsmith`, {
          method: 'POST',
          body: delivery.body,
          headers: signedHeaders(delivery.body),
          signal: AbortSignal.timeout(opts.requestTimeoutMs ?? 10_000),
        });
        await res.arrayBuffer();
        status = res.status;
        const retryAfter = Number(res.headers.get('retry-after'));
        if (Number.isFinite(retryAfter) && retryAfter > 0) retryAfterMs = retryAfter * 1000;
      } catch (err) {
        status = 0;
        const cause = (err as { cause?: { code?: string } }).cause;
        error = cause?.code ?? (err as Error).name;
      }
      answers.push(status);
      log.push({ at: Date.now(), status, ...(error ? { error } : {}) });
      if (!RETRYABLE(status)) return { delivery, status, answers, firstSentAt, settledAt: Date.now() };
      if (Date.now() - firstSentAt > giveUpAfterMs) return { delivery, status: 0, answers, firstSentAt, settledAt: Date.now() };
      const backoff = Math.min(cap, base * 2 ** attempt);
      await new Promise((r) => setTimeout(r, retryAfterMs ?? backoff / 2 + Math.random() * (backoff / 2)));
    }
  };

  const done = (async () => {
    const t0 = Date.now();
    const inFlight: Array<Promise<DeliveryResult>> = [];
    for (const [i, delivery] of scenario.deliveries.entries()) {
      const due = t0 + (i * 1000) / opts.ratePerSecond;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      started++;
      inFlight.push(send(delivery));
    }
    return Promise.all(inFlight);
  })();

  return { done, started: () => started, answers: () => log.slice() };
}
