// GET /v1/dead-letters and the replays: listing dead and stuck inbox rows (filters, paging, redaction),
// bounded replay-all, and a dead row replayed after its cause is fixed being processed exactly once on
// every queue driver, even while its earlier job id is still taken.
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { families, familyHistory, inboxEvents, inboxReplays } from '../../src/db/schema/index.js';
import { storeDelivery } from '../../src/ingest/inbox.js';
import { inboxHealth } from '../../src/ingest/inbox_health.js';
import { processInboxEvent } from '../../src/ingest/process_event.js';
import { inboxJobId } from '../../src/queue/job_ids.js';
import { signedHeaders } from '../helpers/fixtures.js';
import { createDatabase } from '../helpers/postgres.js';
import { eventually, postLangsmith, startHarness, type Harness } from '../helpers/recur.js';

const pgUrl = inject('pgUrl');
const redisUrl = inject('redisUrl');
const ADMIN = 'ops-admin-token-0123456789';
const TOKENS = `ops:admin:${ADMIN}`;
const auth = { authorization: `Bearer ${ADMIN}` };

async function call(h: Harness, method: string, path: string, body?: unknown) {
  const res = await h.app.request(path, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
}

interface Seed {
  source?: string;
  type?: string;
  status: 'pending' | 'processed' | 'ignored' | 'dead';
  /** How long ago it was received. */
  ageMinutes: number;
  attempts?: number;
  lastError?: string;
  replayedMinutesAgo?: number;
}

/** Stores a delivery as the webhook routes do, then puts the row in the state a test needs. */
async function seed(db: Db, s: Seed): Promise<string> {
  const deliveryId = randomUUID();
  const payload = { id: deliveryId, type: s.type ?? 'issue.created', data: {} };
  const stored = await storeDelivery(db, {
    source: s.source ?? 'langsmith',
    deliveryId,
    eventType: s.type ?? 'issue.created',
    body: new TextEncoder().encode(JSON.stringify(payload)),
    payload,
    status: 'pending',
  });
  await db
    .update(inboxEvents)
    .set({
      status: s.status,
      attempts: s.attempts ?? (s.status === 'dead' ? 8 : 0),
      lastError: s.lastError ?? (s.status === 'dead' ? 'boom' : null),
      receivedAt: sql`now() - ${`${s.ageMinutes} minutes`}::interval`,
      diedAt: s.status === 'dead' ? sql`now()` : null,
      replayedAt: s.replayedMinutesAgo === undefined ? null : sql`now() - ${`${s.replayedMinutesAgo} minutes`}::interval`,
    })
    .where(eq(inboxEvents.id, stored.eventId));
  return stored.eventId;
}

describe('dead letters API, listing and bounded replays (PGlite, no worker)', () => {
  let h: Harness;
  let db: Db;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    h = await startHarness({ backend: 'pglite', worker: false, env: { RECUR_API_TOKENS: TOKENS } });
    db = h.services.database.db;
    // Oldest first, so their listing order is known.
    ids.deadCreated = await seed(db, { status: 'dead', ageMinutes: 90, lastError: 'rejected for jane.doe@example.com with Authorization: Bearer abcdefghijklmnopqrstu' });
    ids.stuck = await seed(db, { status: 'pending', ageMinutes: 80, type: 'issue.trace.added' });
    ids.deadSignal = await seed(db, { status: 'dead', ageMinutes: 70, source: 'signal:eval-ci', type: 'signal' });
    ids.deadTrace = await seed(db, { status: 'dead', ageMinutes: 60, type: 'issue.trace.added' });
    ids.replayedLately = await seed(db, { status: 'pending', ageMinutes: 50, replayedMinutesAgo: 1 });
    ids.stuckSinceReplay = await seed(db, { status: 'pending', ageMinutes: 40, replayedMinutesAgo: 20 });
    ids.fresh = await seed(db, { status: 'pending', ageMinutes: 1 });
    ids.processed = await seed(db, { status: 'processed', ageMinutes: 30 });
    ids.ignored = await seed(db, { status: 'ignored', ageMinutes: 30 });
  });
  afterAll(() => h.close());

  it('lists dead rows and rows pending past the stuck window, oldest first, in one shape', async () => {
    const { status, json } = await call(h, 'GET', '/v1/dead-letters');
    expect(status).toBe(200);
    expect(json.items.map((i: any) => [i.event_id, i.state])).toEqual([
      [ids.deadCreated, 'dead'],
      [ids.stuck, 'stuck'],
      [ids.deadSignal, 'dead'],
      [ids.deadTrace, 'dead'],
      [ids.stuckSinceReplay, 'stuck'],
    ]);
    expect(json.next_cursor).toBeNull();
    const first = json.items[0];
    expect(Object.keys(first).sort()).toEqual(
      ['attempts', 'delivery_id', 'died_at', 'event_id', 'last_error', 'received_at', 'replayed_at', 'replays', 'source', 'state', 'type'].sort(),
    );
    expect(first).toMatchObject({ source: 'langsmith', type: 'issue.created', attempts: 8, replays: 0, replayed_at: null });
    expect(typeof first.died_at).toBe('string');
    expect(json.items[1].died_at).toBeNull();
  });

  it('counts what waits, what died and what is stuck for the metrics', async () => {
    const health = await inboxHealth(db);
    expect(health).toMatchObject({ pending: 4, dead: 3, stuck: 2 });
    // The oldest pending row was received 80 minutes ago.
    expect(health.oldestPendingSeconds).toBeGreaterThanOrEqual(80 * 60);
    expect(health.oldestPendingSeconds).toBeLessThan(90 * 60);
  });

  it('redacts secrets and personal data in the last error', async () => {
    const { json } = await call(h, 'GET', '/v1/dead-letters?state=dead');
    const error = json.items.find((i: any) => i.event_id === ids.deadCreated).last_error as string;
    expect(error).toContain('[redacted:email]');
    expect(error).toContain('[redacted:token]');
    expect(error).not.toContain('jane.doe');
    expect(error).not.toContain('abcdefghijklmnopqrstu');
  });

  it.each([
    ['state=dead', ['deadCreated', 'deadSignal', 'deadTrace']],
    ['state=stuck', ['stuck', 'stuckSinceReplay']],
    ['source=signal:eval-ci', ['deadSignal']],
    ['type=issue.trace.added', ['stuck', 'deadTrace']],
    ['state=dead&type=issue.trace.added', ['deadTrace']],
    ['source=nobody', []],
  ])('filters by %s', async (query, names) => {
    const { json } = await call(h, 'GET', `/v1/dead-letters?${query}`);
    expect(json.items.map((i: any) => i.event_id)).toEqual(names.map((n) => ids[n]));
  });

  it('pages with a cursor without losing or repeating a row', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { json }: { json: any } = await call(h, 'GET', `/v1/dead-letters?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(json.items.length).toBeLessThanOrEqual(2);
      seen.push(...json.items.map((i: any) => i.event_id));
      cursor = json.next_cursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([ids.deadCreated, ids.stuck, ids.deadSignal, ids.deadTrace, ids.stuckSinceReplay]);
  });

  it('replays at most the limit, oldest first, says more are left, and records who replayed', async () => {
    const depthBefore = (await h.services.queue.depth())['recur-inbox']!;
    const { status, json } = await call(h, 'POST', '/v1/dead-letter-replays', { state: 'dead', limit: 2 });
    expect(status).toBe(202);
    expect(json.replayed).toBe(2);
    expect(json.more).toBe(true);
    expect(json.items.map((i: any) => [i.event_id, i.state, i.attempts, i.replays, i.died_at, i.last_error])).toEqual([
      [ids.deadCreated, 'pending', 0, 1, null, null],
      [ids.deadSignal, 'pending', 0, 1, null, null],
    ]);
    expect((await h.services.queue.depth())['recur-inbox']).toBe(depthBefore + 2);

    const history = await db.select().from(inboxReplays).where(eq(inboxReplays.eventId, ids.deadCreated!));
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ actor: 'token:ops', previousState: 'dead', previousAttempts: 8 });
    expect(history[0]!.previousError).toContain('jane.doe@example.com');

    // Replayed rows are neither dead nor stuck any more; the third dead row is what is left.
    const left = await call(h, 'GET', '/v1/dead-letters?state=dead');
    expect(left.json.items.map((i: any) => i.event_id)).toEqual([ids.deadTrace]);
  });

  it('replays exactly the rows named, skipping those that are no longer dead or stuck', async () => {
    const { status, json } = await call(h, 'POST', '/v1/dead-letter-replays', { ids: [ids.stuck, ids.processed, ids.fresh, ids.replayedLately] });
    expect(status).toBe(202);
    expect(json.items.map((i: any) => i.event_id)).toEqual([ids.stuck]);
    expect(json.more).toBe(false);
    const rows = await db.select({ id: inboxEvents.id, status: inboxEvents.status, replays: inboxEvents.replays }).from(inboxEvents);
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(ids.processed!)).toMatchObject({ status: 'processed', replays: 0 });
    expect(byId.get(ids.fresh!)).toMatchObject({ status: 'pending', replays: 0 });
    expect(byId.get(ids.replayedLately!)).toMatchObject({ status: 'pending', replays: 0 });
    expect(byId.get(ids.stuck!)).toMatchObject({ status: 'pending', replays: 1 });
  });

  it('replays every row named, past the default limit of a filtered replay', async () => {
    await db.execute(sql`
      insert into inbox_events (source, delivery_id, event_type, body_sha256, payload, status, attempts)
      select 'bulk', 'bulk-' || g, 'issue.created', md5(g::text), '{}'::jsonb, 'dead', 8 from generate_series(1, 150) g`);
    const bulk = (await db.select({ id: inboxEvents.id }).from(inboxEvents).where(eq(inboxEvents.source, 'bulk'))).map((r) => r.id);
    expect(bulk).toHaveLength(150);
    const { status, json } = await call(h, 'POST', '/v1/dead-letter-replays', { ids: bulk });
    expect(status).toBe(202);
    expect(json).toMatchObject({ replayed: 150, more: false });
    expect(await db.$count(inboxEvents, sql`${inboxEvents.source} = 'bulk' and ${inboxEvents.status} = 'pending' and ${inboxEvents.replays} = 1`)).toBe(150);
  });

  it('still answers on the former path /v1/dead-letters/replay, marked deprecated with its successor', async () => {
    await db.execute(sql`
      insert into inbox_events (source, delivery_id, event_type, body_sha256, payload, status, attempts)
      values ('alias', 'alias-1', 'issue.created', md5('alias-1'), '{}'::jsonb, 'dead', 8)`);
    const [row] = await db.select({ id: inboxEvents.id }).from(inboxEvents).where(eq(inboxEvents.source, 'alias'));
    const res = await h.app.request('/v1/dead-letters/replay', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ ids: [row!.id] }) });
    expect(res.status).toBe(202);
    expect(res.headers.get('deprecation')).toBe('true');
    expect(res.headers.get('link')).toBe('</v1/dead-letter-replays>; rel="successor-version"');
    expect(((await res.json()) as any).replayed).toBe(1);
  });

  it('replays one stuck row by id', async () => {
    const { status, json } = await call(h, 'POST', `/v1/dead-letters/${ids.stuckSinceReplay}/replay`);
    expect(status).toBe(202);
    expect(json).toMatchObject({ event_id: ids.stuckSinceReplay, state: 'pending', replays: 1 });
    const [history] = await db.select().from(inboxReplays).where(eq(inboxReplays.eventId, ids.stuckSinceReplay!));
    expect(history).toMatchObject({ previousState: 'stuck', actor: 'token:ops' });
  });
});

/** Makes every new family of the workflow `poisoned` fail to insert, as a broken downstream would. */
async function poison(db: Db) {
  await db.execute(sql.raw(`
    create or replace function recur_test_poison() returns trigger language plpgsql as $$
    begin
      if new.workflow = 'poisoned' then raise exception 'downstream rejected a family for jane.doe@example.com'; end if;
      return new;
    end $$`));
  await db.execute(sql.raw('create trigger recur_test_poison before insert on families for each row execute function recur_test_poison()'));
}

const cure = (db: Db) => db.execute(sql.raw('drop trigger recur_test_poison on families'));

function issueCreated(issue: string, project = 'poisoned') {
  return JSON.stringify({
    id: randomUUID(),
    type: 'issue.created',
    created: 1779800000,
    request_id: randomUUID(),
    data: { object: { id: issue, name: `Poisoned ${issue}`, severity: 2, session_name: project } },
  });
}

describe.each([
  { backend: 'pglite' as const, skip: false },
  { backend: 'postgres' as const, skip: !pgUrl },
  { backend: 'postgres+redis' as const, skip: !pgUrl || !redisUrl },
])('replaying a dead row ($backend)', ({ backend, skip }) => {
  let h: Harness;
  let db: Db;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    if (skip) return;
    const database = backend === 'pglite' ? null : await createDatabase(pgUrl);
    drop = database?.drop;
    h = await startHarness({ backend, databaseUrl: database?.url, redisUrl, env: { RECUR_API_TOKENS: TOKENS, RECUR_MAX_ATTEMPTS: '2' } });
    db = h.services.database.db;
  });
  afterAll(async () => {
    await h?.close();
    await drop?.();
  });

  const rowOf = async (id: string) => (await db.select().from(inboxEvents).where(eq(inboxEvents.id, id)))[0]!;
  /** A job under the row's own id that will not run for an hour: the earlier run's job, still kept by the queue. */
  const occupyJobId = (id: string) => h.services.queue.enqueue('inbox.process', { eventIds: [id] }, { jobId: inboxJobId(id), delayMs: 3_600_000 });

  it.skipIf(skip)('dies again while the cause remains, and is processed exactly once after it is fixed', async () => {
    await poison(db);
    const body = issueCreated(`dead-${backend}`);
    const res = await postLangsmith(h, body, signedHeaders(body));
    expect(res.status).toBe(202);
    const id = res.json.event_id as string;
    expect(await eventually(async () => (await rowOf(id)).status === 'dead')).toBe(true);
    expect(await rowOf(id)).toMatchObject({ attempts: 2, replays: 0 });
    expect((await rowOf(id)).diedAt).toBeInstanceOf(Date);
    expect(await inboxHealth(db)).toMatchObject({ pending: 0, dead: 1, stuck: 0 });
    await occupyJobId(id);

    const listed = await call(h, 'GET', '/v1/dead-letters?state=dead');
    expect(listed.json.items.map((i: any) => i.event_id)).toEqual([id]);
    expect(listed.json.items[0].last_error).toBe('downstream rejected a family for [redacted:email]');

    const again = await call(h, 'POST', `/v1/dead-letters/${id}/replay`);
    expect(again.status).toBe(202);
    expect(again.json).toMatchObject({ event_id: id, state: 'pending', attempts: 0, replays: 1 });
    expect(await eventually(async () => (await rowOf(id)).status === 'dead')).toBe(true);
    expect(await rowOf(id)).toMatchObject({ attempts: 2, replays: 1 });

    await cure(db);
    const replay = await call(h, 'POST', `/v1/dead-letters/${id}/replay`);
    expect(replay.status).toBe(202);
    expect(replay.json).toMatchObject({ state: 'pending', replays: 2 });
    expect(await eventually(async () => (await rowOf(id)).status === 'processed')).toBe(true);
    // Nothing is left to do: the sweeper finds no pending row, and a late run of any job finds it done.
    expect((await h.worker!.sweep()).events).toBe(0);
    expect(await processInboxEvent({ db, config: h.services.config.file, maxAttempts: 2 }, id)).toEqual({ result: 'already_done' });

    const rows = await db.select().from(families).where(eq(families.workflow, 'poisoned'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ eventCount: 1 });
    expect(await db.$count(familyHistory, eq(familyHistory.familyId, rows[0]!.id))).toBeGreaterThan(0);
    expect(await db.$count(familyHistory, sql`${familyHistory.familyId} = ${rows[0]!.id} and ${familyHistory.action} = 'created'`)).toBe(1);
    expect((await db.select().from(inboxReplays).where(eq(inboxReplays.eventId, id))).map((r) => [r.actor, r.previousState, r.previousAttempts])).toEqual([
      ['token:ops', 'dead', 2],
      ['token:ops', 'dead', 2],
    ]);

    const done = await call(h, 'POST', `/v1/dead-letters/${id}/replay`);
    expect(done.status).toBe(409);
    expect(done.json.error.code).toBe('conflict');
  });

  it.skipIf(skip)('gets a stuck row processed that the sweeper cannot queue', async () => {
    const body = issueCreated(`stuck-${backend}`, 'stuck-agent');
    const stored = await storeDelivery(db, {
      source: 'langsmith',
      deliveryId: JSON.parse(body).id,
      eventType: 'issue.created',
      body: new TextEncoder().encode(body),
      payload: JSON.parse(body),
      status: 'pending',
    });
    const id = stored.eventId;
    await occupyJobId(id);
    await db.update(inboxEvents).set({ receivedAt: sql`now() - interval '1 hour'` }).where(eq(inboxEvents.id, id));
    await h.worker!.sweep();

    const listed = await call(h, 'GET', '/v1/dead-letters?state=stuck');
    expect(listed.json.items.map((i: any) => i.event_id)).toEqual([id]);
    const replay = await call(h, 'POST', '/v1/dead-letter-replays', { state: 'stuck' });
    expect(replay.json).toMatchObject({ replayed: 1, more: false });
    expect(await eventually(async () => (await rowOf(id)).status === 'processed')).toBe(true);
    expect(await db.$count(families, eq(families.title, `Poisoned stuck-${backend}`))).toBe(1);
  });
});
