// The dead-letter routes refuse what they cannot do and change nothing when they refuse: unknown ids,
// rows that are neither dead nor stuck, malformed filters, cursors and bodies.
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { inboxEvents, inboxReplays } from '../../src/db/schema/index.js';
import { storeDelivery } from '../../src/ingest/inbox.js';
import { startHarness, type Harness } from '../helpers/recur.js';

async function seed(db: Db, status: 'pending' | 'processed' | 'ignored' | 'dead', ageMinutes: number): Promise<string> {
  const deliveryId = randomUUID();
  const stored = await storeDelivery(db, {
    source: 'langsmith',
    deliveryId,
    eventType: 'issue.created',
    body: new TextEncoder().encode(deliveryId),
    payload: { id: deliveryId },
    status: 'pending',
  });
  await db
    .update(inboxEvents)
    .set({ status, attempts: status === 'dead' ? 8 : 0, receivedAt: sql`now() - ${`${ageMinutes} minutes`}::interval` })
    .where(eq(inboxEvents.id, stored.eventId));
  return stored.eventId;
}

describe('dead letters API errors', () => {
  let h: Harness;
  let db: Db;
  const ids: Record<string, string> = {};
  let before: unknown[];

  const send = async (method: string, path: string, body?: unknown) => {
    const res = await h.app.request(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as any };
  };

  beforeAll(async () => {
    h = await startHarness({ backend: 'pglite', worker: false });
    db = h.services.database.db;
    ids.dead = await seed(db, 'dead', 60);
    ids.processed = await seed(db, 'processed', 60);
    ids.ignored = await seed(db, 'ignored', 60);
    ids.fresh = await seed(db, 'pending', 1);
    before = await db.select().from(inboxEvents).orderBy(inboxEvents.id);
  });
  afterAll(() => h.close());

  const unchanged = async () => {
    expect(await db.select().from(inboxEvents).orderBy(inboxEvents.id)).toEqual(before);
    expect(await db.$count(inboxReplays)).toBe(0);
    expect((await h.services.queue.depth())['recur-inbox']).toBe(0);
  };

  it('answers 404 for an event that does not exist', async () => {
    const { status, json } = await send('POST', `/v1/dead-letters/${randomUUID()}/replay`);
    expect(status).toBe(404);
    expect(json.error.code).toBe('not_found');
    await unchanged();
  });

  it.each(['processed', 'ignored', 'fresh'])('answers 409 for a %s row, naming its state', async (name) => {
    const { status, json } = await send('POST', `/v1/dead-letters/${ids[name]}/replay`);
    expect(status).toBe(409);
    expect(json.error).toMatchObject({ code: 'conflict', state: name === 'fresh' ? 'pending' : name });
    await unchanged();
  });

  it.each([
    ['GET', '/v1/dead-letters?state=alive'],
    ['GET', '/v1/dead-letters?limit=0'],
    ['GET', '/v1/dead-letters?limit=201'],
    ['GET', '/v1/dead-letters?cursor=bm90LWEtY3Vyc29y'],
    ['POST', '/v1/dead-letters/not-a-uuid/replay'],
  ])('answers 400 to %s %s', async (method, path) => {
    const { status, json } = await send(method, path);
    expect(status).toBe(400);
    expect(json.error.code).toBe('invalid_request');
    await unchanged();
  });

  it.each([
    ['ids and filters together', { ids: [randomUUID()], source: 'langsmith' }],
    ['ids and a limit together', { ids: [randomUUID()], limit: 1 }],
    ['a limit over the bound', { limit: 501 }],
    ['a limit of zero', { limit: 0 }],
    ['more ids than the bound', { ids: Array.from({ length: 501 }, () => randomUUID()) }],
    ['an id that is not a uuid', { ids: ['nope'] }],
    ['an unknown state', { state: 'alive' }],
    ['an unknown field', { all: true }],
    ['a body that is not JSON', '{"state":'],
  ])('refuses a bulk replay with %s, replaying nothing', async (_, body) => {
    const { status, json } = await send('POST', '/v1/dead-letter-replays', body);
    expect(status).toBe(400);
    expect(json.error.code).toBe('invalid_request');
    await unchanged();
  });
});
