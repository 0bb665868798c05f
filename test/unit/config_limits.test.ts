// The environment variables of the request limits: documented defaults (fixed-rate limits off, the rest on),
// and a bad value stops start-up naming the variable.
import { describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/config/env.js';

describe('limit variables', () => {
  it('have the documented defaults', () => {
    expect(parseEnv({})).toMatchObject({
      RECUR_MAX_BODY_BYTES: 1_048_576,
      RECUR_MAX_JSON_DEPTH: 64,
      RECUR_BODY_TIMEOUT_MS: 30_000,
      RECUR_RATE_LIMIT_PER_ADDRESS: 0,
      RECUR_RATE_LIMIT_PER_TOKEN: 0,
      RECUR_AUTH_FAILURES_PER_ADDRESS: 10,
      RECUR_SHED_STORE_WAIT_MS: 5_000,
      RECUR_SHED_INBOX_PENDING: 100_000,
      RECUR_TRUST_PROXY: false,
      RECUR_HEAP_GROWING_PERCENT: 100,
    });
  });

  it.each([
    [{ RECUR_MAX_JSON_DEPTH: '0' }, 'RECUR_MAX_JSON_DEPTH'],
    [{ RECUR_MAX_JSON_DEPTH: '1001' }, 'RECUR_MAX_JSON_DEPTH'],
    [{ RECUR_MAX_JSON_DEPTH: 'deep' }, 'RECUR_MAX_JSON_DEPTH'],
    [{ RECUR_BODY_TIMEOUT_MS: '0' }, 'RECUR_BODY_TIMEOUT_MS'],
    [{ RECUR_BODY_TIMEOUT_MS: '1.5' }, 'RECUR_BODY_TIMEOUT_MS'],
    [{ RECUR_AUTH_FAILURES_PER_ADDRESS: '-1' }, 'RECUR_AUTH_FAILURES_PER_ADDRESS'],
    [{ RECUR_SHED_STORE_WAIT_MS: 'soon' }, 'RECUR_SHED_STORE_WAIT_MS'],
    [{ RECUR_SHED_INBOX_PENDING: '-5' }, 'RECUR_SHED_INBOX_PENDING'],
    [{ RECUR_RATE_LIMIT_PER_ADDRESS: '-1' }, 'RECUR_RATE_LIMIT_PER_ADDRESS'],
    [{ RECUR_HEAP_GROWING_PERCENT: '-1' }, 'RECUR_HEAP_GROWING_PERCENT'],
    [{ RECUR_HEAP_GROWING_PERCENT: '401' }, 'RECUR_HEAP_GROWING_PERCENT'],
    [{ RECUR_HEAP_GROWING_PERCENT: 'lots' }, 'RECUR_HEAP_GROWING_PERCENT'],
  ])('rejects %o naming %s', (source, name) => {
    expect(() => parseEnv(source)).toThrowError(new RegExp(`environment: ${name}: `));
  });

  it.each([
    [{ RECUR_MAX_JSON_DEPTH: '1' }, { RECUR_MAX_JSON_DEPTH: 1 }],
    [{ RECUR_MAX_JSON_DEPTH: '1000' }, { RECUR_MAX_JSON_DEPTH: 1_000 }],
    [{ RECUR_SHED_STORE_WAIT_MS: '0', RECUR_SHED_INBOX_PENDING: '0', RECUR_AUTH_FAILURES_PER_ADDRESS: '0' }, { RECUR_SHED_STORE_WAIT_MS: 0, RECUR_SHED_INBOX_PENDING: 0, RECUR_AUTH_FAILURES_PER_ADDRESS: 0 }],
    [{ RECUR_RATE_LIMIT_PER_ADDRESS: '500' }, { RECUR_RATE_LIMIT_PER_ADDRESS: 500 }],
    [{ RECUR_HEAP_GROWING_PERCENT: '0' }, { RECUR_HEAP_GROWING_PERCENT: 0 }],
  ])('accepts %o', (source, expected) => {
    expect(parseEnv(source)).toMatchObject(expected);
  });
});
