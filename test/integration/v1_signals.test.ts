// POST /v1/signals: single and batch, all-or-nothing with the failing index, dedupe on (source, id),
// Standard Webhooks signatures (with the 5-minute window) or a write-scoped token.
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { families, inboxEvents } from '../../src/db/schema/index.js';
import { counts, eventually, startHarness, type Harness } from '../helpers/recur.js';

const SECRET = `whsec_${Buffer.from('recur-test-signals-secret-32bytes!!').toString('base64')}`;
const TOKENS = 'ci:write:write-token-0123456789,reader:read:read-token-0123456789';

const signal = (over: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  source: 'eval-ci',
  kind: 'eval_failure',
  workflow: 'refund-agent',
  title: 'Refund answer cites the wrong policy window',
  message: "expected window '14 days' but answer said '30 days' for order 8812",
  severity: 1,
  trace: { trace_id: randomUUID(), run_id: randomUUID(), start_time: '2026-11-21T10:00:00Z' },
  occurred_at: '2026-11-21T10:00:00Z',
  ...over,
});

function signedHeaders(body: string, at = new Date(), id = `msg_${randomUUID()}`) {
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(SECRET).sign(id, at, body),
  };
}

describe('POST /v1/signals', () => {
  let h: Harness;
  const post = async (payload: unknown, headers: Record<string, string> = { authorization: 'Bearer write-token-0123456789' }) => {
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    const res = await h.app.request('/v1/signals', { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    return { status: res.status, json: (await res.json()) as any };
  };
  const stored = () => h.services.database.db.$count(inboxEvents);

  beforeAll(async () => {
    h = await startHarness({ backend: 'pglite', env: { RECUR_SIGNALS_SECRET: SECRET, RECUR_API_TOKENS: TOKENS } });
  });
  afterAll(() => h.close());

  it('accepts one signal and groups it into a family', async () => {
    const res = await post(signal());
    expect(res).toEqual({ status: 202, json: { accepted: 1, duplicates: 0, conflicts: 0 } });
    await eventually(async () => (await counts(h.services)).families === 1 && (await counts(h.services)).pending === 0);
    const [family] = await h.services.database.db.select().from(families);
    expect(family).toMatchObject({ workflow: 'refund-agent', kind: 'eval_failure', severity: 1, traceCount: 1 });
  });

  it('accepts a batch, and reports repeats of stored signals as duplicates or conflicts', async () => {
    const a = signal();
    const b = signal();
    expect((await post({ signals: [a, b] })).json).toEqual({ accepted: 2, duplicates: 0, conflicts: 0 });
    const c = signal();
    const res = await post({ signals: [a, { ...b, title: 'changed' }, c] });
    expect(res).toEqual({ status: 202, json: { accepted: 1, duplicates: 1, conflicts: 1 } });
  });

  it('treats the same id from another source as another signal', async () => {
    const s = signal();
    expect((await post(s)).json.accepted).toBe(1);
    expect((await post({ ...s, source: 'user-feedback' })).json.accepted).toBe(1);
  });

  describe('refuses, storing nothing', () => {
    let before: number;
    beforeAll(async () => {
      before = await stored();
    });

    it.each([
      ['not JSON', '{"id":', 'the body is not valid JSON'],
      ['a missing workflow', { ...signal(), workflow: undefined }, 'signal.workflow'],
      ['an unknown kind', { ...signal(), kind: 'oops' }, 'signal.kind'],
      ['a severity of 5', { ...signal(), severity: 5 }, 'signal.severity'],
      ['a non-date occurred_at', { ...signal(), occurred_at: 'yesterday' }, 'signal.occurred_at'],
      ['an object attribute', { ...signal(), attributes: { nested: { a: 1 } } }, 'signal.attributes.nested'],
      ['a batch with one bad item', { signals: [signal(), signal(), { ...signal(), title: '' }] }, 'signals[2].title'],
      ['a batch repeating an id', (() => { const s = signal(); return { signals: [s, s] }; })(), 'signals[1]: repeats'],
      ['an empty batch', { signals: [] }, 'signals: expected at least one'],
      ['a batch of 501', { signals: Array.from({ length: 501 }, () => signal()) }, 'at most 500'],
      ['signals that are not a list', { signals: {} }, 'signals: expected an array'],
    ])('400 for %s', async (_, payload, message) => {
      const res = await post(payload);
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('invalid_payload');
      expect(res.json.error.message).toContain(message);
      expect(await stored()).toBe(before);
    });

    it.each([
      ['no credentials', {}, 401],
      ['an unknown token', { authorization: 'Bearer not-a-token-at-all' }, 401],
      ['a read-only token', { authorization: 'Bearer read-token-0123456789' }, 403],
    ])('%s -> %i', async (_, headers, status) => {
      expect((await post(signal(), headers)).status).toBe(status);
      expect(await stored()).toBe(before);
    });

    it('401 for a signature made with another secret, or over another body', async () => {
      const body = JSON.stringify(signal());
      const other = new Webhook(`whsec_${Buffer.from('another-secret-another-secret-xx').toString('base64')}`);
      const at = new Date();
      const forged = { ...signedHeaders(body, at, 'msg_1'), 'webhook-signature': other.sign('msg_1', at, body) };
      expect((await post(body, forged)).status).toBe(401);
      expect((await post(JSON.stringify(signal()), signedHeaders(body))).status).toBe(401);
      expect(await stored()).toBe(before);
    });

    it('401 for a timestamp more than 5 minutes old or ahead', async () => {
      const body = JSON.stringify(signal());
      expect((await post(body, signedHeaders(body, new Date(Date.now() - 6 * 60_000)))).status).toBe(401);
      expect((await post(body, signedHeaders(body, new Date(Date.now() + 6 * 60_000)))).status).toBe(401);
      expect(await stored()).toBe(before);
    });
  });

  it('accepts a valid Standard Webhooks signature without a token', async () => {
    const body = JSON.stringify(signal());
    expect((await post(body, signedHeaders(body, new Date(Date.now() - 4 * 60_000)))).status).toBe(202);
  });
});

describe('POST /v1/signals with only a signing secret configured', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend: 'pglite', worker: false, env: { RECUR_SIGNALS_SECRET: SECRET } });
  });
  afterAll(() => h.close());

  it('refuses unsigned deliveries', async () => {
    const res = await h.app.request('/v1/signals', { method: 'POST', body: JSON.stringify(signal()), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(401);
  });
});
