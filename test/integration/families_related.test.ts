// GET /v1/families/:id/related through the API on the embedded default: a failure reported by an eval and
// by a user comment lands in two families (they share too little to join unasked), and each offers the other
// with its score and the evidence they share; a family told apart by a status is never offered, and a merge
// takes the merged family out of the offers. A family other sources reported is offered ahead of one the
// family's own source reported.
import { randomUUID } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { families } from '../../src/db/schema/index.js';
import { counts, eventually, startHarness, type Harness } from '../helpers/recur.js';

describe('related families', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend: 'pglite' });
  });
  afterAll(() => h.close());

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await h.app.request(path, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    return { status: res.status, json: (await res.json()) as any };
  };
  const send = async (signals: Array<Record<string, unknown>>) => {
    const res = await api('POST', '/v1/signals', {
      signals: signals.map((s) => ({ id: randomUUID(), source: 'test', workflow: 'race-entries', trace: { trace_id: randomUUID() }, ...s })),
    });
    expect(res.status).toBe(202);
    await eventually(async () => (await counts(h.services)).pending === 0);
  };
  const familyOf = async (title: string) => {
    const [row] = await h.services.database.db.select().from(families).where(and(eq(families.title, title), isNull(families.mergedInto)));
    expect(row, `a live family titled ${title}`).toBeDefined();
    return row!;
  };

  const EVAL = 'groundedness: deferral policy';
  const COMMENT = 'Deferral answer from the chatbot';
  const UNRELATED = 'Bib pickup map link broken';
  const LIMITED = 'create_checkout 429';
  const DECLINED = 'create_checkout 402';

  beforeAll(async () => {
    await send([
      { kind: 'eval_failure', title: EVAL, message: "Answer claims a deferral with a $25 fee; the race policy says no deferrals after October 1.", attributes: { 'eval.metric': 'groundedness' } },
      { kind: 'negative_feedback', title: COMMENT, message: 'It promised a deferral for a small fee. Nobody at the office agrees.' },
      { kind: 'negative_feedback', title: UNRELATED, message: 'The map link in the pickup email gives a 404.' },
      { kind: 'tool_error', title: LIMITED, tool: 'create_checkout', message: 'checkout session for the runner entry fee answered 429 Too Many Requests at registration open' },
      { kind: 'tool_error', title: DECLINED, tool: 'create_checkout', message: 'checkout session for the runner entry fee answered 402 Payment Required at registration open' },
    ]);
  });

  it('offers the family reporting the same failure in other words, scored, with what they share', async () => {
    const [evalFamily, comment, unrelated] = [await familyOf(EVAL), await familyOf(COMMENT), await familyOf(UNRELATED)];
    expect(new Set([evalFamily.id, comment.id, unrelated.id]).size).toBe(3);
    const { status, json } = await api('GET', `/v1/families/${evalFamily.id}/related`);
    expect(status).toBe(200);
    const ids = json.items.map((i: { id: string }) => i.id);
    expect(ids).toContain(comment.id);
    expect(ids).not.toContain(evalFamily.id);
    expect(ids).not.toContain(unrelated.id);
    const offered = json.items.find((i: { id: string }) => i.id === comment.id);
    expect(offered).toMatchObject({ title: COMMENT, status: comment.status, trace_count: 1 });
    expect(offered.score).toBeGreaterThanOrEqual(0.15);
    expect(offered.score).toBeLessThan(0.32);
    expect(offered.shared).toEqual(expect.arrayContaining(['deferr']));
    expect(new Date(offered.last_seen).toISOString()).toBe(offered.last_seen);
    // and the other way round
    const back = await api('GET', `/v1/families/${comment.id}/related?limit=1`);
    expect(back.json.items.map((i: { id: string }) => i.id)).toEqual([evalFamily.id]);
  });

  it('offers a family other sources reported ahead of a more alike one its own source reported', async () => {
    const workflow = 'race-transfers';
    await send([
      { workflow, kind: 'negative_feedback', title: 'Bib pickup map link broken', message: 'The map link in the pickup email gives a 404.' },
      { workflow, kind: 'negative_feedback', title: 'Corral email missing', message: 'Never got my start corral assignment email.' },
      { workflow, kind: 'negative_feedback', title: 'Wrong finish time', message: 'Results page shows a finish time an hour off.' },
      { source: 'eval-ci', workflow, kind: 'eval_failure', title: 'groundedness: transfer policy', message: 'Answer claims a bib transfer is free; the race policy charges a $10 fee after March 1.' },
      { source: 'eval-ci', workflow, kind: 'eval_failure', title: 'faithfulness: withdrawal refunds', message: 'Withdrawal refunds stop on March 1 by race policy, the reply promised one anyway.' },
      { source: 'user-feedback', workflow, kind: 'negative_feedback', title: 'Transfer answer', message: 'Was told swapping my bib costs nothing, and a fee showed up on my card two days later.' },
    ]);
    const [transfer, refund, comment] = [await familyOf('groundedness: transfer policy'), await familyOf('faithfulness: withdrawal refunds'), await familyOf('Transfer answer')];
    expect(new Set([transfer.id, refund.id, comment.id]).size).toBe(3);
    const { json } = await api('GET', `/v1/families/${transfer.id}/related`);
    const [first, second] = json.items;
    expect([first?.id, first?.other_sources]).toEqual([comment.id, true]);
    expect([second?.id, second?.other_sources]).toEqual([refund.id, false]);
    // ranked ahead, though less alike: the score is what the two share, the order also who reported them
    expect(second.score).toBeGreaterThan(first.score);
  });

  it('never offers a family that evidence tells apart: another status of the same call', async () => {
    const [limited, declined] = [await familyOf(LIMITED), await familyOf(DECLINED)];
    expect(limited.id).not.toBe(declined.id);
    const { json } = await api('GET', `/v1/families/${limited.id}/related`);
    expect(json.items.map((i: { id: string }) => i.id)).not.toContain(declined.id);
  });

  it('answers 404 for an unknown family and 400 for a bad id or limit', async () => {
    expect((await api('GET', `/v1/families/${randomUUID()}/related`)).status).toBe(404);
    expect((await api('GET', '/v1/families/not-a-uuid/related')).status).toBe(400);
    const family = await familyOf(EVAL);
    for (const limit of ['0', '-1', '33', 'many', '1.5']) expect((await api('GET', `/v1/families/${family.id}/related?limit=${limit}`)).status, limit).toBe(400);
  });

  it('after a merge, the merged family offers nothing and is offered no more', async () => {
    const [evalFamily, comment] = [await familyOf(EVAL), await familyOf(COMMENT)];
    expect((await api('POST', `/v1/families/${comment.id}/merge`, { into: evalFamily.id })).status).toBe(200);
    expect((await api('GET', `/v1/families/${comment.id}/related`)).json).toEqual({ items: [] });
    const { json } = await api('GET', `/v1/families/${evalFamily.id}/related`);
    expect(json.items.map((i: { id: string }) => i.id)).not.toContain(comment.id);
  });
});
