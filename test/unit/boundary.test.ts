import { describe, expect, it } from 'vitest';
import { classifyBoundary, type BoundaryInput, type BoundaryRule } from '../../src/families/boundary.js';
import type { Boundary } from '../../src/families/types.js';

type Case = [input: BoundaryInput, boundary: Boundary, rule: string];

function t(title: string, extra: Omit<BoundaryInput, 'title'> = {}): BoundaryInput {
  return { title, ...extra };
}

describe('classifyBoundary: built-in rules', () => {
  it.each<Case>([
    // downstream_api: timeouts
    [t('Tool search_orders timed out after 30s'), 'downstream_api', 'builtin:timeout'],
    [t('Request timeout calling inventory service'), 'downstream_api', 'builtin:timeout'],
    [t('tool failed', { errorType: 'httpx.ReadTimeout' }), 'downstream_api', 'builtin:timeout'],
    [t('tool failed', { errorType: 'APITimeoutError' }), 'downstream_api', 'builtin:timeout'],
    [t('rpc failed', { message: 'DEADLINE_EXCEEDED: deadline exceeded after 5s' }), 'downstream_api', 'builtin:timeout'],
    [t('connect ETIMEDOUT 10.0.0.5:443'), 'downstream_api', 'builtin:timeout'],
    [t('504 Gateway Timeout from payments'), 'downstream_api', 'builtin:timeout'],
    // downstream_api: 5xx
    [t('payments API returned 502 Bad Gateway'), 'downstream_api', 'builtin:server-error'],
    [t('HTTP 503 from inventory service'), 'downstream_api', 'builtin:server-error'],
    [t('Tool call failed', { message: 'status_code=500' }), 'downstream_api', 'builtin:server-error'],
    [t('CRM says: Service Unavailable'), 'downstream_api', 'builtin:server-error'],
    [t('upstream failure', { errorType: 'InternalServerError' }), 'downstream_api', 'builtin:server-error'],
    [t('Shipping API flaky (5xx)'), 'downstream_api', 'builtin:server-error'],
    // downstream_api: rate limits, including the model provider's
    [t('429 Too Many Requests from geocoder'), 'downstream_api', 'builtin:rate-limit'],
    [t('Rate limit on gpt-4o'), 'downstream_api', 'builtin:rate-limit'],
    [t('LLM call failed', { message: 'Error code: 429 - rate_limit_exceeded' }), 'downstream_api', 'builtin:rate-limit'],
    [t('Request too large for gpt-4o on tokens per min (TPM): Limit 30000'), 'downstream_api', 'builtin:rate-limit'],
    [t('tool failed', { errorType: 'RateLimitError' }), 'downstream_api', 'builtin:rate-limit'],
    [t('Search API throttled'), 'downstream_api', 'builtin:rate-limit'],
    [t('GitHub: 403 You have exceeded a secondary rate limit'), 'downstream_api', 'builtin:rate-limit'],
    [t('Vertex call failed: RESOURCE_EXHAUSTED'), 'downstream_api', 'builtin:rate-limit'],
    // downstream_api: connections
    [t('connect ECONNREFUSED 10.0.0.5:5432'), 'downstream_api', 'builtin:connection'],
    [t('read ECONNRESET'), 'downstream_api', 'builtin:connection'],
    [t('Tool fetch_invoice failed: socket hang up'), 'downstream_api', 'builtin:connection'],
    [t('getaddrinfo ENOTFOUND api.internal'), 'downstream_api', 'builtin:connection'],
    [t('llm call failed', { errorType: 'APIConnectionError' }), 'downstream_api', 'builtin:connection'],
    // permission
    [t('401 Unauthorized from CRM'), 'permission', 'builtin:permission'],
    [t('Tool returned HTTP 403'), 'permission', 'builtin:permission'],
    [t('403 Forbidden calling Zendesk'), 'permission', 'builtin:permission'],
    [t('Access denied to bucket invoices'), 'permission', 'builtin:permission'],
    [t('EACCES: permission denied, open /data/x'), 'permission', 'builtin:permission'],
    [t('Slack post failed: missing_scope', { message: 'insufficient scope: chat:write' }), 'permission', 'builtin:permission'],
    [t('Token lacks required permissions'), 'permission', 'builtin:permission'],
    [t('Incorrect API key provided'), 'permission', 'builtin:permission'],
    [t('auth failed', { errorType: 'PermissionDeniedError' }), 'permission', 'builtin:permission'],
    [t('timeout retry hit permission denied'), 'permission', 'builtin:permission'],
    // tool_contract
    [t('Tool output did not match schema'), 'tool_contract', 'builtin:tool-contract'],
    [t('1 validation error for RefundArgs', { message: 'order_id\n  Field required' }), 'tool_contract', 'builtin:tool-contract'],
    [t('tool failed', { errorType: 'ValidationError' }), 'tool_contract', 'builtin:tool-contract'],
    [t("issue_refund() got an unexpected keyword argument 'amount_cents'"), 'tool_contract', 'builtin:tool-contract'],
    [t("lookup_order() missing 1 required positional argument: 'order_id'"), 'tool_contract', 'builtin:tool-contract'],
    [t("'order_id' is a required property"), 'tool_contract', 'builtin:tool-contract'],
    [t('Missing required parameter: currency'), 'tool_contract', 'builtin:tool-contract'],
    [t('Invalid arguments for tool issue_refund'), 'tool_contract', 'builtin:tool-contract'],
    [t('Failed to parse tool arguments as JSON'), 'tool_contract', 'builtin:tool-contract'],
    [t("'abc' is not of type 'integer'"), 'tool_contract', 'builtin:tool-contract'],
    [t('TypeError: issue_refund() takes 2 positional arguments but 3 were given'), 'tool_contract', 'builtin:tool-contract'],
    [t('Extra inputs are not permitted'), 'tool_contract', 'builtin:tool-contract'],
    [t("Tool 'refund_v3' not found"), 'tool_contract', 'builtin:tool-contract'],
    // context_source
    [t('Agent answered with outdated refund policy document'), 'context_source', 'builtin:stale-context'],
    [t('Stale context retrieved for order question'), 'context_source', 'builtin:stale-context'],
    [t('Irrelevant documents in answer'), 'context_source', 'builtin:stale-context'],
    [t('Retrieved wrong document for warranty question'), 'context_source', 'builtin:stale-context'],
    [t('Retriever returned 0 documents for query'), 'context_source', 'builtin:empty-retrieval'],
    [t('Retrieval returned nothing'), 'context_source', 'builtin:empty-retrieval'],
    [t('No relevant documents found for query'), 'context_source', 'builtin:empty-retrieval'],
    [t('Citation not found in sources'), 'context_source', 'builtin:citation'],
    [t('Search returned no results', { tool: 'retrieve_policy_docs' }), 'context_source', 'builtin:empty-retrieval-tool'],
    // model_route
    [t('timeout calling the model: model overloaded'), 'model_route', 'builtin:model-overloaded'],
    [t('LLM error', { message: "Error code: 529 - {'type': 'overloaded_error'}" }), 'model_route', 'builtin:model-overloaded'],
    [t('The model `gpt-5` does not exist or you do not have access to it.'), 'model_route', 'builtin:model-not-found'],
    [t('model_not_found: claude-4-opus'), 'model_route', 'builtin:model-not-found'],
    [t("This model's maximum context length is 128000 tokens"), 'model_route', 'builtin:context-length'],
    [t('LLM failed', { message: 'context_length_exceeded' }), 'model_route', 'builtin:context-length'],
    [t('llm failed', { errorType: 'ContextWindowExceededError' }), 'model_route', 'builtin:context-length'],
    [t('prompt is too long: 210000 tokens > 200000 maximum'), 'model_route', 'builtin:context-length'],
    [t('Router used fallback model for premium tenant'), 'model_route', 'builtin:model-fallback'],
    [t('Request served by wrong model'), 'model_route', 'builtin:model-fallback'],
    // prompt
    [t('Agent ignored system instructions'), 'prompt', 'builtin:instructions'],
    [t('System prompt leaked to user'), 'prompt', 'builtin:instructions'],
    [t('Prompt injection in tool output'), 'prompt', 'builtin:instructions'],
    [t('Jailbreak attempt succeeded'), 'prompt', 'builtin:instructions'],
    [t('Hallucinated order status'), 'prompt', 'builtin:hallucination'],
    [t('Agent made up a tracking number'), 'prompt', 'builtin:hallucination'],
    [t('eval: answer not grounded in retrieved context'), 'prompt', 'builtin:hallucination'],
    [t('Refund policy violation'), 'prompt', 'builtin:policy-violation'],
    [t('Off-topic answer about weather'), 'prompt', 'builtin:behaviour'],
    [t('Agent refused a valid refund request'), 'prompt', 'builtin:behaviour'],
    [t('Rude tone in reply', { kind: 'negative_feedback' }), 'prompt', 'builtin:behaviour'],
    // kind alone
    [t('search_orders', { kind: 'timeout' }), 'downstream_api', 'builtin:timeout-kind'],
    [t('model overloaded', { kind: 'timeout' }), 'model_route', 'builtin:model-overloaded'],
  ])('%j -> %s (%s)', (input, boundary, rule) => {
    expect(classifyBoundary(input)).toEqual({ boundary, rule });
  });
});

describe('classifyBoundary: stays unknown', () => {
  it.each<[BoundaryInput]>([
    [t('Tool selection inconsistency')],
    [t('Refund flow calls payment API before policy check')],
    [t('Same ordering; customer jane.doe@example.com refunded 412.80 outside window.')],
    [t('Refund failed for order 84013')],
    [t('Refund failed for order 401')],
    [t('Customer asked about order 503 status')],
    [t('Query returned 500 rows')],
    [t('get_schema tool slow')],
    [t('checkPermissions tool returned false')],
    [t('TypeError: Cannot read properties of undefined')],
    [t('Unexpected token < in JSON at position 0')],
    [t('User gave thumbs down', { kind: 'negative_feedback' })],
    [t('Latency anomaly on checkout', { kind: 'anomaly' })],
    [t('Search returned no results', { tool: 'search_orders' })],
    [t('Agent looped 12 times without progress')],
    [t('Milestone reached')],
    [t('')],
  ])('%j', (input) => {
    expect(classifyBoundary(input)).toEqual({ boundary: 'unknown', rule: 'default' });
  });
});

describe('classifyBoundary: precedence', () => {
  const rules: BoundaryRule[] = [
    { match: /billing-gateway/i, boundary: 'downstream_api' },
    { match: /refund_v2/g, boundary: 'tool_contract' },
    { match: /policy check/i, boundary: 'prompt' },
  ];

  it.each<[string, BoundaryInput, BoundaryRule[], Boundary, string]>([
    ['explicit wins over everything', t('403 Forbidden', { explicit: 'tool_contract' }), rules, 'tool_contract', 'explicit'],
    ['explicit unknown is ignored', t('403 Forbidden', { explicit: 'unknown' }), [], 'permission', 'builtin:permission'],
    ['a config rule beats the built-ins', t('billing-gateway timed out'), rules, 'downstream_api', 'config:0'],
    ['config rules see the message', t('Tool failed', { message: 'call to refund_v2 rejected: 401' }), rules, 'tool_contract', 'config:1'],
    ['config rules see the error type', t('Tool failed', { errorType: 'billing-gateway.Error' }), rules, 'downstream_api', 'config:0'],
    ['the first config rule that matches wins', t('billing-gateway before policy check'), rules, 'downstream_api', 'config:0'],
    ['config turns an unknown title into a boundary', t('Refund flow calls payment API before policy check'), rules, 'prompt', 'config:2'],
    ['no config match falls through to built-ins', t('HTTP 502 from CRM'), rules, 'downstream_api', 'builtin:server-error'],
    ['config rules are not consulted over tool names', t('Tool failed', { tool: 'billing-gateway' }), rules, 'unknown', 'default'],
    ['model overloaded beats the generic timeout', t('Timeout: model overloaded'), [], 'model_route', 'builtin:model-overloaded'],
    ['permission denied beats the generic timeout', t('Timed out after permission denied'), [], 'permission', 'builtin:permission'],
    ['a tool contract error beats a 5xx', t('HTTP 500: validation error on field amount'), [], 'tool_contract', 'builtin:tool-contract'],
    ['a timeout beats vague context words', t('Retrieval timed out, answered with missing context'), [], 'downstream_api', 'builtin:timeout'],
    ['connection refused is not a refusal', t('Agent failed: connection refused'), [], 'downstream_api', 'builtin:connection'],
    ['text beats the timeout kind', t('context length exceeded', { kind: 'timeout' }), [], 'model_route', 'builtin:context-length'],
  ])('%s', (_, input, config, boundary, rule) => {
    expect(classifyBoundary(input, config)).toEqual({ boundary, rule });
  });

  it('matches a /g config rule every time, whatever its lastIndex', () => {
    const rule: BoundaryRule = { match: /refund_v2/g, boundary: 'tool_contract' };
    for (let i = 0; i < 3; i++) {
      expect(classifyBoundary(t('refund_v2 failed'), [rule]).rule).toBe('config:0');
    }
  });
});
