// MemoRouter answers exactly what hono's TrieRouter answers, and remembers only parameterless matches.
import { TrieRouter } from 'hono/router/trie-router';
import { describe, expect, it } from 'vitest';
import { MEMO_MAX_PATH_LENGTH, MEMO_MAX_PATHS, MemoRouter } from '../../src/http/memo_router.js';

const ROUTES: Array<[string, string]> = [
  ['ALL', '*'],
  ['POST', '/webhooks/langsmith'],
  ['ALL', '/webhooks/langsmith'],
  ['GET', '/v1/families'],
  ['GET', '/v1/families/:id'],
  ['POST', '/v1/dead-letters/replay'],
  ['POST', '/v1/dead-letters/:id/replay'],
  ['GET', '/v1/local-issues/:owner/:name/:number'],
];

function both() {
  const memo = new MemoRouter<string>();
  const trie = new TrieRouter<string>();
  for (const [method, path] of ROUTES) {
    memo.add(method, path, `${method} ${path}`);
    trie.add(method, path, `${method} ${path}`);
  }
  return { memo, trie };
}

describe('MemoRouter', () => {
  it.each([
    ['POST', '/webhooks/langsmith'],
    ['GET', '/webhooks/langsmith'],
    ['GET', '/v1/families/abc'],
    ['POST', '/v1/dead-letters/replay'],
    ['POST', '/v1/dead-letters/42/replay'],
    ['GET', '/v1/local-issues/acme/agent/7'],
    ['GET', '/nowhere'],
  ])('answers %s %s as the trie does, the first time and again', (method, path) => {
    const { memo, trie } = both();
    expect(memo.match(method, path)).toEqual(trie.match(method, path));
    expect(memo.match(method, path)).toEqual(trie.match(method, path));
  });

  it('hands out one remembered result for a path without parameters, and a fresh one for a path with them', () => {
    const { memo } = both();
    expect(memo.match('POST', '/webhooks/langsmith')).toBe(memo.match('POST', '/webhooks/langsmith'));
    expect(memo.match('GET', '/v1/families/a')).not.toBe(memo.match('GET', '/v1/families/a'));
    expect(memo.match('GET', '/v1/families/b')[0].find(([h]) => h === 'GET /v1/families/:id')?.[1]).toEqual({ id: 'b' });
  });

  it('does not remember a path longer than its bound', () => {
    const { memo, trie } = both();
    const long = `/${'x'.repeat(MEMO_MAX_PATH_LENGTH)}`;
    expect(memo.match('GET', long)).not.toBe(memo.match('GET', long));
    expect(memo.match('GET', long)).toEqual(trie.match('GET', long));
  });

  it('forgets what it remembered when a route is added', () => {
    const { memo } = both();
    const before = memo.match('GET', '/v1/gates/x');
    expect(before[0].map(([h]) => h)).toEqual(['ALL *']);
    memo.add('GET', '/v1/gates/x', 'GET /v1/gates/x');
    expect(memo.match('GET', '/v1/gates/x')[0].map(([h]) => h)).toEqual(['ALL *', 'GET /v1/gates/x']);
  });

  it('starts over past its bound instead of growing with a scan of unknown paths', () => {
    const { memo } = both();
    const first = memo.match('POST', '/webhooks/langsmith');
    for (let i = 0; i < MEMO_MAX_PATHS; i++) memo.match('GET', `/scan/${i}`);
    const again = memo.match('POST', '/webhooks/langsmith');
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});
