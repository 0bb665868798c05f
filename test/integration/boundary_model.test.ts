// The optional model judgement of a family the rules leave `unknown` (or to its words' guess), against a fake
// OpenAI-compatible server on loopback: a good answer is stored as the model's, anything else (garbage,
// `unknown`, a 500, no answer in time) keeps `unknown` or the guess; the model is asked outside any transaction, so a person's change while it thinks wins.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { families, familyHistory } from '../../src/db/schema/index.js';
import { classifySignalBoundary } from '../../src/families/boundary.js';
import { judgeBoundaryByModel, type FamilyEvidenceForModel } from '../../src/families/boundary_model.js';
import { eventually, settled, startHarness, type Harness } from '../helpers/recur.js';

interface Reply {
  status: number;
  content: string;
  delayMs?: number;
  hang?: boolean;
}

describe('model judgement of unknown boundaries', () => {
  let server: Server;
  let url: string;
  let reply: Reply;
  const requests: Array<{ path: string | undefined; auth: string | undefined; body: any }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        requests.push({ path: req.url, auth: req.headers.authorization, body: JSON.parse(body) });
        const current = reply;
        if (current.hang) return;
        setTimeout(() => {
          res.writeHead(current.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: current.content } }] }));
        }, current.delayMs ?? 0);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    requests.length = 0;
  });

  /** The evaluator drafting uses the same endpoint: only the boundary questions count here. */
  const asked = () => requests.filter((r) => String(r.body.messages?.[0]?.content).startsWith('You classify where'));
  const good = (boundary: string, reason: string): Reply => ({ status: 200, content: JSON.stringify({ boundary, reason }) });

  describe('judgeBoundaryByModel', () => {
    const evidence: FamilyEvidenceForModel = {
      title: 'Customer jane.doe@example.com says the answer quoted last year\u2019s prices',
      description: 'Reported with key sk-proj-abcdefghijklmnopqrstuvwxyz0123',
      workflow: 'pricing-agent',
      kind: 'negative_feedback',
      tool: null,
      errorType: null,
      templates: ['the answer quoted <num> prices for <email>'],
      comments: ['ping ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
    };
    const llm = () => ({ url, apiKey: 'sk-test-key', model: 'test-model', timeoutMs: 400 });

    it('takes a valid answer, and sends only redacted evidence', async () => {
      reply = good('context_source', 'the answer relies on a stale price list');
      expect(await judgeBoundaryByModel(llm(), evidence)).toEqual({ result: 'answered', boundary: 'context_source', reason: 'the answer relies on a stale price list' });
      const [sent] = requests;
      expect(sent).toMatchObject({ path: '/v1/chat/completions', auth: 'Bearer sk-test-key', body: { model: 'test-model', response_format: { type: 'json_object' } } });
      const text = JSON.stringify(sent!.body);
      expect(text).toContain('pricing-agent');
      for (const secret of ['jane.doe@example.com', 'sk-proj-abcdefghijklmnopqrstuvwxyz0123', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789']) expect(text).not.toContain(secret);
    });

    it('takes an answer inside a json fence', async () => {
      reply = { status: 200, content: '```json\n{"boundary": "prompt", "reason": "tone"}\n```' };
      expect(await judgeBoundaryByModel(llm(), evidence)).toMatchObject({ result: 'answered', boundary: 'prompt' });
    });

    it.each<[string, Reply, string]>([
      ['garbage', { status: 200, content: 'I think it is probably the prompt?' }, 'did not name'],
      ['unknown', { status: 200, content: JSON.stringify({ boundary: 'unknown', reason: 'cannot tell' }) }, 'did not name'],
      ['a boundary outside the six', { status: 200, content: JSON.stringify({ boundary: 'database', reason: 'x' }) }, 'did not name'],
      ['no reason', { status: 200, content: JSON.stringify({ boundary: 'prompt', reason: '  ' }) }, 'did not name'],
      ['a 500', { status: 500, content: '' }, 'answered 500'],
      ['no answer in time', { status: 200, content: '', hang: true }, 'unavailable'],
    ])('fails on %s', async (_, answer, why) => {
      reply = answer;
      const started = Date.now();
      const judged = await judgeBoundaryByModel(llm(), evidence);
      expect(judged.result).toBe('failed');
      expect((judged as { reason: string }).reason).toContain(why);
      expect(Date.now() - started).toBeLessThan(3_000);
    });
  });

  describe('in the ticket sync', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ backend: 'pglite', env: { RECUR_LLM_URL: url, RECUR_LLM_MODEL: 'test-model' } });
    });
    afterAll(() => h?.close());

    const send = async (s: object) => {
      const res = await h.app.request('/v1/signals', { method: 'POST', body: JSON.stringify(s), headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(202);
    };
    /** User feedback no rule reads: the rules leave its family unknown. */
    const vague = (workflow: string) => ({
      id: randomUUID(),
      source: 'feedback-widget',
      kind: 'negative_feedback',
      workflow,
      title: 'Customer said the reply was not what they wanted',
      severity: 0,
      trace: { trace_id: `t-${randomUUID()}`, run_id: 'r' },
    });
    const familyOf = async (workflow: string) => (await h.services.database.db.select().from(families).where(eq(families.workflow, workflow)))[0]!;

    it('starts from a family the rules leave unknown', () => {
      expect(classifySignalBoundary({ title: vague('x').title, kind: 'negative_feedback', workflow: 'x' }).boundary).toBe('unknown');
    });

    it("stores a good answer as the model's, says so on the ticket and in history", async () => {
      reply = good('prompt', 'the replies ignore what the customer asked for');
      await send(vague('concierge'));
      expect(await settled(h.services)).toBe(true);
      const family = await familyOf('concierge');
      expect(family).toMatchObject({
        boundary: 'prompt',
        boundarySource: 'model',
        boundaryConfidence: null,
        boundaryReasons: ['the model test-model judged: the replies ignore what the customer asked for'],
      });
      expect(asked()).toHaveLength(1);
      const res = await h.app.request(`/v1/families/${family.id}`);
      const json = (await res.json()) as any;
      expect(json.boundary_detail).toEqual({ source: 'model', confidence: null, reasons: ['the model test-model judged: the replies ignore what the customer asked for'] });
      expect(json.history.find((e: any) => e.actor === 'model:test-model')).toMatchObject({ action: 'updated', detail: { boundary: { from: 'unknown', to: 'prompt' } } });
      const [issue] = ((await (await h.app.request('/v1/local-issues')).json()) as any).items.filter((i: any) => i.family_id === family.id);
      expect(issue.body).toContain("`prompt` (the model's judgement, not checked by recur's rules)");
      expect(issue.labels).toContain('boundary:prompt');
    });

    it('keeps unknown on a failure, and does not ask again at every sync', async () => {
      reply = { status: 500, content: '' };
      await send(vague('helpdesk'));
      expect(await settled(h.services)).toBe(true);
      expect(await familyOf('helpdesk')).toMatchObject({ boundary: 'unknown', boundarySource: 'rules', boundaryModelAt: expect.any(Date) });
      expect(asked()).toHaveLength(1);
      reply = good('prompt', 'too late');
      await send(vague('helpdesk'));
      expect(await settled(h.services)).toBe(true);
      expect((await familyOf('helpdesk')).boundary).toBe('unknown');
      expect(asked()).toHaveLength(1);
    });

    it('keeps unknown on a garbage answer', async () => {
      reply = { status: 200, content: '{"boundary": "vibes"}' };
      await send(vague('sales-bot'));
      expect(await settled(h.services)).toBe(true);
      expect(await familyOf('sales-bot')).toMatchObject({ boundary: 'unknown', boundarySource: 'rules', boundaryReasons: [] });
      expect(asked()).toHaveLength(1);
    });

    it('holds no lock while the model thinks, and a person who decides meanwhile wins', async () => {
      reply = { ...good('downstream_api', 'slow answer'), delayMs: 1_500 };
      await send(vague('onboarding'));
      await eventually(async () => asked().length === 1, 10_000, 20);
      const family = await familyOf('onboarding');
      const started = Date.now();
      const res = await h.app.request(`/v1/families/${family.id}`, { method: 'PATCH', body: JSON.stringify({ boundary: 'context_source' }), headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(await settled(h.services)).toBe(true);
      await new Promise((r) => setTimeout(r, 1_700));
      expect(await familyOf('onboarding')).toMatchObject({ boundary: 'context_source', boundarySource: 'person' });
      const history = await h.services.database.db.select().from(familyHistory).where(eq(familyHistory.familyId, family.id));
      expect(history.some((e) => e.actor === 'model:test-model')).toBe(false);
    });

    it("asks about a family only the words placed, and the model's answer outranks them; on a failure the words' guess stays", async () => {
      const worded = (workflow: string) => ({ ...vague(workflow), title: 'the hours the bot gives do not match the website' });
      reply = { status: 500, content: '' };
      await send(worded('museum-desk'));
      expect(await settled(h.services)).toBe(true);
      const guessed = await familyOf('museum-desk');
      expect(guessed).toMatchObject({ boundary: 'context_source', boundarySource: 'words', boundaryModelAt: expect.any(Date) });
      expect(asked()).toHaveLength(1);
      const [guessedIssue] = ((await (await h.app.request('/v1/local-issues')).json()) as any).items.filter((i: any) => i.family_id === guessed.id);
      expect(guessedIssue.body).toMatch(/`context_source` \(a guess from the words of the signals: no rule read them, confidence 0\.\d\d\)\n- worded like "\w+"/);

      reply = good('prompt', 'the replies ignore the opening hours in the instructions');
      await send(worded('garden-desk'));
      expect(await settled(h.services)).toBe(true);
      const judged = await familyOf('garden-desk');
      expect(judged).toMatchObject({ boundary: 'prompt', boundarySource: 'model' });
      const history = await h.services.database.db.select().from(familyHistory).where(eq(familyHistory.familyId, judged.id));
      expect(history.find((e) => e.actor === 'model:test-model')?.detail).toMatchObject({ boundary: { from: 'context_source', to: 'prompt' }, boundary_source: { from: 'words', to: 'model' } });
      // More worded signals keep the model's answer.
      await send(worded('garden-desk'));
      expect(await settled(h.services)).toBe(true);
      expect(await familyOf('garden-desk')).toMatchObject({ boundary: 'prompt', boundarySource: 'model' });
    });

    it('never asks about a family a person set to unknown', async () => {
      reply = good('prompt', 'x');
      await send({ ...vague('kiosk'), severity: 3 });
      expect(await settled(h.services)).toBe(true);
      const family = await familyOf('kiosk');
      expect(family.boundarySource).toBe('model');
      requests.length = 0;
      await h.app.request(`/v1/families/${family.id}`, { method: 'PATCH', body: JSON.stringify({ boundary: 'unknown' }), headers: { 'content-type': 'application/json' } });
      await h.services.database.db.update(families).set({ boundaryModelAt: null }).where(eq(families.id, family.id));
      await send({ ...vague('kiosk'), severity: 3 });
      expect(await settled(h.services)).toBe(true);
      expect(await familyOf('kiosk')).toMatchObject({ boundary: 'unknown', boundarySource: 'person' });
      expect(asked()).toHaveLength(0);
    });
  });
});
