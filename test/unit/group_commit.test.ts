// Group commit against a fake store: when it flushes, what a batch holds, and who is answered when.
import { describe, expect, it, vi } from 'vitest';
import { createGroupCommit, requestsInNextBatch, type StoreBatch } from '../../src/ingest/group_commit.js';
import { isContentError } from '../../src/ingest/inbox.js';
import type { Delivery, StoreOutcome } from '../../src/ingest/inbox.js';

const delivery = (id: string): Delivery => ({ source: 's', deliveryId: id, eventType: 't', body: new Uint8Array(), payload: {}, status: 'pending' });

/** A store whose statements finish only when the test says so; every call is recorded. */
function heldStore() {
  const calls: Array<{ ids: string[]; finish: (err?: unknown) => void }> = [];
  const store: StoreBatch = (deliveries) =>
    new Promise<StoreOutcome[]>((resolve, reject) => {
      calls.push({
        ids: deliveries.map((d) => d.deliveryId),
        finish: (err) => (err ? reject(err) : resolve(deliveries.map((d) => ({ outcome: 'accepted', eventId: `ev-${d.deliveryId}` })))),
      });
    });
  return { calls, store };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('requestsInNextBatch', () => {
  it.each([
    [[1, 1, 1], 2, 2],
    [[1, 1, 1], 10, 3],
    [[5, 1], 3, 1],
    [[2, 2, 1], 4, 2],
    [[1, 3], 3, 1],
    [[], 3, 0],
  ])('sizes %j under %i rows: %i requests', (sizes, max, taken) => {
    expect(requestsInNextBatch(sizes, max)).toBe(taken);
  });
});

describe('isContentError', () => {
  it.each([
    [Object.assign(new Error('stack depth limit exceeded'), { code: '54001' }), true],
    [Object.assign(new Error('invalid input syntax for type json'), { code: '22P02' }), true],
    [new Error('wrapped', { cause: Object.assign(new Error('x'), { code: '22023' }) }), true],
    [new RangeError('Maximum call stack size exceeded'), true],
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), false],
    [Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }), false],
    [Object.assign(new Error('the database system is starting up'), { code: '57P03' }), false],
    [new Error('timeout'), false],
  ])('%s: %s', (err, expected) => {
    expect(isContentError(err)).toBe(expected);
  });
});

describe('createGroupCommit', () => {
  it('flushes at once when idle, and batches what arrives while a flush is in flight', async () => {
    const { calls, store } = heldStore();
    const gc = createGroupCommit(store, { maxBatch: 100, maxInFlight: 1 });
    const first = gc.store([delivery('a')]);
    expect(calls.map((c) => c.ids)).toEqual([['a']]);
    const rest = ['b', 'c', 'd'].map((id) => gc.store([delivery(id)]));
    await tick();
    expect(calls).toHaveLength(1);
    calls[0]!.finish();
    expect(await first).toEqual([{ outcome: 'accepted', eventId: 'ev-a' }]);
    await tick();
    expect(calls.map((c) => c.ids)).toEqual([['a'], ['b', 'c', 'd']]);
    calls[1]!.finish();
    expect(await Promise.all(rest)).toEqual(['b', 'c', 'd'].map((id) => [{ outcome: 'accepted', eventId: `ev-${id}` }]));
  });

  it('bounds a batch by rows, never splits a request, and runs up to maxInFlight statements at once', async () => {
    const { calls, store } = heldStore();
    const gc = createGroupCommit(store, { maxBatch: 3, maxInFlight: 2 });
    const answers = [
      gc.store([delivery('a')]),
      gc.store([delivery('b')]),
      gc.store([delivery('c1'), delivery('c2')]),
      gc.store([delivery('d')]),
      gc.store([delivery('e1'), delivery('e2'), delivery('e3'), delivery('e4')]),
    ];
    expect(calls.map((c) => c.ids)).toEqual([['a'], ['b']]);
    calls[0]!.finish();
    await tick();
    expect(calls.map((c) => c.ids)[2]).toEqual(['c1', 'c2', 'd']);
    calls[1]!.finish();
    await tick();
    expect(calls.map((c) => c.ids)[3]).toEqual(['e1', 'e2', 'e3', 'e4']);
    calls[2]!.finish();
    calls[3]!.finish();
    const outcomes = await Promise.all(answers);
    expect(outcomes.map((o) => o.map((x) => x.eventId))).toEqual([['ev-a'], ['ev-b'], ['ev-c1', 'ev-c2'], ['ev-d'], ['ev-e1', 'ev-e2', 'ev-e3', 'ev-e4']]);
  });

  it('relays a committed batch, each request with its outcomes and trace, before answering any of its requests', async () => {
    const order: string[] = [];
    const { calls, store } = heldStore();
    const gc = createGroupCommit(store, {
      maxBatch: 10,
      maxInFlight: 1,
      onCommitted: (requests) =>
        order.push(`committed ${requests.map((r) => `${r.deliveries.map((d) => d.deliveryId).join(',')}:${r.outcomes.map((o) => o.eventId).join(',')}:${r.trace?.traceparent ?? '-'}`).join(' ')}`),
    });
    const a = gc.store([delivery('a')], { traceparent: 'tp-a' }).then(() => order.push('answered a'));
    const b = gc.store([delivery('b1'), delivery('b2')], { traceparent: 'tp-b' }).then(() => order.push('answered b'));
    const c = gc.store([delivery('c')]).then(() => order.push('answered c'));
    await tick();
    calls[0]!.finish();
    await a;
    expect(order).toEqual(['committed a:ev-a:tp-a', 'answered a']);
    calls[1]!.finish();
    await Promise.all([b, c]);
    expect(order.slice(2)).toEqual(['committed b1,b2:ev-b1,ev-b2:tp-b c:ev-c:-', 'answered b', 'answered c']);
  });

  it('sends the next statement before answering the requests of the one that finished', async () => {
    const order: string[] = [];
    const { calls, store } = heldStore();
    const gc = createGroupCommit(async (d) => (order.push(`statement ${d.map((x) => x.deliveryId).join(',')}`), store(d)), { maxBatch: 10, maxInFlight: 1 });
    const a = gc.store([delivery('a')]).then(() => order.push('answered a'));
    const b = gc.store([delivery('b')]).then(() => order.push('answered b'));
    const c = gc.store([delivery('c')]).then(() => order.push('answered c'));
    await tick();
    calls[0]!.finish();
    await a;
    expect(order).toEqual(['statement a', 'statement b,c', 'answered a']);
    calls[1]!.finish();
    await Promise.all([b, c]);
    expect(order.slice(3)).toEqual(['answered b', 'answered c']);
  });

  it('rejects every request of a failed batch and answers none of them, then keeps going', async () => {
    const { calls, store } = heldStore();
    const committed: string[] = [];
    const gc = createGroupCommit(store, { maxBatch: 10, maxInFlight: 1, onCommitted: (requests) => committed.push(...requests.flatMap((r) => r.deliveries.map((x) => x.deliveryId))) });
    const first = gc.store([delivery('a')]);
    const batch = ['b', 'c', 'd'].map((id) => gc.store([delivery(id)]));
    const settled = Promise.allSettled(batch);
    calls[0]!.finish();
    await first;
    await tick();
    const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    calls[1]!.finish(down);
    expect((await settled).map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(calls).toHaveLength(2);
    expect(committed).toEqual(['a']);
    const after = gc.store([delivery('e')]);
    calls[2]!.finish();
    expect(await after).toEqual([{ outcome: 'accepted', eventId: 'ev-e' }]);
  });

  it('stores each request alone when a batch is refused for its content, so only the culprit fails', async () => {
    const refused = Object.assign(new Error('stack depth limit exceeded'), { code: '54001' });
    const batches: string[][] = [];
    const store: StoreBatch = async (deliveries) => {
      batches.push(deliveries.map((d) => d.deliveryId));
      if (deliveries.some((d) => d.deliveryId === 'poison')) throw refused;
      return deliveries.map((d) => ({ outcome: 'accepted' as const, eventId: `ev-${d.deliveryId}` }));
    };
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const gc = createGroupCommit(async (d) => (d[0]!.deliveryId === 'first' ? (await gate, store(d)) : store(d)), { maxBatch: 10, maxInFlight: 1 });
    const first = gc.store([delivery('first')]);
    const rest = ['a', 'poison', 'b'].map((id) => gc.store([delivery(id)]));
    const settled = Promise.allSettled(rest);
    release();
    await first;
    const results = await settled;
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBe(refused);
    expect(batches).toEqual([['first'], ['a', 'poison', 'b'], ['a'], ['poison'], ['b']]);
  });

  it('says how long the oldest unanswered request has waited, in flight or queued behind the statements', async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const { calls, store } = heldStore();
      const gc = createGroupCommit(store, { maxBatch: 10, maxInFlight: 1 });
      expect(gc.oldestWaitMs()).toBe(0);
      const a = gc.store([delivery('a')]);
      vi.advanceTimersByTime(300);
      const b = gc.store([delivery('b')]);
      vi.advanceTimersByTime(200);
      expect(gc.oldestWaitMs()).toBe(500); // a, in flight
      calls[0]!.finish();
      await a;
      await vi.advanceTimersByTimeAsync(0);
      expect(gc.oldestWaitMs()).toBe(200); // b, in flight now
      calls[1]!.finish();
      await b;
      expect(gc.oldestWaitMs()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
