// The load generator the ingest and end-to-end benchmarks run as separate processes: unique signed
// LangSmith `issue.trace.added` deliveries (~1 KB) over undici keep-alive connections, bodies and
// signatures computed before the clock starts. A session runs one or more phases (LoadPhase), each
// `warmupMs` of load (not measured) then `durationMs` measured:
//   closed loop: each of `connections` connections sends its next delivery when the last one is answered;
//                the clients are kept between phases (undici reopens a connection the server closed).
//   open loop:   delivery i of a phase is due at its start + i / rate, whatever the answers do (no
//                coordinated omission); its time to answer is counted from when it was due.
// Run by bench_processes.ts openLoad(), compiled first: node <build>/bench/load_generator.js '<json LoadSpec>'
// with an IPC channel; writes each phase's LoadResult as JSON to spec.out.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Client, Pool } from 'undici';
import { signHmacSha256 } from '../src/ingest/signature.js';

export interface LoadSpec {
  url: string;
  secret: string;
  mode: 'closed' | 'open';
  connections: number;
  /** Open loop only: deliveries per second. */
  rate?: number;
  /** Deliveries spread over this many LangSmith issues (families). */
  families: number;
  /** Bodies to precompute; more are made on the fly (and counted) if the run outlasts them. */
  precompute: number;
  /** Record every 202's event id and answer time (epoch ms), for the end-to-end delay. */
  recordAccepted?: boolean;
  out: string;
}

export interface LoadResult {
  sent: number;
  /** Answers by HTTP status, over the whole run (warm-up included). */
  statuses: Record<string, number>;
  errors: number;
  /**
   * Over the measured window only: the deliveries due in it. Closed loop, the window is its duration; open
   * loop, it runs until the last of them was answered, so a server that falls behind the rate shows a
   * lower rate, not only later answers.
   */
  measured: { requests: number; accepted: number; windowMs: number; latenciesMs: number[] };
  madeOnTheFly: number;
  accepted?: Array<[eventId: string, answeredAtEpochMs: number]>;
}

// 10 failures × 5 tools: every pair of titles differs in enough words that no two are near duplicates,
// so 50 issues make 50 families.
const FAILURES = [
  'calls the payment API before the policy check',
  'quotes stale prices from the catalog',
  'escalates routine tickets to tier three',
  'loops on repeated lookups',
  'promises delivery dates it cannot keep',
  'leaks internal notes into customer replies',
  'picks the wrong shipping carrier',
  'drops the discount code at checkout',
  'answers in the wrong language',
  'cites a retired return policy',
];
const AGENTS = ['Refund assistant', 'Order concierge', 'Billing helper', 'Travel planner', 'Support triage bot'];

export function familyTitle(n: number): string {
  return `${AGENTS[Math.floor(n / FAILURES.length) % AGENTS.length]} ${FAILURES[n % FAILURES.length]}`;
}

/** One unique delivery of about 1 KB, as LangSmith Engine sends it. */
export function traceAddedBody(n: number, families: number): string {
  const family = n % families;
  return JSON.stringify({
    id: randomUUID(),
    type: 'issue.trace.added',
    created: Math.floor(Date.now() / 1000),
    request_id: randomUUID(),
    data: {
      object: {
        id: `bench-issue-${family}`,
        name: familyTitle(family),
        description: 'Synthetic failure family for the recur benchmarks.',
        severity: 2,
        tenant_id: 'bench-tenant',
        session_id: 'bench-session',
        session_name: 'bench-agent',
        url: `https://smith.langchain.com/o/bench/projects/p/bench/issues/${family}`,
      },
      trace: {
        run_id: randomUUID(),
        trace_id: randomUUID(),
        start_time: new Date().toISOString(),
        comment: `Observed in production run ${n}. `.padEnd(420, 'The agent answered before checking the refund policy; see the trace. '),
      },
    },
  });
}

interface Prepared {
  body: Buffer;
  signature: string;
}

function prepare(n: number, spec: LoadSpec): Prepared {
  const body = Buffer.from(traceAddedBody(n, spec.families));
  return { body, signature: signHmacSha256(body, spec.secret) };
}

const now = () => performance.now();
const epochMs = (t: number) => performance.timeOrigin + t;

/** One measured stretch of a session: `warmupMs` of load, not measured, then `durationMs` measured. */
export interface LoadPhase {
  warmupMs: number;
  durationMs: number;
}

async function main() {
  const spec = JSON.parse(process.argv[2]!) as LoadSpec;
  const bodies: Prepared[] = Array.from({ length: spec.precompute }, (_, n) => prepare(n, spec));
  let madeOnTheFly = 0;
  const bodyFor = (n: number) => {
    if (n < bodies.length) {
      const b = bodies[n]!;
      bodies[n] = undefined as unknown as Prepared; // sent once; let it go
      return b;
    }
    madeOnTheFly += 1;
    return prepare(n, spec);
  };

  const origin = new URL(spec.url).origin;
  const path = new URL(spec.url).pathname;
  // Closed loop, the clients are kept from phase to phase, and this process stays compiled: a later phase
  // measures the server, not a generator warming up.
  const clients = spec.mode === 'closed' ? Array.from({ length: spec.connections }, () => new Client(origin, { pipelining: 1, keepAliveTimeout: 60_000 })) : [];
  let next = 0;

  const runPhase = async ({ warmupMs, durationMs }: LoadPhase): Promise<LoadResult> => {
    const result: LoadResult = { sent: 0, statuses: {}, errors: 0, measured: { requests: 0, accepted: 0, windowMs: durationMs, latenciesMs: [] }, madeOnTheFly: 0 };
    if (spec.recordAccepted) result.accepted = [];
    const madeBefore = madeOnTheFly;
    const start = now() + 20;
    const measureFrom = start + warmupMs;
    const end = measureFrom + durationMs;

    let lastMeasuredAnswer = 0;
    const send = async (dispatcher: Client | Pool, n: number, dueAt: number) => {
      const { body, signature } = bodyFor(n);
      result.sent += 1;
      try {
        const res = await dispatcher.request({
          origin,
          path,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-langsmith-signature': signature },
          body,
        });
        const text = await res.body.text();
        const answeredAt = now();
        result.statuses[res.statusCode] = (result.statuses[res.statusCode] ?? 0) + 1;
        if (res.statusCode === 202 && result.accepted) result.accepted.push([(JSON.parse(text) as { event_id: string }).event_id, epochMs(answeredAt)]);
        if (dueAt >= measureFrom && dueAt < end) {
          result.measured.requests += 1;
          if (res.statusCode === 202) result.measured.accepted += 1;
          result.measured.latenciesMs.push(+(answeredAt - dueAt).toFixed(3));
          lastMeasuredAnswer = Math.max(lastMeasuredAnswer, answeredAt);
        }
      } catch {
        result.errors += 1;
      }
    };

    while (now() < start) await new Promise((r) => setTimeout(r, 5));
    if (spec.mode === 'closed') {
      await Promise.all(
        clients.map(async (client) => {
          while (now() < end) await send(client, next++, now());
        }),
      );
    } else {
      const rate = spec.rate!;
      const pool = new Pool(origin, { connections: spec.connections, pipelining: 1, keepAliveTimeout: 60_000 });
      const inFlight = new Set<Promise<void>>();
      const first = next;
      const last = first + Math.floor(((warmupMs + durationMs) / 1000) * rate);
      const dueAt = (n: number) => start + ((n - first) / rate) * 1000;
      while (next < last) {
        const wait = dueAt(next) - now();
        // Always yield: with deliveries due less than a millisecond apart a loop that only sleeps for longer
        // waits would spin without ever letting the answers (or the requests themselves) through.
        await new Promise((r) => (wait > 1 ? setTimeout(r, Math.min(wait, 5)) : setImmediate(r)));
        while (next < last && dueAt(next) <= now()) {
          const p = send(pool, next, dueAt(next)).finally(() => inFlight.delete(p));
          inFlight.add(p);
          next += 1;
        }
      }
      await Promise.all(inFlight);
      await pool.close();
      result.measured.windowMs = Math.max(durationMs, lastMeasuredAnswer - measureFrom);
    }
    result.madeOnTheFly = madeOnTheFly - madeBefore;
    return result;
  };

  // Bodies are ready: say so. Each phase starts when the benchmark says (so several generators start
  // together); its result goes to spec.out, then `done`. `stop` ends the session.
  process.send!('ready');
  for (;;) {
    const message = await new Promise<LoadPhase | 'stop'>((resolve) => process.once('message', resolve));
    if (message === 'stop') break;
    writeFileSync(spec.out, JSON.stringify(await runPhase(message)));
    process.send!('done');
  }
  await Promise.all(clients.map((c) => c.close()));
  process.disconnect();
}

if (process.argv[2]) await main();
