// Hostile input at every ingest route (POST /webhooks/langsmith, /webhooks/github, /v1/signals) with every
// secret configured, in-process: random and adversarial bodies, headers and lengths never get a 5xx, a
// rejected request stores nothing in any table, and well-formed signed deliveries, resent and mutated, get
// the answers the contract gives them. Fixed seed; RECUR_FUZZ_SEED and RECUR_FUZZ_SCALE change it and the
// run counts, and a failure prints the seed and path that replay it.
import { createHmac, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { inboxEvents } from '../../src/db/schema/index.js';
import { isActedOnEvent } from '../../src/ingest/github/events.js';
import { TEST_SECRET } from '../helpers/fixtures.js';
import {
  authHeaders,
  changedTables,
  chunkedStream,
  countAllRows,
  fuzzEnv,
  githubDeliveryArb,
  hostileRequestArb,
  langsmithEnvelopeArb,
  padJson,
  READ_TOKEN,
  ROUTES,
  signalArb,
  utf8,
  type HostileRequest,
  type Route,
  type RowCounts,
} from '../helpers/hostile_requests.js';
import { createDatabase } from '../helpers/postgres.js';
import { startHarness, type Harness } from '../helpers/recur.js';

const pgUrl = inject('pgUrl');
const SEED = Number(process.env.RECUR_FUZZ_SEED ?? 20_261_122);
const SCALE = Number(process.env.RECUR_FUZZ_SCALE ?? 1);
const MAX_BODY = 8_192;
const runs = (n: number) => ({ seed: SEED, numRuns: Math.max(1, Math.round(n * SCALE)) });
/** Every status an ingest route may answer; anything else (a 5xx above all) is a finding. */
const ANSWERS = [200, 202, 400, 401, 403, 409, 413, 415];

interface Answer {
  status: number;
  json: any;
}

describe('hostile requests at the ingest routes', () => {
  let h: Harness;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const db = pgUrl ? await createDatabase(pgUrl) : undefined;
    drop = db?.drop;
    // No worker: what is counted is what the request itself stored.
    h = await startHarness({ backend: db ? 'postgres' : 'pglite', databaseUrl: db?.url, worker: false, env: fuzzEnv(MAX_BODY) });
  });
  afterAll(async () => {
    await h?.close();
    await drop?.();
  });

  const rows = () =>
    countAllRows((text) => rowsOf<Record<string, unknown>>(h.services.database.db, sql.raw(text)));

  async function send(req: Omit<HostileRequest, 'chunks'> & { chunks?: number[] }): Promise<Answer> {
    const streamed = (req.chunks?.length ?? 0) > 0;
    const init = {
      method: 'POST',
      headers: req.headers,
      body: streamed ? chunkedStream(req.body, req.chunks!) : req.body,
      ...(streamed ? { duplex: 'half' } : {}),
    } as RequestInit;
    const res = await h.app.request(req.route, init);
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`answer ${res.status} is not JSON: ${text.slice(0, 200)}`);
    }
    return { status: res.status, json };
  }

  /** Rows a 2xx answer says it stored. */
  const storedBy = (route: Route, a: Answer) => (a.status >= 300 ? 0 : route === '/v1/signals' ? a.json.accepted : a.status === 202 ? 1 : 0);

  const expectStored = (before: RowCounts, after: RowCounts, n: number) =>
    expect(changedTables(before, after)).toEqual(n === 0 ? {} : { inbox_events: [before.inbox_events, before.inbox_events! + n] });

  it('never answers 5xx, answers every error in one shape, and stores nothing for a rejected request', async () => {
    await fc.assert(
      fc.asyncProperty(hostileRequestArb(MAX_BODY), async (req) => {
        const before = await rows();
        const answer = await send(req);
        const after = await rows();
        const seen = `${req.route} answered ${answer.status} ${JSON.stringify(answer.json)} to ${Buffer.from(req.body).toString('utf8').slice(0, 300)}`;
        expect(ANSWERS, seen).toContain(answer.status);
        if (answer.status >= 400) {
          expect(answer.json, seen).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });
          expectStored(before, after, 0);
        } else {
          expectStored(before, after, storedBy(req.route, answer));
        }
      }),
      runs(300),
    );
  }, 120_000);

  it('LangSmith: a signed delivery is stored once; resent, respelled, altered or re-signed it gets the contract answers', async () => {
    await fc.assert(
      fc.asyncProperty(
        langsmithEnvelopeArb,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.constantFrom('application/json; charset=utf-8', 'Application/JSON', 'application/vnd.langsmith+json'),
        async (envelope, flipAt, flipBits, contentType) => {
          const route = '/webhooks/langsmith';
          const body = utf8(JSON.stringify(envelope));
          const signed: Record<string, string> = { 'content-type': 'application/json', ...authHeaders(route, body) };
          const before = await rows();
          const first = await send({ route, body, headers: signed });
          expect(first).toEqual({ status: 202, json: { status: envelope.type === 'issue.resolved' ? 'ignored' : 'accepted', event_id: expect.any(String) } });
          const afterFirst = await rows();
          expectStored(before, afterFirst, 1);
          const [row] = await h.services.database.db.select().from(inboxEvents).where(sql`${inboxEvents.id} = ${first.json.event_id}`);

          const duplicate = { status: 200, json: { status: 'duplicate', event_id: first.json.event_id } };
          const upper = { ...signed, 'x-langsmith-signature': signed['x-langsmith-signature']!.replace(/=(.*)$/, (_: string, hex: string) => `=${hex.toUpperCase()}`).replace('sha256', 'SHA256') };
          expect(await send({ route, body, headers: signed })).toEqual(duplicate);
          expect(await send({ route, body, headers: { ...signed, 'content-type': contentType } })).toEqual(duplicate);
          expect(await send({ route, body, headers: upper })).toEqual(duplicate);
          expect(await send({ route, body, headers: signed, chunks: [1, 7, 64] })).toEqual(duplicate);

          const flipped = body.slice();
          flipped[flipAt % flipped.length]! ^= flipBits;
          expect((await send({ route, body: flipped, headers: signed })).status).toBe(401);
          const resigned = utf8(JSON.stringify({ ...envelope, data: { ...envelope.data, object: { ...envelope.data.object, name: `${envelope.data.object.name} (edited)` } } }));
          expect(await send({ route, body: resigned, headers: { 'content-type': 'application/json', ...authHeaders(route, resigned) } })).toEqual({
            status: 409,
            json: { error: { code: 'conflict', message: expect.any(String), event_id: first.json.event_id } },
          });
          const { authorization: _, ...noToken } = signed;
          expect((await send({ route, body, headers: noToken })).status).toBe(401);
          expect((await send({ route, body, headers: { ...signed, 'x-langsmith-signature': `sha256=${'0'.repeat(64)}` } })).status).toBe(401);
          expect((await send({ route, body, headers: { ...signed, 'content-type': 'text/plain' } })).status).toBe(415);

          expectStored(afterFirst, await rows(), 0);
          const [unchanged] = await h.services.database.db.select().from(inboxEvents).where(sql`${inboxEvents.id} = ${first.json.event_id}`);
          expect(unchanged).toEqual(row);
        },
      ),
      runs(30),
    );
  }, 120_000);

  it('GitHub: a signed delivery is stored once (ping answered, never stored); altered or unsigned it is refused', async () => {
    await fc.assert(
      fc.asyncProperty(githubDeliveryArb, fc.nat(), async ({ event, payload }, flipAt) => {
        const route = '/webhooks/github';
        const delivery = randomUUID();
        const body = utf8(JSON.stringify(payload));
        const signed: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': delivery, ...authHeaders(route, body) };
        const before = await rows();
        const first = await send({ route, body, headers: signed });
        if (event === 'ping') {
          expect(first).toEqual({ status: 200, json: { status: 'pong' } });
          expect(await send({ route, body, headers: signed })).toEqual(first);
          expectStored(before, await rows(), 0);
          return;
        }
        expect(first).toEqual({ status: 202, json: { status: isActedOnEvent(event) ? 'accepted' : 'ignored', event_id: expect.any(String) } });
        const afterFirst = await rows();
        expectStored(before, afterFirst, 1);

        expect(await send({ route, body, headers: signed })).toEqual({ status: 200, json: { status: 'duplicate', event_id: first.json.event_id } });
        const other = utf8(JSON.stringify({ ...payload, action: `${payload.action}-again` }));
        expect((await send({ route, body: other, headers: { ...signed, ...authHeaders(route, other) } })).status).toBe(409);
        const flipped = body.slice();
        flipped[flipAt % flipped.length]! ^= 0x20;
        expect((await send({ route, body: flipped, headers: signed })).status).toBe(401);
        const { 'x-hub-signature-256': _, ...unsigned } = signed;
        expect((await send({ route, body, headers: unsigned })).status).toBe(401);
        expect((await send({ route, body, headers: { ...signed, 'x-github-delivery': `${delivery}/../x` } })).status).toBe(400);
        expect((await send({ route, body, headers: { ...signed, 'x-github-event': '' } })).status).toBe(400);
        expectStored(afterFirst, await rows(), 0);
      }),
      runs(30),
    );
  }, 120_000);

  it('signals: a signed or token-carrying signal is stored once; resent it is a duplicate, re-bodied a conflict, stale or forged refused', async () => {
    await fc.assert(
      fc.asyncProperty(signalArb, signalArb, fc.nat(), async (signal, another, flipAt) => {
        const route = '/v1/signals';
        const json = { 'content-type': 'application/json' };
        const body = utf8(JSON.stringify(signal));
        const before = await rows();
        const first = await send({ route, body, headers: { ...json, ...authHeaders(route, body) } });
        expect(first).toEqual({ status: 202, json: { accepted: 1, duplicates: 0, conflicts: 0 } });
        const afterFirst = await rows();
        expectStored(before, afterFirst, 1);

        expect((await send({ route, body, headers: { ...json, ...authHeaders(route, body) } })).json).toEqual({ accepted: 0, duplicates: 1, conflicts: 0 });
        expect((await send({ route, body, headers: { ...json, ...authHeaders(route, body, { useToken: true }) } })).json).toEqual({ accepted: 0, duplicates: 1, conflicts: 0 });
        const edited = utf8(JSON.stringify({ ...signal, title: `${signal.title} (edited)` }));
        expect((await send({ route, body: edited, headers: { ...json, ...authHeaders(route, edited) } })).json).toEqual({ accepted: 0, duplicates: 0, conflicts: 1 });

        const stale = authHeaders(route, body, { at: new Date(Date.now() - 6 * 60_000) });
        expect((await send({ route, body, headers: { ...json, ...stale } })).status).toBe(401);
        const flipped = body.slice();
        flipped[flipAt % flipped.length]! ^= 0x01;
        expect((await send({ route, body: flipped, headers: { ...json, ...authHeaders(route, body) } })).status).toBe(401);
        expect((await send({ route, body, headers: { ...json, authorization: `Bearer ${READ_TOKEN}` } })).status).toBe(403);
        expect((await send({ route, body, headers: json })).status).toBe(401);
        expectStored(afterFirst, await rows(), 0);

        // A batch is all or nothing: the stored signal in it is a duplicate, the new one is stored once.
        const fresh = { ...another, id: `${another.id}-b` };
        const batch = utf8(JSON.stringify({ signals: [signal, fresh] }));
        expect((await send({ route, body: batch, headers: { ...json, ...authHeaders(route, batch) } })).json).toEqual({ accepted: 1, duplicates: 1, conflicts: 0 });
        const bad = utf8(JSON.stringify({ signals: [{ ...another, id: `${another.id}-c` }, { ...fresh, workflow: '' }] }));
        expect((await send({ route, body: bad, headers: { ...json, ...authHeaders(route, bad) } })).status).toBe(400);
        expectStored(afterFirst, await rows(), 1);
      }),
      runs(30),
    );
  }, 120_000);

  it('bodies up to RECUR_MAX_BODY_BYTES are read and stored, one byte more is 413 and stores nothing, whole or chunked', async () => {
    const wellFormed: Record<Route, () => Record<string, unknown>> = {
      '/webhooks/langsmith': () => fc.sample(langsmithEnvelopeArb, { seed: SEED, numRuns: 1 })[0]!,
      '/webhooks/github': () => ({ action: 'opened', repository: { full_name: 'acme/agents' }, issue: { number: 1 } }),
      '/v1/signals': () => fc.sample(signalArb, { seed: SEED, numRuns: 1 })[0]!,
    };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        fc.integer({ min: -3, max: 3 }),
        fc.oneof(fc.constant<number[]>([]), fc.array(fc.integer({ min: 1, max: 3_000 }), { minLength: 1, maxLength: 6 })),
        async (route, offset, chunks) => {
          const body = padJson(wellFormed[route](), MAX_BODY + offset);
          expect(body.length).toBe(MAX_BODY + offset);
          const headers: Record<string, string> = { 'content-type': 'application/json', ...authHeaders(route, body) };
          if (route === '/webhooks/github') Object.assign(headers, { 'x-github-event': 'issues', 'x-github-delivery': randomUUID() });
          const before = await rows();
          const answer = await send({ route, body, headers, chunks });
          if (offset > 0) {
            expect(answer).toEqual({ status: 413, json: { error: { code: 'payload_too_large', message: expect.any(String) } } });
            expectStored(before, await rows(), 0);
          } else {
            expect(answer.status).toBe(202);
            expectStored(before, await rows(), 1);
          }
        },
      ),
      runs(30),
    );
  }, 120_000);

  it.each(ROUTES)('%s: strings PostgreSQL cannot store (NUL, unpaired surrogates) answer 400, not a 503 the sender would retry forever', async (route) => {
    const cases = [
      '{"id":"a\\u0000b","type":"issue.created","source":"s","workflow":"w","title":"t","data":{}}',
      '{"id":"x1","type":"issue.created","source":"s","workflow":"w","title":"t","data":{"k\\u0000":1}}',
      '{"id":"x2","type":"issue.created","source":"s","workflow":"w","title":"t\\ud800","data":{}}',
      '{"id":"x3","type":"issue.created","source":"s","workflow":"w","title":"t","data":{"s":["ok","\\udfff?"]}}',
    ];
    const before = await rows();
    for (const text of cases) {
      const body = utf8(text);
      const headers: Record<string, string> = { 'content-type': 'application/json', ...authHeaders(route, body) };
      if (route === '/webhooks/github') Object.assign(headers, { 'x-github-event': 'issues', 'x-github-delivery': randomUUID() });
      const answer = await send({ route, body, headers });
      expect(answer, text).toEqual({ status: 400, json: { error: { code: 'invalid_payload', message: expect.stringContaining('cannot be stored') } } });
    }
    expectStored(before, await rows(), 0);
    // A surrogate pair is a character like any other.
    const emoji = route === '/v1/signals' ? fc.sample(signalArb, { seed: SEED, numRuns: 1 })[0]! : route === '/webhooks/github' ? { action: 'opened' } : fc.sample(langsmithEnvelopeArb, { seed: SEED, numRuns: 1 })[0]!;
    const body = utf8(JSON.stringify({ ...emoji, note: '\ud83d\ude00 ok' }));
    const headers: Record<string, string> = { 'content-type': 'application/json', ...authHeaders(route, body) };
    if (route === '/webhooks/github') Object.assign(headers, { 'x-github-event': 'issues', 'x-github-delivery': randomUUID() });
    expect((await send({ route, body, headers })).status).toBe(202);
  });

  it('refuses a LangSmith body signed with another secret, whatever the body', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (body) => {
        const before = await rows();
        const headers = { 'content-type': 'application/json', ...authHeaders('/webhooks/langsmith', body), 'x-langsmith-signature': `sha256=${createHmac('sha256', `${TEST_SECRET}x`).update(body).digest('hex')}` };
        expect((await send({ route: '/webhooks/langsmith', body, headers })).status).toBe(401);
        expectStored(before, await rows(), 0);
      }),
      runs(30),
    );
  });
});
