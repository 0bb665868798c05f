import { describe, expect, it } from 'vitest';
import { bearerToken, constantTimeEqual, signHmacSha256, verifyHmacSha256 } from '../../src/ingest/signature.js';

const body = new TextEncoder().encode('{"id":"1","type":"issue.created"}');
const good = signHmacSha256(body, 'secret-a');

describe('verifyHmacSha256', () => {
  it.each([
    ['the right signature', good, ['secret-a'], true],
    ['a rotated secret list containing the signer', good, ['secret-new', 'secret-a'], true],
    ['uppercase hex', good.replace(/[a-f]/g, (c) => c.toUpperCase()).replace('SHA256', 'sha256'), ['secret-a'], true],
    ['the wrong secret', good, ['secret-b'], false],
    ['no secrets at all', good, [], false],
    ['a missing header', undefined, ['secret-a'], false],
    ['an empty header', '', ['secret-a'], false],
    ['another scheme', good.replace('sha256=', 'sha1='), ['secret-a'], false],
    ['a bare hex digest without scheme', good.slice('sha256='.length), ['secret-a'], false],
    ['a truncated digest', good.slice(0, -2), ['secret-a'], false],
    ['non-hex characters', `sha256=${'z'.repeat(64)}`, ['secret-a'], false],
    ['one flipped nibble', good.slice(0, -1) + (good.endsWith('0') ? '1' : '0'), ['secret-a'], false],
    ['junk after a second =', `${good}=junk`, ['secret-a'], false],
    ['a bare = after the digest', `${good}=`, ['secret-a'], false],
    ['one more hex digit', `${good}0`, ['secret-a'], false],
    ['a trailing space', `${good} `, ['secret-a'], false],
    ['a leading space', ` ${good}`, ['secret-a'], false],
    ['a second signature after a comma', `${good},${good}`, ['secret-a'], false],
    ['a trailing newline', `${good}\n`, ['secret-a'], false],
    ['the scheme repeated', `sha256=${good}`, ['secret-a'], false],
  ])('%s', (_, header, secrets, expected) => {
    expect(verifyHmacSha256(body, header, secrets)).toBe(expected);
  });

  it('binds the signature to every byte of the body', () => {
    const altered = new TextEncoder().encode('{"id":"1","type":"issue.created" }');
    expect(verifyHmacSha256(altered, good, ['secret-a'])).toBe(false);
  });
});

describe('constantTimeEqual and bearerToken', () => {
  it.each([
    ['same', 'abc', 'abc', true],
    ['different', 'abc', 'abd', false],
    ['prefix', 'abc', 'abcd', false],
    ['empty vs value', '', 'abc', false],
  ])('constantTimeEqual: %s', (_, a, b, expected) => {
    expect(constantTimeEqual(a, b)).toBe(expected);
  });

  it.each([
    ['Bearer tok123', 'tok123'],
    ['bearer   tok123  ', 'tok123'],
    ['Basic dXNlcg==', undefined],
    ['Bearer', undefined],
    [undefined, undefined],
    ['Bearer a b', undefined],
  ])('bearerToken(%s)', (header, expected) => {
    expect(bearerToken(header)).toBe(expected);
  });
});
