// Counts by name, where a name comes from a signal: a source called `constructor`, `toString` or
// `__proto__` is counted like any other, never read through an object's prototype.
import { describe, expect, it } from 'vitest';
import { addCounts, countNames, subtractCounts } from '../../src/families/counts.js';
import { foldCounts } from '../../src/families/grouping/similarity.js';

const named = (entries: Array<[string, number]>) => Object.fromEntries(entries);

describe('counts by name', () => {
  it.each<[string, Record<string, number>, Record<string, number>, Record<string, number>]>([
    ['two sets added', { sentry: 2 }, { sentry: 1, 'eval-ci': 1 }, { sentry: 3, 'eval-ci': 1 }],
    ['names an object has on its prototype', { sentry: 1 }, named([['constructor', 1], ['toString', 2]]), named([['sentry', 1], ['constructor', 1], ['toString', 2]])],
    ['`__proto__` as a name', named([['__proto__', 1]]), named([['__proto__', 2]]), named([['__proto__', 3]])],
  ])('add up: %s', (_, counts, more, sum) => {
    expect(addCounts(counts, more)).toEqual(sum);
    expect(foldCounts(counts, more)).toEqual(sum);
    expect(Object.getPrototypeOf(addCounts(counts, more))).toBe(Object.prototype);
  });

  it.each<[string, Record<string, number>, Record<string, number>, Record<string, number>]>([
    ['what falls to nothing goes', { sentry: 3, 'eval-ci': 1 }, { sentry: 1, 'eval-ci': 1 }, { sentry: 2 }],
    ['a name only the taken side has is not made', { sentry: 1 }, { 'eval-ci': 1 }, { sentry: 1 }],
    ['names an object has on its prototype', named([['constructor', 3], ['sentry', 1]]), named([['constructor', 1]]), named([['constructor', 2], ['sentry', 1]])],
    ['a prototype name taken from a side without it', { toString: 2 }, {}, named([['toString', 2]])],
    ['`__proto__` as a name', named([['__proto__', 2]]), named([['__proto__', 1]]), named([['__proto__', 1]])],
  ])('take away: %s', (_, counts, taken, left) => {
    expect(subtractCounts(counts, taken)).toEqual(left);
  });

  it.each<[string, string[], Record<string, number>]>([
    ['each name as often as it occurs', ['langsmith', 'sentry', 'langsmith'], { langsmith: 2, sentry: 1 }],
    ['none', [], {}],
    ['names an object has on its prototype', ['constructor', 'toString', 'constructor'], named([['constructor', 2], ['toString', 1]])],
    ['`__proto__` as a name', ['__proto__', '__proto__'], named([['__proto__', 2]])],
  ])('count: %s', (_, names, counted) => {
    expect(countNames(names)).toEqual(counted);
  });
});
