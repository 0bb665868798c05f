// Every family gets a boundary with its reasons and an owner with the rule that matched, through the real
// pipeline with local tickets and an owners file on disk, on PGlite and on PostgreSQL; a person's boundary
// wins, stays, and is learned by new families with the same evidence until the correction is withdrawn.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { families, familyHistory, localIssues, tickets } from '../../src/db/schema/index.js';
import { createDatabase } from '../helpers/postgres.js';
import { settled, startHarness, type Backend, type Harness } from '../helpers/recur.js';

const OWNERS = ['# owners by tool and workflow', 'workflow:support-*   @acme/support', 'tool:stripe_*        @acme/payments @carol', 'tool:legacy_*', 'prompts/refund/**    @acme/refund-prompts', ''].join('\n');

const pgUrl = inject('pgUrl');
const backends: Array<{ backend: Backend; skip: boolean }> = [
  { backend: 'pglite', skip: false },
  { backend: 'postgres', skip: !pgUrl },
];

describe.each(backends)('boundary and owner, with the reasons, with local tickets on $backend', ({ backend, skip }) => {
  let h: Harness;
  let dir: string;
  let ownersPath: string;
  let dropDb: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'recur-owners-'));
    ownersPath = join(dir, 'RECUR_OWNERS');
    writeFileSync(ownersPath, OWNERS);
    const database = backend === 'pglite' ? undefined : await createDatabase(pgUrl);
    dropDb = database?.drop;
    h = await startHarness({
      backend,
      databaseUrl: database?.url,
      file: {
        tickets: { codeowners_path: ownersPath },
        owners: [{ match: { workflow: 'billing-*' }, team: 'acme/billing' }],
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await dropDb?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const request = async (method: string, path: string, body?: unknown) => {
    const res = await h.app.request(path, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
    return { status: res.status, json: (await res.json()) as any };
  };
  const send = async (...signals: object[]) => {
    expect((await request('POST', '/v1/signals', { signals })).status).toBe(202);
    expect(await settled(h.services)).toBe(true);
  };
  const signal = (over: Record<string, unknown>) => ({
    id: randomUUID(),
    source: 'tool-gateway',
    kind: 'tool_error',
    severity: 0,
    trace: { trace_id: `t-${randomUUID()}`, run_id: 'r', start_time: new Date().toISOString() },
    ...over,
  });
  /** Zendesk answering 401 to the support agent: the same failure each time, so one family. */
  const unauthorized = (workflow = 'support-agent') =>
    signal({ workflow, title: 'PUT /api/v2/tickets/{id} failed', message: 'Couldn\u2019t update the ticket', tool: 'zendesk_update_ticket', attributes: { 'http.response.status_code': 401 } });
  const familyOf = async (workflow: string) => {
    const { json } = await request('GET', `/v1/families?workflow=${workflow}`);
    expect(json.items).toHaveLength(1);
    return json.items[0];
  };
  const issueOf = async (familyId: string) => {
    const [ticket] = await h.services.database.db.select().from(tickets).where(eq(tickets.familyId, familyId));
    const [issue] = await h.services.database.db.select().from(localIssues).where(eq(localIssues.number, ticket!.number));
    return { ticket: ticket!, issue: issue! };
  };
  const section = (body: string, heading: string) => body.split(`### ${heading}\n`)[1]!.split('\n\n###')[0]!;

  it.skipIf(skip)('decides the boundary from every signal, with the reasons, in the API and the ticket', async () => {
    await send(unauthorized(), unauthorized(), unauthorized());
    const family = await familyOf('support-agent');
    expect(family.boundary).toBe('permission');
    expect(family.boundary_detail).toEqual({ source: 'rules', confidence: 0.9, reasons: ['401 from zendesk_update_ticket in 3 of 3 signals'] });
    const { issue } = await issueOf(family.id);
    expect(issue.labels).toContain('boundary:permission');
    expect(section(issue.body, 'Boundary').split('\n').slice(0, 2)).toEqual([
      "`permission` (suspected, from recur's rules, confidence 0.90)",
      '- 401 from zendesk_update_ticket in 3 of 3 signals',
    ]);
  });

  it.skipIf(skip)('says why each trace joined its family', async () => {
    const family = await familyOf('support-agent');
    const { issue } = await issueOf(family.id);
    const evidence = section(issue.body, 'Evidence').split('\n').filter((l) => l.startsWith('- '));
    expect(evidence).toHaveLength(3);
    expect(evidence.filter((l) => l.includes(' · first seen'))).toHaveLength(1);
    expect(evidence.filter((l) => l.includes(' · same error text'))).toHaveLength(2);
  });

  it.skipIf(skip)('takes the owner from the owners file when no recur.yaml rule matches, and says which line', async () => {
    const family = await familyOf('support-agent');
    expect(family.owner).toEqual({ team: 'acme/support', assignees: [], reason: `${ownersPath} line 2: workflow:support-* @acme/support` });
    const { issue } = await issueOf(family.id);
    const owner = section(issue.body, 'Owner').split('\n');
    expect(owner[0]).toBe('Team: @acme/support');
    // The reason is shown inert: no second mention of the team.
    expect(owner[1]).toMatch(/^Why: .*RECUR_OWNERS line 2: workflow:support-\* @\u200Dacme\/support$/);
    expect(issue.labels).not.toContain('needs-owner');
  });

  it.skipIf(skip)('uses a recur.yaml rule before the file, and a file line without owners leaves the family unowned on purpose', async () => {
    await send(signal({ workflow: 'billing-agent', title: 'stripe_refund returned 402 Payment Required', tool: 'stripe_refund' }));
    const billing = await familyOf('billing-agent');
    expect(billing.owner).toEqual({ team: 'acme/billing', assignees: [], reason: 'recur.yaml owners[0]: workflow billing-*' });

    await send(signal({ workflow: 'ops-agent', title: 'legacy_export crashed with SegFault', tool: 'legacy_export' }));
    const legacy = await familyOf('ops-agent');
    expect(legacy.owner).toEqual({ team: null, assignees: [], reason: `${ownersPath} line 4: tool:legacy_* (no owners)` });
    const { issue } = await issueOf(legacy.id);
    expect(issue.labels).toContain('needs-owner');
    expect(section(issue.body, 'Owner')).toContain('RECUR_OWNERS line 4: tool:legacy_* (no owners)');
  });

  it.skipIf(skip)('matches path lines against the prompt file a signal names', async () => {
    await send(signal({ workflow: 'refund-agent', kind: 'eval_failure', title: 'tone_check failed: the reply was curt', attributes: { 'prompt.path': 'prompts/refund/system.md' } }));
    expect((await familyOf('refund-agent')).owner).toEqual({ team: 'acme/refund-prompts', assignees: [], reason: `${ownersPath} line 5: prompts/refund/** @acme/refund-prompts` });
  });

  it.skipIf(skip)('reads the owners file again at the next sync: an edit shows up', async () => {
    writeFileSync(ownersPath, `${OWNERS}tool:legacy_*   @acme/legacy-keepers\n`);
    await send(signal({ workflow: 'ops-agent', title: 'legacy_export crashed with SegFault', tool: 'legacy_export' }));
    const legacy = await familyOf('ops-agent');
    expect(legacy.owner).toMatchObject({ team: 'acme/legacy-keepers', reason: `${ownersPath} line 6: tool:legacy_* @acme/legacy-keepers` });
    writeFileSync(ownersPath, OWNERS);
  });

  it.skipIf(skip)('keeps a boundary a signal states out of the grouping: the same failure stated differently is one family', async () => {
    const one = signal({ workflow: 'label-agent', title: 'crm lookup failed with HTTP 500', tool: 'crm_lookup', boundary: 'prompt' });
    const two = signal({ workflow: 'label-agent', title: 'crm lookup failed with HTTP 500', tool: 'crm_lookup', boundary: 'tool_contract' });
    await send(one, two);
    const family = await familyOf('label-agent');
    expect(family.event_count).toBe(2);
    // Both stated: the tie goes to the first in BOUNDARIES order.
    expect(family.boundary_detail).toMatchObject({ source: 'explicit' });
  });

  let corrected: { id: string; ticketNumber: number };
  let correctionId: string;

  it.skipIf(skip)("keeps a person's boundary over the rules, and records the correction", async () => {
    const family = await familyOf('support-agent');
    const { ticket } = await issueOf(family.id);
    corrected = { id: family.id, ticketNumber: ticket.number };
    const patched = await request('PATCH', `/v1/families/${family.id}`, { boundary: 'downstream_api' });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ boundary: 'downstream_api', boundary_detail: { source: 'person', confidence: 1, reasons: ['set by api'] } });

    const { json } = await request('GET', '/v1/boundary-corrections');
    expect(json.items).toHaveLength(1);
    const [correction] = json.items;
    correctionId = correction.id;
    expect(correction).toMatchObject({ boundary: 'downstream_api', family_id: family.id, ticket_number: ticket.number, actor: 'api', withdrawn_at: null });
    expect(correction.keys).toEqual(['tool+error:zendesk_update_ticket|http_401', 'workflow+kind:support-agent|tool_error']);

    // More 401s do not move it back.
    await send(unauthorized(), unauthorized());
    const after = await familyOf('support-agent');
    expect(after).toMatchObject({ boundary: 'downstream_api', boundary_detail: { source: 'person' }, event_count: 5 });
    const { issue } = await issueOf(family.id);
    expect(section(issue.body, 'Boundary')).toBe('`downstream_api` (set by a person)\n- set by api');
    expect(issue.labels).toContain('boundary:downstream_api');
    expect(issue.labels).not.toContain('boundary:permission');
  });

  it.skipIf(skip)('gives a new family with the same tool and error the corrected boundary, learned from the ticket', async () => {
    await send(unauthorized('support-agent-eu'));
    const learned = await familyOf('support-agent-eu');
    expect(learned.boundary).toBe('downstream_api');
    expect(learned.boundary_detail).toEqual({
      source: 'learned',
      confidence: 0.9,
      reasons: [`learned from #${corrected.ticketNumber}`, 'matched by tool+error:zendesk_update_ticket|http_401'],
    });
    const history = await h.services.database.db.select().from(familyHistory).where(eq(familyHistory.familyId, learned.id));
    expect(history.find((e) => e.action === 'created')?.detail).toMatchObject({ learned_from: { correction_id: correctionId, family_id: corrected.id } });
    // Its own 401s do not override what was learned.
    await send(unauthorized('support-agent-eu'));
    expect((await familyOf('support-agent-eu')).boundary_detail.source).toBe('learned');
  });

  it.skipIf(skip)('stops teaching once the correction is withdrawn, and leaves the families it taught alone', async () => {
    const withdrawn = await request('DELETE', `/v1/boundary-corrections/${correctionId}`);
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.json).toMatchObject({ id: correctionId, withdrawn_by: 'api', withdrawn_at: expect.any(String) });
    expect((await request('GET', '/v1/boundary-corrections')).json.items).toEqual([]);
    expect((await request('GET', '/v1/boundary-corrections?state=withdrawn')).json.items.map((c: any) => c.id)).toEqual([correctionId]);
    expect((await request('DELETE', `/v1/boundary-corrections/${correctionId}`)).status).toBe(200);
    expect((await request('DELETE', `/v1/boundary-corrections/${randomUUID()}`)).status).toBe(404);

    await send(unauthorized('support-agent-apac'));
    expect(await familyOf('support-agent-apac')).toMatchObject({ boundary: 'permission', boundary_detail: { source: 'rules' } });
    expect(await familyOf('support-agent-eu')).toMatchObject({ boundary: 'downstream_api', boundary_detail: { source: 'learned' } });
    expect(await familyOf('support-agent')).toMatchObject({ boundary: 'downstream_api', boundary_detail: { source: 'person' } });
  });

  it.skipIf(skip)("keeps an owner a person set, whatever the rules and the owners file say", async () => {
    const family = await familyOf('support-agent');
    const patched = await request('PATCH', `/v1/families/${family.id}`, { owner: { team: 'acme/tier2', assignees: ['dana'] } });
    expect(patched.json.owner).toEqual({ team: 'acme/tier2', assignees: ['dana'], reason: 'set by api' });
    await send(unauthorized());
    expect((await familyOf('support-agent')).owner).toEqual({ team: 'acme/tier2', assignees: ['dana'], reason: 'set by api' });
    const { issue } = await issueOf(family.id);
    expect(section(issue.body, 'Owner').split('\n')).toEqual(['Team: @acme/tier2', 'Assignees: @dana', 'Why: set by api']);
    expect(issue.assignees).toContain('dana');
  });

  it.skipIf(skip)('lists corrections in the OpenAPI document', async () => {
    const { json } = await request('GET', '/openapi.json');
    expect(Object.keys(json.paths)).toEqual(expect.arrayContaining(['/v1/boundary-corrections', '/v1/boundary-corrections/{id}']));
    expect(json.paths['/v1/boundary-corrections/{id}'].delete.security).toEqual([{ bearerAuth: ['admin'] }]);
    expect(json.components.schemas.Family.properties.boundary_detail).toBeDefined();
  });
});
