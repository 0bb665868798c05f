import { describe, expect, it } from 'vitest';
import { maskText } from '../../src/families/grouping/mask.js';
import { isWord, leafOf, matchTemplate, MINER, minerTokens, siblingTemplates, type MinerTemplate } from '../../src/families/grouping/miner.js';

const tokens = (text: string) => minerTokens(maskText(text));
const template = (id: string, text: string, occurrences = 1): MinerTemplate => ({ id, tokens: tokens(text), occurrences });

describe('minerTokens and leafOf', () => {
  it.each<[string, string, string[]]>([
    ['splits at spaces and keeps delimiters as tokens', 'user=root (uid=0)', ['user', '=', 'root', '(', 'uid', '=', '<num>', ')']],
    ['a list of values is one value', 'delete blk_1 blk_2 blk_3 now', ['delete', '<id>', 'now']],
    ['a list with commas is one value', 'hosts 10.0.0.1, 10.0.0.2, 10.0.0.3 down', ['hosts', '<ip>', 'down']],
  ])('%s', (_, text, expected) => {
    expect(tokens(text)).toEqual(expected);
  });

  it('keeps at most MINER.maxTokens tokens', () => {
    expect(tokens('a '.repeat(200))).toHaveLength(MINER.maxTokens);
  });

  it.each<[string, string]>([
    ['Failed password for root', '4:Failed'],
    ['10.0.0.1:22 refused', '2:*'],
    ['blk_1 lost', '2:*'],
  ])('leaf of %j is %j', (text, leaf) => {
    expect(leafOf(tokens(text))).toBe(leaf);
  });

  it.each<[string, boolean]>([
    ['root', true],
    ["'shipping_address'", true],
    ['failures;', false],
    ['failure:', true],
    ['<num>', false],
    ['ssh2', false],
    ['/etc/hosts', false],
  ])('isWord(%j) is %s', (token, expected) => {
    expect(isWord(token)).toBe(expected);
  });
});

describe('matchTemplate', () => {
  it('joins the template it agrees with most, making differing values wildcards', () => {
    const leaf = [template('a', 'Received disconnect from 10.0.0.1: 11: Bye Bye')];
    const decision = matchTemplate(tokens('Received disconnect from 10.0.0.9: 11: Bye Bye'), leaf);
    expect(decision).toMatchObject({ action: 'join', template: { id: 'a' }, score: 1 });
  });

  it('turns a differing non-word token into a wildcard', () => {
    const leaf = [template('a', 'opened proxy at host-a/x1')];
    const decision = matchTemplate(tokens('opened proxy at host-b/x2'), leaf);
    expect(decision).toMatchObject({ action: 'join', tokens: ['opened', 'proxy', 'at', '<*>'], score: 0.75 });
  });

  it('does not join below the similarity threshold', () => {
    const leaf = [template('a', 'copied /a to /b via /c done')];
    expect(matchTemplate(tokens('copied /x to /y via /z done'), leaf).action).toBe('join');
    expect(matchTemplate(tokens('moved /x at /y by /z done'), leaf).action).toBe('new');
  });

  it.each<[string, string, string]>([
    ['startup and shutdown', 'cupsd startup succeeded', 'cupsd shutdown succeeded'],
    ['two quoted field names', "KeyError: 'shipping_address'", "KeyError: 'billing_address'"],
    ['two states', 'Task moved from NEW to SCHEDULED', 'Task moved from SCHEDULED to RUNNING'],
  ])('keeps texts differing only in a word apart (%s)', (_, a, b) => {
    expect(matchTemplate(tokens(b), [template('a', a)]).action).toBe('new');
  });

  it('never joins or generalizes texts that differ in an HTTP status, and tells them apart', () => {
    const leaf = [template('a', 'POST api.stripe.com/v1/refunds 400'), template('b', 'POST api.stripe.com/v1/refunds 404')];
    const decision = matchTemplate(tokens('POST api.stripe.com/v1/refunds 403'), leaf);
    expect(decision.action).toBe('new');
    if (decision.action === 'new') expect(decision.siblings.map((t) => t.id).sort()).toEqual(['a', 'b']);
  });

  it('never joins or generalizes texts that differ in an error code the masking kept', () => {
    const leaf = [template('a', 'TwilioRestException 21610: HTTP 400 error: Unable to create record: blocked for this number', 3)];
    expect(matchTemplate(tokens('TwilioRestException 21211: HTTP 400 error: Unable to create record: blocked for this number'), leaf).action).toBe('new');
    expect(matchTemplate(tokens('McpError: MCP error -32601: Method not found'), [template('b', 'McpError: MCP error -32602: Method not found')]).action).toBe('new');
  });

  it("never joins texts that differ in an API's named error code in a compact JSON body", () => {
    const body = (code: string, text: string) => `{"display_message":null,"error_code":"${code}","error_message":"${text}","error_type":"ITEM_ERROR"}`;
    const leaf = [template('a', body('ITEM_LOGIN_REQUIRED', 'the login details of this item have changed'), 3)];
    expect(matchTemplate(tokens(body('TRANSACTIONS_LIMIT', 'rate limit exceeded for attempts to access this item')), leaf).action).toBe('new');
    expect(matchTemplate(tokens('{"ok":false,"error":"not_in_channel"}'), [template('b', '{"ok":false,"error":"channel_not_found"}', 3)]).action).toBe('new');
    // two bodies that share only their braces and commas are not alike
    expect(matchTemplate(tokens('{"ok":false,"error":"channel_not_found"}'), [template('c', `{"field":"equipment_id","error":"check digit mismatch for 'TGHU876543'"}`)]).action).toBe('new');
    // a status or code the masking kept in such a body tells them apart too (from g-2026-12-05.6)
    const gateway = (status: number) => `{"ts":"2026-11-07T05:14:10.103Z","lvl":"ERROR","tool":"salesforce.opportunity.create","method":"POST","status":${status},"ms":165}`;
    expect(matchTemplate(tokens(gateway(400)), [template('d', gateway(401), 3)]).action).toBe('new');
    expect(matchTemplate(tokens(gateway(401).replace('165', '85')), [template('d', gateway(401), 3)]).action).toBe('join');
    // the same code with other words around it is the same failure
    expect(matchTemplate(tokens(body('ITEM_LOGIN_REQUIRED', 'the login details changed again')), leaf).action).toBe('join');
  });

  it('never joins or generalizes texts that differ in a model name, and tells them apart', () => {
    const leaf = [template('a', 'chat gpt-4o', 3), template('b', 'chat claude-3-5-sonnet-20241022', 3)];
    const decision = matchTemplate(tokens('chat gemini-1.5-pro'), leaf);
    expect(decision.action).toBe('new');
    if (decision.action === 'new') expect(decision.siblings.map((t) => t.id).sort()).toEqual(['a', 'b']);
    expect(matchTemplate(tokens('chat claude-sonnet-4-5: 529'), [template('c', 'chat gpt-4.1: 529')]).action).toBe('new');
    // a name that is not a model's is a value like any other
    expect(matchTemplate(tokens('chat writer-large'), [template('d', 'chat gpt-4.1')]).action).toBe('join');
  });

  it('makes a position a variable once it has shown enough different words among rare templates', () => {
    const leaf = [template('a', 'Invalid user admin from 10.0.0.1', 1), template('b', 'Invalid user oracle from 10.0.0.2', 2)];
    const decision = matchTemplate(tokens('Invalid user support from 10.0.0.3'), leaf);
    expect(decision.action).toBe('generalize');
    if (decision.action !== 'generalize') return;
    expect(decision.tokens).toEqual(['Invalid', 'user', '<*>', 'from', '<ip>']);
    expect(decision.position).toBe(2);
    expect([decision.template.id, ...decision.absorbed.map((t) => t.id)].sort()).toEqual(['a', 'b']);
  });

  it('names the templates a new text was told apart from by a word: its siblings', () => {
    const leaf = [template('a', 'Email tone too pushy'), template('b', 'Email draft way too long'), template('c', 'Email tone far too formal')];
    const decision = matchTemplate(tokens('Email tone too formal'), leaf);
    expect(decision.action).toBe('new');
    if (decision.action === 'new') expect(decision.siblings.map((t) => t.id)).toEqual(['a']);
  });

  it('does not tell apart a text that differs from a template in two words (a name of two words varies)', () => {
    const leaf = [template('a', 'UKC below minimum for Pacific Harmony at berth 4')];
    const decision = matchTemplate(tokens('UKC below minimum for Ocean Star at berth 4'), leaf);
    expect(decision.action).toBe('new');
    if (decision.action === 'new') expect(decision.siblings).toEqual([]);
  });

  it('never absorbs a template that has recurred on its own: its word names a failure', () => {
    const established = MINER.rareOccurrences + 1;
    const leaf = [template('a', 'Invalid user admin from 10.0.0.1', established), template('b', 'Invalid user oracle from 10.0.0.2', 1)];
    expect(matchTemplate(tokens('Invalid user support from 10.0.0.3'), leaf).action).toBe('new');
  });

  it('joins a generalized template whatever word is in its wildcard', () => {
    const leaf = [{ id: 'a', tokens: ['Invalid', 'user', '<*>', 'from', '<ip>'], occurrences: 9 }];
    expect(matchTemplate(tokens('Invalid user guest from 10.1.1.1'), leaf)).toMatchObject({ action: 'join', template: { id: 'a' } });
  });

  it('prefers the better score, then the template with more wildcards', () => {
    const leaf = [
      { id: 'narrow', tokens: tokens('job 42 failed on node-a7'), occurrences: 1 },
      { id: 'wide', tokens: ['job', '<num>', 'failed', 'on', '<*>'], occurrences: 1 },
    ];
    expect(matchTemplate(tokens('job 7 failed on node-b9'), leaf)).toMatchObject({ action: 'join', template: { id: 'wide' } });
  });
});

describe('siblingTemplates', () => {
  it.each<[string, string, boolean]>([
    ['Severity of incident overestimated', 'Severity of incident underestimated', true],
    ['POST /v1/refunds 400', 'POST /v1/refunds 403', true],
    ['Too pushy tone in the email', 'Too formal tone in the email', true],
    ['Severity of incident overestimated', 'Severity of incident overestimated', false],
    ['Too pushy tone in the email', 'Too formal style in an email', false],
    ['timeout after <num> ms', 'timeout after <num> ms on retry', false],
  ])('%s / %s: %s', (a, b, siblings) => {
    expect(siblingTemplates(tokens(a), tokens(b))).toBe(siblings);
  });
});
