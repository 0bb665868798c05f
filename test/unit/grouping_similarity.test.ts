import { stemmer as stem } from 'stemmer';
import { describe, expect, it } from 'vitest';
import { normalizeName, signalFeatures, splitIdentifier, statedValues, textWords } from '../../src/families/grouping/features.js';
import { fingerprintKey, groupingText, isLogLine, planGrouping } from '../../src/families/grouping/plan.js';
import { GROUPING_VERSION } from '../../src/families/grouping/version.js';
import type { Signal } from '../../src/families/types.js';
import { amongOthers, tellingFeatures } from '../../src/families/grouping/profile_index.js';
import { alikeFamilies, alikeOfOtherSources, alikeProfiles, alikeReports, bridges, CONSOLIDATION, consolidationBar, foldCounts, foldProfile, FRAGMENT, fragmentOf, fromOtherSources, rarity, RELATED, reportPairScore, REPORTS, sameFailure, SIMILARITY, similarFamilies, vetoed, type Profile, type Report } from '../../src/families/grouping/similarity.js';

const features = (s: { title: string; message?: string; tool?: string; errorType?: string; kind?: Signal['kind']; attributes?: Record<string, string | number | boolean> }) => signalFeatures(s);
const profileOf = (...signals: Array<Parameters<typeof features>[0]>) => signals.reduce<Record<string, number>>((p, s) => foldProfile(p, features(s)), {});
const flat = () => 1;
const bestSimilar = (...args: Parameters<typeof similarFamilies>) => similarFamilies(...args)[0] ?? null;
const FLIGHTS_SLOW = { title: 'Amadeus flight offers timed out for busy popular routes', message: 'GET https://api.amadeus.com/v2/shopping/flight-offers took 15s', tool: 'search_flights' };
const FLIGHTS_TRACEBACK = {
  title: 'ReadTimeout (read timeout=15)',
  message: 'Traceback (most recent call last):\n  File "/srv/travel/tools/flights.py", line 74, in search\nrequests.exceptions.ReadTimeout: HTTPSConnectionPool read timed out',
  tool: 'search_flights',
};

describe('features', () => {
  it.each<[string, string[]]>([
    ['RateLimitError', ['Rate', 'Limit', 'Error']],
    ['zendesk.update_ticket', ['zendesk', 'update', 'ticket']],
    ['HTTPResponseCode', ['HTTP', 'Response', 'Code']],
    ['context_length_exceeded', ['context', 'length', 'exceeded']],
  ])('splitIdentifier(%j)', (name, parts) => {
    expect(splitIdentifier(name)).toEqual(parts);
  });

  it('one name however it is written', () => {
    expect(new Set(['zendesk.update_ticket', 'zendesk_update_ticket', 'ZendeskUpdateTicket', 'zendesk-update-ticket'].map(normalizeName))).toEqual(new Set(['zendesk_update_ticket']));
  });

  it('words are stemmed, case-folded and order-free; function words and numbers go', () => {
    expect(new Set(textWords('Spike in token usage'))).toEqual(new Set(textWords('token usage spikes')));
    expect(textWords('the agent failed to call 3 tools')).toEqual(['w:tool']);
  });

  it("a user's feedback is compared by what it says, not by the words of how it was given", () => {
    const comment = (title: string) => features({ title, message: 'it never booked my class', kind: 'negative_feedback' }).filter((f) => f.startsWith('w:'));
    expect(new Set(comment('Thumbs down'))).toEqual(new Set(comment('CSAT 1/5: very dissatisfied')));
    expect(new Set(comment('Negative rating on conversation'))).toEqual(new Set(['w:not', 'w:book', 'w:class']));
    // a title that says what failed keeps its words, and so does any other kind's title
    expect(comment('Class booking failed')).toContain('w:class');
    expect(features({ title: 'Thumbs down rate spike', kind: 'anomaly' })).toContain('w:thumb');
  });

  it("other languages' function words go too, so two complaints in one language are compared by what they say", () => {
    expect(textWords('Me dijeron que la limpieza era gratis')).toEqual(['w:dijeron', 'w:limpieza', 'w:era', 'w:grati']);
    expect(textWords('Ik vroeg naar de status van de container')).toEqual(['w:vroeg', 'w:statu', 'w:van', 'w:contain']);
    // English words that are function words elsewhere stay: "no", "men", "min"
    expect(textWords('no men for 5 min')).toEqual(['w:no', 'w:men', 'w:min']);
  });

  it.each<[string, Parameters<typeof features>[0], string[]]>([
    ['a status said as a status', { title: 'HTTP 429 from HubSpot' }, ['status:429', 'class:rate_limited']],
    ['a status in the attributes', { title: 'span error', attributes: { 'http.response.status_code': 503 } }, ['status:503', 'class:server_error', 'attr:http.response.status_code']],
    ['a status as the error type', { title: 'call failed', errorType: 'HTTP401' }, ['status:401', 'class:unauthenticated']],
    ['host, service and endpoint of a URL', { title: 'x', message: 'POST https://api.stripe.com/v1/refunds/re_123 failed' }, ['host:api.stripe.com', 'w:stripe', 'path:/v1/refunds/<id>']],
    ['exception classes', { title: 'x', message: 'stripe.error.APIConnectionError: boom' }, ['exc:apiconnectionerror', 'class:connection']],
    ['a timeout however worded', { title: 'lookup timed out', message: 'ReadTimeout after 30s' }, ['class:timeout', 'exc:readtimeout']],
    ['a statement canceled by SQLSTATE', { title: 'db span SELECT orders', message: 'db.system=postgresql error.type=57014' }, ['class:timeout']],
    ['a query canceled by name', { title: 'x', message: 'psycopg.errors.QueryCanceled: canceling statement' }, ['class:timeout']],
    ['a privilege refused by SQLSTATE', { title: 'INSERT refunds_audit failed (42501)' }, ['class:forbidden']],
    ['statuses in the plural', { title: 'Agent cannot post replies: Zendesk 429s' }, ['class:rate_limited']],
    ['a timeout the source reported', { title: 'SELECT analytics.events', kind: 'timeout' }, ['class:timeout']],
    ['a syntax error', { title: 'x', message: 'ERROR:  syntax error at or near "LIMIT"' }, ['class:syntax']],
    ['a malformed query', { title: 'MALFORMED_QUERY from SOQL tool', message: "unexpected token: 'LIMIT 10'" }, ['class:syntax']],
    ['categorical attributes, and only the key of a number', { title: 'x', attributes: { metric: 'faithfulness', 'retrieval.hits': 0 } }, ['attr:metric=faithfulness', 'attr:retrieval.hits', 'w:faith']],
    ['the tool, by the words of its name', { title: 'x', tool: 'hubspot_search_contacts' }, ['tool:hubspot_search_contacts', 'w:hubspot', 'w:search', 'w:contact']],
    ['a numeric code after "error"', { title: 'Twilio error 21211 (invalid To number)' }, ['errno:21211']],
    ['a numeric code after an exception class', { title: 'TwilioRestException 21610: Attempt to send to unsubscribed recipient' }, ['errno:21610', 'exc:twiliorestexception']],
    ['a JSON-RPC code wherever it stands', { title: 'x', message: '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params"}}' }, ['errno:-32602']],
    ['a numeric error type', { title: 'SMS not sent', errorType: '21211' }, ['errno:21211']],
    ['an error type that is a code', { title: 'x', errorType: 'called_wrong_tool' }, ['etype:called_wrong_tool']],
    ['a status after an HTTP exception class', { title: 'x', message: 'googleapiclient.errors.HttpError: <HttpError 404 when requesting https://www.googleapis.com/calendar/v3/calendars/x/events>' }, ['status:404', 'class:not_found']],
    ['the key a KeyError names', { title: "KeyError: 'payment_method_id'", message: 'Traceback ... KeyError: \'payment_method_id\'' }, ['missing:payment_method_id', 'exc:keyerror']],
    ['a missing attribute', { title: 'x', message: "AttributeError: 'NoneType' object has no attribute 'items'" }, ['missing:items']],
    ['a column that does not exist', { title: 'x', message: 'psycopg.errors.UndefinedColumn: column "revenue_usd" does not exist' }, ['missing:revenue_usd']],
    ['an SDK permission error', { title: 'stripe.PermissionError in issue_refund' }, ['class:forbidden']],
    ['a rotated key', { title: 'All BambooHR calls failing after key rotation', message: "the integration user's API key was rotated" }, ['class:unauthenticated']],
    // From g-2026-12-05.6: what a span's attributes say of the tool and the code.
    ['the tool a span names by its GenAI attribute', { title: 'tools/call reserve_tyres', attributes: { 'gen_ai.tool.name': 'reserve_tyres' } }, ['tool:reserve_tyres']],
    ['a JSON-RPC code only the attributes carry', { title: 'inventory/reserve', attributes: { 'rpc.jsonrpc.error_code': -32601 } }, ['errno:-32601']],
    ["an error type that is an API's code written as a constant", { title: 'create_lead rejected', errorType: 'DUPLICATES_DETECTED' }, ['code:duplicates_detected']],
    // From g-2026-12-05.7.
    ['a code a gateway assigns unquoted', { title: 'x', message: 'call inventory.search_products failed status=200 code=MAX_COST_EXCEEDED' }, ['code:max_cost_exceeded']],
    ['a snake_case code assigned to error', { title: 'x', message: 'slack.post_message failed error=not_in_channel' }, ['code:not_in_channel']],
    ['an expired session', { title: 'crm_lookup failed: Session expired or invalid' }, ['class:unauthenticated']],
    ["a safety block said in the provider's fields", { title: 'x', message: 'candidates[0].finishReason: SAFETY' }, ['class:content_filter']],
    ["a content filter said as Azure's policy", { title: 'x', message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy." }, ['class:content_filter']],
    ['a span that ended OK: no failure', { title: 'chat gpt-4o', attributes: { 'otel.status_code': 'OK', 'gen_ai.request.model': 'gpt-4o' } }, ['class:none']],
    ["a provider's named code only the attributes carry", { title: 'POST /accounts/balance/get', attributes: { 'plaid.error_code': 'ITEM_LOGIN_REQUIRED', 'slack.error': 'not_in_channel' } }, ['code:item_login_required', 'code:not_in_channel']],
    // From g-2026-12-06.
    ['a namespaced tool, also by its own name (an operation from g-2026-12-07.3)', { title: 'x', tool: 'notify.send_sms' }, ['tool:@notify_send_sms', 'tool:@send_sms']],
    ['a one-digit code of an attribute named a code', { title: 'GET /api/vehicles/DecodeVinValues/{vin}', attributes: { 'vpic.error_code': '6' } }, ['errno:6']],
    ["a database's status code", { title: 'SELECT COLDCHAIN.TELEMETRY.READINGS', attributes: { 'db.response.status_code': '000630' } }, ['errno:000630']],
    ['a code in an attribute dumped into the text', { title: 'x', message: 'http.response.status_code=200 vpic.error_code=6' }, ['errno:6']],
    ['a number assigned to an error code', { title: 'x', message: 'GET /api/vehicles/DecodeVinValues/RURS3W5X 200 ErrorCode="6" ErrorText="6 - Incomplete VIN."' }, ['errno:6']],
    ['a code after an exception name', { title: 'stripe InvalidRequestError: balance_insufficient' }, ['code:balance_insufficient']],
    ['a constant after an exception name, and a malformed request is an invalid one', { title: 'SalesforceMalformedRequest: UNABLE_TO_LOCK_ROW' }, ['code:unable_to_lock_row', 'class:invalid_request']],
    ["the words of an error body's message", { title: 'x', message: `mcp-proxy <- {"jsonrpc":"2.0","id":90,"error":{"code":-32602,"message":"Invalid params: probe_id '168971' does not match"}}` }, ['w:invalid', 'w:param', 'w:match']],
    ['an error type in the attributes: a constant is a code, a snake_case name a type', { title: 'x', attributes: { 'error.type': 'THROTTLED', 'stripe.error.type': 'idempotency_error' } }, ['code:throttled', 'etype:idempotency_error']],
    ['one upper-case word as a code', { title: 'x', errorType: 'THROTTLED', message: 'call failed code=UNAVAILABLE' }, ['code:throttled', 'code:unavailable']],
    ["an MCP client's closed stream", { title: 'check_permit', message: 'anyio.ClosedResourceError()' }, ['class:connection']],
    ['the first field Salesforce says is missing', { title: 'x', message: 'REQUIRED_FIELD_MISSING: Required fields are missing: [Flue_Liner__c]' }, ['missing:flue_liner__c']],
  ])('%s', (_, signal, expected) => {
    expect(features(signal)).toEqual(expect.arrayContaining(expected));
  });

  it.each<[string, Record<string, string | number>, string[]]>([
    ['where feedback came from', { channel: 'web_chat', locale: 'de-DE', 'feedback.key': 'thumbs', 'feedback.score': -1, 'user.role': 'teacher' }, []],
    ['where an evaluation ran', { 'ci.provider': 'buildkite', 'eval.experiment': 'nightly-1124', 'eval.dataset': 'golden-v7', 'langsmith.project': 'intake-prod', 'eval.score': 0.4, 'eval.threshold': 0.9 }, []],
    ['a detector and the slots of its measurement', { detector: 'seasonal-mad', 'metric.value': 47, 'metric.baseline': 2, 'metric.window': '24h', 'metric.unit': 's', 'metric.threshold_s': 30, observed_pct: 20.3 }, []],
    // From g-2026-12-05.6.
    ['the reporting service, its deployment, and the status every failed span has', { 'service.name': 'tyre-booking-agent', 'deployment.environment': 'prod', 'otel.status_code': 'ERROR' }, []],
    ["the reporter's locale, the suite and the source's session", { 'feedback.locale': 'en', 'eval.suite': 'order-accuracy', 'langsmith.session_name': 'aquarium-prod', 'git.sha': 'e82fc24' }, []],
    // From g-2026-12-05.7.
    ['the kind of span (every call out is a client span) and the revision an evaluation ran on', { 'span.kind': 'CLIENT', 'vcs.ref.head.revision': 'b087267' }, []],
    ['how a comment was rated', { 'feedback.thumb': 'down', 'feedback.rating': 1 }, []],
    ['what was measured or checked still counts', { 'metric.name': 'guardrail.block_count', 'eval.name': 'required_headings', 'retrieval.hits': 0, expected_tool: 'lookup_order' }, ['attr:metric.name=guardrail.block_count', 'attr:eval.name=required_headings', 'attr:retrieval.hits', 'attr:expected_tool=lookup_order']],
  ])('attributes of how a failure was reported are not features: %s', (_, attributes, expected) => {
    expect(features({ title: 'x', attributes }).filter((f) => f.startsWith('attr:')).sort()).toEqual([...expected].sort());
  });

  it('two spans of one service on different tools and codes stay apart, whatever the service attributes share', () => {
    const span = (name: string, tool: string, code: number) => ({
      title: `tools/call ${name}`,
      attributes: { 'service.name': 'tyre-booking-agent', 'deployment.environment': 'prod', 'span.id': `s-${code}`, 'otel.status_code': 'ERROR', 'gen_ai.tool.name': tool, 'rpc.jsonrpc.error_code': code },
    });
    const invalidParams = span('search_tyres', 'search_tyres', -32602);
    const methodNotFound = span('reserve_tyres', 'reserve_tyres', -32601);
    expect(vetoed(features(methodNotFound), profileOf(invalidParams))).toBe(true);
    expect(bestSimilar(features(methodNotFound), [{ familyId: 'f', features: profileOf(invalidParams) }], flat)).toBeNull();
  });

  it('a span whose attributes are dumped into its message is read as those attributes, not as words (from g-2026-12-05.7)', () => {
    const attributes = { 'service.name': 'lanes-bot', 'otel.status_code': 'ERROR', 'span.kind': 'CLIENT', 'http.request.method': 'POST', 'http.response.status_code': 410, 'url.full': 'https://reserve.example.net/v2/holds/hld_8fk2m1q9zz/confirm', 'hold.age_s': 365 };
    const dumped = Object.entries(attributes).map(([key, value]) => `${key}=${value}`).join(' ');
    const title = 'POST /v2/holds/{hold_id}/confirm';
    expect(new Set(features({ title, message: dumped }))).toEqual(new Set(features({ title, attributes })));
    // the reporting service and the keys' names are no words; a quoted value is read whole
    expect(features({ title: 'x', message: dumped })).not.toEqual(expect.arrayContaining(['w:lane']));
    expect(features({ title: 'x', message: 'service.name=lanes-bot deployment.environment.name=production' }).filter((f) => f !== 'w:x')).toEqual([]);
    expect(features({ title: 'x', message: 'mcp.method.name="tools/call" failed' })).toEqual(expect.arrayContaining(['attr:mcp.method.name=tools/call', 'w:tool']));
    // a key without a dot is the text's: `status=200 code=MAX_COST_EXCEEDED` keeps its words
    expect(features({ title: 'x', message: 'call failed status=200 code=MAX_COST_EXCEEDED' })).toEqual(expect.arrayContaining(['w:statu', 'w:max', 'w:cost']));
  });

  it("two of one API's codes written as constants are two failures, however alike the rest", () => {
    const gateway = (code: string) => ({ title: 'create_lead rejected', tool: 'create_lead', errorType: code, message: 'POST https://brightroof.my.salesforce.com/services/data/v61.0/sobjects/Lead -> 400' });
    expect(vetoed(features(gateway('DUPLICATES_DETECTED')), profileOf(gateway('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST')))).toBe(true);
    expect(vetoed(features(gateway('DUPLICATES_DETECTED')), profileOf(gateway('DUPLICATES_DETECTED')))).toBe(false);
  });

  it.each<[string, Parameters<typeof features>[0], string]>([
    ['the last part of a resource path is no tool of its own', { title: 'x', tool: 'hubspot.crm.deals.get' }, 'tool:get'],
    ["a URL's words are no failure class", { title: 'x', message: 'See https://shopify.dev/concepts/about-apis/rate-limits for more' }, 'class:rate_limited'],
    ['a word every error says is no code', { title: 'x', errorType: 'ERROR', message: 'call failed code=FAILED' }, 'code:error'],
    ['nor that', { title: 'x', errorType: 'ERROR', message: 'call failed code=FAILED' }, 'code:failed'],
  ])('not read so (from g-2026-12-06): %s', (_, signal, absent) => {
    expect(features(signal)).not.toContain(absent);
  });

  it('from g-2026-12-06, two codes of one call differ however short, and one tool is one however namespaced', () => {
    const vin = (code: string) => ({ title: 'GET /api/vehicles/DecodeVinValues/{vin}', attributes: { 'server.address': 'vpic.nhtsa.dot.gov', 'http.response.status_code': 200, 'vpic.error_code': code, 'gen_ai.tool.name': 'decode_vin' } });
    expect(vetoed(features(vin('6')), profileOf(vin('1')))).toBe(true);
    const sms = (tool: string) => ({ title: 'send_sms failed: Twilio 21610', tool, message: 'POST https://api.twilio.com/2010-04-01/Accounts/AC3f/Messages.json -> 400 code 21610' });
    expect(vetoed(features(sms('notify.send_sms')), profileOf(sms('send_sms')))).toBe(false);
    expect(vetoed(features(sms('notify.send_email')), profileOf(sms('notify.send_sms')))).toBe(true);
  });

  describe('from g-2026-12-06.2', () => {
    it('the tool a gateway line names is the signal\'s tool beside its field', () => {
      const gateway = { title: 'charge_deposit failed', tool: 'payments.create_intent', message: 'ERROR tool-gw tool=charge_deposit upstream=api.stripe.com status=402 code=card_declined' };
      const sdk = { title: 'stripe.error.CardError: Your card was declined', tool: 'charge_deposit', message: "CardError(code='card_declined')" };
      expect(features(gateway)).toEqual(expect.arrayContaining(['tool:@payments_create_intent', 'tool:charge_deposit']));
      expect(vetoed(features(gateway), profileOf(sdk))).toBe(false);
      expect(vetoed(features({ ...gateway, message: 'tool=refund_deposit status=402' }), profileOf(sdk))).toBe(true);
    });

    it.each<[string, string, string, boolean]>([
      ['one tool: the same words in another order', 'registrations.create', 'create_registration', false],
      ['one tool: plural and singular stem alike', 'registration_create', 'create_registration', false],
      ['another tool: another verb', 'cancel_registration', 'create_registration', true],
      ['another operation: another verb', 'registrations.cancel', 'registrations.create', true],
      ['another tool: one word is not its words', 'create', 'create_registration', true],
      ['another tool: a number tells two tools apart', 'create_registration_2', 'create_registration', true],
    ])('%s (%s against %s)', (_, tool, other, veto) => {
      const timeout = (name: string) => ({ title: 'asyncio.TimeoutError', tool: name, kind: 'timeout' as const });
      expect(vetoed(features(timeout(tool)), profileOf(timeout(other)))).toBe(veto);
    });

    it("an attribute's code says its failure: one upper-case word is a code, and a code or error type gives the class", () => {
      const graphql = (code: string) => ({ title: 'POST /admin/api/2025-01/graphql.json', attributes: { 'http.response.status_code': 200, 'shopify.error_code': code } });
      expect(features(graphql('THROTTLED'))).toEqual(expect.arrayContaining(['code:throttled', 'class:rate_limited']));
      expect(vetoed(features(graphql('THROTTLED')), profileOf(graphql('ACCESS_DENIED')))).toBe(true);
      // AWS answers access denied with 400: the class the error type names, not the status's
      const classes = (signal: Parameters<typeof features>[0]) => features(signal).filter((f) => f.startsWith('class:')).sort();
      expect(classes({ title: 'DynamoDB.PutItem', attributes: { 'error.type': 'AccessDeniedException', 'http.response.status_code': 400 } })).toEqual(['class:forbidden']);
      expect(classes({ title: 'bedrock.converse', attributes: { 'error.type': 'ThrottlingException', 'http.response.status_code': 400 } })).toEqual(['class:rate_limited']);
      expect(classes({ title: 'bedrock.converse', attributes: { 'error.type': 'ValidationException', 'http.response.status_code': 400 } })).toEqual(['class:invalid_request']);
    });

    it('who on the staff reported a failure is not what failed', () => {
      const report = (title: string, message: string) => ({ title, message, kind: 'negative_feedback' as const });
      const chapel = report('Escalation from front desk', 'The agent reserved the main chapel twice for one family.');
      const badge = report('Escalation from front desk', 'Three exhibitor badges cancelled today when people asked for a reprint.');
      expect(features(chapel).filter((f) => features(badge).includes(f))).toEqual([]);
      expect(bestSimilar(features(badge), [{ familyId: 'f', features: profileOf(chapel) }], flat)).toBeNull();
    });
  });

  describe('from g-2026-12-06.3', () => {
    it("an error body's code written as a constant is a code, and tells two bodies of one API apart", () => {
      const body = (code: string, type: string) => ({ title: 'get_statements failed', tool: 'get_statements', errorType: 'ApiException', message: `ApiException: (400)\nHTTP response body: {"error_code": "${code}", "error_type": "${type}", "error_message": "..."}` });
      expect(features(body('INVALID_FIELD', 'INVALID_REQUEST'))).toEqual(expect.arrayContaining(['code:invalid_field']));
      expect(features(body('ITEM_LOGIN_REQUIRED', 'ITEM_ERROR'))).toEqual(expect.arrayContaining(['code:item_login_required']));
      expect(vetoed(features(body('ITEM_LOGIN_REQUIRED', 'ITEM_ERROR')), profileOf(body('INVALID_FIELD', 'INVALID_REQUEST')))).toBe(true);
      expect(features({ title: 'x', message: '{"code":"THROTTLED"}' })).toEqual(expect.arrayContaining(['code:throttled']));
      // a word that is no constant, or a word every error says, is no code
      expect(features({ title: 'x', message: '{"error": "Invalid", "code": "ERROR"}' }).filter((f) => f.startsWith('code:'))).toEqual([]);
    });

    it.each<[string, string, string[]]>([
      ['a duplicate after a retried timeout', 'Duplicate shipment created when create_label was retried after a timeout', ['class:duplicate']],
      ['booked twice', 'Guest booked twice for the same night', ['class:duplicate']],
      ['a second order', 'Second rental order created for same kit 30s after a timeout', ['class:duplicate']],
      ['a timeout alone', 'create_label timed out after 30000ms', ['class:timeout']],
      ['a retry that timed out again is no duplicate', 'create_label retried twice, then timed out', ['class:timeout']],
    ])('the failure class of %s', (_, title, classes) => {
      expect(features({ title }).filter((f) => f.startsWith('class:')).sort()).toEqual(classes);
    });

    it('a duplicate made by retrying a call that timed out is another failure than the timeout', () => {
      const timeout = { title: 'reserve_kit timed out after 20000ms', tool: 'reserve_kit', kind: 'timeout' as const };
      const duplicate = { title: 'Kit reserved twice after retry', tool: 'reserve_kit', message: 'the retry after a timeout created a second reservation' };
      expect(vetoed(features(duplicate), profileOf(timeout))).toBe(true);
      expect(vetoed(features(timeout), profileOf(duplicate))).toBe(true);
    });
  });

  describe('from g-2026-12-06.4', () => {
    const codes = (signal: Parameters<typeof features>[0]) => features(signal).filter((f) => /^(?:code|errno|status):/.test(f)).sort();
    it.each<[string, Parameters<typeof features>[0], string[]]>([
      ['a numeric code under a key named for its API', { title: 'send_sms failed', message: 'tool=send_sms status=400 twilio_code=21610 msg="unsubscribed"' }, ['errno:21610', 'status:400']],
      ['a numeric code under an API-named error_code key', { title: 'x', message: '{"twilio_error_code": 21614}' }, ['errno:21614']],
      ['a constant under a key named for its API', { title: 'x', message: 'tool=create_shipment status=400 fedex_code=SATURDAYDELIVERY.NOT.AVAILABLE' }, ['code:saturdaydelivery_not_available', 'status:400']],
      ['a dotted constant in an error body', { title: 'x', message: '{"errors":[{"code":"RECIPIENT.POSTALCODE.STATE.MISMATCH","message":"..."}]}' }, ['code:recipient_postalcode_state_mismatch']],
      ['a dotted constant as the error type', { title: 'FedEx rejected', errorType: 'RECIPIENT.POSTALCODE.STATE.MISMATCH' }, ['code:recipient_postalcode_state_mismatch']],
      ['a dotted constant as an attribute code', { title: 'POST /ship/v1/shipments', attributes: { 'fedex.error.code': 'SATURDAYDELIVERY.NOT.AVAILABLE' } }, ['code:saturdaydelivery_not_available']],
      ['a SQLSTATE with letters as the error type', { title: 'book_block failed', errorType: '23P01' }, ['errno:23P01']],
      ['a SQLSTATE with letters as the database status', { title: 'INSERT blocks', attributes: { 'db.response.status_code': '23P01' } }, ['errno:23P01']],
      ['a SQLSTATE in the text', { title: 'x', message: 'insert failed sqlstate=40001 (could not serialize access)' }, ['errno:40001']],
      ['a status in parentheses after an exception class', { title: 'ApiException (409) creating contact', message: 'ApiException: (409) Reason: Conflict' }, ['status:409']],
      ['no code: a postal or discount code, or a short number', { title: 'x', message: 'zip_code=94105 discount_code=12345 retry_code=12' }, []],
      ['no code: dotted lower case', { title: 'x', message: '{"code": "api.example.com"}' }, []],
    ])('reads %s', (_, signal, expected) => {
      expect(codes(signal)).toEqual(expected);
    });

    it.each<[string, Parameters<typeof features>[0], string[]]>([
      ["a provider's fault code among the attributes", { title: 'POST /invoice', attributes: { 'qbo.fault.code': '6140' } }, ['errno:6140']],
      ["a provider's status named by a constant", { title: 'GET /distancematrix', attributes: { 'maps.status': 'OVER_QUERY_LIMIT' } }, ['code:over_query_limit']],
      ['no code from a status that says it went well', { title: 'GET /distancematrix', attributes: { 'maps.status': 'OK', 'job.status': 'SUCCESS' } }, []],
    ])('reads %s', (_, signal, expected) => {
      expect(codes(signal)).toEqual(expected);
    });

    it("a span's exception message names what is missing", () => {
      const span = (field: string) => ({ title: 'parse_gia_report', attributes: { 'exception.type': 'KeyError', 'exception.message': `'${field}'` } });
      expect(features(span('clarity_grade'))).toContain('missing:clarity_grade');
      expect(vetoed(features(span('clarity_grade')), profileOf(span('carat_weight')))).toBe(true);
    });

    it("a failure of the service a tool called joins no family of what the agent did wrong with that tool", () => {
      const weight = [
        { title: 'Agent books riders above the 275 lb weight limit', message: 'create_booking is called without asking rider weights; guests are turned away at the harness check.' },
        { title: 'Guide: guests over limit at check-in', message: 'Turned away 5 guests today over 275 lb, all booked through the chat.' },
      ];
      const alert = { title: 'Tool timeout rate above threshold', message: 'create_booking 5.2% timeouts over 30 min (threshold 2%)' };
      const family = (signals: number) => [{ familyId: 'weight', features: profileOf(...weight), signals }];
      expect(bestSimilar(features(alert), family(2), flat)).toBeNull();
      // a family of one signal may not have said its class yet
      expect(bestSimilar(features(alert), family(1), flat)?.familyId).toBe('weight');
      // a report without a class may still join it
      expect(bestSimilar(features({ title: 'Guests over the weight limit turned away', message: 'the bot booked riders over 275 lb' }), family(2), flat)?.familyId).toBe('weight');
    });

    it('two codes of one API, however they are written, tell two failures apart', () => {
      const saturday = { title: 'POST /ship/v1/shipments', attributes: { 'fedex.error.code': 'SATURDAYDELIVERY.NOT.AVAILABLE' } };
      const postal = { title: 'create_shipment failed: FedEx 400', message: 'tool=create_shipment status=400 fedex_code=RECIPIENT.POSTALCODE.STATE.MISMATCH' };
      expect(vetoed(features(saturday), profileOf(postal))).toBe(true);
      const unsubscribed = { title: 'send_sms failed: Twilio 21610', message: 'tool=send_sms status=400 twilio_code=21610' };
      const notMobile = { title: 'POST /Messages.json', attributes: { 'twilio.error_code': 21614, 'http.response.status_code': 400 } };
      expect(vetoed(features(unsubscribed), profileOf(notMobile))).toBe(true);
      const conflict = { title: 'ApiException (409) creating contact', message: 'ApiException: (409) Reason: Conflict' };
      const invalid = { title: 'ApiException (400) restaurant_tier', message: 'ApiException: (400) Property values were not valid' };
      expect(vetoed(features(conflict), profileOf(invalid))).toBe(true);
    });
  });

  describe('from g-2026-12-06.5', () => {
    const codes = (signal: Parameters<typeof features>[0]) => features(signal).filter((f) => /^(?:code|errno|missing):/.test(f)).sort();
    it.each<[string, Parameters<typeof features>[0], string[]]>([
      ["a provider's message code among the attributes", { title: 'POST /xml/v1/request.api', attributes: { 'authnet.message_code': 'E00027' } }, ['code:e00027']],
      ["no code: a decline code, a card decline's detail", { title: 'x', attributes: { 'stripe.decline_code': 'insufficient_funds' } }, []],
      ['a lettered code under a code key', { title: 'x', attributes: { 'oracle.error_code': 'ORA-00942' } }, ['code:ora-00942']],
      ['a lettered code in an error body', { title: 'x', message: '{"code": "E00007", "text": "User authentication failed"}' }, ['code:e00007']],
      ['a lettered code assigned', { title: 'x', message: 'tool=take_payment status=200 code=E00027' }, ['code:e00027']],
      ['a number after an exception name', { title: 'QB Validation Exception 2500: Invalid Reference Id', message: 'Invalid Reference Id' }, ['errno:2500']],
      ['the field of a pydantic validation error', { title: '1 validation error for PanelSpec', message: '1 validation error for PanelSpec\nvoltage\n  Input should be a valid integer' }, ['missing:voltage']],
      ['the field after the model on one line', { title: 'ValidationError: 1 validation error for PanelSpec voltage' }, ['missing:voltage']],
      ["a validator's tool and field", { title: 'tool args rejected', message: "record_panel_spec.amperage: expected integer, got '200A'" }, ['missing:amperage']],
      ['no code: a message code that is a sentence, a lettered id in the text', { title: 'x', message: 'renewal for V12345 failed', attributes: { 'app.message_code': 'see the log' } }, []],
      ["no field: a model's own error", { title: 'x', message: '1 validation error for OrderDraft\n  Invalid JSON: trailing comma at line 9 column 3' }, []],
      ['no field: a host or a file name before a colon', { title: 'x', message: 'api.example.com: connection refused; config.yaml: 3 lines' }, []],
    ])('reads %s', (_, signal, expected) => {
      expect(codes(signal)).toEqual(expected);
    });

    it('one validation error on two fields is two failures', () => {
      const amperage = { title: '1 validation error for PanelSpec', message: "1 validation error for PanelSpec\namperage\n  Input should be a valid integer, unable to parse string as an integer [type=int_parsing, input_value='200A', input_type=str]" };
      const voltage = { title: '1 validation error for PanelSpec', message: "1 validation error for PanelSpec\nvoltage\n  Input should be a valid integer, unable to parse string as an integer [type=int_parsing, input_value='120/240', input_type=str]" };
      expect(vetoed(features(voltage), profileOf(amperage))).toBe(true);
      expect(vetoed(features({ title: 'tool args rejected', message: "record_panel_spec.voltage: expected integer, got '120/240'" }), profileOf(amperage))).toBe(true);
      expect(vetoed(features({ title: 'ValidationError: 1 validation error for PanelSpec voltage', message: "voltage: input_value='120/240'" }), profileOf(voltage))).toBe(false);
    });

    it('reads the field an API error names among the attributes', () => {
      const span = (field: string) => ({ title: 'POST /services/data/v61.0/sobjects/Quote', attributes: { 'http.response.status_code': 400, 'sf.error_code': 'REQUIRED_FIELD_MISSING', 'sf.error_fields': field } });
      expect(codes(span('Working_Radius__c'))).toEqual(['code:required_field_missing', 'missing:working_radius__c']);
      expect(vetoed(features(span('Working_Radius__c')), profileOf(span('Max_Lift_Weight__c')))).toBe(true);
      // From g-2026-12-07.3 by the last part of its path, as a field named in the text is.
      expect(codes({ title: 'x', attributes: { 'shopify.user_errors.field': 'input.lineItems.0.quantity' } })).toEqual(['missing:quantity']);
      expect(codes({ title: 'x', attributes: { 'form.fields': 'name, email and phone' } })).toEqual([]);
    });

    it.each<[string, string, RegExp, boolean]>([
      ['an alert naming the agent as its service', 'ShipStation returned 429 on 13 calls in 10 min; affinage-agent createorder backlog 29 orders', /affinag/, false],
      ['a monitor query', 'p95:trace.agent.run{service:crane-dispatch-agent} = 31.7s for 30m', /crane|dispatch/, false],
      ['a snake_case bot', 'rink_booking_bot run failed', /rink|book/, false],
      ['a tool that is no agent name', 'search_agents_directory failed', /directori/, true],
    ])("the agent's own name is no feature: %s", (_, message, name, kept) => {
      expect(features({ title: 'Rate limited (429)', message }).some((f) => name.test(f))).toBe(kept);
    });

    it.each<[string, Record<string, string>]>([
      ['role', { reported_by: 'account_manager' }],
      ['team (from g-2026-12-06.6)', { reporter_team: 'account-management' }],
      ['role, under its own key', { reporter_role: 'account_manager' }],
    ])("reports of one staff %s are not alike by it", (_, attributes) => {
      const report = { title: 'Lift confirmed in high wind', message: 'Agent confirmed a pick with gusts over the limit', kind: 'other' as const, attributes };
      expect(features(report).filter((f) => /account|manag/.test(f))).toEqual([]);
    });

    it('an evaluation names its check in the title', () => {
      const evalOf = (title: string, message: string) => ({ title, message, kind: 'eval_failure' as const });
      const conversion = evalOf('eval: price_conversion_correct failed', 'Buyer quote for lot C/999/1667: INR 333/kg multiplied by 84.97 instead of divided');
      const ceiling = evalOf('eval: buyer_instructions_followed failed', 'Buyer instruction max INR 286/kg; agent bid INR 371/kg.');
      expect(features(conversion)).toContain('attr:eval.check=price_conversion_correct');
      expect(vetoed(features(conversion), profileOf(ceiling))).toBe(true);
      expect(features(evalOf('policy-eval: blast_window_compliance failed', 'scheduled 08:15'))).toContain('attr:eval.check=blast_window_compliance');
      expect(features(evalOf('book_fitting_nov FAILED (timezone_correctness=0.00, threshold 1.00)', 'x')).some((f) => f.startsWith('attr:eval.check='))).toBe(false);
      expect(features({ title: 'eval: fee bracket', message: 'fee bracket wrong for 9/30 cases', kind: 'eval_failure' }).some((f) => f.startsWith('attr:eval.check='))).toBe(false);
      // not from other kinds of signal
      expect(features({ title: 'sync_inventory failed', message: 'x' }).some((f) => f.startsWith('attr:eval.check='))).toBe(false);
    });

    it.each<[string, string, string[]]>([
      ['filed twice', 'Manifest filed twice for one pump-out', ['class:duplicate']],
      ['two of a thing for one', 'After a timeout the agent retries; the state has two manifests for one load', ['class:duplicate']],
      ['retried twice is no duplicate', 'file_manifest retried twice, then timed out', ['class:timeout']],
      ['times out', 'FedEx label creation times out for overnight orders', ['class:timeout']],
      ['times outside is no timeout', 'schedule_blast is called for times outside the permit window', []],
      ['has two of a thing', 'Runner R-132060 has two paid entries. create_registration timed out at 30 s, the agent retried', ['class:duplicate']],
      ['an arrow to two of a thing', 'Retried create_registration after a timeout without an idempotency key -> 2 entries.', ['class:duplicate']],
      ['two of a thing failing is no duplicate', 'create_registration timed out on 2 entries', ['class:timeout']],
    ])('the failure class of %s', (_, title, classes) => {
      expect(features({ title }).filter((f) => f.startsWith('class:')).sort()).toEqual(classes);
    });
  });

  describe('from g-2026-12-07.2', () => {
    const codes = (signal: Parameters<typeof features>[0]) => features(signal).filter((f) => /^(?:code|errno|missing|status):/.test(f)).sort();
    it.each<[string, Parameters<typeof features>[0], string[]]>([
      ['an OPC UA status by its code and its name', { title: 'opcua.Read', attributes: { 'opcua.status_code': '0x80340000', 'opcua.status_name': 'BadNodeIdUnknown' } }, ['code:badnodeidunknown', 'errno:0x80340000']],
      ["a gRPC status", { title: 'inventory.Reserve', attributes: { 'rpc.grpc.status_code': 14 } }, ['errno:14']],
      ['a status constant', { title: 'ledger.Post', attributes: { 'ledger.status_name': 'DEADLINE_EXCEEDED' } }, ['code:deadline_exceeded']],
      ['no code: the span status every failed span has', { title: 'opcua.Read', attributes: { 'otel.status_code': 'ERROR' } }, []],
      ['no code: a status that says it succeeded', { title: 'opcua.Read', attributes: { 'opcua.status_code': '0x00000000', 'opcua.status_name': 'Good', 'rpc.grpc.status_code': 0 } }, []],
      ['no code: a word every error says', { title: 'opcua.Read', attributes: { 'opcua.status_name': 'ERROR' } }, []],
      ['an HTTP status under another key is a status, not a protocol code', { title: 'GET /v1/x', attributes: { 'vendor.status_code': 503 } }, ['status:503']],
      ['the path a validator says is required, by its last part', { title: 'Report validation failed', message: 'report.devices[27].location_description is required' }, ['missing:location_description']],
      ['a name with an underscore that must not be blank', { title: 'x', message: 'tag_number must not be blank' }, ['missing:tag_number']],
      ['the field an error body names', { title: 'submit_report: 422', message: 'body={"errors":[{"field":"devices[15].location_description","message":"must not be blank"}]}' }, ['missing:location_description']],
      ['no field: a word of a sentence', { title: 'Manager approval is required before refunds', message: 'payment is missing' }, []],
    ])('reads %s', (_, signal, expected) => {
      expect(codes(signal)).toEqual(expected);
    });

    it('two statuses of one OPC UA read, and one required-field error on two fields, are two failures each', () => {
      const read = (name: string, code: string) => ({ title: 'opcua.Read', attributes: { 'opcua.status_code': code, 'opcua.status_name': name, 'gen_ai.tool.name': 'read_scada_tag' } });
      expect(vetoed(features(read('BadTimeout', '0x800A0000')), profileOf(read('BadNodeIdUnknown', '0x80340000')))).toBe(true);
      expect(vetoed(features(read('BadTimeout', '0x800A0000')), profileOf(read('BadTimeout', '0x800A0000')))).toBe(false);
      const required = (field: string) => ({ title: 'Report validation failed: required field missing', message: `report.devices[9].${field} is required`, tool: 'submit_ahj_report' });
      expect(vetoed(features(required('tag_number')), profileOf(required('location_description')))).toBe(true);
      const body = { title: 'submit_ahj_report: 422 Unprocessable Entity', message: 'tool=submit_ahj_report status=422 body={"errors":[{"field":"devices[15].tag_number","message":"must not be blank"}]}', tool: 'submit_ahj_report' };
      expect(vetoed(features(body), profileOf(required('tag_number')))).toBe(false);
    });
  });

  describe('from g-2026-12-07.4', () => {
    it.each<[string, string[]]>([
      ['You said 30 days to collect? I am away for 6 weeks', ['val:30day', 'val:6week']],
      ['Agent states a 30-day collection deadline', ['val:30day']],
      ['premium 25% applied on hammer $21,117; schedule is 28% to $500,000', ['val:25%', 'val:28%', 'val:$21117', 'val:$500000']],
      ['quoted $1,250.50 then €40', ['val:$1250.50', 'val:€40']],
      ['p95 9882ms, 12 percent, 2.5 hours', ['val:9882ms', 'val:12%', 'val:2.5h']],
      ['37 invoices after 3 retries, order SO-5369, 15/30 cases, v2.5 at 10:30', []],
      ['id ab12days and x5days are no values', []],
    ])('statedValues(%j)', (text, expected) => {
      expect(new Set(statedValues(text))).toEqual(new Set(expected));
    });

    it('a value both state is evidence; a value only one states is none against', () => {
      const family = { familyId: 'deadline', features: profileOf({ title: 'Agent states a 30-day collection deadline', message: 'policy says 90 days' }) };
      const comment = (message: string) => features({ title: 'Feedback: not helpful', message, kind: 'negative_feedback' });
      expect(bestSimilar(comment('You said 30 days to collect? I am away.'), [family], flat)).toMatchObject({ familyId: 'deadline' });
      expect(bestSimilar(comment('You said 45 days to collect? I am away.'), [family], flat)).toBeNull();
      const plain = bestSimilar(features({ title: 'collection deadline wrong' }), [family], flat)!;
      const withValue = bestSimilar(features({ title: 'collection deadline wrong', message: '14 days' }), [family], flat)!;
      expect(withValue.score).toBeCloseTo(plain.score, 10);
    });

    it("a family's word counts by the share of its signals that said it", () => {
      const roster = { title: 'Guards rostered with expired certifications' };
      const invoice = { title: 'Invoice totals wrong for lesson blocks' };
      const signal = features({ title: 'lesson block invoice totals mismatch' });
      const young = { familyId: 'young', features: profileOf(roster, invoice), signals: 2 };
      const grown = { familyId: 'grown', features: profileOf(invoice, ...Array.from({ length: 19 }, () => roster)), signals: 20 };
      expect(bestSimilar(signal, [young], flat)).toMatchObject({ familyId: 'young' });
      expect(bestSimilar(signal, [grown], flat)).toBeNull();
      // The same words, not known to be one signal's of twenty, count fully.
      expect(bestSimilar(signal, [{ ...grown, signals: undefined }], flat)).toMatchObject({ familyId: 'grown' });
    });
  });

  describe('from g-2026-12-07.3', () => {
    const statuses = (signal: Parameters<typeof features>[0]) => features(signal).filter((f) => /^(?:status|class):/.test(f)).sort();
    it.each<[string, string, string[]]>([
      ['a status counted in the plural', '287 Routes API 429s between 05:00 and 05:20', ['class:rate_limited', 'status:429']],
      ['a status counted as a rate', '429 ratio 27.5% over last 15m (246 of 1394 calls)', ['class:rate_limited', 'status:429']],
      ['a plural 404', 'iiif.archive.example.org info.json 404s 9.6% (baseline 0.1%)', ['class:not_found', 'status:404']],
      ['no status: seconds after a word of time', 'cache entry expires after 404s', []],
      ['no status: seconds assigned', 'job finished duration=500s', []],
      ['no status: a plural that is no error', 'returned 200s all morning', []],
      ['no status: a count', '503 records synced', []],
    ])('reads %s', (_, message, expected) => {
      expect(statuses({ title: 'x', message })).toEqual(expected);
    });

    it('a field is compared by the last part of its path, wherever it is named', () => {
      const attribute = { title: 'POST /admin/api/graphql.json', attributes: { 'shopify.user_errors.field': 'address.zip' } };
      const text = { title: 'Address rejected', message: '{"errors":[{"field":"shipping.zip","message":"is invalid"}]}' };
      expect(vetoed(features(attribute), profileOf(text))).toBe(false);
      expect(vetoed(features({ ...attribute, attributes: { 'shopify.user_errors.field': 'address.city' } }), profileOf(text))).toBe(true);
    });

    it("an agent's tool and the provider's operation it calls are no two tools; two of one layer are", () => {
      const gateway = (tool: string) => ({ title: 'send_for_signature: 400 ANCHOR_TAB_STRING_NOT_FOUND', message: `tool=${tool} status=400 errorCode=ANCHOR_TAB_STRING_NOT_FOUND` });
      const span = (tool: string) => ({ title: 'POST /restapi/v2.1/accounts/{accountId}/envelopes', attributes: { 'http.response.status_code': 400, 'gen_ai.tool.name': tool } });
      expect(features(gateway('docusign.create_envelope'))).toEqual(expect.arrayContaining(['tool:@docusign_create_envelope', 'tool:@create_envelope']));
      expect(vetoed(features(span('send_for_signature')), profileOf(gateway('docusign.create_envelope')))).toBe(false);
      expect(vetoed(features(gateway('docusign.create_envelope')), profileOf(span('send_for_signature')))).toBe(false);
      expect(vetoed(features(gateway('docusign.create_envelope')), profileOf(gateway('docusign.void_envelope')))).toBe(true);
      expect(vetoed(features(span('send_for_signature')), profileOf(span('send_reminder')))).toBe(true);
    });

    it('a tool named in both layers is one tool: it is shared, and no provider is told apart by it', () => {
      const timeout = (tool: string) => ({ title: 'Notification timed out', tool, kind: 'timeout' as const });
      expect(sameFailure(features(timeout('notify.send_sms')), profileOf(timeout('send_sms')))).toBe(true);
      expect(sameFailure(features(timeout('notify.send_email')), profileOf(timeout('send_sms')))).toBe(false);
      const rateLimited = (tool: string) => ({ title: 'HubSpot 429', message: 'rate limit reached', tool });
      expect(vetoed(features(rateLimited('hubspot.contacts.search')), profileOf(rateLimited('hubspot.companies.get')))).toBe(false);
    });
  });

  describe('from g-2026-12-07', () => {
    const codes = (signal: Parameters<typeof features>[0]) => features(signal).filter((f) => /^(?:code|errno|missing|status):/.test(f)).sort();
    it.each<[string, Parameters<typeof features>[0], string[]]>([
      ['no status: a batch named by letters and a number', { title: 'goal_partially_completed', message: 'Renewal batch RB-118: 180 renewals instructed' }, []],
      ['no status: a truck model', { title: 'Fee quoted for the wrong weight class', message: '2019 F-250 quoted with curb weight' }, []],
      ['no status: a hash', { title: 'Fixity check failed', message: 'SHA-256 mismatch after upload' }, []],
      ['a status after a request line, as before', { title: 'POST /v1/refunds 403' }, ['status:403']],
      ['a status after an arrow, as before', { title: 'GET /v1/orders -> 404' }, ['status:404']],
      ['the code after the key an exception names', { title: 'StopCandidateException: finish_reason: RECITATION' }, ['code:recitation']],
      ['no code: a key with a word every error says', { title: 'StopCandidateException: finish_reason: ERROR' }, []],
      ['the code right after an exception, as before', { title: 'stripe InvalidRequestError: balance_insufficient' }, ['code:balance_insufficient']],
      ['a constant right after an exception, as before', { title: 'SalesforceMalformedRequest: UNABLE_TO_LOCK_ROW' }, ['code:unable_to_lock_row']],
      ['a constant and its description', { title: 'SalesforceMalformedRequest: UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record' }, ['code:unable_to_lock_row']],
      ['a code and its description', { title: 'InvalidRequestError: card_declined: Your card was declined' }, ['code:card_declined']],
      ['no code: a key and its number', { title: 'ApiError: status_code: 429' }, ['status:429']],
    ])('reads %s', (_, signal, expected) => {
      expect(codes(signal)).toEqual(expected);
    });

    it('two batches of one failure do not veto each other by their names, and an exception and a gateway say one code', () => {
      const batch = (name: string) => ({ title: 'goal_partially_completed', message: `Renewal batch ${name}: renewals instructed, agent paid a third and replied 'All renewals processed'.` });
      expect(vetoed(features(batch('RB-520')), profileOf(batch('RB-118')))).toBe(false);
      const gateway = { title: 'gemini finishReason RECITATION', message: 'candidates[0].finishReason=RECITATION; no content returned', errorType: 'RECITATION' };
      expect(codes({ title: 'StopCandidateException: finish_reason: RECITATION' })).toEqual(codes(gateway));
    });
  });

  describe('from g-2026-12-06.6', () => {
    const codes = (signal: Parameters<typeof features>[0]) => features(signal).filter((f) => /^(?:code|errno|missing|status):/.test(f)).sort();
    it.each<[string, Parameters<typeof features>[0], string[]]>([
      ['an error type of a capital and two digits (an ACH return)', { title: 'send_payout returned', errorType: 'R04' }, ['code:r04']],
      ["MongoDB's duplicate key code as the error type", { title: 'insert failed', errorType: 'E11000' }, ['code:e11000']],
      ["Prisma's code as the error type", { title: 'query failed', errorType: 'P1001' }, ['code:p1001']],
      ['no code: a status written as an error type is a status', { title: 'lookup failed', errorType: 'HTTP503' }, ['status:503']],
      ['no code: two digits in a text', { title: 'x', message: 'ACH return R03 for seller S-962635' }, []],
      ["the field NetSuite's invalid value names", { title: 'POST /services/rest/record/v1/salesOrder', message: 'Invalid Field Value 14 for the following field: location' }, ['missing:location']],
    ])('reads %s', (_, signal, expected) => {
      expect(codes(signal)).toEqual(expected);
    });

    it('two return codes of one payout tool, and one invalid value on two fields, are two failures each', () => {
      const r04 = { title: 'send_payout returned: ACH return R04', tool: 'send_payout', errorType: 'R04' };
      expect(vetoed(features({ ...r04, title: 'send_payout returned: ACH return R03', errorType: 'R03' }), profileOf(r04))).toBe(true);
      expect(vetoed(features({ ...r04, title: 'send_payout returned: ACH return' }), profileOf(r04))).toBe(false);
      const field = (name: string) => ({ title: 'create_sales_order failed: 400 INVALID_FLD_VALUE', message: `Invalid Field Value 14 for the following field: ${name}` });
      expect(vetoed(features(field('item')), profileOf(field('location')))).toBe(true);
    });
  });

  it('a plain word or a number assigned to error or code is no code (from g-2026-12-05.7)', () => {
    expect(features({ title: 'x', message: 'lookup failed error=timeout code=504' }).filter((f) => f.startsWith('code:'))).toEqual([]);
  });

  it("a status's class gives way to the failure the text names that the API answers with it (from g-2026-12-05.7)", () => {
    const classes = (signal: Parameters<typeof features>[0]) => features(signal).filter((f) => f.startsWith('class:')).sort();
    const rateLimit403 = { title: 'API rate limit exceeded for installation ID 41877201', attributes: { 'http.response.status_code': 403 } };
    const forbidden403 = { title: 'POST /repos/acme/webapp/check-runs 403', attributes: { 'http.response.status_code': 403 } };
    expect(classes(rateLimit403)).toEqual(['class:rate_limited']);
    expect(classes(forbidden403)).toEqual(['class:forbidden']);
    expect(vetoed(features(rateLimit403), profileOf(forbidden403))).toBe(true);
    const filtered400 = { title: 'essay review failed', message: "Error code: 400 - The response was filtered due to the prompt triggering Azure OpenAI's content management policy" };
    const schema400 = { title: 'essay review failed', message: "Error code: 400 - Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model" };
    expect(classes(filtered400)).toEqual(['class:content_filter']);
    expect(vetoed(features(filtered400), profileOf(schema400))).toBe(true);
    // a text that says forbidden keeps it beside the rate limit
    expect(classes({ title: 'Forbidden: rate limit exceeded', attributes: { 'http.response.status_code': 403 } })).toEqual(['class:forbidden', 'class:rate_limited']);
  });

  it('a span that ended OK is not the failure of an erroring span of the same call (from g-2026-12-05.7)', () => {
    const chat = (status: string, extra: Record<string, string | number> = {}) => ({ title: 'chat gpt-4o', attributes: { 'otel.status_code': status, 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.operation.name': 'chat', ...extra } });
    const throttled = chat('ERROR', { 'http.response.status_code': 429 });
    expect(vetoed(features(chat('OK')), profileOf(throttled))).toBe(true);
    expect(vetoed(features(chat('OK')), profileOf(chat('OK')))).toBe(false);
  });

  it('an attribute kept by its key alone (a pointer) is no evidence that two reports are one failure', () => {
    const comment = (message: string) => ({ title: 'Customer feedback', message, kind: 'negative_feedback' as const, attributes: { 'conversation.id': 'conv_8xefz9rqx424' } });
    const party = comment('Asked about the pizza package');
    const delivery = comment('pizza never arrived');
    expect(features(party)).toContain('attr:conversation.id');
    expect(bestSimilar(features(delivery), [{ familyId: 'f', features: profileOf(party) }], flat)).toBeNull();
    // the same two with a second word in common are compared by their words as before
    const more = comment('the pizza package never arrived');
    expect(bestSimilar(features(more), [{ familyId: 'f', features: profileOf(party) }], flat)?.shared).toEqual(expect.arrayContaining(['w:pizza', 'w:packag']));
  });

  it('two complaints from one channel share nothing but the channel, and stay apart', () => {
    const feedback = (title: string, message: string) => ({ title, message, attributes: { 'feedback.score': -1, channel: 'web_chat', 'feedback.key': 'thumbs' } });
    const spa = feedback('spa', 'Spa hours wrong. Bot said 7am, they open at 9.');
    const checkout = feedback('late checkout', "asked to add late checkout 3 times, 'system temporarily unavailable, try later' every time");
    expect(bestSimilar(features(checkout), [{ familyId: 'f', features: profileOf(spa) }], flat)).toBeNull();
  });

  it.each<[string, string, string]>([
    ['hallucinated', 'Made-up balances: the agent invented a number', 'Hallucinated PTO balance'],
    ['outdated', 'answers cite a superseded handbook', 'quotes the stale handbook'],
    ['duplicate', 'charged twice', 'duplicate charge'],
    ['missing', 'summary omits the renewal clause', 'renewal clause missing from the summary'],
    ['ignores', 'agent skipped the confirmation', 'agent ignores the confirmation'],
    ['leaked', 'reply exposed the email', 'email leaked in the reply'],
    ['slow', 'search is sluggish', 'search latency'],
    ['spike', 'token usage surged', 'token usage spike'],
    ['loop', 'agent stuck calling search', 'agent repeats search'],
  ])('reads the failure-mode word %s one way however it is written', (word, a, b) => {
    const shared = features({ title: a }).filter((f) => features({ title: b }).includes(f));
    expect(shared).toContain(`w:${stem(word)}`);
  });

  it('a number that is not a status is not read as one', () => {
    expect(features({ title: 'returned 404 rows in 500 ms' }).filter((f) => f.startsWith('status:'))).toEqual([]);
  });

  it.each<[string, string]>([
    ['a date after "error"', 'error 2026-12-03 in batch'],
    ['a decimal after "error"', 'error 1234.5 ms over budget'],
    ['a count that is not after an error word', 'order 12345 failed'],
    ['a status', 'HTTP 400 error: Unable to create record'],
  ])('no numeric code in %s', (_, title) => {
    expect(features({ title }).filter((f) => f.startsWith('errno:'))).toEqual([]);
  });

  it('an error type that is a class or a status is words, not a code', () => {
    for (const errorType of ['TwilioRestException', 'HttpError', 'HTTP403', 'ItemUnavailable', 'HTTP_429']) {
      expect(features({ title: 'x', errorType }).filter((f) => f.startsWith('etype:') || f.startsWith('errno:') || f.startsWith('code:'))).toEqual([]);
    }
  });
});

describe('grouping text and log lines', () => {
  it.each<[string, Parameters<typeof groupingText>[0], string]>([
    ['the message when there is one', { title: 'refund failed', message: 'timeout after 3s', tool: 'refund' }, 'timeout after 3s'],
    ['title, tool and error type without one', { title: 'refund failed', tool: 'stripe_create_refund', errorType: 'Timeout' }, 'refund failed stripe_create_refund Timeout'],
    ['an empty message is none', { title: 'refund failed', message: '  ' }, 'refund failed'],
    ['a span without one says how it failed', { title: 'POST /v2/translate', attributes: { 'http.response.status_code': 456, 'server.address': 'api.deepl.com' } }, 'POST /v2/translate status 456'],
    ['a database code', { title: 'SELECT spc_measurements', attributes: { 'db.system': 'postgresql', 'db.response.status_code': '57014' } }, 'SELECT spc_measurements code 57014'],
    [
      "the status, OpenTelemetry's codes, then a provider's",
      { title: 'POST /transactions/sync', tool: 'get_transactions', attributes: { 'plaid.error_code': 'ITEM_LOGIN_REQUIRED', 'http.response.status_code': 400, 'error.type': 'ApiException' } },
      'POST /transactions/sync get_transactions status 400 code ApiException code ITEM_LOGIN_REQUIRED',
    ],
    ['a finish reason', { title: 'chat claude-3-5-haiku', attributes: { 'gen_ai.response.finish_reasons': 'max_tokens' } }, 'chat claude-3-5-haiku code max_tokens'],
    ['not a success status, a status twice or a sentence', { title: 'GET /x', attributes: { 'http.response.status_code': 200, 'error.type': '200', 'app.error': 'the upstream said no' } }, 'GET /x'],
    ['not when there is a message', { title: 'POST /v2/translate', message: 'Quota exceeded', attributes: { 'http.response.status_code': 456 } }, 'Quota exceeded'],
    ['a fault code (from g-2026-12-06.4)', { title: 'POST /v3/company/{realmId}/invoice', attributes: { 'http.response.status_code': 400, 'qbo.fault.code': '6140' } }, 'POST /v3/company/{realmId}/invoice status 400 code 6140'],
    ['a status named by a constant, not one that says OK', { title: 'GET /maps/api/distancematrix/json', attributes: { 'maps.status': 'OK', 'maps.element.status': 'ZERO_RESULTS' } }, 'GET /maps/api/distancematrix/json code ZERO_RESULTS'],
    ["a span's exception message", { title: 'parse_gia_report', attributes: { 'exception.type': 'KeyError', 'exception.message': "'clarity_grade'" } }, "parse_gia_report code KeyError 'clarity_grade'"],
    ["a provider's message code (from g-2026-12-06.5)", { title: 'POST /xml/v1/request.api', attributes: { 'http.response.status_code': 200, 'authnet.message_code': 'E00027' } }, 'POST /xml/v1/request.api code E00027'],
    ["a protocol's status by its code and its name (from g-2026-12-07.2)", { title: 'opcua.Read', attributes: { 'opcua.status_code': '0x800A0000', 'opcua.status_name': 'BadTimeout', 'otel.status_code': 'ERROR' } }, 'opcua.Read code 0x800A0000 code BadTimeout'],
    ["not a protocol's status that says it succeeded", { title: 'inventory.Reserve', attributes: { 'rpc.grpc.status_code': 0, 'opcua.status_name': 'Good' } }, 'inventory.Reserve'],
  ])('%s', (_, signal, text) => {
    expect(groupingText(signal)).toBe(text);
  });

  it("g-2026-12-07 reads no protocol's status, so two statuses of one span share its fingerprint", () => {
    const read = (name: string) => ({ workflow: 'w', title: 'opcua.Read', attributes: { 'opcua.status_name': name } });
    expect(groupingText(read('BadTimeout'), 'g-2026-12-07')).toBe('opcua.Read');
    expect(fingerprintKey(read('BadTimeout'), undefined, 'g-2026-12-07')).toEqual(fingerprintKey(read('BadNodeIdUnknown'), undefined, 'g-2026-12-07'));
    expect(fingerprintKey(read('BadTimeout'), undefined, GROUPING_VERSION)).not.toEqual(fingerprintKey(read('BadNodeIdUnknown'), undefined, GROUPING_VERSION));
  });

  it('g-2026-12-06.4 reads no message code', () => {
    expect(groupingText({ title: 'POST /xml/v1/request.api', attributes: { 'authnet.message_code': 'E00027' } }, 'g-2026-12-06.4')).toBe('POST /xml/v1/request.api');
  });

  it('g-2026-12-06.3 reads no fault code, provider status or exception message', () => {
    const span = { title: 'GET /x', attributes: { 'qbo.fault.code': '6140', 'maps.status': 'OVER_QUERY_LIMIT', 'exception.type': 'KeyError', 'exception.message': "'a'" } };
    expect(groupingText(span, 'g-2026-12-06.3')).toBe('GET /x code KeyError');
  });

  it('is the title, tool and error type alone for the versions before g-2026-12-05.5', () => {
    const span = { title: 'POST /v2/translate', attributes: { 'http.response.status_code': 456 } };
    expect(groupingText(span, 'g-2026-12-05.4')).toBe('POST /v2/translate');
    expect(groupingText(span, 'g-2026-12-04')).toBe('POST /v2/translate');
  });

  it.each<[string, string | undefined, boolean]>([
    ['jk2_init() Found child 6734', 'jk2_init() Found child 6734 in scoreboard slot 9', true],
    ['a long line cut…', 'a long line cut short here', true],
    ['Refund failed', 'stripe timeout', false],
    ['Refund failed', undefined, false],
  ])('%j with message %j is a log line: %s', (title, message, expected) => {
    expect(isLogLine({ title, message })).toBe(expected);
  });
});

describe('which signals the similarity step compares', () => {
  const line = 'github.GithubException.UnknownObjectException: 404 {"message": "Not Found"}';
  const plan = (extra: Partial<Signal>) =>
    planGrouping({ source: 'sdk', kind: 'tool_error', workflow: 'review', title: line.slice(0, 50), message: line, ...extra } as Signal, [], new Date('2026-12-04T00:00:00Z'));
  it.each<[string, Partial<Signal>, boolean]>([
    ['a bare log line is left to the miner', {}, false],
    ['a log line naming its tool is compared', { tool: 'get_file_contents' }, true],
    ['a log line naming its error type is compared', { errorType: 'UnknownObjectException' }, true],
    ['a blank tool is no tool', { tool: '  ' }, false],
    ['words people chose are compared', { title: 'GitHub 404 fetching file at PR head' }, true],
  ])('%s', (_, extra, comparable) => {
    expect(plan(extra).comparable).toBe(comparable);
  });
});

describe('similarity', () => {
  it('rarity falls as more families share a feature', () => {
    expect(rarity(0, 10)).toBeGreaterThan(rarity(1, 10));
    expect(rarity(1, 10)).toBeGreaterThan(rarity(9, 10));
    expect(rarity(10, 10)).toBe(1);
  });

  it('joins a paraphrase: the same failure in other words and order', () => {
    const family = { familyId: 'f', features: profileOf({ title: 'stripe_create_refund timed out', tool: 'stripe_create_refund', errorType: 'Timeout' }) };
    const match = bestSimilar(features({ title: 'Timeout creating Stripe refund', tool: 'stripe_create_refund', errorType: 'ReadTimeout' }), [family], flat);
    expect(match?.familyId).toBe('f');
    expect(match!.score).toBeGreaterThanOrEqual(SIMILARITY.threshold);
  });

  it.each<[string, Parameters<typeof features>[0], Parameters<typeof features>[0]]>([
    ['a 429 is not a 401', { title: 'HubSpot call failed', message: 'HTTP 429 Too Many Requests from HubSpot' }, { title: 'HubSpot call failed', message: 'HTTP 401 Unauthorized from HubSpot' }],
    ['another tool', { title: 'timed out', tool: 'lookup_order' }, { title: 'timed out', tool: 'issue_refund' }],
    ['rate limited is not timed out', { title: 'Stripe refund failed', message: 'rate limit exceeded' }, { title: 'Stripe refund failed', message: 'request timed out' }],
    ['another error code in the body', { title: 'Slack post failed', message: '{"ok":false,"error":"channel_not_found"}' }, { title: 'Slack post failed', message: '{"ok":false,"error":"not_in_channel"}' }],
    ['another evaluator', { title: 'Wrong ticket priority', attributes: { evaluator: 'priority_exact_match' } }, { title: 'Ticket in the wrong queue', attributes: { evaluator: 'queue_exact_match' } }],
    ['another numeric code', { title: 'Twilio send failed', message: 'TwilioRestException 21610: HTTP 400 Unable to create record', tool: 'twilio_send_sms' }, { title: 'Twilio send failed', message: 'TwilioRestException 21211: HTTP 400 Unable to create record', tool: 'twilio_send_sms' }],
    ['another JSON-RPC code', { title: 'MCP call failed', message: 'McpError: MCP error -32601: Method not found' }, { title: 'MCP call failed', message: 'McpError: MCP error -32602: Invalid params' }],
    ['another missing key', { title: 'order tool crashed', message: "KeyError: 'payment_method_id'", tool: 'get_order' }, { title: 'order tool crashed', message: "KeyError: 'payment_history'", tool: 'get_order' }],
    ['another fault type', { title: 'exchange_delivered_order_items task failed', errorType: 'called_wrong_tool' }, { title: 'exchange_delivered_order_items task failed', errorType: 'used_wrong_tool_argument' }],
  ])('vetoes %s however many words agree', (_, a, b) => {
    expect(vetoed(features(b), profileOf(a))).toBe(true);
    expect(bestSimilar(features(b), [{ familyId: 'f', features: profileOf(a) }], flat)).toBeNull();
  });

  it.each<[string, Parameters<typeof features>[0], Parameters<typeof features>[0], boolean]>([
    ['one provider\'s daily quota, met by two of its tools', { title: 'HubSpot daily quota reached', tool: 'hubspot_search_contacts' }, { title: 'HubSpot daily quota reached', tool: 'hubspot_get_company' }, false],
    ['one provider\'s expired token, met by two of its tools', { title: 'HubSpot token expired', message: '401 EXPIRED_AUTHENTICATION', tool: 'hubspot_get_deal' }, { title: 'HubSpot token expired', message: 'HTTP 401', tool: 'hubspot_update_deal' }, false],
    ['a timeout stays the tool\'s own', { title: 'HubSpot call timed out', tool: 'hubspot_search_contacts' }, { title: 'HubSpot call timed out', tool: 'hubspot_get_company' }, true],
    ['another provider\'s quota', { title: 'daily quota reached', tool: 'hubspot_search_contacts' }, { title: 'daily quota reached', tool: 'salesforce_search_contacts' }, true],
    ['a verb is not a provider', { title: 'daily quota reached', tool: 'get_weather' }, { title: 'daily quota reached', tool: 'get_stock_price' }, true],
    ['a namespace is not a provider', { title: 'daily quota reached', tool: 'mcp__slack__post_message' }, { title: 'daily quota reached', tool: 'mcp__github__create_issue' }, true],
    ['a quota against an expired token', { title: 'HubSpot call failed', message: 'HTTP 429', tool: 'hubspot_search_contacts' }, { title: 'HubSpot call failed', message: 'HTTP 401', tool: 'hubspot_get_company' }, true],
  ])('tools of one provider: %s', (_, a, b, apart) => {
    expect(vetoed(features(b), profileOf(a))).toBe(apart);
  });

  it.each<[string, Parameters<typeof features>[0], Parameters<typeof features>[0], boolean]>([
    ['one tool, worded by two sources', { title: 'stripe_create_refund timed out', tool: 'stripe_create_refund' }, { title: 'HTTP POST api.stripe.com timed out', tool: 'stripe_create_refund' }, true],
    ['one endpoint', { title: 'refund call failed', message: 'POST https://api.stripe.com/v1/refunds timed out' }, { title: 'Stripe refunds slow', message: 'GET https://api.stripe.com/v1/refunds took 31s, timed out' }, true],
    ['one exception', { title: 'overloaded', message: 'anthropic.InternalServerError: overloaded' }, { title: 'model overloaded (529)', message: 'InternalServerError from the provider' }, true],
    ['a failure class alone', { title: 'InvokeModel 429', message: 'Too many requests' }, { title: 'Stripe 429 on refunds.create', message: 'rate limit exceeded' }, false],
    ['other hosts', { title: 'refund call failed', message: 'POST https://api.stripe.com/v1/refunds failed', tool: 'refund' }, { title: 'refund call failed', message: 'POST https://api.adyen.com/v1/refunds failed', tool: 'refund' }, false],
    ['evidence apart', { title: 'refund call failed', message: 'HTTP 429 Too Many Requests', tool: 'stripe_create_refund' }, { title: 'refund call failed', message: 'HTTP 401 Unauthorized', tool: 'stripe_create_refund' }, false],
  ])('two families a signal is close to are one failure: %s', (_, a, b, one) => {
    expect(bridges(profileOf(a), profileOf(b))).toBe(one);
    expect(bridges(profileOf(b), profileOf(a))).toBe(one);
  });

  it.each<[string, Parameters<typeof features>[0], Parameters<typeof features>[0]]>([
    ['a fault type against a protocol code', { title: 'read_file called with file_path', errorType: 'used_wrong_tool_argument', tool: 'read_file' }, { title: 'Invalid arguments for read_file', message: 'MCP error -32602', tool: 'read_file' }],
    ['a fault type against an API error code', { title: 'wrong channel', errorType: 'used_wrong_tool_argument' }, { title: 'wrong channel', message: '{"ok":false,"error":"channel_not_found"}' }],
  ])('codes of different vocabularies do not veto: %s', (_, a, b) => {
    expect(vetoed(features(b), profileOf(a))).toBe(false);
  });

  it.each<[string, Parameters<typeof features>[0], Parameters<typeof features>[0], boolean]>([
    ['one tool timing out, in a summary and in a traceback', FLIGHTS_SLOW, FLIGHTS_TRACEBACK, true],
    ['one tool rate limited', { title: 'Shopify GraphQL THROTTLED', tool: 'get_product_details' }, { title: 'Product lookups throttled', tool: 'get_product_details' }, true],
    ['another tool timing out', { title: 'search timed out', tool: 'search_flights' }, { title: 'booking timed out', tool: 'book_flight' }, false],
    ['one tool, invalid requests (they depend on the arguments)', { title: 'amount required', message: 'HTTP 400', tool: 'create_refund' }, { title: 'currency not supported', message: 'HTTP 400', tool: 'create_refund' }, false],
    ['a timeout without a tool', { title: 'search timed out' }, { title: 'search timed out' }, false],
    ['one operation named in the text, throttled', { title: 'bedrock InvokeModel HTTP 429' }, { title: 'ThrottlingException when calling the InvokeModel operation' }, true],
    ['one model overloaded', { title: 'chat claude-sonnet-4-5: overloaded' }, { title: 'claude-sonnet-4-5 overloaded after 3 retries' }, true],
    ['one operation, another class', { title: 'bedrock InvokeModel HTTP 429' }, { title: 'InvokeModel timed out' }, false],
  ])('the same thing failing the same way: %s', (_, a, b, same) => {
    expect(sameFailure(features(b), profileOf(a))).toBe(same);
  });

  it('the same tool failing the same way joins at a lower score than words alone need', () => {
    const match = bestSimilar(features(FLIGHTS_TRACEBACK), [{ familyId: 'f', features: profileOf(FLIGHTS_SLOW) }], flat);
    expect(match?.familyId).toBe('f');
    expect(match!.score).toBeLessThan(SIMILARITY.threshold);
    // Without the tool the same words are not enough.
    const [slow, traceback] = [FLIGHTS_SLOW, FLIGHTS_TRACEBACK].map((s) => ({ ...s, tool: undefined }));
    expect(bestSimilar(features(traceback!), [{ familyId: 'f', features: profileOf(slow!) }], flat)).toBeNull();
  });

  it('does not veto when one side names no status or class', () => {
    expect(vetoed(features({ title: 'HubSpot contact search broke' }), profileOf({ title: 'HubSpot contact search', message: 'HTTP 429' }))).toBe(false);
  });

  it('picks the most similar candidate and names the shared evidence', () => {
    const a = { familyId: 'a', features: profileOf({ title: 'citation missing in answer', attributes: { metric: 'citation_coverage' } }) };
    const b = { familyId: 'b', features: profileOf({ title: 'answer too long', attributes: { metric: 'length' } }) };
    const match = bestSimilar(features({ title: 'claims without citation', attributes: { metric: 'citation_coverage' } }), [b, a], flat);
    expect(match).toMatchObject({ familyId: 'a', shared: expect.arrayContaining(['attr:metric=citation_coverage']) });
  });

  it('lists every family that reaches its bar, the best first, saying which met the lower bar of the same failure', () => {
    const words = { familyId: 'words', features: profileOf({ title: 'flight offers search broke for busy routes', tool: 'search_flights' }) };
    const slow = { familyId: 'slow', features: profileOf(FLIGHTS_SLOW) };
    const other = { familyId: 'other', features: profileOf({ title: 'hotel booking confirmation email missing' }) };
    const matches = similarFamilies(features(FLIGHTS_TRACEBACK), [other, words, slow], flat);
    expect(matches.map((m) => [m.familyId, m.sameFailure])).toEqual([
      ['words', false],
      ['slow', true],
    ]);
    expect(matches[0]!.score).toBeGreaterThan(matches[1]!.score);
    expect(matches[1]!.score).toBeLessThan(SIMILARITY.threshold);
  });

  it('rare shared features count for more than common ones', () => {
    const family = { familyId: 'f', features: profileOf({ title: 'agent answer wrong', message: 'ledger mismatch in reconciliation' }) };
    const signal = features({ title: 'agent answer wrong', message: 'totally different text here' });
    const common = (f: string) => (f === 'w:answer' || f === 'w:wrong' ? 0.1 : 3);
    expect(bestSimilar(signal, [family], flat)).not.toBeNull();
    expect(bestSimilar(signal, [family], common)).toBeNull();
  });

  describe('families alike enough to offer for a merge (related families)', () => {
    const family = (familyId: string, ...signals: Array<Parameters<typeof features>[0]>) => ({ familyId, features: profileOf(...signals) });
    const deferralEval = profileOf({ title: 'groundedness: deferral policy', message: 'Answer claims a deferral with a $25 fee; race policy says no deferrals', kind: 'eval_failure' });

    it.each<[string, ReturnType<typeof family>, boolean]>([
      ['a comment sharing two telling words, below the bar a signal needs', family('comment', { title: 'Deferral answer', message: 'It promised a deferral for a small fee.', kind: 'negative_feedback' }), true],
      ['a comment sharing one word', family('one', { title: 'Bad answer', message: 'Why a fee for parking?', kind: 'negative_feedback' }), false],
    ])('%s: offered %s', (_, candidate, offered) => {
      const found = alikeFamilies({ features: deferralEval }, [candidate], flat);
      expect(found.map((f) => f.familyId)).toEqual(offered ? [candidate.familyId] : []);
      for (const f of found) expect(f.score).toBeGreaterThanOrEqual(RELATED.threshold);
    });

    it('never offers a family evidence tells apart, and lists the most alike first', () => {
      const timeout = profileOf({ title: 'lookup_order timed out', tool: 'lookup_order', message: 'lookup_order timeout after 30 s on order 17' });
      const sameTool401 = family('401', { title: 'lookup_order rejected', tool: 'lookup_order', message: 'lookup_order answered 401 on order 17' });
      const paraphrase = family('paraphrase', { title: 'order lookups hang', message: 'lookup_order takes 30 s and gives up' });
      const closer = family('closer', { title: 'lookup_order timeout', message: 'lookup_order timed out on order 9' });
      const found = alikeFamilies({ features: timeout }, [sameTool401, paraphrase, closer], flat);
      expect(found.map((f) => f.familyId)).toEqual(['closer', 'paraphrase']);
      expect(found[0]!.score).toBeGreaterThan(found[1]!.score);
      // and the other way round
      expect(vetoed(Object.keys(sameTool401.features), timeout)).toBe(true);
      expect(alikeFamilies(sameTool401, [{ familyId: 'timeout', features: timeout }], flat)).toEqual([]);
    });

    it.each<[string, Record<string, number>, string[]]>([
      ['reported by other sources: ahead of a closer family of its own source', { 'staff-report': 1 }, ['comment', 'sameSource']],
      ['of its own source too: the closer first', { 'eval-ci': 1 }, ['sameSource', 'comment']],
      ['of sources not known: the closer first', {}, ['sameSource', 'comment']],
    ])('a family %s', (_, commentSources, order) => {
      const own = { features: deferralEval, sources: { 'eval-ci': 2 } };
      const sameSource = { ...family('sameSource', { title: 'deferral policy eval', message: 'Answer promises a deferral against race policy', kind: 'eval_failure' }), sources: { 'eval-ci': 1 } };
      const comment = { ...family('comment', { title: 'Deferral answer', message: 'It promised a deferral for a small fee.', kind: 'negative_feedback' }), sources: commentSources };
      const found = alikeFamilies(own, [sameSource, comment], flat);
      const score = (id: string) => found.find((f) => f.familyId === id)!.score;
      expect(score('sameSource')).toBeGreaterThan(score('comment'));
      expect(score('sameSource') - score('comment')).toBeLessThan(RELATED.otherSources);
      expect(found.map((f) => f.familyId)).toEqual(order);
      expect(found.find((f) => f.familyId === 'comment')!.otherSources).toBe('staff-report' in commentSources);
    });

    it('ranks a family of other sources ahead only by RELATED.otherSources: one far less alike stays behind', () => {
      const own = { features: deferralEval, sources: { 'eval-ci': 2 } };
      const sameSource = { ...family('sameSource', { title: 'groundedness: refund policy', message: 'Answer claims a refund; race policy says refunds only before May', kind: 'eval_failure' }), sources: { 'eval-ci': 1 } };
      const comment = { ...family('comment', { title: 'Deferral answer', message: 'It promised a deferral for a small fee.', kind: 'negative_feedback' }), sources: { 'staff-report': 1 } };
      const found = alikeFamilies(own, [comment, sameSource], flat);
      expect(found[0]!.score - found[1]!.score).toBeGreaterThan(RELATED.otherSources);
      expect(found.map((f) => [f.familyId, f.otherSources])).toEqual([
        ['sameSource', false],
        ['comment', true],
      ]);
    });
  });

  describe('two grown families alike (consolidation)', () => {
    type S = Parameters<typeof features>[0];
    const family = (familyId: string, ...signals: S[]) => ({ familyId, features: profileOf(...signals), signals: signals.length });
    const comment = (message: string): S => ({ title: 'Negative feedback', message, kind: 'negative_feedback' });
    const evalFailure = (message: string): S => ({ title: 'tide_window_check failed', message, kind: 'eval_failure' });
    const comments = family('comments', comment('It confirmed my arrival at 9pm but the causeway was flooded, outside the safe tide window.'), comment('Booked an arrival outside the tide window, we could not cross the causeway.'));
    const evals = family('evals', evalFailure('Agent confirmed arrival outside the safe crossing window for the causeway tide.'), evalFailure('Confirmed arrival time falls outside the tide window; causeway unsafe to cross.'));

    it.each<[string, (f: Map<string, number>) => ReadonlyMap<string, number>, string[]]>([
      ['a signal: features no more than a fifth of the families showed', (f) => f, ['w:one']],
      ["a family, which is one of those counted: not what only it showed, and one more family's", amongOthers, ['w:two']],
    ])('finds candidates for %s', (_, counted, telling) => {
      const frequencies = new Map([['', 6], ['w:one', 1], ['w:two', 2], ['w:three', 3], ['w:unseen', 0]]);
      expect(tellingFeatures(['w:one', 'w:two', 'w:three', 'w:unseen'], counted(frequencies))).toEqual(telling);
    });

    it('finds two fragments of one failure alike, whichever is compared with which', () => {
      const there = alikeProfiles(comments, evals, flat)!;
      expect(there).toBeGreaterThanOrEqual(CONSOLIDATION.threshold);
      expect(alikeProfiles(evals, comments, flat)).toBeCloseTo(there, 10);
    });

    it('a grown family does not cover a young one by its many words, as the overlap a signal is scored by does', () => {
      const grown = family(
        'grown',
        comment('The refund for my cancelled lesson never arrived, and the booking page keeps showing the old teacher and the wrong room.'),
        comment('Refund still missing after two weeks; also the reminder email came twice and the teacher name was wrong.'),
        comment('Where is my refund? The lesson was cancelled by you, and the app still lists it as booked for Tuesday.'),
      );
      const young = family('young', comment('Reminder email came twice.'), comment('Got the reminder email twice again.'));
      const overlap = alikeFamilies(young, [grown], flat)[0]?.score ?? 0;
      expect(overlap).toBeGreaterThanOrEqual(CONSOLIDATION.threshold);
      expect(alikeProfiles(grown, young, flat)!).toBeLessThan(CONSOLIDATION.threshold);
    });

    it("counts only what the reports say, not the attributes and identifiers every report of a source's format carries", () => {
      const format = { 'attr:session_name=lighthouse-prod': 2, 'id:issue_trace_added': 2, 'tool:check_tide': 2 };
      const a = { familyId: 'a', signals: 2, features: { ...format, 'w:waiver': 2, 'w:deposit': 1 } };
      const b = { familyId: 'b', signals: 2, features: { ...format, 'w:lesson': 2, 'w:ag': 2 } };
      expect(alikeProfiles(a, b, flat)).toBe(0);
    });

    it.each<[string, ReturnType<typeof family>, ReturnType<typeof family>]>([
      [
        'a status one signal of each names, though most name none',
        family('a', { title: 'Calendar sync failed', message: 'Google Calendar sync stopped for the clinic' }, { title: 'Calendar sync failed', message: 'clinic calendar not synced' }, { title: 'Calendar sync failed', message: 'HTTP 429 from Google Calendar' }),
        family('b', { title: 'Calendar sync failed', message: 'Calendar sync stopped for the clinic' }, { title: 'Calendar sync failed', message: 'Google Calendar sync failed again' }, { title: 'Calendar sync failed', message: 'HTTP 401 from Google Calendar' }),
      ],
      [
        'what each says in most of its signals differs, though a stray signal shares the other status',
        family('a', { title: 'Ticket update failed', message: 'HTTP 404 from Zendesk: ticket not found' }, { title: 'Ticket update failed', message: 'Zendesk answered 404 for the ticket' }, { title: 'Ticket update failed', message: 'HTTP 422 from Zendesk: status is invalid' }),
        family('b', { title: 'Ticket update failed', message: 'HTTP 422 from Zendesk: status is not a valid value' }, { title: 'Ticket update failed', message: 'Zendesk answered 422: status is invalid' }),
      ],
      [
        'a failure of the called service against what the agent did wrong',
        family('a', { title: 'check_tide timed out', message: 'check_tide timed out after 30s' }, { title: 'tide lookups time out', message: 'check_tide timeout on every morning run' }),
        family('b', { title: 'Wrong tide window', message: 'check_tide window ignored, arrival confirmed on a flooded causeway' }, { title: 'Wrong tide window', message: 'confirmed a causeway crossing outside the check_tide window' }),
      ],
      [
        'two timeouts with nothing named in common',
        family('a', { title: 'Model call timed out', message: 'model request timed out after 60s', kind: 'timeout' }, { title: 'Model call timed out', message: 'the answer timed out waiting for tokens', kind: 'timeout' }),
        family('b', { title: 'Search timed out', message: 'offers search timed out after 20s', kind: 'timeout' }, { title: 'Search timed out', message: 'the search for fares timed out', kind: 'timeout' }),
      ],
      [
        'other exceptions',
        family('a', { title: 'Textract failed', message: 'UnsupportedDocumentException: document format not supported' }, { title: 'Textract failed on scan', message: 'UnsupportedDocumentException when calling AnalyzeDocument' }),
        family('b', { title: 'Textract failed', message: 'ProvisionedThroughputExceededException when calling AnalyzeDocument' }, { title: 'Textract failed on scan', message: 'ProvisionedThroughputExceededException: document rate' }),
      ],
    ])('told apart: %s', (_, a, b) => {
      expect(alikeProfiles(a, b, flat)).toBeNull();
      expect(alikeProfiles(b, a, flat)).toBeNull();
    });

    it.each<[string, Record<string, number> | undefined, Record<string, number> | undefined, boolean]>([
      ['a tracker and a staff report', { sentry: 3 }, { 'staff-report': 2 }, true],
      ['several sources each, none in common', { sentry: 3, 'eval-ci': 1 }, { 'staff-report': 2, 'user-feedback': 1 }, true],
      ['one source in common among others', { sentry: 3, 'eval-ci': 1 }, { 'eval-ci': 2, 'user-feedback': 1 }, false],
      ['one source', { langsmith: 4 }, { langsmith: 1 }, false],
      ['sources not known on one side (a profile made before they were recorded)', { sentry: 3 }, {}, false],
      ['sources absent on one side', undefined, { sentry: 1 }, false],
      ['a source counted down to nothing is not sent', { sentry: 2 }, { sentry: 0, 'staff-report': 1 }, true],
    ])('from other sources: %s', (_, a, b, expected) => {
      expect(fromOtherSources({ sources: a }, { sources: b })).toBe(expected);
      expect(fromOtherSources({ sources: b }, { sources: a })).toBe(expected);
    });

    it.each<[string, Record<string, number>, Pick<Profile, 'signals' | 'sources'>, { bar: number; otherSources: boolean } | null]>([
      ['a grown family of the same source', { sentry: 3 }, { signals: 2, sources: { sentry: 2 } }, { bar: CONSOLIDATION.threshold, otherSources: false }],
      ['a grown family of other sources', { sentry: 3 }, { signals: 2, sources: { 'staff-report': 2 } }, { bar: CONSOLIDATION.acrossSources, otherSources: true }],
      ['one signal of another source', { sentry: 3 }, { signals: 1, sources: { 'staff-report': 1 } }, { bar: CONSOLIDATION.acrossSources, otherSources: true }],
      ['one signal of the same source', { sentry: 3 }, { signals: 1, sources: { sentry: 1 } }, null],
      ['one signal, its source not known', { sentry: 3 }, { signals: 1, sources: {} }, null],
      ['a grown family, its sources not known', { sentry: 3 }, { signals: 3 }, { bar: CONSOLIDATION.threshold, otherSources: false }],
    ])('compared with a grown family: %s', (_, own, candidate, expected) => {
      expect(consolidationBar({ sources: own }, candidate)).toEqual(expected);
    });

    describe('a signal alike a grown family of other sources (alikeOfOtherSources)', () => {
      const report = features(comment('Booked our arrival outside the tide window again; the causeway was under water.'));
      const grownEvals = { ...evals, sources: { 'eval-ci': 2 } };
      it.each<[string, Profile[], string | null]>([
        ['a grown family of another source, alike', [grownEvals], 'evals'],
        ['the same family, of the signal’s source', [{ ...evals, sources: { 'user-feedback': 2 } }], null],
        ['the same family, of the signal’s source among others', [{ ...evals, sources: { 'eval-ci': 1, 'user-feedback': 1 } }], null],
        ['a family of one signal of another source', [{ ...family('one', evalFailure('Agent confirmed arrival outside the safe crossing window for the causeway tide.')), sources: { 'eval-ci': 1 } }], null],
        ['a grown family whose sources are not known', [{ ...evals, sources: {} }], null],
        ['a grown family of another source, not alike', [{ ...family('other', evalFailure('Refund issued twice for a cancelled kayak rental.'), evalFailure('Duplicate refund on kayak rental cancellation.')), sources: { 'eval-ci': 2 } }], null],
        ['two, the most alike of them', [{ ...comments, sources: { 'staff-report': 2 } }, grownEvals], 'comments'],
      ])('%s: joins %s', (_, candidates, joined) => {
        const found = alikeOfOtherSources(report, 'user-feedback', candidates, flat);
        expect(found?.familyId ?? null).toBe(joined);
        if (found) expect(found.score).toBeGreaterThanOrEqual(CONSOLIDATION.acrossSources);
      });

      it('scores as two families are scored: the signal as a family of one signal', () => {
        const alone = { familyId: 'report', features: profileOf(comment('Booked our arrival outside the tide window again; the causeway was under water.')), signals: 1, sources: { 'user-feedback': 1 } };
        expect(alikeOfOtherSources(report, 'user-feedback', [grownEvals], flat)!.score).toBeCloseTo(alikeProfiles(alone, grownEvals, flat)!, 10);
      });
    });
  });

  describe('a family of few reports, each of which would join a bigger family (fragmentOf)', () => {
    type S = Parameters<typeof features>[0];
    const family = (familyId: string, ...signals: S[]) => ({ familyId, features: profileOf(...signals), signals: signals.length });
    const anomaly = (title: string, message: string): S => ({ title, message, kind: 'anomaly' });
    const skips = family(
      'skips',
      anomaly('Skip requests cancel the subscription', 'When a member asks to skip a delivery the agent calls cancel_subscription instead of skip_charge.'),
      anomaly('Agent cancels subscription when asked to pause', 'Pause or skip wording routes to the cancellation tool.'),
      anomaly('Skip requests turning into cancellations', 'Restoring founder pricing by hand again. The assistant cancels instead of skipping.'),
      anomaly('Skip requests cancel the subscription', 'membership cancelled on skip request'),
    );
    const gifts = family('gifts', anomaly('Gift subscriptions start a month late', 'Gift boxes begin the month after the recipient redeems.'), anomaly('Gift start date wrong', 'Gift subscription first box ships a month late.'));
    const reinstated = anomaly('Reinstatements after skip requests', 'Customer service: 14 reinstatements this week; members asked to skip a delivery and their subscription was cancelled.');
    const cancelled = anomaly('Cancelled instead of skipped', 'Members who asked to skip a box found their subscription cancelled.');
    const giftLate = anomaly('Gift box late', 'Gift subscription first box ships a month late.');
    const tracking = anomaly('Tracking emails not sent', 'Shipping confirmation emails never arrive.');
    const fragment = family('fragment', reinstated, cancelled);
    const unalike = { ...fragment, features: { ...fragment.features, ...Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`w:other${i}`, 2])) } };

    it.each<[string, Profile, S[], Profile[], string | null]>([
      ['each report would join the bigger family', fragment, [reinstated, cancelled], [skips, gifts], 'skips'],
      ['one report would join no family', fragment, [reinstated, tracking], [skips, gifts], null],
      ['its reports would join two families', fragment, [reinstated, giftLate], [skips, gifts], null],
      ['the two profiles are not alike enough as wholes', unalike, [reinstated, cancelled], [skips, gifts], null],
      ['no report read back', fragment, [], [skips, gifts], null],
      ['no bigger family', fragment, [reinstated, cancelled], [], null],
    ])('%s', (_, own, reports, bigger, into) => {
      const found = fragmentOf(own, reports.map(features), bigger, flat);
      expect(found?.familyId ?? null).toBe(into);
      if (found) expect(found.score).toBeGreaterThanOrEqual(FRAGMENT.bar);
    });

    it('scores each report as a signal is scored, and gives the lowest', () => {
      const scores = [reinstated, cancelled].map((s) => bestSimilar(features(s), [skips], flat)!.score);
      expect(fragmentOf(fragment, [reinstated, cancelled].map(features), [skips], flat)!.score).toBeCloseTo(Math.min(...scores), 10);
    });
  });

  describe('two families compared report by report (alikeReports)', () => {
    type S = Parameters<typeof features>[0];
    const report = (source: string, s: S): Report => ({ source, features: features(s) });
    // One failure (a skip request cancels the subscription), told by an evaluator and by customers.
    const evals = [
      report('evals', { title: 'Subscription cancelled on a skip request', message: 'The agent called cancel_subscription after the member asked to pause deliveries for the summer.', kind: 'anomaly' }),
      report('evals', { title: 'Cancellation instead of skip', message: 'Member wanted to skip one month; the plan was cancelled by the agent.', kind: 'anomaly' }),
    ];
    const customers = [
      report('feedback', { title: 'I only asked to skip July and my subscription is gone', kind: 'negative_feedback' }),
      report('feedback', { title: 'Wanted a pause, got my plan cancelled', kind: 'negative_feedback' }),
    ];
    const asEvals = customers.map((r) => ({ ...r, source: 'evals' }));
    const gifts = [report('feedback', { title: 'Gift subscription first box ships a month late', kind: 'negative_feedback' })];
    const timeouts = [
      report('gateway', { title: 'cancel_subscription timed out', message: 'upstream returned 504 after 30s', tool: 'cancel_subscription' }),
      report('gateway', { title: 'cancel_subscription 429 rate limited', message: 'Too many requests', tool: 'cancel_subscription' }),
    ];
    it.each<[string, Report[], Report[], 'alike' | 'not alike' | null]>([
      ['one failure told by two sources', evals, customers, 'alike'],
      ['the same words from the evaluator\'s own source', evals, asEvals, 'not alike'],
      ['another failure of the workflow', customers, gifts, 'not alike'],
      ['evidence tells a pair apart (a timeout and a rate limit of one tool)', timeouts.slice(0, 1), timeouts.slice(1), null],
      ['no reports on one side', evals, [], null],
    ])('%s', (_, a, b, expected) => {
      const score = alikeReports(a, b, flat);
      expect(score === null ? null : score >= REPORTS.threshold ? 'alike' : 'not alike').toBe(expected);
      if (score !== null) expect(alikeReports(b, a, flat)).toBeCloseTo(score, 10);
    });

    it('averages every pair of a report of each', () => {
      const pairs = evals.flatMap((x) => customers.map((y) => reportPairScore(x, y, flat)!));
      expect(alikeReports(evals, customers, flat)).toBeCloseTo(pairs.reduce((a, b) => a + b, 0) / pairs.length, 10);
    });

    describe('a pair of reports (reportPairScore)', () => {
      const [skip, skipAgain] = [customers[0]!, evals[0]!];
      const signalScore = (x: Report, y: Report) => bestSimilar(x.features, [{ familyId: 'y', features: foldProfile({}, y.features) }], flat)?.score;

      it('is what a signal of one scores against a family of the other alone, the lower way', () => {
        const [there, back] = [signalScore(skip, skipAgain)!, signalScore(skipAgain, skip)!];
        expect(Math.min(there, back)).toBeGreaterThan(0);
        expect(reportPairScore(skip, skipAgain, flat)).toBeCloseTo(Math.min(there, back), 10);
        expect(reportPairScore(skipAgain, skip, flat)).toBeCloseTo(Math.min(there, back), 10);
      });

      it.each<[string, Report, Report, number]>([
        ['two sources', skip, skipAgain, 0],
        ['one source, under oneSourceBelow', skip, { ...skipAgain, source: skip.source }, -REPORTS.oneSource],
        ['one source, the same words', skip, { ...skip }, 0],
        ['the same tool timing out, two sources', timeouts[0]!, report('traces', { title: 'Timeout calling cancel_subscription', tool: 'cancel_subscription' }), REPORTS.sameFailure],
      ])('%s', (_, x, y, change) => {
        const plain = reportPairScore({ ...x, source: 'x' }, { ...y, source: 'y' }, flat)!;
        const bonus = sameFailure(x.features, foldProfile({}, y.features)) ? REPORTS.sameFailure : 0;
        expect(reportPairScore(x, y, flat)! - (plain - bonus)).toBeCloseTo(change, 10);
      });

      it('is null when evidence tells the two apart', () => {
        expect(vetoed(timeouts[0]!.features, foldProfile({}, timeouts[1]!.features)) || vetoed(timeouts[1]!.features, foldProfile({}, timeouts[0]!.features))).toBe(true);
        expect(reportPairScore(timeouts[0]!, timeouts[1]!, flat)).toBeNull();
      });
    });
  });

  it('profiles fold counts and keep the most frequent features', () => {
    expect(foldCounts({ a: 1 }, { a: 2, b: 1 })).toEqual({ a: 3, b: 1 });
    const big = Object.fromEntries(Array.from({ length: SIMILARITY.maxProfileFeatures + 10 }, (_, i) => [`w:f${i}`, i]));
    const folded = foldCounts(big, {});
    expect(Object.keys(folded)).toHaveLength(SIMILARITY.maxProfileFeatures);
    expect(folded).not.toHaveProperty('w:f0');
  });
});
