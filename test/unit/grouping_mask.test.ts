import { describe, expect, it } from 'vitest';
import { MASK_KINDS, maskText } from '../../src/families/grouping/mask.js';

describe('maskText: each kind of variable', () => {
  it.each<[string, string, string]>([
    // numbers
    ['integers', 'retried 3 times for order 8812', 'retried <num> times for order <num>'],
    ['decimals and signs', 'refunded 412.80, balance -12.5', 'refunded <num>, balance <num>'],
    ['thousands separators', 'charged 1,234,567 cents', 'charged <num> cents'],
    ['ranges', 'pages 1-5 failed', 'pages <num>-<num> failed'],
    // numbers with units
    ['durations in milliseconds', 'timed out after 21512ms', 'timed out after <duration>'],
    ['compound durations', 'retry in 1h30m, last 3h', 'retry in <duration>, last <duration>'],
    ['spelled-out durations', 'waited 20 seconds then 3 days', 'waited <duration> then <duration>'],
    ['fractional seconds', 'gave up after 1.5 s', 'gave up after <duration>'],
    ['sizes with and without a space', 'payload 12 MB over 512KB, 384.0 B free', 'payload <size> over <size>, <size> free'],
    ['bytes', 'read 4096 bytes', 'read <size>'],
    ['percentages', 'error rate 87% (+12.5 %)', 'error rate <pct> (<pct>)'],
    ['ratios before and after', 'p95 up 4.1x, cost x2.5', 'p95 up <ratio>, cost <ratio>'],
    // times
    ['RFC 3339', 'at 2026-11-22T14:03:22.123Z', 'at <timestamp>'],
    ['ISO with an offset', 'at 2026-11-22 14:03:22+01:00', 'at <timestamp>'],
    ['ctime', 'connection at Mon Jun 20 03:40:59 2005', 'connection at <timestamp>'],
    ['syslog', 'Jun  4 12:52:44 host sshd', '<timestamp> host sshd'],
    ['RFC 2822', 'sent Mon, 20 Jun 2005 03:40:59 GMT', 'sent <timestamp>'],
    ['slashed date and clock', 'built on 06/10/2013 17:26 GMT', 'built on <timestamp>'],
    ['access-log time', '[20/Jun/2005:03:40:59 +0000]', '[<timestamp>]'],
    ['dotted date-times', 'dir 2005.09.20-18.06.01 made', 'dir <timestamp> made'],
    ['clock times', 'at 14:03:22 and 09:15', 'at <timestamp> and <timestamp>'],
    // identifiers
    ['UUIDs', 'run 550e8400-e29b-41d4-a716-446655440000 failed', 'run <uuid> failed'],
    ['0x values', 'segfault at 0x7ffee4b2', 'segfault at <hex>'],
    ['hex hashes', 'commit abc1234 and sha 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b', 'commit <hex> and sha <hex>'],
    ['long digit strings', 'trace 4411902837465512908', 'trace <hex>'],
    ['prefixed ids', 'request req_7f3a9 for cus_8812 and ord_17', 'request <id> for <id> and <id>'],
    ['prefixed ids with a negative number', 'block blk_-1608999687919862906 lost', 'block <id> lost'],
    ['multi-part ids', 'task_1445144423722_0020_m_000001 failed', '<id> failed'],
    ['hash references', 'order #8812 failed', 'order <id> failed'],
    ['scrambled letters and digits', 'session N3kd9x expired', 'session <id> expired'],
    ['random-case suffixes', 'req_cQcnTfkVDRlnPl failed', '<id> failed'],
    // addresses
    ['IPv4 with a port', 'connect 10.0.0.12:5432 refused', 'connect <ip> refused'],
    ['IPv4 behind a slash', 'from /10.251.214.112 ok', 'from /<ip> ok'],
    ['IPv6', 'host 2001:db8::8a2e:370:7334 and ::1', 'host <ip> and <ip>'],
    ['generated host names with a port', 'proxy MININT-FNANLI5.fareast.corp.microsoft.com:52368 up', 'proxy <host> up'],
    ['reverse-DNS names', 'rhost=220-135-151-1.hinet-ip.hinet.net', 'rhost=<host>'],
    ['emails', 'mail to jane.doe@example.com bounced', 'mail to <email> bounced'],
    // URLs keep what failed
    ['URLs keep host and path', 'POST https://api.hubapi.com/crm/v3/objects/contacts/search failed', 'POST https://api.hubapi.com/crm/v3/objects/contacts/search failed'],
    ['ids in a URL path', 'GET https://api.stripe.com/v1/refunds/re_3Nq8xY2eZvKYlo2C0', 'GET https://api.stripe.com/v1/refunds/<id>'],
    ['query values', 'https://x.example.com/search?q=shoes&page=2', 'https://x.example.com/search?q=<*>&page=<*>'],
    ['credentials and IP hosts', 'postgres://app:s3cret@10.1.2.3:5432/recur down', 'postgres://<ip>/recur down'],
    // key=value and structured text
    ['key=value values', 'retry_after=9s attempts=3 tenant=acme', 'retry_after=<duration> attempts=<num> tenant=acme'],
    ['JSON values', '{"error": {"code": "rate_limited", "message": "You exceeded your quota", "retry": 3}}', '{"error": {"code": "rate_limited", "message": <quoted>, "retry": <num>}}'],
    // quoted strings: free text is a value, an identifier is kept, ids inside are masked
    ['quoted free text', "product 'Blue Widget XL' not found", 'product <quoted> not found'],
    ['quoted identifiers stay', "KeyError: 'shipping_address'", "KeyError: 'shipping_address'"],
    ['quoted status phrases stay', "Client error '403 Forbidden' for url", "Client error '403 Forbidden' for url"],
    ['numbers inside quotes', "order 'ord_8812' and \"42\" missing", "order '<id>' and \"<num>\" missing"],
    // what is kept
    ['HTTP statuses after http/status', 'HTTP 429 and status_code=503 and status: 404', 'HTTP 429 and status_code=503 and status: 404'],
    ['HTTP statuses before a reason phrase', 'got 404 Not Found, then 503 Service Unavailable', 'got 404 Not Found, then 503 Service Unavailable'],
    ['HTTP statuses before from', '429 from HubSpot for portal 73757985', '429 from HubSpot for portal <num>'],
    ['other numbers of that size', 'returned 150 rows', 'returned <num> rows'],
    ['error codes', 'ORA-00942 then E11000 duplicate key', 'ORA-00942 then E11000 duplicate key'],
    ['tool names', 'issue_refund called before lookup_refund_policy', 'issue_refund called before lookup_refund_policy'],
    ['names with digits', 'search_v2 sha256 utf8 x86_64 k8s', 'search_v2 sha256 utf8 x86_64 k8s'],
    ['model names', 'gpt-4o and claude-3-5-sonnet-20241022 and llama-3.1-70b', 'gpt-4o and claude-3-5-sonnet-20241022 and llama-3.1-70b'],
    ['Java class names', 'class org.apache.hadoop.mapreduce.v2.app.MRAppMaster', 'class org.apache.hadoop.mapreduce.v2.app.MRAppMaster'],
    ['service host names', 'cannot reach api.stripe.com', 'cannot reach api.stripe.com'],
    ['dotted versions', 'sdk 1.2.3 crashed', 'sdk 1.2.3 crashed'],
    ['whitespace collapses', '  lots   of\n\n space\t', 'lots of space'],
  ])('%s', (_, input, expected) => {
    expect(maskText(input)).toBe(expected);
  });

  it('names every kind it applies', () => {
    const names = new Set(MASK_KINDS.map((k) => k.name));
    expect([...names].sort()).toEqual(['duration', 'email', 'hex', 'host', 'id', 'code', 'ip', 'num', 'pct', 'quoted', 'ratio', 'size', 'status', 'timestamp', 'url', 'uuid'].sort());
  });

  it.each<[string, string]>([
    ['timeout after 3012ms on order 8812', 'timeout after 95ms on order 17'],
    ['p95 tokens per run 9882 vs 7-day baseline 2416 (x4.1) over the last 1h', 'p95 tokens per run 12011 vs 7-day baseline 2390 (x5.0) over the last 3h'],
    ['Deleting block blk_-8144387882075572886 file /data/blk_-8144387882075572886', 'Deleting block blk_102441832197223997 file /data/blk_102441832197223997'],
  ])('one template for %j and %j', (a, b) => {
    expect(maskText(a)).toBe(maskText(b));
  });

  it.each<[string, string]>([
    ['HTTP 429 from HubSpot', 'HTTP 500 from HubSpot'],
    ["KeyError: 'shipping_address'", "KeyError: 'billing_address'"],
    ['gpt-4o timed out', 'claude-3-5-sonnet timed out'],
    ['POST https://api.stripe.com/v1/refunds failed', 'POST https://api.stripe.com/v1/charges failed'],
    ['POST api.stripe.com/v1/refunds 400', 'POST api.stripe.com/v1/refunds 403'],
    ['GET https://api.github.com/repos/a/b/contents/x.ts?ref=1d94 -> 404', 'GET https://api.github.com/repos/a/b/contents/x.ts?ref=77aa -> 401'],
  ])('keeps %j and %j apart', (a, b) => {
    expect(maskText(a)).not.toBe(maskText(b));
  });

  it.each<[string, string, string]>([
    ['a status after a request line', 'POST /repos/acme/api/pulls/835/reviews 429', 'POST /repos/acme/api/pulls/<num>/reviews 429'],
    ['after an arrow', 'GET https://api.example.com/v1/x -> 502', 'GET https://api.example.com/v1/x -> 502'],
    ['not a count after a request line', 'GET /v1/orders took 300 ms', 'GET /v1/orders took <duration>'],
    ['not a number without a request line', 'returned 404 rows', 'returned <num> rows'],
  ])('g-2026-12-05 reads %s', (_, text, masked) => {
    expect(maskText(text)).toBe(masked);
  });

  it.each<[string, string, string]>([
    ['a status after an HTTP exception class', '<HttpError 404 when requesting https://www.googleapis.com/calendar/v3/calendars/a%40b.com/events>', '<HttpError 404 when requesting https://www.googleapis.com/calendar/v3/calendars/<id>/events>'],
    ['a status after a requests HTTPError', 'requests.exceptions.HTTPError: 403 Client Error: Forbidden', 'requests.exceptions.HTTPError: 403 Client Error: Forbidden'],
    ['a numeric code after "error"', 'Twilio error 21211 (invalid To number)', 'Twilio error 21211 (invalid To number)'],
    ['a numeric code after an exception class', 'TwilioRestException 21610: Attempt to send', 'TwilioRestException 21610: Attempt to send'],
    ['a JSON-RPC code', '{"code":-32602,"id":17}', '{"code":-32602,"id":<num>}'],
    ['errno', 'OperationalError errno 1213 at 10:15:00', 'OperationalError errno 1213 at <timestamp>'],
    ['not a number after another word', 'order 12345 failed', 'order <num> failed'],
    ['not a date after "error"', 'error 2026-12-03 batch', 'error <timestamp> batch'],
  ])('g-2026-12-05.2 reads %s', (_, text, masked) => {
    expect(maskText(text)).toBe(masked);
  });

  it.each<[string, string, string]>([
    ['a status after "returned"', 'upstream returned 503 for search_flights', 'upstream returned 503 for search_flights'],
    ['a status after "failed with"', 'get_weather failed with 500', 'get_weather failed with 500'],
    ['a status after "got"', 'got 404 for /v1/orders', 'got 404 for /v1/orders'],
    ['a status after a span', 'optimize_routes span 502', 'optimize_routes span 502'],
    ['a status after a snake_case name', '94% of errors from optimize_routes 502', '<pct> of errors from optimize_routes 502'],
    ['a status after a camelCase operation', 'bedrock InvokeModel 429 after 3 retries', 'bedrock InvokeModel 429 after <num> retries'],
    ['not a success status after "returned"', 'returned 200 OK', 'returned <num> OK'],
    ['not a count after "returned"', 'returned 404 rows', 'returned <num> rows'],
    ['not a count after a name', 'search_kb 500 results', 'search_kb <num> results'],
    ['not a number after a plain word', 'Stripe 429 on refunds.create', 'Stripe <num> on refunds.create'],
    ['an evaluation case key', 'dataset=account-briefs-v4 case=figma-brief faithfulness=0.73', 'dataset=account-briefs-v4 case=<id> faithfulness=<num>'],
    ['a task id', 'task_id: airline-42 expected cabin=business', 'task_id: <id> expected cabin=business'],
    ['a quoted test case', 'test_case="refund_window" failed', 'test_case=<id> failed'],
    ['not another key', 'dataset=account-briefs-v4 model=gpt-4o', 'dataset=account-briefs-v4 model=gpt-4o'],
  ])('g-2026-12-05.3 reads %s', (_, text, masked) => {
    expect(maskText(text)).toBe(masked);
  });

  it.each<[string, string, string]>([
    ['a status in parentheses after an exception class', 'ApiException: (409) Reason: Conflict', 'ApiException: (409) Reason: Conflict'],
    ['one without a colon', 'ApiException (400) restaurant_tier', 'ApiException (400) restaurant_tier'],
    ['not a success status', 'ApiException (200) odd', 'ApiException (<num>) odd'],
    ['not a number after another word', 'Retries (409) left', 'Retries (<num>) left'],
  ])('g-2026-12-06.4 reads %s', (_, text, masked) => {
    expect(maskText(text)).toBe(masked);
  });

  it.each<[string, string, string]>([
    ['an error status counted in the plural, kept as the status', '287 Routes API 429s between 05:00 and 05:20', '<num> Routes API 429 between <timestamp> and <timestamp>'],
    ['at the end of a sentence', 'Logs show 503s.', 'Logs show 503.'],
    ['an error status counted as a rate', '429 ratio 27.5% over last 15m', '429 ratio <pct> over last <duration>'],
    ['a share', 'iiif 404 share 9.6%', 'iiif 404 share <pct>'],
    ['not seconds after a word of time', 'cache entry expires after 404s', 'cache entry expires after <duration>'],
    ['not seconds assigned', 'duration=500s', 'duration=<duration>'],
    ['not a plural success status', 'served 200s all morning', 'served <duration> all morning'],
    ['not a success status as a rate', '200 rate limit', '<num> rate limit'],
    ['not a bare number before another word', '404 manifests affected', '<num> manifests affected'],
  ])('g-2026-12-07.3 reads %s', (_, text, masked) => {
    expect(maskText(text)).toBe(masked);
  });

  it('g-2026-12-07.2 is still masked as it was released: a status counted in the plural or as a rate was a value', () => {
    expect(maskText('287 Routes API 429s', 'g-2026-12-07.2')).toBe('<num> Routes API <duration>');
    expect(maskText('429 ratio 27.5%', 'g-2026-12-07.2')).toBe('<num> ratio <pct>');
  });

  it('g-2026-12-06.3 is still masked as it was released: a status in parentheses after an exception class was a number', () => {
    expect(maskText('ApiException: (409) Reason: Conflict', 'g-2026-12-06.3')).toBe('ApiException: (<num>) Reason: Conflict');
  });

  it('g-2026-12-05.2 is still masked as it was released: statuses after a name or verb and eval cases were values', () => {
    expect(maskText('94% of errors from optimize_routes 502', 'g-2026-12-05.2')).toBe('<pct> of errors from optimize_routes <num>');
    expect(maskText('upstream returned 503', 'g-2026-12-05.2')).toBe('upstream returned <num>');
    expect(maskText('faithfulness low case=figma-brief', 'g-2026-12-05.2')).toBe('faithfulness low case=figma-brief');
  });

  it('g-2026-12-05 is still masked as it was released: codes and statuses after an exception class were numbers', () => {
    expect(maskText('Twilio error 21211 (invalid To number)', 'g-2026-12-05')).toBe('Twilio error <num> (invalid To number)');
    expect(maskText('<HttpError 404 when requesting x>', 'g-2026-12-05')).toBe('<HttpError <num> when requesting x>');
    expect(maskText('POST api.stripe.com/v1/refunds 403', 'g-2026-12-05')).toBe('POST api.stripe.com/v1/refunds 403');
  });

  it('g-2026-12-04 is still masked as it was released: a status after a request line was a number', () => {
    expect(maskText('POST api.stripe.com/v1/refunds 403', 'g-2026-12-04')).toBe('POST api.stripe.com/v1/refunds <num>');
    expect(maskText('HTTP 429 from HubSpot', 'g-2026-12-04')).toBe('HTTP 429 from HubSpot');
  });

  it('keeps private-use characters of the input from posing as its guards', () => {
    expect(maskText('a \uE002ecj\uE003 b \uE000a\uE001')).toBe('a \uFFFDecj\uFFFD b \uFFFDa\uFFFD');
  });
});
