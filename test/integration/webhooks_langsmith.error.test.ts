// Every answer of the LangSmith table in docs/contract.md section 3, on the embedded default; every 4xx stores nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboxEvents } from '../../src/db/schema/index.js';
import { fixtureText, signedHeaders, TEST_SECRET } from '../helpers/fixtures.js';
import { postLangsmith, startHarness, type Harness } from '../helpers/recur.js';

const created = fixtureText('issue-created.json');

describe('POST /webhooks/langsmith answers', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend: 'pglite', worker: false, env: { RECUR_MAX_BODY_BYTES: '4096' } });
  });
  afterAll(() => h.close());

  const stored = () => h.services.database.db.$count(inboxEvents);

  it('202 accepted for a new delivery, 200 duplicate for its byte-identical retry', async () => {
    const first = await postLangsmith(h, created, signedHeaders(created));
    expect(first).toEqual({ status: 202, json: { status: 'accepted', event_id: expect.any(String) } });
    const again = await postLangsmith(h, created, signedHeaders(created));
    expect(again).toEqual({ status: 200, json: { status: 'duplicate', event_id: first.json.event_id } });
    expect(await stored()).toBe(1);
  });

  it('409 conflict for the same id with another body, and the stored event is unchanged', async () => {
    const altered = created.replace('"severity": 0', '"severity": 3');
    const before = await h.services.database.db.select().from(inboxEvents);
    const res = await postLangsmith(h, altered, signedHeaders(altered));
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('conflict');
    expect(await h.services.database.db.select().from(inboxEvents)).toEqual(before);
  });

  it('202 ignored for a well-formed envelope of an unknown type: stored, not processed', async () => {
    const body = JSON.stringify({ id: 'evt-unknown-1', type: 'issue.resolved', created: 1, request_id: 'r', data: { object: { id: 'x' } } });
    const res = await postLangsmith(h, body, signedHeaders(body));
    expect(res).toEqual({ status: 202, json: { status: 'ignored', event_id: expect.any(String) } });
    const rows = await h.services.database.db.select().from(inboxEvents);
    expect(rows.find((r) => r.deliveryId === 'evt-unknown-1')).toMatchObject({ status: 'ignored', eventType: 'issue.resolved' });
  });

  describe('4xx answers store nothing', () => {
    let before: number;
    beforeAll(async () => {
      before = await stored();
    });
    const expectNothingStored = async () => expect(await stored()).toBe(before);

    it.each([
      ['not JSON', '{"id": "x", '],
      ['not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('latin1')],
      ['a JSON array', '[]'],
      ['missing data', JSON.stringify({ id: 'e1', type: 'issue.created' })],
      ['ill-typed data field of a known type', JSON.stringify({ id: 'e2', type: 'issue.created', data: { object: { id: 1, name: 'n', session_name: 's' } } })],
      ['a trace.added without its trace', JSON.stringify({ id: 'e3', type: 'issue.trace.added', data: { object: { id: 'i', name: 'n', session_name: 's' } } })],
    ])('400 invalid_payload: %s', async (_, body) => {
      const res = await postLangsmith(h, body, signedHeaders(body));
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('invalid_payload');
      await expectNothingStored();
    });

    it.each([
      ['no signature', { 'content-type': 'application/json' }],
      ['a signature made with another secret', signedHeaders(created, 'another-secret')],
      ['a malformed signature', { 'content-type': 'application/json', 'x-langsmith-signature': 'sha256=nothex' }],
    ])('401 unauthorized: %s', async (_, headers) => {
      const res = await postLangsmith(h, created.replace('e5b7c9d1', 'a5b7c9d1'), headers as Record<string, string>);
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe('unauthorized');
      await expectNothingStored();
    });

    it('413 payload_too_large, judged while reading', async () => {
      const body = JSON.stringify({ id: 'big', type: 'issue.created', data: { pad: 'x'.repeat(5000) } });
      const res = await postLangsmith(h, body, signedHeaders(body));
      expect(res.status).toBe(413);
      expect(res.json.error.code).toBe('payload_too_large');
      const stream = new ReadableStream({
        start(controller) {
          for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1000)));
          controller.close();
        },
      });
      const chunked = await h.app.request('/webhooks/langsmith', {
        method: 'POST',
        body: stream,
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        // @ts-expect-error node's fetch needs duplex for a streamed body
        duplex: 'half',
      });
      expect(chunked.status).toBe(413);
      await expectNothingStored();
    });

    it('415 unsupported_media_type', async () => {
      const res = await postLangsmith(h, created, { ...signedHeaders(created), 'content-type': 'text/plain' });
      expect(res.status).toBe(415);
      expect(res.json.error.code).toBe('unsupported_media_type');
      await expectNothingStored();
    });
  });
});

describe('POST /webhooks/langsmith with a bearer token required', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend: 'pglite', worker: false, env: { LANGSMITH_WEBHOOK_TOKEN: 'hook-token-0123456789' } });
  });
  afterAll(() => h.close());

  it.each([
    ['no token', {}, 401],
    ['a wrong token', { authorization: 'Bearer nope' }, 401],
    ['the right token', { authorization: 'Bearer hook-token-0123456789' }, 202],
  ])('%s -> %i', async (_, extra, status) => {
    const res = await postLangsmith(h, created, { ...signedHeaders(created), ...extra });
    expect(res.status).toBe(status);
  });

  it('still requires the signature when the token is right', async () => {
    const body = created.replace('e5b7c9d1', 'b5b7c9d1');
    const res = await postLangsmith(h, body, { ...signedHeaders(body, 'wrong'), authorization: 'Bearer hook-token-0123456789' });
    expect(res.status).toBe(401);
  });
});

describe('POST /webhooks/langsmith with rotated secrets', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend: 'pglite', worker: false, env: { LANGSMITH_WEBHOOK_SECRET: `new-secret-xyz,${TEST_SECRET}` } });
  });
  afterAll(() => h.close());

  it('accepts deliveries signed with either secret', async () => {
    const a = created;
    const b = created.replace('e5b7c9d1', 'c5b7c9d1');
    expect((await postLangsmith(h, a, signedHeaders(a, 'new-secret-xyz'))).status).toBe(202);
    expect((await postLangsmith(h, b, signedHeaders(b))).status).toBe(202);
  });
});
