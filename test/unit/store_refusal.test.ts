// A delivery the database refuses for its content answers 400 (the sender must not retry it for ever);
// one it cannot store because storage is down answers 503.
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../src/http/context.js';
import { storeOrUnavailable } from '../../src/http/delivery_answer.js';
import { AppError, errorResponse } from '../../src/http/errors.js';
import type { GroupCommit } from '../../src/ingest/group_commit.js';

function appStoringWith(failure: unknown) {
  const app = new Hono<AppEnv>();
  const inbox: GroupCommit = { store: () => Promise.reject(failure), oldestWaitMs: () => 0 };
  app.use('*', async (c, next) => {
    c.set('inbox', inbox);
    c.set('log', { warn() {}, error() {} } as never);
    c.set('traceContext', ROOT_CONTEXT);
    await next();
  });
  app.onError((err, c) => errorResponse(c, err as AppError));
  app.post('/', async (c) => {
    await storeOrUnavailable(c, 'test', [{ source: 's', deliveryId: 'd', eventType: 't', body: new Uint8Array(), payload: {}, status: 'pending' }]);
    return c.json({}, 202);
  });
  return app;
}

describe('storeOrUnavailable', () => {
  it.each([
    ['a jsonb syntax refusal (22P02)', Object.assign(new Error('invalid input syntax for type json'), { code: '22P02' }), 400, 'invalid_payload'],
    ['a numeric overflow (22003)', Object.assign(new Error('value overflows numeric format'), { code: '22003' }), 400, 'invalid_payload'],
    ['JSON nested past the stack (54001)', Object.assign(new Error('stack depth limit exceeded'), { code: '54001' }), 400, 'invalid_payload'],
    ['a connection refused', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 503, 'unavailable'],
    ['a server shutting down (57P01)', Object.assign(new Error('terminating connection'), { code: '57P01' }), 503, 'unavailable'],
  ])('%s answers %i', async (_, failure, status, code) => {
    const res = await appStoringWith(failure).request('/', { method: 'POST' });
    expect(res.status).toBe(status);
    expect((await res.json()).error.code).toBe(code);
  });
});
