// Queue semantics recur relies on, on every driver it ships: retries with backoff, no-op re-queues,
// dead rows after the last attempt, the sweeper, and two workers never applying one event twice.
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { families, familyHistory, inboxEvents } from '../../src/db/schema/index.js';
import type { FileConfig } from '../../src/config/file.js';
import { storeDelivery } from '../../src/ingest/inbox.js';
import { processInboxEvent } from '../../src/ingest/process_event.js';
import { createInProcessQueue } from '../../src/queue/in_process.js';
import { NonRetryableError } from '../../src/queue/jobs.js';
import { sweepOnce } from '../../src/queue/sweeper.js';
import { signedHeaders } from '../helpers/fixtures.js';
import { createDatabase } from '../helpers/postgres.js';
import { counts, eventually, postLangsmith, startHarness, type Harness } from '../helpers/recur.js';

const pgUrl = inject('pgUrl');
const redisUrl = inject('redisUrl');

function traceAdded(issue: string, n: number) {
  return JSON.stringify({
    id: randomUUID(),
    type: 'issue.trace.added',
    created: 1779800001,
    request_id: randomUUID(),
    data: {
      object: { id: issue, name: `Failure ${issue}`, severity: 2, session_name: 'queue-agent' },
      trace: { run_id: `run-${issue}-${n}`, trace_id: `trace-${issue}-${n}`, start_time: '2026-11-20T09:14:03Z' },
    },
  });
}

describe('in-process driver', () => {
  it('retries a failing job with growing delays, then succeeds', async () => {
    const seen: Array<{ attempt: number; at: number }> = [];
    const queue = createInProcessQueue({ attempts: 4, backoffMs: 20 }, () => {});
    await queue.work(
      {
        'inbox.process': async (_p, ctx) => {
          seen.push({ attempt: ctx.attempt, at: Date.now() });
          if (ctx.attempt < 3) throw new Error('transient');
        },
        'ticket.sync': async () => {},
        'regression.pull_request': async () => {},
        'outbox.deliver': async () => {},
      },
      { concurrency: 2 },
    );
    await queue.enqueue('inbox.process', { eventIds: [randomUUID()] }, { jobId: 'a' });
    await eventually(async () => seen.length === 3, 5_000, 10);
    expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
    // A timer never fires early, and on a busy machine late by any amount: the waits are at least the
    // backoff, then twice it (Date.now() may round each end by a millisecond).
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(20 - 1);
    expect(seen[2]!.at - seen[1]!.at).toBeGreaterThanOrEqual(40 - 1);
    await queue.close();
  });

  it('ignores a job id already queued, and does not retry a non-retryable failure', async () => {
    const failed: string[] = [];
    let runs = 0;
    const queue = createInProcessQueue({ attempts: 5, backoffMs: 5 }, (_n, id) => failed.push(id));
    const id = randomUUID();
    await queue.enqueue('inbox.process', { eventIds: [id] }, { jobId: 'same' });
    await queue.enqueue('inbox.process', { eventIds: [id] }, { jobId: 'same' });
    expect(await queue.depth()).toEqual({ 'recur-inbox': 1, 'recur-tickets': 0 });
    await queue.work(
      {
        'inbox.process': async () => {
          runs += 1;
          throw new NonRetryableError('poison');
        },
        'ticket.sync': async () => {},
        'regression.pull_request': async () => {},
        'outbox.deliver': async () => {},
      },
      { concurrency: 1 },
    );
    await eventually(async () => failed.length === 1, 2_000, 10);
    await new Promise((r) => setTimeout(r, 50));
    expect(runs).toBe(1);
    expect(failed).toEqual(['same']);
    await queue.close();
  });

  it('fails a job whose payload does not parse without running it', async () => {
    const failed: string[] = [];
    const queue = createInProcessQueue({ attempts: 5, backoffMs: 5 }, (_n, id) => failed.push(id));
    let runs = 0;
    await queue.work({ 'inbox.process': async () => void (runs += 1), 'ticket.sync': async () => {}, 'regression.pull_request': async () => {}, 'outbox.deliver': async () => {} }, { concurrency: 1 });
    await queue.enqueue('inbox.process', { eventIds: ['not-a-uuid'] }, { jobId: 'bad' });
    await eventually(async () => failed.length === 1, 2_000, 10);
    expect(runs).toBe(0);
    await queue.close();
  });
});

describe('dead events and the sweeper (PGlite)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend: 'pglite', worker: false });
  });
  afterAll(() => h.close());

  it('counts failed attempts on the row and marks it dead after the last one', async () => {
    const db = h.services.database.db;
    const body = traceAdded('dead-issue', 1);
    const res = await postLangsmith(h, body, signedHeaders(body));
    const eventId = res.json.event_id as string;
    const broken = {
      ...h.services.config.file,
      get workflows(): FileConfig['workflows'] {
        throw new Error('config store unreachable');
      },
    };
    for (let i = 1; i <= 3; i++) {
      await expect(processInboxEvent({ db, config: broken, maxAttempts: 3 }, eventId)).rejects.toThrow('config store unreachable');
      const [row] = await db.select().from(inboxEvents).where(eq(inboxEvents.id, eventId));
      expect(row).toMatchObject({ attempts: i, status: i < 3 ? 'pending' : 'dead', lastError: 'config store unreachable' });
    }
    expect(await db.$count(families)).toBe(0);
    expect(await processInboxEvent({ db, config: h.services.config.file, maxAttempts: 3 }, eventId)).toEqual({ result: 'already_done' });
  });

  it('marks a stored payload that no longer validates dead at once', async () => {
    const db = h.services.database.db;
    const stored = await storeDelivery(db, {
      source: 'langsmith',
      deliveryId: 'poison-1',
      eventType: 'issue.created',
      body: new TextEncoder().encode('{}'),
      payload: { id: 'poison-1', type: 'issue.created', data: {} },
      status: 'pending',
    });
    await expect(processInboxEvent({ db, config: h.services.config.file, maxAttempts: 8 }, stored.eventId)).rejects.toBeInstanceOf(NonRetryableError);
    const [row] = await db.select().from(inboxEvents).where(eq(inboxEvents.id, stored.eventId));
    expect(row).toMatchObject({ status: 'dead', attempts: 1 });
  });

  it('re-queues pending rows the relay missed, and they get processed', async () => {
    const db = h.services.database.db;
    const bodies = [traceAdded('swept', 1), traceAdded('swept', 2)];
    const ids = [];
    for (const body of bodies) {
      const stored = await storeDelivery(db, {
        source: 'langsmith',
        deliveryId: JSON.parse(body).id,
        eventType: 'issue.trace.added',
        body: new TextEncoder().encode(body),
        payload: JSON.parse(body),
        status: 'pending',
      });
      ids.push(stored.eventId);
    }
    await db.update(inboxEvents).set({ receivedAt: sql`now() - interval '1 minute'` });
    const swept = await sweepOnce(db, h.services.queue, { graceMs: 10_000, batch: 100 });
    expect(swept.events).toBe(2);
    await h.startWorker();
    await eventually(async () => (await counts(h.services)).pending === 0);
    const rows = await db.select().from(inboxEvents);
    for (const id of ids) expect(rows.find((r) => r.id === id)!.status).toBe('processed');
    const [family] = await db.select().from(families).where(eq(families.title, 'Failure swept'));
    expect(family).toMatchObject({ traceCount: 2, eventCount: 2 });
  });
});

describe.each([
  { backend: 'postgres' as const, skip: !pgUrl },
  { backend: 'postgres+redis' as const, skip: !pgUrl || !redisUrl },
])('two workers on one database and queue ($backend)', ({ backend, skip }) => {
  const harnesses: Harness[] = [];
  let drop: () => Promise<void>;
  beforeAll(async () => {
    if (skip) return;
    const db = await createDatabase(pgUrl);
    drop = db.drop;
    const env = { RECUR_QUEUE_PREFIX: `two${process.pid}`, RECUR_WORKER_CONCURRENCY: '4' };
    harnesses.push(await startHarness({ backend, databaseUrl: db.url, redisUrl, env, worker: false }));
    harnesses.push(await startHarness({ backend, databaseUrl: db.url, redisUrl, env, worker: false }));
  });
  afterAll(async () => {
    for (const h of harnesses) await h.close();
    await drop?.();
  });

  it.skipIf(skip)('never apply one event twice, even when every event is queued twice', async () => {
    const [a, b] = harnesses as [Harness, Harness];
    const ids: string[] = [];
    for (let n = 0; n < 60; n++) {
      const body = traceAdded(['checkout', 'refunds', 'shipping'][n % 3]!, n);
      const res = await postLangsmith(n % 2 ? a : b, body, signedHeaders(body));
      expect(res.status).toBe(202);
      ids.push(res.json.event_id);
    }
    // As if the sweeper raced the relay: a second job for every event, on the other process's queue.
    for (const id of ids) await b.services.queue.enqueue('inbox.process', { eventIds: [id] }, { jobId: `again-${id}` });
    await Promise.all([a.startWorker(), b.startWorker()]);
    await eventually(async () => (await counts(a.services)).pending === 0, 20_000);

    const db = a.services.database.db;
    const rows = await db.select().from(families);
    expect(rows).toHaveLength(3);
    expect(rows.reduce((s, f) => s + f.eventCount, 0)).toBe(60);
    expect(rows.reduce((s, f) => s + f.traceCount, 0)).toBe(60);
    expect(await db.$count(familyHistory, eq(familyHistory.action, 'trace_added'))).toBe(60);
    expect(await db.$count(familyHistory, eq(familyHistory.action, 'created'))).toBe(3);
  });
});
