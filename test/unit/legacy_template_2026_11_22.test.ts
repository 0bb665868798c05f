import { describe, expect, it } from 'vitest';
import { messageTemplate, normalizeTitle, TEMPLATE_VERSION, titleSimilarity } from '../../src/families/grouping/legacy_2026_11_22/template.js';

describe('messageTemplate', () => {
  it('is versioned', () => {
    expect(TEMPLATE_VERSION).toBe('2026-11-22');
  });

  it.each<[string, string, string]>([
    // durations, sizes, numbers
    ['a duration and an order number', 'timeout after 3012ms on order 8812', 'timeout after <duration> on order <num>'],
    ['fractional seconds', 'gave up after 1.5s', 'gave up after <duration>'],
    ['spelled-out durations', 'waited 20 seconds then 3 days', 'waited <duration> then <duration>'],
    ['compact durations', 'retry in 2m, then 1h30m', 'retry in <duration>, then <duration>'],
    ['sizes', 'payload 512KB over 1.2 MiB limit (2048 bytes)', 'payload <size> over <size> limit (<size>)'],
    ['decimals and negatives', 'refunded 412.80, balance -12.5', 'refunded <num>, balance <num>'],
    ['thousands separators', 'charged 1,234,567 cents', 'charged <num> cents'],
    ['ranges', 'pages 1-5 failed', 'pages <num>-<num> failed'],
    ['HTTP status codes are numbers too', 'HTTP 503 from inventory', 'HTTP <num> from inventory'],
    ['dotted versions stay', 'sdk 1.2.3 crashed', 'sdk 1.2.3 crashed'],
    // quoted values
    ['single-quoted values', "User 'bob' not found", 'User <quoted> not found'],
    ['double-quoted values', 'key "order_id" missing', 'key <quoted> missing'],
    ['backticked values', 'field `amount` invalid', 'field <quoted> invalid'],
    ['JSON', '{"error": "not found", "code": 42}', '{<quoted>: <quoted>, <quoted>: <num>}'],
    ['apostrophes inside words', "can't find the user's order", "can't find the user's order"],
    // structured values
    ['URLs without their trailing dot', 'GET https://api.stripe.com/v1/refunds?limit=10. failed', 'GET <url>. failed'],
    ['other URL schemes', 'cannot reach postgres://db:5432/recur', 'cannot reach <url>'],
    ['emails', 'mail to jane.doe@example.com bounced', 'mail to <email> bounced'],
    ['UUIDs', 'run 550e8400-e29b-41d4-a716-446655440000 failed', 'run <uuid> failed'],
    ['UUIDs behind a hyphenated prefix', 'run-550e8400-e29b-41d4-a716-446655440000', 'run-<uuid>'],
    ['RFC 3339 timestamps', 'at 2026-11-22T14:03:22.123Z', 'at <timestamp>'],
    ['timestamps with offsets', 'at 2026-11-22 14:03:22+01:00', 'at <timestamp>'],
    ['dates and clock times', 'on 2026-11-22 at 14:03:22', 'on <timestamp> at <timestamp>'],
    ['IPv4', 'connect 10.0.0.12:5432 refused', 'connect <ip>:<num> refused'],
    ['IPv6', 'host 2001:db8::8a2e:370:7334 and ::1', 'host <ip> and <ip>'],
    ['C++ and Ruby scopes are not IPv6', 'std::vector in Foo::Bar', 'std::vector in Foo::Bar'],
    ['git SHAs', 'commit abc1234 broke it', 'commit <hex> broke it'],
    ['0x values', 'segfault at 0x7ffee4b2', 'segfault at <hex>'],
    ['digests', 'image sha256:e3b0c44298fc1c149afbf4c8996fb924', 'image sha256:<hex>'],
    ['hex-letters-only words stay', 'deadbeef cafe facade', 'deadbeef cafe facade'],
    // ids
    ['hash references', 'order #8812 failed', 'order <id> failed'],
    ['prefixed ids', 'request req-7f3a9 for ord_8812', 'request <id> for <id>'],
    ['short prefixed ids', 'ord_17 and ord_8812', '<id> and <id>'],
    ['prefixed hex ids are one id', 'run-9f8e7d6c5b4a trace_9f8e7d6c5b4a3210', '<id> <id>'],
    ['scrambled letters and digits', 'session N3kd9x expired', 'session <id> expired'],
    ['regions and encodings have a numeric suffix, so they are ids', 'us-east-1 utf-8', '<id> <id>'],
    // names that survive
    ['tool names', 'issue_refund called before lookup_refund_policy', 'issue_refund called before lookup_refund_policy'],
    ['tool names with versions', 'search_v2 and fetch_s3_object', 'search_v2 and fetch_s3_object'],
    ['letter-then-digit words', 'sha256 utf8 x86_64 base64 e2e k8s i18n', 'sha256 utf8 x86_64 base64 e2e k8s i18n'],
    ['OpenAI model names', 'gpt-4o and gpt-3.5-turbo-0125 and o1-mini', 'gpt-4o and gpt-3.5-turbo-0125 and o1-mini'],
    ['Anthropic model names with dates', 'claude-3-5-sonnet-20241022 overloaded (529)', 'claude-3-5-sonnet-20241022 overloaded (<num>)'],
    ['open model names', 'llama-3.1-70b, gemini-1.5-pro, qwen2.5-coder:7b', 'llama-3.1-70b, gemini-1.5-pro, qwen2.5-coder:7b'],
    ['quoted model names stay', 'The model `gpt-5` does not exist', 'The model `gpt-5` does not exist'],
    ['model names in a provider path', 'openai/gpt-4o timed out after 30s', 'openai/gpt-4o timed out after <duration>'],
    // whitespace
    ['whitespace collapses and trims', '  lots   of\n\n space\t', 'lots of space'],
    ['no case change', 'ECONNREFUSED Upstream', 'ECONNREFUSED Upstream'],
  ])('%s', (_, input, expected) => {
    expect(messageTemplate(input)).toBe(expected);
  });

  it.each<[string, string]>([
    ['timeout after 3012ms on order 8812', 'timeout after 95ms on order 17'],
    ["User 'bob' not found", "User 'alice' not found"],
    ['run 550e8400-e29b-41d4-a716-446655440000 failed at 2026-11-22T14:03:22Z', 'run 0d7f6a52-6f1e-4b8a-9d3c-2e1f0a9b8c7d failed at 2026-11-23T01:00:00Z'],
    ['refund ord_8812 of 412.80 failed', 'refund ord_91 of 7.00 failed'],
  ])('groups %j with %j', (a, b) => {
    expect(messageTemplate(a)).toBe(messageTemplate(b));
  });

  it.each<[string, string]>([
    ['gpt-4o timed out', 'claude-3-5-sonnet timed out'],
    ['issue_refund failed', 'lookup_refund_policy failed'],
  ])('keeps %j and %j apart', (a, b) => {
    expect(messageTemplate(a)).not.toBe(messageTemplate(b));
  });

  it('is idempotent', () => {
    const once = messageTemplate("req-7f3a9: 'x' took 3012ms at 2026-11-22T14:03:22Z from 10.0.0.1 (gpt-4o)");
    expect(messageTemplate(once)).toBe(once);
  });

  it('cannot be confused by the private-use characters it uses internally', () => {
    expect(messageTemplate('a \uE000a\uE001 gpt-4o')).toBe('a \uFFFDa\uFFFD gpt-4o');
  });

  it.each<[string, string]>([
    ['a megabyte word', 'a'.repeat(1_000_000)],
    ['alternating letters and digits', 'a1-'.repeat(330_000)],
    ['dotted digits', '1.'.repeat(500_000)],
    ['hyphen runs before ://', `${'a-'.repeat(500_000)}://`],
    ['unterminated quotes', "'a".repeat(500_000)],
  ])('finishes on adversarial input: %s', (_, input) => {
    expect(typeof messageTemplate(input)).toBe('string');
  });
});

describe('normalizeTitle', () => {
  it.each<[string, string[]]>([
    ['Tool selection inconsistency', ['inconsist', 'select', 'tool']],
    ['Inconsistent tool selection', ['inconsist', 'select', 'tool']],
    ['Selecting tools; selected tool', ['select', 'tool']],
    ['Tool timeouts', ['timeout', 'tool']],
    ['Calls, call, calling, called', ['call']],
    ['Hallucinated refund amounts', ['amount', 'hallucin', 'refund']],
    ['hallucination of refund amount', ['amount', 'hallucin', 'refund']],
    ['Retries stopped after running out', ['after', 'out', 'retry', 'run', 'stop']],
    ['Policies retrieved and retrieving policy', ['policy', 'retriev']],
    ['Status of the class analysis', ['analysis', 'class', 'status']],
    ['Tool NOT called without approval', ['approv', 'call', 'not', 'tool', 'without']],
    ['Error 502 in the API', ['502', 'api', 'error']],
    ['The', []],
  ])('%s', (title, expected) => {
    expect(normalizeTitle(title)).toEqual(expected);
  });
});

describe('titleSimilarity', () => {
  it.each<[string, string, (score: number) => void]>([
    ['Tool selection inconsistency', 'Inconsistent tool selection', (s) => expect(s).toBe(1)],
    ['Refund flow calls payment API before policy check', 'Refund flow calling payment API before the policy check', (s) => expect(s).toBeGreaterThanOrEqual(0.8)],
    ['Tool selection inconsistency', 'Tool timeout in search', (s) => expect(s).toBeLessThan(0.5)],
    ['Refund issued before policy check', 'Refund issued after policy check', (s) => expect(s).toBeLessThan(1)],
    ['Tool called', 'Tool not called', (s) => expect(s).toBeLessThan(1)],
    ['', '', (s) => expect(s).toBe(0)],
    ['the a an', 'of to', (s) => expect(s).toBe(0)],
  ])('%j vs %j', (a, b, check) => {
    const score = titleSimilarity(a, b);
    check(score);
    expect(titleSimilarity(b, a)).toBe(score);
  });
});

describe('normalization rules added for paraphrased reports', () => {
  it.each([
    ["Bot didn't answer my question", 'Did not answer the question'],
    ['My upgrade was never applied', 'Upgrade was not applied'],
    ['Incorrect refund amount', 'Wrong refund amount'],
    ['Ticket misrouted to a queue', 'Ticket routed to the wrong queue'],
    ['Agent stuck in tool call loop', 'Stuck in tool call loop'],
    ['Tool selection is inconsistent across runs', 'Inconsistent tool selection'],
    ['Inconsistent tool choice', 'Inconsistent tool selection'],
  ])('%j reads like %j', (a, b) => {
    expect(normalizeTitle(a)).toEqual(normalizeTitle(b));
  });

  it.each([
    ['Missing citation', 'Wrong citation'],
    ['Agent skips policy check before refund', 'Agent skips identity check before refund'],
    ['Incident severity underestimated', 'Incident severity overestimated'],
  ])('%j still differs from %j', (a, b) => {
    expect(normalizeTitle(a)).not.toEqual(normalizeTitle(b));
  });

  it.each([
    ['550 5.1.1 no such user h71qac-134860a3.77 - gsmtp', '550 5.1.1 no such user pipnxj-621413bh.32 - gsmtp'],
    ["Request req_cQcnTfkVDRlnPl: No such price: 'price_1QPPuPqIGsnibN16DvnUNLZq'", "Request req_OgmOd1Zb6wdaUB: No such price: 'price_1Q60T0P0tIeGhU01Ev1IOA00'"],
  ])('generated ids agree: %j ~ %j', (a, b) => {
    expect(messageTemplate(a)).toBe(messageTemplate(b));
  });

  it.each(['getUserProfile_handler', 'x86_64-linux-gnu', 'search_v2 failed'])('leaves %j alone', (text) => {
    expect(messageTemplate(text)).not.toContain('<id>');
  });
});
