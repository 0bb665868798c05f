// parseJson refuses what PostgreSQL cannot store (NUL, unpaired surrogates), which only a \u escape can
// put in a string, and accepts everything else, escaped look-alikes included.
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
    expect(() => parseJson(bytes(text))).toThrow(/NUL character|unpaired surrogate/);
  });

  it.each([
    ['a plain object', '{"a":"b","n":[1,2,{"c":null}]}', { a: 'b', n: [1, 2, { c: null }] }],
    ['a surrogate pair', '{"a":"\\ud83d\\ude00"}', { a: '😀' }],
    ['other escapes', '{"a":"\\u00e9\\n"}', { a: 'é\n' }],
    ['an escaped backslash before u0000', '{"a":"\\\\u0000"}', { a: '\\u0000' }],
    ['raw UTF-8', '{"a":"héllo 😀"}', { a: 'héllo 😀' }],
  ])('accepts %s', (_, text, value) => {
    expect(parseJson(bytes(text))).toEqual(value);
  });

  it('refuses invalid JSON and invalid UTF-8 (an encoded surrogate)', () => {
    expect(() => parseJson(bytes('{"a":'))).toThrow(/not valid JSON/);
    expect(() => parseJson(new Uint8Array([0x22, 0xed, 0xa0, 0xbd, 0x22]))).toThrow(/not valid JSON/);
    expect(() => parseJson(new Uint8Array([0x22, 0x61, 0x00, 0x22]))).toThrow(/not valid JSON/);
  });
});
