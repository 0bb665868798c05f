// Inbox events applied in batches on PostgreSQL: one transaction for many events, extras claimed from the
// backlog, one bad event failing alone, and concurrent batches over the same families neither deadlocking
// nor applying anything twice.
import { randomUUID } from 'node:crypto';
import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { families, familyHistory, inboxEvents, traces } from '../../src/db/schema/index.js';
import { storeDelivery } from '../../src/ingest/inbox.js';
import { signalInboxSource } from '../../src/ingest/signals/source.js';
import { processInboxEvent, processInboxEvents, type ProcessDeps } from '../../src/ingest/process_event.js';
import { NonRetryableError, parsePayload } from '../../src/queue/jobs.js';
import { inboxBatchSplits } from '../../src/telemetry/metrics.js';
import { createDatabase } from '../helpers/postgres.js';
import { startHarness, type Harness } from '../helpers/recur.js';

const pgUrl = inject('pgUrl');
// Titles far enough apart that no two are near duplicates.
const BUSY = ['checkout', 'refunds', 'shipping', 'invoices', 'loyalty', 'returns'];

function traceAdded(issue: string, n: number) {
  return {
    id: randomUUID(),
    type: 'issue.trace.added',
    created: 1779800001,
    request_id: randomUUID(),
    data: {
      object: { id: issue, name: `Batch failure ${issue}`, severity: 2, session_name: 'batch-agent' },
      trace: { run_id: `run-${issue}-${n}`, trace_id: `trace-${issue}-${n}`, start_time: '2026-11-20T09:14:03Z' },
    },
  };
}

describe('inbox.process job payloads', () => {
  it('names up to 256 rows, and still takes the single-row spelling of earlier versions', () => {
    const id = randomUUID();
    expect(parsePayload('inbox.process', { eventIds: [id] })).toEqual({ eventIds: [id] });
    expect(parsePayload('inbox.process', { eventId: id, _trace: { traceparent: 'x' } })).toEqual({ eventIds: [id] });
    expect(() => parsePayload('inbox.process', { eventIds: [] })).toThrow(NonRetryableError);
    expect(() => parsePayload('inbox.process', { eventIds: Array.from({ length: 257 }, () => randomUUID()) })).toThrow(NonRetryableError);
    expect(() => parsePayload('inbox.process', { eventIds: ['not-a-uuid'] })).toThrow(NonRetryableError);
  });
});

describe.skipIf(!pgUrl)('inbox events in batches (PostgreSQL)', () => {
  let h: Harness;
  let drop: () => Promise<void>;
  let deps: ProcessDeps;
  beforeAll(async () => {
    const db = await createDatabase(pgUrl);
    drop = db.drop;
    h = await startHarness({ backend: 'postgres', databaseUrl: db.url, worker: false });
    deps = { db: h.services.database.db, config: h.services.config.file, maxAttempts: 3, batchLimit: 100 };
  });
  afterAll(async () => {
    await h?.close();
    await drop?.();
  });
  beforeEach(async () => {
    await h.services.database.db.execute(sql`truncate inbox_events, families cascade`);
  });

  const store = async (payload: object) => {
    const body = JSON.stringify(payload);
    const stored = await storeDelivery(h.services.database.db, {
      source: 'langsmith',
      deliveryId: (payload as { id: string }).id,
      eventType: (payload as { type: string }).type,
      body: new TextEncoder().encode(body),
      payload,
      status: 'pending',
    });
    return stored.eventId;
  };
  const poison = () => store({ id: randomUUID(), type: 'issue.created', data: {} });
  const statusOf = async (ids: string[]) => {
    const rows = await h.services.database.db.select().from(inboxEvents).where(inArray(inboxEvents.id, ids));
    return Object.fromEntries(rows.map((r) => [r.id, { status: r.status, attempts: r.attempts }]));
  };

  it('applies the listed events and the backlog behind them in one call, in arrival order', async () => {
    const ids: string[] = [];
    for (let n = 0; n < 30; n++) ids.push(await store(traceAdded(BUSY[n % 3]!, n)));
    const done = await processInboxEvents(deps, [ids[29]!]);
    expect(done.map((d) => d.eventId)).toEqual(ids);
    expect(done.every((d) => d.outcome.result === 'assigned')).toBe(true);
    const db = h.services.database.db;
    expect(Object.values(await statusOf(ids)).every((r) => r.status === 'processed')).toBe(true);
    const rows = await db.select().from(families);
    expect(rows.map((f) => f.eventCount).sort()).toEqual([10, 10, 10]);
    expect(await db.$count(traces)).toBe(30);
    expect(await db.$count(familyHistory, eq(familyHistory.action, 'created'))).toBe(3);
    // Nothing left: the listed ids' own jobs, when they come, find nothing to do.
    expect(await processInboxEvents(deps, ids.slice(0, 5))).toEqual([]);
  });

  it('takes no more than the batch limit', async () => {
    const ids: string[] = [];
    for (let n = 0; n < 12; n++) ids.push(await store(traceAdded('limited', n)));
    const done = await processInboxEvents({ ...deps, batchLimit: 5 }, [ids[0]!]);
    expect(done).toHaveLength(5);
    expect(Object.values(await statusOf(ids)).filter((r) => r.status === 'pending')).toHaveLength(7);
  });

  it('a bad listed event fails alone: counted and dead, the rest applied', async () => {
    const good = [await store(traceAdded('mixed', 1)), await store(traceAdded('mixed', 2))];
    const bad = await poison();
    const done = await processInboxEvents({ ...deps, batchLimit: 3 }, [...good, bad]);
    expect(done.map((d) => d.eventId).sort()).toEqual([...good].sort());
    expect(await statusOf([...good, bad])).toEqual({
      [good[0]!]: { status: 'processed', attempts: 0 },
      [good[1]!]: { status: 'processed', attempts: 0 },
      [bad]: { status: 'dead', attempts: 1 },
    });
  });

  it('a bad event claimed from the backlog is not blamed: it stays pending for its own job', async () => {
    const listed = await store(traceAdded('innocent', 1));
    const bad = await poison();
    const done = await processInboxEvents(deps, [listed]);
    expect(done.map((d) => d.eventId)).toEqual([listed]);
    expect(await statusOf([listed, bad])).toEqual({ [listed]: { status: 'processed', attempts: 0 }, [bad]: { status: 'pending', attempts: 0 } });
  });

  it('a retryable failure of a listed event is rethrown after the others are applied', async () => {
    const good = await store(traceAdded('retry', 1));
    const flaky = await store({ ...traceAdded('retry', 2), type: 'issue.created' });
    const broken = {
      ...deps,
      config: {
        ...deps.config,
        get workflows(): never {
          throw new Error('config store unreachable');
        },
      },
    } as ProcessDeps;
    await expect(processInboxEvents(broken, [good, flaky])).rejects.toThrow('config store unreachable');
    expect(await statusOf([good, flaky])).toEqual({ [good]: { status: 'pending', attempts: 1 }, [flaky]: { status: 'pending', attempts: 1 } });
    await processInboxEvents(deps, [good, flaky]);
    expect(Object.values(await statusOf([good, flaky])).map((r) => r.status)).toEqual(['processed', 'processed']);
  });

  it('concurrent batches over the same families apply every event once and never deadlock', async () => {
    const db = h.services.database.db;
    const ids: string[] = [];
    // Families created first, so every batch below locks known families ahead.
    for (let f = 0; f < 6; f++) ids.push(await store(traceAdded(BUSY[f]!, 0)));
    await processInboxEvents(deps, ids);
    const more: string[] = [];
    for (let n = 1; n <= 240; n++) more.push(await store(traceAdded(BUSY[(n * 7) % 6]!, n)));
    const [{ deadlocks: before }] = (await rowsOf<{ deadlocks: number }>(db, sql`select deadlocks::int from pg_stat_database where datname = current_database()`)) as [{ deadlocks: number }];
    // Eight workers, each told about a stripe of events and claiming whatever else it can.
    const done = await Promise.all(Array.from({ length: 8 }, (_, w) => processInboxEvents({ ...deps, batchLimit: 40 }, more.filter((_, i) => i % 8 === w).slice(0, 10))));
    let rest = await db.select({ id: inboxEvents.id }).from(inboxEvents).where(eq(inboxEvents.status, 'pending'));
    while (rest.length > 0) {
      done.push(await processInboxEvents(deps, [rest[0]!.id]));
      rest = await db.select({ id: inboxEvents.id }).from(inboxEvents).where(eq(inboxEvents.status, 'pending'));
    }
    const applied = done.flat().map((d) => d.eventId);
    expect(new Set(applied).size).toBe(applied.length);
    expect(applied.sort()).toEqual([...more].sort());
    const [{ deadlocks: after }] = (await rowsOf<{ deadlocks: number }>(db, sql`select deadlocks::int from pg_stat_database where datname = current_database()`)) as [{ deadlocks: number }];
    expect(after - before).toBe(0);
    const rows = await db.select().from(families);
    expect(rows).toHaveLength(6);
    expect(rows.reduce((s, f) => s + f.eventCount, 0)).toBe(246);
    expect(await db.$count(traces)).toBe(246);
  });
});

describe.skipIf(!pgUrl)('a batch assigns exactly as one event at a time does (PostgreSQL)', () => {
  const harnesses: Harness[] = [];
  const drops: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const db = await createDatabase(pgUrl);
      drops.push(db.drop);
      harnesses.push(await startHarness({ backend: 'postgres', databaseUrl: db.url, worker: false }));
    }
  });
  afterAll(async () => {
    for (const h of harnesses) await h.close();
    for (const drop of drops) await drop();
  });

  const signal = (n: number, over: Record<string, unknown>) => ({
    id: `sig-${n}`,
    source: 'evals',
    workflow: 'support-agent',
    kind: 'tool_error',
    occurred_at: new Date(Date.UTC(2026, 10, 1, 0, 0, n)).toISOString(),
    ...over,
  });
  const timeout = (n: number, ms: number, over: Record<string, unknown> = {}) =>
    signal(n, { title: 'Catalog lookup timed out', message: `catalog.lookup timed out after ${ms} ms`, tool: 'catalog.lookup', trace: { trace_id: `t-${n}`, run_id: `r-${n}` }, ...over });
  const refund = (n: number, over: Record<string, unknown> = {}) =>
    signal(n, { title: 'Refund issued without approval', message: 'refund.create called before policy.check', tool: 'refund.create', trace: { trace_id: `rt-${n}`, run_id: `rr-${n}` }, ...over });
  const first = [
    timeout(1, 1200, { severity: 3 }),
    refund(2, { severity: 2 }),
    timeout(3, 900, { severity: 2 }),
    traceAdded('checkout', 4),
    refund(5, { trace: { trace_id: 'rt-2', run_id: 'rr-2' } }), // the same trace again: an event, not a trace
    traceAdded('refunds', 6),
    { ...traceAdded('checkout', 7), type: 'issue.created' }, // announces, does not count as an occurrence
    timeout(8, 3000, { severity: 1, release: '1.2.0' }),
  ];
  const second = [
    timeout(9, 800, { release: '1.1.0' }), // older than the fix: seen after it, no regression
    refund(10),
    timeout(11, 700, { release: '1.3.0', severity: 0 }), // regresses, and raises the severity
    timeout(12, 650, { release: '1.3.0' }),
    traceAdded('checkout', 13),
  ];

  const storeAll = async (h: Harness, payloads: object[]) => {
    const ids: string[] = [];
    for (const payload of payloads) {
      const isSignal = 'source' in payload;
      const stored = await storeDelivery(h.services.database.db, {
        source: isSignal ? signalInboxSource('evals') : 'langsmith',
        deliveryId: (payload as { id: string }).id,
        eventType: isSignal ? 'signal' : (payload as { type: string }).type,
        body: new TextEncoder().encode(JSON.stringify(payload)),
        payload,
        status: 'pending',
      });
      ids.push(stored.eventId);
    }
    return ids;
  };
  const depsOf = (h: Harness): ProcessDeps => ({ db: h.services.database.db, config: h.services.config.file, maxAttempts: 3 });
  const resolveTimeouts = (h: Harness) =>
    h.services.database.db
      .update(families)
      .set({ status: 'resolved', fixStatus: 'released', fixRelease: '1.2.0' })
      .where(eq(families.title, 'Catalog lookup timed out'));
  const snapshot = async (h: Harness) => {
    const db = h.services.database.db;
    const fams = await db.select().from(families);
    const titleOf = new Map(fams.map((f) => [f.id, f.title]));
    const history = await db.select().from(familyHistory);
    const allTraces = await db.select().from(traces);
    return {
      families: fams
        .map((f) => ({ title: f.title, events: f.eventCount, traces: f.traceCount, severity: f.severity, status: f.status, reopens: f.reopenCount, first: f.firstSeen.toISOString(), last: f.lastSeen.toISOString(), dirty: f.ticketGeneration > f.ticketSyncedGeneration }))
        .sort((a, b) => a.title.localeCompare(b.title)),
      history: history.map((e) => `${titleOf.get(e.familyId)}: ${e.action} ${JSON.stringify(e.detail)}`).sort(),
      traces: allTraces.map((t) => `${titleOf.get(t.familyId)}: ${t.traceId}/${t.runId}`).sort(),
      occurrences: await rowsOf(db, sql`select count(*)::int as n from family_occurrences`),
      keys: await rowsOf(db, sql`select source, key from family_keys order by source, key`),
      titles: await rowsOf(db, sql`select tokens from family_titles order by tokens`),
    };
  };

  it('families, evidence, history, keys and wordings come out the same', async () => {
    const [one, batch] = harnesses as [Harness, Harness];
    // The batch's history details name event ids: both databases must store the same ids in the same order.
    const firstIds = await storeAll(one, first);
    for (const id of firstIds) await processInboxEvent(depsOf(one), id);
    await resolveTimeouts(one);
    const secondIds = await storeAll(one, second);
    for (const id of secondIds) await processInboxEvent(depsOf(one), id);

    const splits = await inboxBatchSplits.get();
    const batchFirst = await storeAll(batch, first);
    const applied = await processInboxEvents({ ...depsOf(batch), batchLimit: 100 }, [batchFirst[0]!]);
    expect(applied).toHaveLength(first.length);
    await resolveTimeouts(batch);
    const batchSecond = await storeAll(batch, second);
    expect(await processInboxEvents({ ...depsOf(batch), batchLimit: 100 }, batchSecond)).toHaveLength(second.length);

    // Both batches were applied as batches, not split into single events after a failure.
    expect((await inboxBatchSplits.get()).values[0]?.value).toBe(splits.values[0]?.value);
    const byId = (ids: string[], other: string[]) => new Map(ids.map((id, i) => [id, other[i]!]));
    const rename = byId([...batchFirst, ...batchSecond], [...firstIds, ...secondIds]);
    const expected = await snapshot(one);
    const actual = await snapshot(batch);
    actual.history = actual.history.map((line) => line.replace(/[0-9a-f-]{36}/g, (id) => rename.get(id) ?? id)).sort();
    expect(actual).toEqual(expected);
    expect(expected.families.find((f) => f.title === 'Catalog lookup timed out')).toMatchObject({ status: 'regressed', reopens: 1, severity: 0 });
    expect(expected.history.filter((l) => l.includes('seen_after_fix'))).toHaveLength(1);
  });
});
