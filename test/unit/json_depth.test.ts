// firstTooDeep counts the nesting of arrays and objects in one pass over the text, skipping strings (and
// the escaped quotes inside them), and stops at the first bracket too deep.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstTooDeep } from '../../src/http/json_depth.js';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('firstTooDeep', () => {
  it.each<[string, string, number, number]>([
    ['a scalar', '1', 0, -1],
    ['an empty text', '', 1, -1],
    ['an object at the limit', '{"a":1}', 1, -1],
    ['an object past a limit of 0', '{"a":1}', 0, 0],
    ['arrays exactly at the limit', nested(3), 3, -1],
    ['arrays one past the limit', nested(4), 3, 3],
    ['objects and arrays mixed', '{"a":[{"b":[1]}]}', 3, 11],
    ['siblings do not add up', '[[1],[2],[3],{"a":[4]}]', 3, -1],
    ['brackets inside a string', '["[[[[{{{{"]', 1, -1],
    ['an escaped quote does not end the string', '["\\"[[[["]', 1, -1],
    ['an escaped backslash does end it', '["\\\\",[[1]]]', 2, 7],
    ['an escaped backslash then an escaped quote', '["\\\\\\"[[[",[1]]', 1, 11],
    ['a key full of braces', '{"{{{{":{"}}}}":1}}', 2, -1],
    ['unclosed brackets still count', '[[[', 2, 2],
    ['an unterminated string hides the rest', '["[[[[', 1, -1],
    ['closing brackets first never go negative in effect', ']]]][[', 1, 5],
  ])('%s', (_, text, maxDepth, expected) => {
    expect(firstTooDeep(text, maxDepth)).toBe(expected);
  });

  it('stops at the first level too deep, however deep the rest goes', () => {
    expect(firstTooDeep(nested(100_000), 64)).toBe(64);
  });

  it('agrees with the depth of any JSON value', () => {
    const depthOf = (v: unknown): number =>
      Array.isArray(v) ? 1 + Math.max(0, ...v.map(depthOf)) : v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12, stringUnit: 'binary' }), fc.integer({ min: 0, max: 14 }), (value, max) => {
        const text = JSON.stringify(value);
        expect(firstTooDeep(text, max) === -1).toBe(depthOf(value) <= max);
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});
