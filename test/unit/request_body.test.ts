// parseJson refuses what PostgreSQL cannot store (NUL, unpaired surrogates), which only a \u escape can
// put in a string, and accepts everything else, escaped look-alikes included; it refuses nesting past its
// limit before JSON.parse sees the text.
import { describe, expect, it } from 'vitest';
import { parseJson } from '../../src/http/request_body.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('parseJson', () => {
  it.each([
    ['NUL in a value', '{"a":"x\\u0000y"}'],
    ['NUL in a key', '{"\\u0000":1}'],
    ['a lone high surrogate', '{"a":["ok","\\ud83d"]}'],
    ['a lone low surrogate', '{"a":{"b":"\\uDE00x"}}'],
    ['surrogates in the wrong order', '"\\ude00\\ud83d"'],
  ])('refuses %s', (_, text) => {
    expect(() => parseJson(bytes(text), 64)).toThrow(/NUL character|unpaired surrogate/);
  });

  it.each([
    ['a plain object', '{"a":"b","n":[1,2,{"c":null}]}', { a: 'b', n: [1, 2, { c: null }] }],
    ['a surrogate pair', '{"a":"\\ud83d\\ude00"}', { a: '😀' }],
    ['other escapes', '{"a":"\\u00e9\\n"}', { a: 'é\n' }],
    ['an escaped backslash before u0000', '{"a":"\\\\u0000"}', { a: '\\u0000' }],
    ['raw UTF-8', '{"a":"héllo 😀"}', { a: 'héllo 😀' }],
  ])('accepts %s', (_, text, value) => {
    expect(parseJson(bytes(text), 64)).toEqual(value);
  });

  it('refuses invalid JSON and invalid UTF-8 (an encoded surrogate)', () => {
    expect(() => parseJson(bytes('{"a":'), 64)).toThrow(/not valid JSON/);
    expect(() => parseJson(new Uint8Array([0x22, 0xed, 0xa0, 0xbd, 0x22]), 64)).toThrow(/not valid JSON/);
    expect(() => parseJson(new Uint8Array([0x22, 0x61, 0x00, 0x22]), 64)).toThrow(/not valid JSON/);
  });
});

describe('parseJson nesting', () => {
  const deep = (n: number) => `{"a":${'['.repeat(n)}${']'.repeat(n)}}`;

  it.each([
    ['at the limit', deep(63), 64, true],
    ['one past it', deep(64), 64, false],
    ['10,000 deep', deep(10_000), 64, false],
    ['deep brackets inside a string', `{"a":"${'['.repeat(10_000)}"}`, 64, true],
    ['a limit of 1', '{"a":1}', 1, true],
    ['a limit of 1, nested once more', '{"a":{}}', 1, false],
  ])('%s', (_, text, maxDepth, accepted) => {
    if (accepted) expect(parseJson(bytes(text), maxDepth)).toBeDefined();
    else expect(() => parseJson(bytes(text), maxDepth)).toThrow(`more than ${maxDepth} deep`);
  });

  it('judges the depth before parsing: deep text that is not even JSON is refused for its depth', () => {
    expect(() => parseJson(bytes(`${'['.repeat(100)}oops`), 64)).toThrow(/more than 64 deep \(at character 64\)/);
  });

  it('refuses 100,000 levels in milliseconds', () => {
    const started = performance.now();
    expect(() => parseJson(bytes('['.repeat(100_000) + ']'.repeat(100_000)), 64)).toThrow(/deep/);
    expect(performance.now() - started).toBeLessThan(50);
  });
});
