import { describe, expect, it } from 'vitest';
import { decideOutboxRetry } from '../../src/tickets/outbox.js';

describe('decideOutboxRetry', () => {
  it.each<[string, { status?: number; nonRetryable: boolean }, number, ReturnType<typeof decideOutboxRetry>]>([
    ['a 502 on the first attempt: again in 1 s', { status: 502, nonRetryable: false }, 0, { giveUp: false, retryInMs: 1_000 }],
    ['a timeout (no status) on the third: 4 s', { nonRetryable: false }, 2, { giveUp: false, retryInMs: 4_000 }],
    ['a secondary rate limit that outlasted its waits (403): retried', { status: 403, nonRetryable: false }, 1, { giveUp: false, retryInMs: 2_000 }],
    ['many failures: at most 10 minutes apart', { status: 500, nonRetryable: false }, 30, { giveUp: false, retryInMs: 600_000 }],
    ['the issue is gone (404)', { status: 404, nonRetryable: false }, 0, { giveUp: true }],
    ['the issue was deleted (410)', { status: 410, nonRetryable: false }, 3, { giveUp: true }],
    ['GitHub refuses the comment as invalid (422)', { status: 422, nonRetryable: false }, 0, { giveUp: true }],
    ['not performable here (no GitHub credentials, unreadable payload)', { nonRetryable: true }, 0, { giveUp: true }],
  ])('%s', (_, failure, attempts, expected) => {
    expect(decideOutboxRetry(failure, attempts)).toEqual(expected);
  });
});
