// hono's RegExpRouter (one regex test per request) refuses recur's routes: `/v1/dead-letters/replay` beside
// `/v1/dead-letters/:id/replay`. Its TrieRouter walks the path segment by segment on every request, a
// noticeable share of what a webhook costs. This one remembers the trie's answer for each method and path
// that has no parameters (every webhook route): hono only reads a match result, and RegExpRouter already
// hands out one shared result for every request to a static path.
import type { Result, Router } from 'hono/router';
import { TrieRouter } from 'hono/router/trie-router';

/** Paths remembered at most; beyond it (a scan of unknown paths) the memory starts over. */
export const MEMO_MAX_PATHS = 1000;
/** Longer paths are matched every time: a scan of long ones would otherwise hold megabytes. */
export const MEMO_MAX_PATH_LENGTH = 200;

export class MemoRouter<T> implements Router<T> {
  readonly name = 'MemoRouter';
  readonly #trie = new TrieRouter<T>();
  readonly #memo = new Map<string, Map<string, Result<T>>>();
  #size = 0;

  add(method: string, path: string, handler: T): void {
    this.#forget();
    this.#trie.add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    const byPath = this.#memo.get(method);
    const known = byPath?.get(path);
    if (known) return known;
    const result = this.#trie.match(method, path);
    if (path.length <= MEMO_MAX_PATH_LENGTH && result[0].every(([, params]) => isEmpty(params))) {
      if (this.#size >= MEMO_MAX_PATHS) this.#forget();
      let paths = this.#memo.get(method);
      if (!paths) this.#memo.set(method, (paths = new Map()));
      paths.set(path, result);
      this.#size += 1;
    }
    return result;
  }

  #forget() {
    this.#memo.clear();
    this.#size = 0;
  }
}

function isEmpty(params: object): boolean {
  for (const _ in params) return false;
  return true;
}
