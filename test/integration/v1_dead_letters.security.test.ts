// The dead-letter routes need the admin scope: 401 without a token, 403 with a read or write token (and
// nothing replayed), and an answer with an admin token.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboxEvents } from '../../src/db/schema/index.js';
import { storeDelivery } from '../../src/ingest/inbox.js';
import { startHarness, type Harness } from '../helpers/recur.js';

const TOKENS = { read: 'dl-reader-token-0123456789', write: 'dl-writer-token-0123456789', admin: 'dl-admin-token-0123456789' };

describe('dead letters API security', () => {
  let h: Harness;
  let dead: string;
  beforeAll(async () => {
    h = await startHarness({
      backend: 'pglite',
      worker: false,
      env: { RECUR_API_TOKENS: `r:read:${TOKENS.read},w:write+read:${TOKENS.write},a:admin:${TOKENS.admin}` },
    });
    const db = h.services.database.db;
    const stored = await storeDelivery(db, { source: 'langsmith', deliveryId: 'sec-1', eventType: 'issue.created', body: new Uint8Array([1]), payload: {}, status: 'pending' });
    dead = stored.eventId;
    await db.update(inboxEvents).set({ status: 'dead', attempts: 8 }).where(eq(inboxEvents.id, dead));
  });
  afterAll(() => h.close());

  const routes = () => [
    ['GET', '/v1/dead-letters', undefined, 200],
    ['POST', '/v1/dead-letter-replays', { ids: [randomUUID()] }, 202],
    ['POST', `/v1/dead-letters/${randomUUID()}/replay`, undefined, 404],
  ] as const;

  const send = (method: string, path: string, body: unknown, token?: string) =>
    h.app.request(path, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('answers 401 without a token or with an unknown one', async () => {
    for (const [method, path, body] of routes()) {
      expect((await send(method, path, body)).status, `${method} ${path}`).toBe(401);
      expect((await send(method, path, body, 'not-a-token-0123456789')).status, `${method} ${path}`).toBe(401);
    }
  });

  it('answers 403 to read and write tokens, and replays nothing for them', async () => {
    for (const token of [TOKENS.read, TOKENS.write]) {
      for (const [method, path, body] of routes()) expect((await send(method, path, body, token)).status, `${method} ${path}`).toBe(403);
      expect((await send('POST', `/v1/dead-letters/${dead}/replay`, undefined, token)).status).toBe(403);
      expect((await send('POST', '/v1/dead-letter-replays', {}, token)).status).toBe(403);
    }
    const [row] = await h.services.database.db.select().from(inboxEvents).where(eq(inboxEvents.id, dead));
    expect(row).toMatchObject({ status: 'dead', replays: 0 });
  });

  it('answers an admin token', async () => {
    for (const [method, path, body, expected] of routes()) expect((await send(method, path, body, TOKENS.admin)).status, `${method} ${path}`).toBe(expected);
    const replay = await send('POST', `/v1/dead-letters/${dead}/replay`, undefined, TOKENS.admin);
    expect(replay.status).toBe(202);
    expect(await replay.json()).toMatchObject({ event_id: dead, state: 'pending', replays: 1 });
  });
});
