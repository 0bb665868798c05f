// Payload retention: processed and ignored deliveries older than RECUR_RETENTION_DAYS lose their payload
// in bounded batches, one pruner at a time; pending and dead rows, families, traces and history are kept;
// a late retry of a pruned delivery is still a duplicate; and the worker runs it on its own schedule.
import { randomUUID } from 'node:crypto';
import { eq, isNull, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { families, familyHistory, inboxEvents, traces } from '../../src/db/schema/index.js';
import { storeDelivery } from '../../src/ingest/inbox.js';
import { prunePayloads, RETENTION_LOCK_KEY } from '../../src/ingest/retention.js';
import { startRetentionTimer } from '../../src/queue/retention_timer.js';
import { signedHeaders } from '../helpers/fixtures.js';
import { createDatabase } from '../helpers/postgres.js';
import { counts, eventually, postLangsmith, startHarness, type Harness } from '../helpers/recur.js';

const pgUrl = inject('pgUrl');

function traceAdded(issue: string, n: number) {
  return JSON.stringify({
    id: randomUUID(),
    type: 'issue.trace.added',
    created: 1779800001,
    request_id: randomUUID(),
    data: {
      object: { id: issue, name: `Retained ${issue}`, severity: 2, session_name: 'retention-agent' },
      trace: { run_id: `run-${issue}-${n}`, trace_id: `trace-${issue}-${n}`, start_time: '2026-11-20T09:14:03Z' },
    },
  });
}

const age = (db: Db, id: string, days: number) =>
  db.update(inboxEvents).set({ receivedAt: sql`now() - ${`${days} days`}::interval` }).where(eq(inboxEvents.id, id));

async function seed(db: Db, status: 'pending' | 'dead' | 'processed', days: number): Promise<string> {
  const deliveryId = randomUUID();
  const stored = await storeDelivery(db, {
    source: 'langsmith',
    deliveryId,
    eventType: 'issue.created',
    body: new TextEncoder().encode(deliveryId),
    payload: { id: deliveryId },
    status: 'pending',
  });
  await db.update(inboxEvents).set({ status }).where(eq(inboxEvents.id, stored.eventId));
  await age(db, stored.eventId, days);
  return stored.eventId;
}

describe.each([
  { backend: 'pglite' as const, skip: false },
  { backend: 'postgres' as const, skip: !pgUrl },
])('payload retention ($backend)', ({ backend, skip }) => {
  let h: Harness;
  let db: Db;
  let drop: (() => Promise<void>) | undefined;
  const bodies: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    if (skip) return;
    const database = backend === 'pglite' ? null : await createDatabase(pgUrl);
    drop = database?.drop;
    // The worker processes deliveries; its own retention timer is off so only the test prunes here.
    h = await startHarness({ backend, databaseUrl: database?.url, env: { RECUR_RETENTION_DAYS: 'off' } });
    db = h.services.database.db;
    for (const [name, n] of [['old1', 1], ['old2', 2], ['old3', 3], ['recent', 4]] as const) {
      bodies[name] = traceAdded('kept', n);
      ids[name] = (await postLangsmith(h, bodies[name], signedHeaders(bodies[name]))).json.event_id;
    }
    bodies.unknownType = JSON.stringify({ id: randomUUID(), type: 'issue.renamed', created: 1779800001, request_id: randomUUID(), data: { object: {} } });
    const ignored = await postLangsmith(h, bodies.unknownType, signedHeaders(bodies.unknownType));
    expect(ignored.json.status).toBe('ignored');
    ids.ignored = ignored.json.event_id;
    expect(await eventually(async () => (await counts(h.services)).pending === 0)).toBe(true);
    for (const name of ['old1', 'old2', 'old3', 'ignored']) await age(db, ids[name]!, 31);
    await age(db, ids.recent!, 29);
    ids.pending = await seed(db, 'pending', 40);
    ids.dead = await seed(db, 'dead', 40);
  });
  afterAll(async () => {
    await h?.close();
    await drop?.();
  });

  const payloads = async () => {
    const rows = await db.select({ id: inboxEvents.id, payload: inboxEvents.payload }).from(inboxEvents);
    return Object.fromEntries(Object.entries(ids).map(([name, id]) => [name, rows.find((r) => r.id === id)!.payload !== null]));
  };
  const evidence = async () => ({
    families: await db.$count(families),
    traces: await db.$count(traces),
    history: await db.$count(familyHistory),
    rows: await db.$count(inboxEvents),
  });

  // PGlite has one connection: there is no second pruner to meet there.
  it.skipIf(skip || backend === 'pglite')('skips a run while another pruner holds the lock', async () => {
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = db.transaction(async (tx) => {
      await tx.select({ held: sql`pg_advisory_xact_lock(${RETENTION_LOCK_KEY})` }).from(sql`(select 1) as one`);
      locked();
      await new Promise<void>((r) => (release = r));
    });
    await isLocked;
    expect(await prunePayloads(db, { days: 30, batch: 100, maxBatches: 10 })).toEqual({ pruned: 0, processed: 0, ignored: 0, skipped: true });
    release();
    await holder;
    expect(Object.values(await payloads()).every(Boolean)).toBe(true);
  });

  it.skipIf(skip)('prunes in bounded batches only the old processed and ignored payloads', async () => {
    const kept = await evidence();
    expect(kept.families).toBe(1);
    expect(kept.traces).toBe(4);

    // One batch of two: the two oldest go, the rest wait for the next run.
    expect(await prunePayloads(db, { days: 30, batch: 2, maxBatches: 1 })).toMatchObject({ pruned: 2, skipped: false });
    expect(await db.$count(inboxEvents, isNull(inboxEvents.payload))).toBe(2);

    expect(await prunePayloads(db, { days: 30, batch: 2, maxBatches: 10 })).toMatchObject({ pruned: 2, skipped: false });
    expect(await payloads()).toEqual({ old1: false, old2: false, old3: false, ignored: false, recent: true, pending: true, dead: true });
    expect(await prunePayloads(db, { days: 30, batch: 2, maxBatches: 10 })).toEqual({ pruned: 0, processed: 0, ignored: 0, skipped: false });

    expect(await evidence()).toEqual(kept);
    const [row] = await db.select().from(inboxEvents).where(eq(inboxEvents.id, ids.old1!));
    expect(row).toMatchObject({ status: 'processed', payload: null });
    expect(row!.bodySha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it.skipIf(skip)('still answers a late retry of a pruned delivery as a duplicate, and a changed body as a conflict', async () => {
    const kept = await evidence();
    const retry = await postLangsmith(h, bodies.old1!, signedHeaders(bodies.old1!));
    expect(retry).toEqual({ status: 200, json: { status: 'duplicate', event_id: ids.old1 } });
    const ignoredRetry = await postLangsmith(h, bodies.unknownType!, signedHeaders(bodies.unknownType!));
    expect(ignoredRetry.status).toBe(200);
    expect(ignoredRetry.json.status).toBe('duplicate');

    const changed = JSON.stringify({ ...JSON.parse(bodies.old2!), created: 1779900000 });
    const conflict = await postLangsmith(h, changed, signedHeaders(changed));
    expect(conflict.status).toBe(409);

    expect(await evidence()).toEqual(kept);
    const [family] = await db.select().from(families);
    expect(family).toMatchObject({ eventCount: 4, traceCount: 4 });
  });
});

describe('scheduled retention in the worker (PGlite)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend: 'pglite', env: { RECUR_RETENTION_DAYS: '30', RECUR_RETENTION_INTERVAL_MS: '100' } });
  });
  afterAll(() => h?.close());

  const pruned = async (id: string) => {
    const [row] = await h.services.database.db.select({ payload: inboxEvents.payload }).from(inboxEvents).where(eq(inboxEvents.id, id));
    return row!.payload === null;
  };

  it('prunes on every interval, not only at start', async () => {
    const db = h.services.database.db;
    const first = await seed(db, 'processed', 31);
    expect(await eventually(() => pruned(first))).toBe(true);
    // Added after a run has pruned: only a later run can reach it.
    const second = await seed(db, 'processed', 31);
    const young = await seed(db, 'processed', 29);
    expect(await eventually(() => pruned(second))).toBe(true);
    expect(await pruned(young)).toBe(false);
  });

  it('prunes nothing when retention is off', async () => {
    await h.worker!.stop();
    const old = await seed(h.services.database.db, 'processed', 400);
    const timer = startRetentionTimer(h.services.database.db, h.services.log, { days: null, intervalMs: 100 });
    expect(await timer.runNow()).toBeNull();
    await timer.stop();
    expect(await pruned(old)).toBe(false);
  });
});
