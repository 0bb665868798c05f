// LLM-assisted evaluator drafting against a local fake OpenAI-compatible endpoint: a valid answer is used,
// anything else (invalid, failing, slow, off) leaves the deterministic template in place.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { draftSpec } from '../../src/evaluators/draft_llm.js';
import { evaluatorSpecSchema } from '../../src/evaluators/spec_schema.js';
import { generateSpec, type FamilyForEvaluator } from '../../src/evaluators/templates.js';

const family: FamilyForEvaluator & { severity: 0 } = {
  title: 'Agent refunds jane.doe@example.com twice',
  description: 'issue_refund is called twice for the same order',
  kind: 'anomaly',
  boundary: 'tool_contract',
  severity: 0,
  tool: 'issue_refund',
  errorType: null,
};
const template = generateSpec(family);

describe('LLM drafting', () => {
  let server: Server;
  let url: string;
  let answer: { status: number; content: string; hang?: boolean };
  const requests: any[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        requests.push({ path: req.url, auth: req.headers.authorization, body: JSON.parse(body) });
        if (answer.hang) return;
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: answer.content } }] }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const llm = () => ({ url, apiKey: 'sk-test-key', model: 'test-model', timeoutMs: 500 });

  it('uses a draft that validates against the spec schema, and sends nothing unredacted', async () => {
    const drafted = { version: 1, type: 'tool_loop', tool: 'issue_refund', max_consecutive: 1, rationale: 'refund must happen once' };
    answer = { status: 200, content: JSON.stringify(drafted) };
    expect(await draftSpec(llm(), family, template)).toEqual({ spec: drafted, source: 'llm' });
    const sent = requests.at(-1);
    expect(sent).toMatchObject({ path: '/v1/chat/completions', auth: 'Bearer sk-test-key', body: { model: 'test-model', response_format: { type: 'json_object' } } });
    expect(JSON.stringify(sent.body)).not.toContain('jane.doe@example.com');
  });

  it.each([
    ['not JSON', { status: 200, content: 'sure! here is an evaluator' }, 'llm unavailable'],
    ['another shape', { status: 200, content: JSON.stringify({ version: 1, type: 'vibes' }) }, 'llm spec invalid'],
    ['a broken regex', { status: 200, content: JSON.stringify({ version: 1, type: 'forbidden_error', tool: null, error_type: null, message_pattern: '(', rationale: 'r' }) }, 'llm spec invalid'],
    ['a 500', { status: 500, content: '' }, 'llm answered 500'],
    ['no answer in time', { status: 200, content: '', hang: true }, 'llm unavailable'],
  ])('falls back to the template on %s', async (_, reply, reason) => {
    answer = reply;
    const out = await draftSpec(llm(), family, template);
    expect(out.spec).toEqual(template);
    expect(out.source).toBe('template');
    expect((out as { reason: string }).reason).toContain(reason);
  });

  it('is off without settings, and asks nothing', async () => {
    const before = requests.length;
    expect(await draftSpec(null, family, template)).toMatchObject({ spec: template, source: 'template' });
    expect(requests.length).toBe(before);
  });
});

describe('templates and the published spec schema', () => {
  it.each([
    { title: 'x calls issue_refund before lookup_refund_policy' },
    { title: 'Agent loops on lookup_order' },
    { title: 'lookup_order timed out after 3s', kind: 'timeout' },
    { title: 'send_email failed', description: "SMTP 550 for 'x'", kind: 'tool_error', tool: 'send_email', errorType: 'SMTPError' },
    { title: 'Wrong tone', kind: 'negative_feedback' },
  ])('every template output validates: %j', (over) => {
    const spec = generateSpec({ ...family, ...over } as FamilyForEvaluator);
    expect(evaluatorSpecSchema.safeParse(spec).success).toBe(true);
  });
});
