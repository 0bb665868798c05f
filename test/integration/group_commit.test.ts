// Group commit on real databases (PGlite, PostgreSQL, PostgreSQL with Redis for the relay): concurrent
// deliveries are stored once each and answered exactly, duplicates and conflicts are recognised inside
// one batch and across batches, and a failed statement answers nobody but with an error.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { inboxEvents } from '../../src/db/schema/index.js';
import { createRelay } from '../../src/ingest/relay.js';
import { createGroupCommit } from '../../src/ingest/group_commit.js';
import { INBOX_JOB_MAX_EVENTS } from '../../src/queue/jobs.js';
import { registry } from '../../src/telemetry/metrics.js';
import { sha256Hex, storeBatch, type Delivery, type StoreOutcome } from '../../src/ingest/inbox.js';
import { signedHeaders } from '../helpers/fixtures.js';
import { createDatabase } from '../helpers/postgres.js';
import { eventually, postLangsmith, startHarness, type Harness } from '../helpers/recur.js';

const pgUrl = inject('pgUrl');
const redisUrl = inject('redisUrl');

function traceAdded(id: string, comment = 'first wording') {
  return JSON.stringify({
    id,
    type: 'issue.trace.added',
    created: 1779800001,
    request_id: randomUUID(),
    data: {
      object: { id: 'gc-issue', name: 'Group commit failure', severity: 2, session_name: 'gc-agent' },
      trace: { run_id: randomUUID(), trace_id: randomUUID(), start_time: '2026-11-20T09:14:03Z', comment },
    },
  });
}

function delivery(id: string, body = `{"id":"${id}"}`): Delivery {
  return { source: 'gc-test', deliveryId: id, eventType: 'test', body: new TextEncoder().encode(body), payload: JSON.parse(body), status: 'pending' };
}

/** A store on the real database whose first statement waits for release(), so later requests pile up behind it. */
function heldFirstStatement(h: Harness) {
  const batches: string[][] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const gc = createGroupCommit(
    async (deliveries) => {
      batches.push(deliveries.map((d) => d.deliveryId));
      if (batches.length === 1) await gate;
      return storeBatch(h.services.database.db, deliveries);
    },
    { maxBatch: 256, maxInFlight: 1 },
  );
  return { gc, batches, release };
}

/** Makes the database refuse inserts of matching rows with the given SQLSTATE, as a real failure would. */
async function failWhen(h: Harness, condition: string, errcode: string) {
  const { db } = h.services.database;
  await db.execute(
    sql.raw(`create or replace function gc_test_refuse() returns trigger language plpgsql as $$
      begin if ${condition} then raise exception 'refused by test trigger' using errcode = '${errcode}'; end if; return new; end $$`),
  );
  await db.execute(sql.raw('drop trigger if exists gc_test_refuse on inbox_events'));
  await db.execute(sql.raw('create trigger gc_test_refuse before insert on inbox_events for each row execute function gc_test_refuse()'));
}
const stopFailing = (h: Harness) => h.services.database.db.execute(sql.raw('drop trigger if exists gc_test_refuse on inbox_events'));

describe.each([
  { backend: 'pglite' as const, skip: false },
  { backend: 'postgres' as const, skip: !pgUrl },
  { backend: 'postgres+redis' as const, skip: !pgUrl || !redisUrl },
])('group commit ($backend)', ({ backend, skip }) => {
  let h: Harness;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    if (skip) return;
    const db = backend === 'pglite' ? undefined : await createDatabase(pgUrl);
    drop = db?.drop;
    h = await startHarness({ backend, databaseUrl: db?.url, redisUrl, worker: false });
  });
  afterAll(async () => {
    await h?.close();
    await drop?.();
  });

  const rowsFor = async (ids: string[]) =>
    (await h.services.database.db.select().from(inboxEvents)).filter((r) => ids.includes(r.deliveryId));

  it.skipIf(skip)('stores 200 concurrent deliveries once each, answers each with its own event, and queues each once', async () => {
    const depthBefore = (await h.services.queue.depth())['recur-inbox']!;
    const ids = Array.from({ length: 200 }, () => randomUUID());
    const answers = await Promise.all(ids.map((id) => traceAdded(id)).map((body) => postLangsmith(h, body, signedHeaders(body))));
    expect(answers.every((a) => a.status === 202 && a.json.status === 'accepted')).toBe(true);
    const rows = await rowsFor(ids);
    expect(rows).toHaveLength(200);
    const eventOf = new Map(rows.map((r) => [r.deliveryId, r.id]));
    expect(answers.map((a) => a.json.event_id)).toEqual(ids.map((id) => eventOf.get(id)));
    // The relay runs beside the answer, not before it: one job per committed batch, fewer jobs than events.
    const queued = async () => (await h.services.queue.depth())['recur-inbox']!;
    expect(await eventually(async () => (await queued()) > depthBefore, 5_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    const jobs = (await queued()) - depthBefore;
    expect(jobs).toBeLessThan(200);
    // Relaying the same rows again (as the sweeper may) while their job waits queues nothing new.
    const again = [randomUUID(), randomUUID()].map((eventId) => ({ eventId }));
    const relay = createRelay(h.services);
    relay(again);
    await new Promise((r) => setTimeout(r, 100));
    relay(again);
    await new Promise((r) => setTimeout(r, 300));
    expect(await queued()).toBe(depthBefore + jobs + 1);
    // Every stored event is named by exactly one relayed batch.
    const named: string[] = [];
    await h.services.queue.work(
      { 'inbox.process': async ({ eventIds }) => void named.push(...eventIds), 'ticket.sync': async () => {}, 'regression.pull_request': async () => {}, 'outbox.deliver': async () => {} },
      { concurrency: 4 },
    );
    const all = new Set(rows.map((r) => r.id));
    const relayed = () => named.filter((id) => all.has(id));
    expect(await eventually(async () => relayed().length >= 200, 10_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(relayed().sort()).toEqual([...all].sort());
    expect(named.filter((id) => id === again[0]!.eventId)).toHaveLength(1);
  });

  it.skipIf(skip)('answers concurrent retries and reused ids exactly: one 202 per id, the rest duplicate or conflict of it', async () => {
    const ids = Array.from({ length: 40 }, () => randomUUID());
    const sends = ids.flatMap((id) => [
      { id, body: traceAdded(id) },
      { id, body: traceAdded(id) },
      { id, body: traceAdded(id, 'another wording') },
    ]);
    // Same-id bodies differ in request_id and trace ids too: make the retry byte-identical to its original.
    for (let i = 0; i < sends.length; i += 3) sends[i + 1]!.body = sends[i]!.body;
    sends.sort(() => Math.random() - 0.5);
    const answers = await Promise.all(sends.map((s) => postLangsmith(h, s.body, signedHeaders(s.body))));
    const rows = await rowsFor(ids);
    expect(rows).toHaveLength(40);
    for (const id of ids) {
      const row = rows.find((r) => r.deliveryId === id)!;
      const forId = sends.map((s, i) => ({ ...s, answer: answers[i]! })).filter((s) => s.id === id);
      const accepted = forId.filter((s) => s.answer.status === 202);
      expect(accepted).toHaveLength(1);
      expect(sha256Hex(new TextEncoder().encode(accepted[0]!.body))).toBe(row.bodySha256);
      for (const s of forId) {
        const sameBody = s.body === accepted[0]!.body;
        if (s.answer.status === 409) expect(s.answer.json.error).toMatchObject({ code: 'conflict', event_id: row.id });
        else expect(s.answer.json).toEqual({ status: s === accepted[0] ? 'accepted' : 'duplicate', event_id: row.id });
        expect(s.answer.status).toBe(s === accepted[0] ? 202 : sameBody ? 200 : 409);
      }
    }
  });

  it.skipIf(skip)('answers two deliveries with one key inside one batch as first stored, then its duplicate or conflict', async () => {
    const { gc, batches, release } = heldFirstStatement(h);
    const [k, other, before] = [randomUUID(), randomUUID(), randomUUID()];
    await storeBatch(h.services.database.db, [delivery(before)]);
    const first = gc.store([delivery(randomUUID())]);
    const answers = Promise.all([
      gc.store([delivery(k)]),
      gc.store([delivery(k)]),
      gc.store([delivery(k, `{"id":"${k}","changed":true}`)]),
      gc.store([delivery(other), delivery(other)]),
      gc.store([delivery(before), delivery(before, '{"changed":true}')]),
    ]);
    release();
    await first;
    const [a, again, changed, pair, stored] = await answers;
    expect(batches).toHaveLength(2);
    expect(batches[1]).toEqual([k, k, k, other, other, before, before]);
    const rows = await rowsFor([k, other, before]);
    const id = (key: string) => rows.find((r) => r.deliveryId === key)!.id;
    expect(a).toEqual([{ outcome: 'accepted', eventId: id(k) }]);
    expect(again).toEqual([{ outcome: 'duplicate', eventId: id(k) }]);
    expect(changed).toEqual([{ outcome: 'conflict', eventId: id(k) }]);
    expect(pair).toEqual([
      { outcome: 'accepted', eventId: id(other) },
      { outcome: 'duplicate', eventId: id(other) },
    ]);
    expect(stored).toEqual<StoreOutcome[]>([
      { outcome: 'duplicate', eventId: id(before) },
      { outcome: 'conflict', eventId: id(before) },
    ]);
  });

  it.skipIf(skip)('rejects every request of a failed statement and stores none of its rows', async () => {
    const { gc, batches, release } = heldFirstStatement(h);
    const ids = Array.from({ length: 10 }, () => randomUUID());
    const first = gc.store([delivery(randomUUID())]);
    const waiting = Promise.allSettled(ids.map((id, i) => gc.store([delivery(i === 7 ? `boom-${id}` : id)])));
    await failWhen(h, "new.delivery_id like 'boom-%'", 'P0001');
    try {
      release();
      await first;
      const settled = await waiting;
      expect(settled.map((s) => s.status)).toEqual(ids.map(() => 'rejected'));
      expect(batches).toHaveLength(2);
      expect(await rowsFor([...ids, `boom-${ids[7]}`])).toHaveLength(0);
    } finally {
      await stopFailing(h);
    }
    expect((await gc.store(ids.map((id) => delivery(id)))).map((o) => o.outcome)).toEqual(ids.map(() => 'accepted'));
  });

  it.skipIf(skip)('stores the rest of a batch when one request is refused for its content', async () => {
    const { gc, release } = heldFirstStatement(h);
    const ids = Array.from({ length: 6 }, () => randomUUID());
    const first = gc.store([delivery(randomUUID())]);
    const waiting = Promise.allSettled(ids.map((id, i) => gc.store([delivery(i === 2 ? `poison-${id}` : id)])));
    await failWhen(h, "new.delivery_id like 'poison-%'", '22023');
    try {
      release();
      await first;
      const settled = await waiting;
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
      expect((await rowsFor([...ids, `poison-${ids[2]}`])).map((r) => r.deliveryId).sort()).toEqual(ids.filter((_, i) => i !== 2).sort());
    } finally {
      await stopFailing(h);
    }
  });

  it.skipIf(skip)('stores a payload as received, and as parsed where jsonb cannot hold it, in the same batch', async () => {
    const exact = randomUUID();
    const huge = randomUUID();
    const withNumber = (id: string, n: string) => traceAdded(id).replace('"comment":', `"n":${n},"comment":`);
    const bodies = [withNumber(exact, '123456789012345678901234567890'), withNumber(huge, '1e999999')];
    const answers = await Promise.all(bodies.map((b) => postLangsmith(h, b, signedHeaders(b))));
    expect(answers.map((a) => a.status)).toEqual([202, 202]);
    const n = async (id: string) =>
      (await rowsOf<{ n: string | null }>(h.services.database.db, sql`select payload->'data'->'trace'->>'n' as n from inbox_events where delivery_id = ${id}`))[0]!.n;
    // JSON.parse would have rounded this one to 1.2345678901234568e+29.
    expect(await n(exact)).toBe('123456789012345678901234567890');
    // Beyond numeric's range, PostgreSQL refuses the text; the parsed value (Infinity) is stored as null.
    expect(await n(huge)).toBeNull();
  });

  it.skipIf(skip)('answers 503 to every concurrent delivery while storage refuses them, and 202 once it takes them', async () => {
    const bodies = Array.from({ length: 30 }, () => traceAdded(`down-${randomUUID()}`));
    await failWhen(h, "new.delivery_id like 'down-%'", 'P0001');
    try {
      const answers = await Promise.all(bodies.map((b) => postLangsmith(h, b, signedHeaders(b))));
      expect(answers.map((a) => a.status)).toEqual(bodies.map(() => 503));
      expect(answers[0]!.json.error.code).toBe('unavailable');
    } finally {
      await stopFailing(h);
    }
    const ids = bodies.map((b) => JSON.parse(b).id as string);
    expect(await rowsFor(ids)).toHaveLength(0);
    const retried = await Promise.all(bodies.map((b) => postLangsmith(h, b, signedHeaders(b))));
    expect(retried.map((a) => a.status)).toEqual(bodies.map(() => 202));
    expect(await rowsFor(ids)).toHaveLength(30);
  });

  it.skipIf(skip)('groups concurrent requests into fewer statements than requests', async () => {
    const batches: number[] = [];
    const gc = createGroupCommit(
      (deliveries) => {
        batches.push(deliveries.length);
        return storeBatch(h.services.database.db, deliveries);
      },
      { maxBatch: 256, maxInFlight: 2 },
    );
    const ids = Array.from({ length: 100 }, () => randomUUID());
    const outcomes = await Promise.all(ids.map((id) => gc.store([delivery(id)])));
    expect(outcomes.every(([o]) => o!.outcome === 'accepted')).toBe(true);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(100);
    expect(batches.length).toBeLessThan(10);
  });
});

describe.each([
  { backend: 'pglite' as const, skip: false },
  { backend: 'postgres+redis' as const, skip: !pgUrl || !redisUrl },
])('relay of committed rows to the queue ($backend)', ({ backend, skip }) => {
  let h: Harness;
  let drop: (() => Promise<void>) | undefined;
  const jobs: string[][] = [];
  beforeAll(async () => {
    if (skip) return;
    const db = backend === 'pglite' ? undefined : await createDatabase(pgUrl);
    drop = db?.drop;
    h = await startHarness({ backend, databaseUrl: db?.url, redisUrl, worker: false });
    await h.services.queue.work(
      { 'inbox.process': async ({ eventIds }) => void jobs.push(eventIds), 'ticket.sync': async () => {}, 'regression.pull_request': async () => {}, 'outbox.deliver': async () => {} },
      { concurrency: 1 },
    );
  });
  afterAll(async () => {
    await h?.close();
    await drop?.();
  });

  const relayed = (of: readonly string[]) => jobs.filter((j) => of.includes(j[0]!));
  const observed = async () => (await registry.getSingleMetric('recur_inbox_relay_events')!.get()).values;
  const sumOf = (values: Awaited<ReturnType<typeof observed>>, name: string) => values.find((v) => (v as { metricName?: string }).metricName === name)?.value ?? 0;

  it.skipIf(skip)('sends rows committed while an enqueue is in flight together, in one job, each row once', async () => {
    const before = await observed();
    const ids = Array.from({ length: 100 }, () => randomUUID());
    const relay = createRelay(h.services);
    for (const eventId of ids) relay([{ eventId }]);
    expect(await eventually(async () => relayed(ids).flat().length === 100, 10_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    // The first row went at once; the 99 committed while it was on its way went as one job.
    expect(relayed(ids).map((j) => j.length)).toEqual([1, 99]);
    expect(relayed(ids).flat()).toEqual(ids);
    const after = await observed();
    expect(sumOf(after, 'recur_inbox_relay_events_count') - sumOf(before, 'recur_inbox_relay_events_count')).toBe(2);
    expect(sumOf(after, 'recur_inbox_relay_events_sum') - sumOf(before, 'recur_inbox_relay_events_sum')).toBe(100);
  });

  it.skipIf(skip)('splits what waited into jobs of at most INBOX_JOB_MAX_EVENTS', async () => {
    const first = randomUUID();
    const rest = Array.from({ length: INBOX_JOB_MAX_EVENTS + 10 }, () => randomUUID());
    const relay = createRelay(h.services);
    relay([{ eventId: first }]);
    relay(rest.map((eventId) => ({ eventId })));
    expect(await eventually(async () => relayed([first, ...rest]).flat().length === rest.length + 1, 10_000)).toBe(true);
    expect(relayed([first, ...rest]).map((j) => j.length)).toEqual([1, INBOX_JOB_MAX_EVENTS, 10]);
  });

  it.skipIf(skip)('leaves the oldest waiting rows to the sweeper beyond its limit, and says so', async () => {
    const first = randomUUID();
    const rest = Array.from({ length: 30 }, () => randomUUID());
    const warnings: unknown[] = [];
    const log = Object.create(h.services.log, { warn: { value: (o: unknown) => void warnings.push(o) } });
    const relay = createRelay({ queue: h.services.queue, log }, { maxWaiting: 10 });
    relay([{ eventId: first }]);
    relay(rest.map((eventId) => ({ eventId })));
    expect(await eventually(async () => relayed([first, ...rest]).length === 2, 10_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(relayed([first, ...rest])).toEqual([[first], rest.slice(20)]);
    expect(warnings).toEqual([{ events: 20 }]);
  });

  it.skipIf(skip)('while the queue hangs, overflowing commits drop their oldest rows with one warn line, not one each', async () => {
    const warnings: unknown[] = [];
    const log = Object.create(h.services.log, { warn: { value: (o: unknown) => void warnings.push(o) } });
    const enqueued: string[][] = [];
    const hung = { ...h.services.queue, enqueue: (_name: string, payload: { eventIds: string[] }) => (enqueued.push(payload.eventIds), new Promise<void>(() => {})) };
    const relay = createRelay({ queue: hung as typeof h.services.queue, log }, { maxWaiting: 10, warnEveryMs: 300 });
    relay([{ eventId: 'in-flight' }]);
    for (let i = 0; i < 100; i++) relay([{ eventId: `e${i}` }]);
    await new Promise((r) => setTimeout(r, 50));
    expect(enqueued).toEqual([['in-flight']]);
    expect(warnings).toEqual([{ events: 1 }]);
    // The other 89 dropped rows are counted when the window ends, though no commit came after them.
    expect(await eventually(async () => warnings.length === 2, 5_000)).toBe(true);
    expect(warnings).toEqual([{ events: 1 }, { events: 89 }]);
    await new Promise((r) => setTimeout(r, 400));
    expect(warnings).toHaveLength(2);
  });
});
