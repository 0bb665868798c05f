// How signals become families (upstream key, fingerprint, similar titles), recurrence windows, and
// the families API's write side: PATCH, merge and split, with their effect on tickets and later signals.
import { randomUUID } from 'node:crypto';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { families, familyKeys, familyOccurrences, familyProfiles, familyTemplates, localIssueComments, localIssues } from '../../src/db/schema/index.js';
import { fingerprintKey } from '../../src/families/grouping/plan.js';
import { ISSUE_LEARNING } from '../../src/families/grouping/resolve.js';
import { GROUPING_VERSION } from '../../src/families/grouping/version.js';
import { signedHeaders } from '../helpers/fixtures.js';
import { counts, eventually, postLangsmith, settled, startHarness, type Harness } from '../helpers/recur.js';

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

describe('grouping and the families write API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend: 'pglite' });
  });
  afterAll(() => h.close());

  const sendSignals = async (signals: Array<Record<string, unknown>>) => {
    const res = await h.app.request('/v1/signals', { method: 'POST', body: JSON.stringify({ signals }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(202);
    await eventually(async () => (await counts(h.services)).pending === 0);
  };
  const signal = (over: Record<string, unknown>) => ({
    id: randomUUID(),
    source: 'tool-gateway',
    kind: 'tool_error',
    workflow: 'orders',
    occurred_at: hoursAgo(1),
    trace: { trace_id: randomUUID(), run_id: randomUUID() },
    ...over,
  });
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await h.app.request(path, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    return { status: res.status, json: (await res.json()) as any };
  };
  const familyOf = async (title: string) => (await h.services.database.db.select().from(families).where(and(eq(families.title, title), isNull(families.mergedInto))))[0]!;
  const settle = async () => {
    const behind = async () =>
      (await h.services.database.db.select().from(families)).filter((f) => f.ticketSyncedGeneration !== f.ticketGeneration || f.ticketSyncLeaseUntil !== null);
    await settled(h.services);
    expect((await behind()).map((f) => [f.title, f.ticketGeneration, f.ticketSyncedGeneration, f.ticketSyncLeaseUntil])).toEqual([]);
  };

  it('groups by message template: other ids and numbers join, another tool does not', async () => {
    await sendSignals([
      signal({ title: 'lookup_order timed out', tool: 'lookup_order', message: 'timeout after 3012ms on order 8812' }),
      signal({ title: 'lookup_order timed out again', tool: 'lookup_order', message: 'timeout after 95ms on order 17' }),
      signal({ title: 'issue_refund timed out', tool: 'issue_refund', message: 'timeout after 95ms on order 17' }),
    ]);
    const a = await familyOf('lookup_order timed out');
    const b = await familyOf('issue_refund timed out');
    expect(a).toMatchObject({ traceCount: 2, eventCount: 2, boundary: 'downstream_api', tool: 'lookup_order' });
    expect(b).toMatchObject({ traceCount: 1 });
    expect(a.id).not.toBe(b.id);
  });

  it('numbers families in the order they were founded, even within one batch: a tie broken by id goes to the older', async () => {
    const titles = Array.from({ length: 12 }, (_, i) => `ordering probe ${String.fromCharCode(97 + i)} crashed`);
    await sendSignals(titles.map((title, i) => signal({ workflow: 'id-order', title, tool: `probe_tool_${i}`, message: `${title} with code path ${'xyzw'[i % 4]}` })));
    const rows = await h.services.database.db.select({ id: families.id, title: families.title }).from(families).where(eq(families.workflow, 'id-order'));
    expect(rows).toHaveLength(titles.length);
    expect([...rows].sort((a, b) => a.id.localeCompare(b.id)).map((r) => r.title)).toEqual(titles);
  });

  it('joins paraphrased LangSmith issues as near duplicates, and their later traces follow', async () => {
    const issue = (id: string, name: string, type = 'issue.created', trace?: object) =>
      JSON.stringify({ id: randomUUID(), type, created: 1779800000, request_id: randomUUID(), data: { object: { id, name, severity: 2, session_name: 'support-triage' }, ...(trace ? { trace } : {}) } });
    // Two LangSmith issues worded alike in all but two words stay apart: the upstream grouped them apart.
    const issues = [
      issue('ls-1', 'Tool selection inconsistency'),
      issue('ls-2', 'Inconsistent tool selection'),
      issue('ls-3', 'Tool timeout in search'),
      issue('ls-4', 'Refund assistant quotes stale prices from the catalog'),
      issue('ls-5', 'Order concierge quotes stale prices from the catalog'),
    ];
    for (const body of issues) {
      expect((await postLangsmith(h, body, signedHeaders(body))).status).toBe(202);
    }
    const later = issue('ls-2', 'Inconsistent tool selection', 'issue.trace.added', { trace_id: 't-ls-2', run_id: 'r-ls-2', start_time: hoursAgo(2) });
    expect((await postLangsmith(h, later, signedHeaders(later))).status).toBe(202);
    await eventually(async () => (await counts(h.services)).pending === 0);

    const { json } = await api('GET', '/v1/families?workflow=support-triage');
    expect(json.items).toHaveLength(4);
    const joined = json.items.find((f: any) => f.title === 'Tool selection inconsistency');
    expect(joined.upstream.map((u: any) => u.id).sort()).toEqual(['ls-1', 'ls-2']);
    expect(joined.trace_count).toBe(1);
    const detail = await api('GET', `/v1/families/${joined.id}`);
    const grouped = detail.json.history.find((e: any) => e.action === 'grouped');
    expect(grouped.detail).toMatchObject({ matched_by: 'similarity', title: 'Inconsistent tool selection', upstream: { id: 'ls-2' } });
    expect(grouped.detail.score).toBeGreaterThanOrEqual(0.35);
  });

  it('joins two LangSmith issues that name the same tool failing the same way (g-2026-12-06.3), and no others', async () => {
    const issue = (id: string, name: string) =>
      JSON.stringify({ id: randomUUID(), type: 'issue.created', created: 1779800000, request_id: randomUUID(), data: { object: { id, name, severity: 2, session_name: 'fare-desk' } } });
    const issues = [issue('ls-t1', 'search_fares timing out during the morning peak'), issue('ls-t2', 'Timeouts calling search_fares for multi-city trips'), issue('ls-t3', 'search_fares rejects multi-city trips with invalid_request')];
    for (const body of issues) expect((await postLangsmith(h, body, signedHeaders(body))).status).toBe(202);
    await eventually(async () => (await counts(h.services)).pending === 0);
    const { json } = await api('GET', '/v1/families?workflow=fare-desk');
    expect(json.items.map((f: any) => f.upstream.map((u: any) => u.id).sort()).sort()).toEqual([['ls-t1', 'ls-t2'], ['ls-t3']]);
  });

  it('records why each event joined, and pages through every trace of a family', async () => {
    const base = { workflow: 'paging', tool: 'fetch_invoice', title: 'fetch_invoice failed' };
    await sendSignals(Array.from({ length: 7 }, (_, i) => signal({ ...base, message: `invoice inv_${1000 + i} not found in ledger`, occurred_at: hoursAgo(10 - i) })));
    await sendSignals([signal({ ...base, message: 'invoice lookup: ledger has no invoice inv_9' })]);
    const family = await familyOf('fetch_invoice failed');
    expect(family.traceCount).toBe(8);

    const detail = await api('GET', `/v1/families/${family.id}`);
    const rules = detail.json.traces.map((t: any) => t.grouping.rule);
    expect(rules.filter((r: string) => r === 'new')).toHaveLength(1);
    expect(rules.filter((r: string) => r === 'fingerprint')).toHaveLength(6);
    expect(detail.json.traces.find((t: any) => t.grouping.rule === 'new').grouping).toMatchObject({ score: 1, version: GROUPING_VERSION, template: 'invoice <id> not found in ledger' });
    const joined = detail.json.traces.find((t: any) => !['new', 'fingerprint'].includes(t.grouping.rule));
    expect(joined.grouping.rule).toBe('similarity');
    expect(joined.grouping.score).toBeGreaterThanOrEqual(0.35);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await api('GET', `/v1/families/${family.id}/traces?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.json.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.json.items.map((t: any) => t.trace_id));
      cursor = page.json.next_cursor;
    } while (cursor);
    expect(seen).toEqual(detail.json.traces.map((t: any) => t.trace_id));
    expect(new Set(seen).size).toBe(8);

    expect((await api('GET', `/v1/families/${randomUUID()}/traces`)).status).toBe(404);
    expect((await api('GET', `/v1/families/${family.id}/traces?cursor=bm9wZQ`)).status).toBe(400);
    expect((await api('GET', `/v1/families/${family.id}/traces?limit=0`)).status).toBe(400);
  });

  it('finds a family the previous version made by that version\'s fingerprint, and teaches it this version\'s keys and template', async () => {
    const base = { workflow: 'transition', tool: 'stripe_refund', title: 'refund call failed' };
    await sendSignals([signal({ ...base, message: 'POST api.stripe.com/v1/refunds 403' })]);
    const family = await familyOf('refund call failed');
    // As g-2026-12-04 left it: only its own fingerprint, which masked the status, and no state of this version.
    const db = h.services.database.db;
    await db.delete(familyKeys).where(eq(familyKeys.familyId, family.id));
    await db.delete(familyTemplates).where(eq(familyTemplates.familyId, family.id));
    const old = fingerprintKey({ ...base, message: 'POST api.stripe.com/v1/refunds 403' }, base.tool, 'g-2026-12-04');
    await db.insert(familyKeys).values({ ...old, familyId: family.id });

    await sendSignals([signal({ ...base, message: 'POST api.stripe.com/v1/refunds 403' })]);
    const detail = await api('GET', `/v1/families/${family.id}`);
    expect(detail.json.traces.map((t: any) => t.grouping.rule).sort()).toEqual(['legacy_fingerprint', 'new']);
    const keys = await db.select().from(familyKeys).where(eq(familyKeys.familyId, family.id));
    expect(keys.map((k) => k.source).sort()).toEqual(['fingerprint:g-2026-12-04', `fingerprint:${GROUPING_VERSION}`, `title:${GROUPING_VERSION}`]);
    const templates = await db.select().from(familyTemplates).where(eq(familyTemplates.familyId, family.id));
    expect(templates.map((t) => [t.scope, t.tokens])).toEqual([[`${GROUPING_VERSION}/transition`, 'POST api.stripe.com/v1/refunds 403']]);
    expect((await db.select().from(familyProfiles).where(eq(familyProfiles.familyId, family.id)))[0]!.signals).toBe(2);

    // The old version masked the status, so a 400 had the same fingerprint: during the transition it still
    // finds that family, as the old version would have; in a workflow without old families it does not.
    const rejected = { ...base, title: 'refund call rejected', message: 'POST api.stripe.com/v1/refunds 400' };
    expect(fingerprintKey(rejected, base.tool, 'g-2026-12-04')).toEqual(old);
    await sendSignals([signal(rejected)]);
    expect((await api('GET', `/v1/families/${family.id}`)).json.traces).toHaveLength(3);
    await sendSignals([signal({ ...base, workflow: 'transition-new', message: 'POST api.stripe.com/v1/refunds 403' })]);
    await sendSignals([signal({ ...rejected, workflow: 'transition-new' })]);
    const fresh = await h.services.database.db.select().from(families).where(eq(families.workflow, 'transition-new'));
    expect(fresh.map((f) => f.title).sort()).toEqual(['refund call failed', 'refund call rejected']);
  });

  it('keeps the most urgent severity a family has seen', async () => {
    const base = { title: 'refund total mismatch', tool: 'issue_refund', message: 'refund total 12.50 != order total 10.00', workflow: 'refunds-sev' };
    await sendSignals([signal({ ...base, severity: 2 }), signal({ ...base, severity: 0 }), signal({ ...base, severity: 3 })]);
    const family = await familyOf('refund total mismatch');
    expect(family).toMatchObject({ severity: 0, eventCount: 3 });
    const detail = await api('GET', `/v1/families/${family.id}`);
    expect(detail.json.history.filter((e: any) => e.action === 'severity_raised').map((e: any) => e.detail)).toEqual([expect.objectContaining({ from: 2, to: 0 })]);
  });

  it('keeps signals with the same title but different errors apart', async () => {
    await sendSignals([
      signal({ title: 'search_docs failed', tool: 'search_docs', message: 'HTTP 401 Unauthorized: token expired' }),
      signal({ title: 'search_docs failed', tool: 'search_docs', message: 'ReadTimeout: search backend did not answer in 30s' }),
    ]);
    const { json } = await api('GET', '/v1/families?workflow=orders');
    expect(json.items.filter((f: any) => f.title === 'search_docs failed').map((f: any) => f.boundary).sort()).toEqual(['downstream_api', 'permission']);
  });

  it("does not let the template join a family the signal's evidence tells apart (g-2026-12-06.3)", async () => {
    await sendSignals([signal({ title: 'Checkout failing', kind: 'tool_error', message: 'upstream call failed after 3 attempts in 912ms', attributes: { 'http.response.status_code': 503 } })]);
    await sendSignals([
      signal({ title: 'create_invoice failed', tool: 'create_invoice', message: 'upstream call failed after 2 attempts in 40ms', attributes: { 'http.response.status_code': 401 } }),
      signal({ title: 'Checkout failing again', kind: 'tool_error', message: 'upstream call failed after 5 attempts in 1200ms', attributes: { 'http.response.status_code': 503 } }),
    ]);
    const checkout = await familyOf('Checkout failing');
    const invoice = await familyOf('create_invoice failed');
    expect(checkout).toMatchObject({ eventCount: 2 });
    expect(invoice).toMatchObject({ eventCount: 1, tool: 'create_invoice' });
    expect(invoice.id).not.toBe(checkout.id);
  });

  it("tells two of one API's codes apart however each source writes them (g-2026-12-06.4)", async () => {
    const span = (code: string) =>
      signal({ source: 'otel-collector', title: 'POST /ship/v1/shipments', attributes: { 'http.response.status_code': 400, 'fedex.error.code': code, 'gen_ai.tool.name': 'create_shipment' } });
    const line = (code: string) =>
      signal({ title: `create_shipment failed: FedEx 400 (${code.slice(0, 9).toLowerCase()})`, message: `2027-06-08T09:28:38Z tool=create_shipment status=400 fedex_code=${code} msg="rejected by FedEx"` });
    await sendSignals([span('SATURDAYDELIVERY.NOT.AVAILABLE')]);
    await sendSignals([line('RECIPIENT.POSTALCODE.STATE.MISMATCH')]);
    await sendSignals([line('SATURDAYDELIVERY.NOT.AVAILABLE')]);
    const saturday = await familyOf('POST /ship/v1/shipments');
    const postal = await familyOf('create_shipment failed: FedEx 400 (recipient)');
    expect(postal.id).not.toBe(saturday.id);
    expect(postal).toMatchObject({ eventCount: 1 });
    expect(saturday).toMatchObject({ eventCount: 2 });
  });

  it("keeps a tool's timeouts apart from what the agent did wrong with that tool (g-2026-12-06.4)", async () => {
    const report = (title: string, message: string) => signal({ source: 'staff-report', kind: 'other', workflow: 'zipline', title, message, trace: undefined });
    await sendSignals([report('Agent books riders above the weight limit', 'create_booking is called without asking rider weights; guests are turned away at the harness check.')]);
    await sendSignals([report('Guests over the limit at check-in', 'Turned away 5 guests over the weight limit today, all booked with create_booking through the chat.')]);
    await sendSignals([signal({ source: 'datadog', kind: 'anomaly', workflow: 'zipline', title: 'Tool timeout rate above threshold', message: 'create_booking 5.2% timeouts over 30 min (threshold 2%)' })]);
    const weight = await familyOf('Agent books riders above the weight limit');
    const alert = await familyOf('Tool timeout rate above threshold');
    expect(weight).toMatchObject({ eventCount: 2 });
    expect(alert.id).not.toBe(weight.id);
  });

  it("keeps one validation error on two fields, and two of an endpoint's message codes, apart (g-2026-12-06.5)", async () => {
    const pydantic = (field: string, value: string) =>
      signal({ title: '1 validation error for PanelSpec', error_type: 'ValidationError', message: `1 validation error for PanelSpec\n${field}\n  Input should be a valid integer, unable to parse string as an integer [type=int_parsing, input_value='${value}', input_type=str]` });
    await sendSignals([pydantic('amperage', '200A')]);
    await sendSignals([pydantic('voltage', '120/240')]);
    const span = (code: string) =>
      signal({ source: 'otel-collector', title: 'POST /xml/v1/request.api', attributes: { 'http.response.status_code': 200, 'server.address': 'api.authorize.net', 'authnet.message_code': code, 'gen_ai.tool.name': 'take_payment' } });
    await sendSignals([span('E00027')]);
    await sendSignals([span('E00007')]);
    const titled = async (title: string) => (await h.services.database.db.select().from(families).where(and(eq(families.title, title), isNull(families.mergedInto)))).map((f) => f.eventCount);
    expect(await titled('1 validation error for PanelSpec')).toEqual([1, 1]);
    expect(await titled('POST /xml/v1/request.api')).toEqual([1, 1]);
  });

  it("keeps two providers' rate limits apart though both alerts name the agent (g-2026-12-06.5)", async () => {
    const alert = (title: string, message: string) => signal({ source: 'anomaly-monitor', kind: 'anomaly', workflow: 'affinage', title, message, trace: undefined });
    await sendSignals([alert('Shopify API throttle rate high', 'shopify.graphql.throttled count=74 over last 15m (threshold 25) on service affinage-agent; bulk inventory query cost 880 points')]);
    await sendSignals([alert('Rate limited (429)', 'ShipStation returned 429 on 13 calls in 10 min (40 requests/min plan limit); affinage-agent createorder backlog 29 orders')]);
    const shopify = await familyOf('Shopify API throttle rate high');
    const shipstation = await familyOf('Rate limited (429)');
    expect(shipstation?.id).toBeDefined();
    expect(shipstation.id).not.toBe(shopify.id);
  });

  it("offers a related family in the ticket, with that family's issue", async () => {
    const at = (over: Record<string, unknown>) => signal({ workflow: 'tea-desk', severity: 0, ...over });
    await sendSignals([at({ source: 'langsmith', kind: 'anomaly', title: 'Catalogue fetch times out on sale mornings', message: 'fetch_catalog > 25s on sale mornings' })]);
    await sendSignals([at({ source: 'user-feedback', kind: 'negative_feedback', title: 'Negative feedback', message: "Couldn't get the Kolkata catalogue from your assistant all morning, it just spins." })]);
    await settle();
    const timeouts = await familyOf('Catalogue fetch times out on sale mornings');
    const comment = await familyOf('Negative feedback');
    expect(comment.id).not.toBe(timeouts.id);
    const offered = (await api('GET', `/v1/families/${comment.id}/related`)).json.items;
    expect(offered.map((f: any) => f.id)).toContain(timeouts.id);

    // The comment's ticket was rendered before or after the other one had an issue; the next render names it.
    await api('PATCH', `/v1/families/${comment.id}`, { severity: 1 });
    await settle();
    const issueOf = async (familyId: string) => (await h.services.database.db.select().from(localIssues).where(eq(localIssues.marker, familyId)))[0]!;
    const [theirs, ours] = [await issueOf(timeouts.id), await issueOf(comment.id)];
    const section = ours.body.split('### Possibly the same failure\n')[1]?.split('\n\n###')[0];
    expect(section).toContain(`[#${theirs.number}](`);
    expect(section).toContain('**Catalogue fetch times out on sale mornings**');
    expect(section).toMatch(/alike 0\.\d\d \(reported by other sources\): .*catalogu/);
  });

  it('merges two grown families of one failure once they are alike, and keeps them apart after a person undoes it', async () => {
    const at = (over: Record<string, unknown>) => signal({ workflow: 'kennel-billing', severity: 2, ...over });
    const issue = (id: string, title: string, message: string) => at({ source: 'langsmith', kind: 'anomaly', title, message, upstream: { source: 'langsmith', id } });
    // Other failures of the workflow, so that words weigh by how rare they are among its families.
    for (const message of ['Grooming add-on charged to the wrong dog', 'Vaccination certificate upload rejected as unreadable', 'Pickup reminder text sent at 3am', 'Webcam link shared with the wrong owner']) {
      await sendSignals([at({ source: 'user-feedback', kind: 'negative_feedback', title: 'Negative feedback', message })]);
    }
    // LangSmith grouped one failure into two issues by their wording; each gathers a report of its own.
    await sendSignals([issue('ls-kennel-1', 'Invoices priced from the stay log of the previous week', 'nights billed from the previous week stay log')]);
    await sendSignals([issue('ls-kennel-2', 'Kennel invoices use an old stay log since the Sunday cutover job', 'billed nights come from the previous week stay log after the cutover')]);
    await sendSignals([at({ source: 'eval-ci', kind: 'eval_failure', title: 'billing_accuracy failed', message: 'Invoice priced from the previous week stay log: nights billed do not match' })]);
    await sendSignals([at({ source: 'staff-report', kind: 'other', title: 'Desk note', message: 'Since the Sunday cutover job the kennel invoices use an old stay log again' })]);
    const first = await familyOf('Invoices priced from the stay log of the previous week');
    const second = await h.services.database.db.select().from(families).where(eq(families.title, 'Kennel invoices use an old stay log since the Sunday cutover job'));
    expect(second.map((f) => f.mergedInto)).toEqual([first.id]);
    expect(first.traceCount).toBe(4);
    const [rule] = (await api('GET', `/v1/grouping-rules?family_id=${first.id}`)).json.items;
    expect(rule).toMatchObject({ kind: 'merge', from_family_id: second[0]!.id });
    expect(rule.actor).toContain('two families alike');
    const history = (await api('GET', `/v1/families/${first.id}`)).json.history;
    expect(history.find((e: any) => e.action === 'grouped' && e.detail.title === 'Desk note').detail.reason).toMatch(/its family alike another \(0\.\d\d\), merged into one/);

    // A person says they are two failures: grouping does not merge them again by itself.
    expect((await api('DELETE', `/v1/grouping-rules/${rule.id}`)).status).toBe(200);
    await sendSignals([at({ source: 'langsmith', kind: 'anomaly', title: 'Kennel invoices use an old stay log since the Sunday cutover job', message: 'billed nights come from the previous week stay log after the Sunday cutover' })]);
    const [apart, kept] = [(await api('GET', `/v1/families/${second[0]!.id}`)).json, (await api('GET', `/v1/families/${first.id}`)).json];
    // The staff note that showed them alike had joined the second family: it goes back with it.
    expect([apart.merged_into, apart.trace_count, kept.trace_count]).toEqual([null, 3, 2]);
    const deskNote = (family: any) => family.traces.some((t: any) => /^Since the Sunday cutover job/.test(t.grouping?.template ?? ''));
    expect([deskNote(apart), deskNote(kept)]).toEqual([true, false]);
  });

  /** The families of a workflow, in the order they were founded. */
  const familiesOf = (workflow: string) => h.services.database.db.select().from(families).where(eq(families.workflow, workflow)).orderBy(families.createdAt);

  /** Other failures of an orchard's workflow, so that words weigh by how rare they are among its families. */
  const orchardFeedback = async (workflow: string) => {
    for (const message of ['The harvest forecast said Tuesday but the crew came Friday', 'Frost alert arrived after the frost, useless', 'Invoice for pruning lists the wrong number of trees', "Bee hive rental booking shows someone else's farm"]) {
      await sendSignals([signal({ workflow, source: 'user-feedback', kind: 'other', title: 'Negative feedback', message })]);
    }
  };

  /** An orchard's workflow: its other failures, then these reports (source, kind, title, message) one at a time. */
  const orchardReports = async (workflow: string, reports: Array<[string, string, string, string]>) => {
    await orchardFeedback(workflow);
    for (const [source, kind, title, message] of reports) await sendSignals([signal({ workflow, source, kind, title, message })]);
    return familiesOf(workflow);
  };

  it('merges a family with one of other sources on less in common, and not with one of its own source (2026-12-06)', async () => {
    const orchard = (workflow: string, lastSource: string) =>
      orchardReports(workflow, [
        ['eval-ci', 'eval_failure', 'irrigation_plan failed', 'Plan skips the nursery misting cycle when the soil probe reads stale moisture'],
        ['staff-report', 'other', 'Seedlings wilted overnight', 'Seedlings in the nursery wilted overnight; somebody check the misting, the night crew saw nothing running and the trays were bone dry by six'],
        [lastSource, 'other', 'Seedlings wilted again', 'Seedlings wilted again overnight, nursery trays bone dry by six; the soil probe readings look stale'],
        // The plan's failure grows: its family is compared with the others of the workflow.
        ['eval-ci', 'eval_failure', 'irrigation_plan failed', 'Nursery misting cycle dropped: stale soil probe moisture taken as wet'],
      ]);
    // The plan's family, once grown, and the second staff report's are 0.33 alike: families of one source
    // need 0.35, the evaluator's and a staff report's need 0.30.
    const across = await orchard('orchard', 'staff-report');
    const plan = across.find((f) => f.title === 'irrigation_plan failed')!;
    const again = across.find((f) => f.title === 'Seedlings wilted again')!;
    expect([again.mergedInto, across.find((f) => f.title === 'Seedlings wilted overnight')!.mergedInto]).toEqual([plan.id, null]);
    const history = (await api('GET', `/v1/families/${plan.id}`)).json.history;
    expect(history.filter((e: any) => e.action === 'grouped').at(-1).detail.reason).toMatch(/its family alike another of other sources \(0\.3[0-4]\), merged into one/);
    const sources = async (id: string) => (await h.services.database.db.select().from(familyProfiles).where(eq(familyProfiles.familyId, id)))[0]?.sources;
    expect(await sources(plan.id)).toEqual({ 'eval-ci': 2, 'staff-report': 1 });

    // Undone, each family has the sources it had.
    const [rule] = (await api('GET', `/v1/grouping-rules?family_id=${plan.id}`)).json.items;
    expect((await api('DELETE', `/v1/grouping-rules/${rule.id}`)).status).toBe(200);
    expect([await sources(plan.id), await sources(again.id)]).toEqual([{ 'eval-ci': 2 }, { 'staff-report': 1 }]);

    // The same words, the report sent by the evaluator's source: compared as one source's, they stay apart.
    const one = await orchard('orchard-one-source', 'eval-ci');
    expect(one.filter((f) => f.mergedInto === null).map((f) => f.title).slice(-3)).toEqual(['irrigation_plan failed', 'Seedlings wilted overnight', 'Seedlings wilted again']);
  });

  it('places a signal alike a grown family of other sources in it, without founding a family first (2026-12-07)', async () => {
    const vineyard = (workflow: string, lastSource: string) =>
      orchardReports(workflow, [
        ['eval-ci', 'eval_failure', 'irrigation_plan failed', 'Plan skips the nursery misting cycle when the soil probe reads stale moisture, per the greenhouse rubric'],
        ['eval-ci', 'eval_failure', 'irrigation_plan failed', 'Nursery misting cycle dropped: stale soil probe moisture taken as wet in the weekly audit'],
        [lastSource, 'other', 'Nursery seedlings lost', 'Seedlings wilted again overnight, nursery trays bone dry by six; soil probe moisture looks stale'],
      ]);
    const across = await vineyard('vineyard', 'staff-report');
    expect(across.map((f) => f.title)).not.toContain('Nursery seedlings lost');
    const plan = across.find((f) => f.title === 'irrigation_plan failed')!;
    expect(plan.traceCount).toBe(3);
    const { json } = await api('GET', `/v1/families/${plan.id}`);
    expect(json.history.filter((e: any) => e.action === 'grouped').at(-1).detail.reason).toMatch(/^alike a family of other sources \(0\.3\d\)$/);
    expect(json.traces.map((t: any) => t.grouping.rule).sort()).toEqual(['new', 'similarity', 'similarity']);

    // Sent by the evaluator's source, the same report founds a family of its own.
    const one = await vineyard('vineyard-one-source', 'eval-ci');
    expect(one.filter((f) => f.mergedInto === null).map((f) => f.title).slice(-2)).toEqual(['irrigation_plan failed', 'Nursery seedlings lost']);
  });

  it('merges a family of few reports into a bigger family once each of its reports would join it (2026-12-07)', async () => {
    const kennel = async (workflow: string, stitches: boolean, issues = false) => {
      // With `issues`, LangSmith relays the evaluator's reports as one issue and the groomers' as another.
      const issue = (kind: string) => (issues && kind !== 'negative_feedback' ? { upstream: { source: 'langsmith', id: `${workflow}-${kind}` } } : {});
      const at = (source: string, kind: string, title: string, message: string) => signal({ workflow, source, kind, title, message, ...issue(kind) });
      for (const message of ['Vaccination certificate upload rejected as unreadable', 'Pickup reminder text sent at 3am', 'Webcam link shared with the wrong owner', 'Invoice lists boarding nights twice']) {
        await sendSignals([at('user-feedback', 'negative_feedback', 'Negative feedback', message)]);
      }
      const evaluation = (message: string) => at('eval-ci', 'eval_failure', 'grooming_safety failed', message);
      await sendSignals([evaluation('Bath booked for a dog under a medical hold; the vet clearance policy was ignored')]);
      await sendSignals([evaluation('Agent booked a bath while the medical hold was active, no vet clearance')]);
      // The groomers say what the evaluator does not yet: their reports found a family of their own. They come
      // through the evaluator's source, whose pairs of reports count less (REPORTS.oneSource), so the two
      // families are not alike report by report (the next test) and only this rule can merge them.
      await sendSignals([at('eval-ci', 'other', 'Dog with stitches bathed', 'Groomer note: bathed a dog with fresh stitches')]);
      await sendSignals([at('eval-ci', 'other', 'Stitches dog bathed again', 'Another dog with stitches bathed')]);
      // The evaluator's family grows; with stitches in its reports, each groomer's report would now join it.
      const dog = stitches ? 'a dog with fresh stitches' : 'a dog';
      await sendSignals([evaluation(`Medical hold ignored: bath booked for ${dog}, vet clearance missing under the policy`)]);
      await sendSignals([evaluation(`Bath booked during a medical hold; ${stitches ? 'the dog had stitches, ' : ''}the vet clearance policy was ignored`)]);
      return familiesOf(workflow);
    };
    const grown = await kennel('kennel-grooming', true);
    const evals = grown.find((f) => f.title === 'grooming_safety failed')!;
    expect(grown.find((f) => f.title === 'Dog with stitches bathed')!.mergedInto).toBe(evals.id);
    const { json } = await api('GET', `/v1/families/${evals.id}`);
    expect(json.trace_count).toBe(6);
    const reasons = json.history.filter((e: any) => e.action === 'grouped').map((e: any) => e.detail.reason);
    expect(reasons.filter((r: string) => /; each report of the smaller family alike the other \(0\.\d\d\), merged into one$/.test(r))).toHaveLength(1);
    const [rule] = (await api('GET', `/v1/grouping-rules?family_id=${evals.id}`)).json.items;
    expect(rule.actor).toContain('a fragment of a family');

    // The evaluator's family never says stitches: the groomers' family stays apart.
    const apart = await kennel('kennel-grooming-apart', false);
    expect(apart.filter((f) => f.mergedInto === null).map((f) => f.title).slice(-2)).toEqual(['grooming_safety failed', 'Dog with stitches bathed']);
    // Two issues of one upstream: it said they differ, so each report would have to be a near duplicate.
    const issues = await kennel('kennel-grooming-issues', true, true);
    expect(issues.filter((f) => f.mergedInto === null).map((f) => f.title).slice(-2)).toEqual(['grooming_safety failed', 'Dog with stitches bathed']);
  });

  it('merges two families whose reports are alike on average, a pair of one source counting for less (2026-12-07)', async () => {
    const kennel = async (workflow: string, groomers: string, beforeLast?: () => Promise<void>) => {
      const at = (source: string, kind: string, title: string, message: string) => signal({ workflow, source, kind, title, message });
      for (const message of ['Vaccination certificate upload rejected as unreadable', 'Pickup reminder text sent at 3am', 'Webcam link shared with the wrong owner', 'Invoice lists boarding nights twice']) {
        await sendSignals([at('user-feedback', 'negative_feedback', 'Negative feedback', message)]);
      }
      const evaluation = (message: string) => at('eval-ci', 'eval_failure', 'grooming_safety failed', message);
      await sendSignals([evaluation('Bath booked for a dog under a medical hold; the vet clearance policy was ignored')]);
      await sendSignals([evaluation('Agent booked a bath while the medical hold was active, no vet clearance')]);
      await sendSignals([at(groomers, 'other', 'Dog with stitches bathed', 'Groomer note: bathed a dog with fresh stitches')]);
      await sendSignals([at(groomers, 'other', 'Stitches dog bathed again', 'Another dog with stitches bathed')]);
      await beforeLast?.();
      // The evaluator's family grows with a report that says stitches.
      await sendSignals([evaluation('Medical hold ignored: bath booked for a dog with fresh stitches, vet clearance missing under the policy')]);
      return familiesOf(workflow);
    };
    const grown = await kennel('kennel-reports', 'staff-report');
    const evals = grown.find((f) => f.title === 'grooming_safety failed')!;
    expect(grown.find((f) => f.title === 'Dog with stitches bathed')!.mergedInto).toBe(evals.id);
    const { json } = await api('GET', `/v1/families/${evals.id}`);
    expect(json.trace_count).toBe(5);
    const reasons = json.history.filter((e: any) => e.action === 'grouped').map((e: any) => e.detail.reason);
    expect(reasons.at(-1)).toMatch(/^similar \(\d\.\d\d\): .*; its family's reports alike another's \(0\.\d\d\), merged into one$/);
    const [rule] = (await api('GET', `/v1/grouping-rules?family_id=${evals.id}`)).json.items;
    expect(rule.actor).toContain('two families alike report by report');
    // Each occurrence keeps what it was compared by.
    const occurrences = await h.services.database.db.select({ source: familyOccurrences.source, features: familyOccurrences.features }).from(familyOccurrences).where(eq(familyOccurrences.familyId, evals.id));
    expect(occurrences.map((o) => o.source).sort()).toEqual(['eval-ci', 'eval-ci', 'eval-ci', 'staff-report', 'staff-report']);
    expect(occurrences.every((o) => o.features!.includes('w:bath'))).toBe(true);
    // A repeat its fingerprint places keeps its source, not its words: a family's reports are its wordings.
    await sendSignals([signal({ workflow: 'kennel-reports', source: 'eval-ci', kind: 'eval_failure', title: 'grooming_safety failed', message: 'Bath booked for a dog under a medical hold; the vet clearance policy was ignored' })]);
    const repeats = await h.services.database.db
      .select({ source: familyOccurrences.source, features: familyOccurrences.features })
      .from(familyOccurrences)
      .where(and(eq(familyOccurrences.familyId, evals.id), eq(familyOccurrences.matchedBy, 'fingerprint')));
    expect(repeats).toEqual([{ source: 'eval-ci', features: null }]);

    // The groomers' notes sent through the evaluator's own source: its pairs count less, and this rule does not
    // merge the two (each note alone would now join the evaluator's family: a fragment, the test before).
    const one = await kennel('kennel-reports-one-source', 'eval-ci');
    const evalsOfOne = one.find((f) => f.title === 'grooming_safety failed')!;
    const rules = (await api('GET', `/v1/grouping-rules?family_id=${evalsOfOne.id}`)).json.items;
    expect(rules.map((r: any) => r.actor.replace(/^.*\(grouping: (.*)\)$/, '$1'))).toEqual(['a fragment of a family']);

    // Occurrences recorded before 0010 kept neither features nor source: their reports are read back from the masked
    // text under the family's title, and two of them count as one source's, so this rule leaves such families to
    // the others (here a fragment's).
    const db = h.services.database.db;
    const before = await kennel('kennel-reports-before-0010', 'staff-report', async () => {
      const ids = (await familiesOf('kennel-reports-before-0010')).map((f) => f.id);
      await db.update(familyOccurrences).set({ features: null, source: null }).where(inArray(familyOccurrences.familyId, ids));
    });
    const evalsBefore = before.find((f) => f.title === 'grooming_safety failed')!;
    expect(before.find((f) => f.title === 'Dog with stitches bathed')!.mergedInto).toBe(evalsBefore.id);
    const rows = await db.select({ source: familyOccurrences.source, features: familyOccurrences.features }).from(familyOccurrences).where(inArray(familyOccurrences.familyId, before.map((f) => f.id)));
    expect(rows.filter((r) => r.source === null && r.features === null)).toHaveLength(8);
    expect(rows.filter((r) => r.source === 'eval-ci' && r.features !== null)).toHaveLength(1);
    const merges = (await api('GET', `/v1/grouping-rules?family_id=${evalsBefore.id}`)).json.items;
    expect(merges.map((r: any) => r.actor.replace(/^.*\(grouping: (.*)\)$/, '$1'))).toEqual(['a fragment of a family']);
  });

  /** Other failures of a ferry operator's workflow, so that words weigh by how rare they are among its families. */
  const ferryFeedback = async (workflow: string) => {
    for (const message of ['Refund for a cancelled sailing went to the wrong card', 'Boarding pass QR code will not scan at the gate', 'Timetable shows the winter schedule in July', 'Loyalty points missing after the trip']) {
      await sendSignals([signal({ workflow, source: 'user-feedback', kind: 'negative_feedback', title: 'Negative feedback', message })]);
    }
  };

  it("learns the words of every trace an upstream issue sends, so a report worded like a later trace joins (2026-12-07)", async () => {
    const ferry = async (workflow: string, issueId: (n: number) => string) => {
      const at = (over: Record<string, unknown>) => signal({ workflow, ...over });
      await ferryFeedback(workflow);
      const trace = (n: number, message: string) => at({ source: 'langsmith', kind: 'anomaly', title: 'Vehicle deck bookings exceed capacity', message, upstream: { source: 'langsmith', id: issueId(n) } });
      await sendSignals([trace(1, 'booking accepted for a camper when the vehicle deck showed full')]);
      await sendSignals([trace(2, 'oversold car deck: lane allocation ignored the height class of trailers')]);
      await sendSignals([at({ source: 'staff-report', kind: 'other', title: 'Trailers turned away at the terminal', message: 'lane allocation ignored trailer height class again, deck oversold' })]);
      return familiesOf(workflow);
    };
    const learned = await ferry('ferry', () => 'ls-ferry-deck');
    const issue = learned.find((f) => f.title === 'Vehicle deck bookings exceed capacity')!;
    expect(learned.find((f) => f.title === 'Trailers turned away at the terminal')).toBeUndefined();
    expect(issue.traceCount).toBe(3);
    const { json } = await api('GET', `/v1/families/${issue.id}`);
    expect(json.traces.map((t: any) => t.grouping.rule).sort()).toEqual(['new', 'similarity', 'upstream']);
    const [profile] = await h.services.database.db.select().from(familyProfiles).where(eq(familyProfiles.familyId, issue.id));
    expect([profile!.signals, profile!.sources, profile!.features['w:lane']]).toEqual([3, { langsmith: 2, 'staff-report': 1 }, 2]);

    // The same two reports as two issues: the second founds a family by its words alone, and the staff report
    // finds the one its words are like.
    const apart = await ferry('ferry-two-issues', (n) => `ls-ferry-deck-${n}`);
    expect(apart.filter((f) => f.mergedInto === null).map((f) => f.title).slice(-2)).toEqual(['Vehicle deck bookings exceed capacity', 'Vehicle deck bookings exceed capacity']);
  });

  it('compares a family that learned from its issue with the grown families, and an undone merge takes its traces back (2026-12-07)', async () => {
    const at = (over: Record<string, unknown>) => signal({ workflow: 'ferry-cabins', ...over });
    await ferryFeedback('ferry-cabins');
    const evaluation = (message: string) => at({ source: 'eval-ci', kind: 'eval_failure', title: 'cabin_allocation failed', message });
    await sendSignals([evaluation('Wheelchair accessible cabin allocated to a party without mobility needs')]);
    await sendSignals([evaluation('Accessible cabin released before the wheelchair user boarded; allocation ignored mobility needs')]);
    const trace = (message: string) => at({ source: 'langsmith', kind: 'anomaly', title: 'Cabin assignment anomaly', message, upstream: { source: 'langsmith', id: 'ls-ferry-cabins' } });
    await sendSignals([trace('upgrade offers sent for sold-out sailings')]);
    const issue = await familyOf('Cabin assignment anomaly');
    await sendSignals([trace('wheelchair accessible cabin allocation ignored mobility needs of the party')]);

    const evals = await familyOf('cabin_allocation failed');
    expect([(await h.services.database.db.select().from(families).where(eq(families.id, issue.id)))[0]!.mergedInto, evals.traceCount]).toEqual([evals.id, 4]);
    const [rule] = (await api('GET', `/v1/grouping-rules?family_id=${evals.id}`)).json.items;
    expect(rule).toMatchObject({ kind: 'merge', from_family_id: issue.id });
    expect(rule.actor).toContain('two families alike');
    const grouped = (await api('GET', `/v1/families/${evals.id}`)).json.history.filter((e: any) => e.action === 'grouped');
    expect(grouped.at(-1).detail).toMatchObject({ matched_by: 'upstream', title: 'Cabin assignment anomaly', upstream: { id: 'ls-ferry-cabins' } });
    expect(grouped.at(-1).detail.reason).toMatch(/^upstream; its family alike another( of other sources)? \(0\.\d\d\), merged into one$/);

    expect((await api('DELETE', `/v1/grouping-rules/${rule.id}`)).status).toBe(200);
    const [back, kept] = [(await api('GET', `/v1/families/${issue.id}`)).json, (await api('GET', `/v1/families/${evals.id}`)).json];
    expect([back.merged_into, back.trace_count, kept.trace_count]).toEqual([null, 2, 2]);
  });

  it('stops learning from an issue once its family has ISSUE_LEARNING.maxSignals signals, within a batch too', async () => {
    const trace = (message: string) => signal({ workflow: 'ferry-cap', source: 'langsmith', kind: 'anomaly', title: 'Cabin upgrade charged twice', message, upstream: { source: 'langsmith', id: 'ls-ferry-cap' } });
    await sendSignals(Array.from({ length: ISSUE_LEARNING.maxSignals - 2 }, (_, i) => trace(`upgrade to cabin ${i} charged twice at checkout`)));
    const family = await familyOf('Cabin upgrade charged twice');
    const profileOf = async () => (await h.services.database.db.select().from(familyProfiles).where(eq(familyProfiles.familyId, family.id)))[0]!;
    expect((await profileOf()).signals).toBe(ISSUE_LEARNING.maxSignals - 2);
    // One batch that would take the profile past the cap: its first two signals teach, the others do not.
    await sendSignals(['lifeboat drill upgrade charged twice', 'gangway upgrade charged twice', 'porthole window cracked during the crossing', 'anchor winch jammed'].map(trace));
    const full = await profileOf();
    expect([full.signals, Boolean(full.features['w:lifeboat']), full.features['w:porthol'], full.features['w:anchor']]).toEqual([ISSUE_LEARNING.maxSignals, true, undefined, undefined]);
    await sendSignals([trace('porthole window cracked during the crossing')]);
    const after = await profileOf();
    expect([after.signals, after.features['w:porthol'], (await familyOf('Cabin upgrade charged twice')).traceCount]).toEqual([ISSUE_LEARNING.maxSignals, undefined, ISSUE_LEARNING.maxSignals + 3]);
  });

  it("learns from an issue's later trace in the batch that founded its family, and records its report there (2026-12-08)", async () => {
    const trace = (message: string) => signal({ workflow: 'ferry-pets', source: 'langsmith', kind: 'anomaly', title: 'Pet cabin sold twice', message, upstream: { source: 'langsmith', id: 'ls-ferry-pets' } });
    // One request, one batch: the first trace founds the family, the second is placed by the issue's key.
    await sendSignals([trace('pet friendly cabin sold twice on the night sailing'), trace('kennel deck allocation overlapped another booking')]);
    const family = await familyOf('Pet cabin sold twice');
    const db = h.services.database.db;
    const [profile] = await db.select().from(familyProfiles).where(eq(familyProfiles.familyId, family.id));
    expect([profile!.signals, profile!.features['w:kennel']]).toEqual([2, 1]);
    const reports = await db.select({ matchedBy: familyOccurrences.matchedBy, features: familyOccurrences.features }).from(familyOccurrences).where(eq(familyOccurrences.familyId, family.id));
    expect(reports.map((r) => [r.matchedBy, (r.features as string[]).includes('w:kennel')]).sort()).toEqual([
      ['new', false],
      ['upstream', true],
    ]);
  });

  it('places the signals of one batch as it places them one batch each (2026-12-08)', async () => {
    // Two issues of one failure, whose traces word it alike: the second issue's trace is placed by the
    // fingerprint its twin recorded, though a key (the first issue's) placed that twin.
    const failure = (workflow: string) => {
      const trace = (issue: string, message: string) =>
        signal({ workflow, source: 'langsmith', kind: 'anomaly', title: 'Vehicle deck overbooked', message, upstream: { source: 'langsmith', id: `${workflow}-${issue}` } });
      return [
        trace('one', 'camper accepted when the vehicle deck showed full'),
        trace('one', 'height class of trailers ignored by lane allocation'),
        trace('two', 'height class of trailers ignored by lane allocation'),
      ];
    };
    const shape = async (workflow: string) => (await familiesOf(workflow)).filter((f) => f.mergedInto === null).map((f) => f.traceCount);
    for (const one of failure('deck-one-by-one')) await sendSignals([one]);
    await sendSignals(failure('deck-one-batch'));
    expect(await shape('deck-one-by-one')).toEqual([3]);
    expect(await shape('deck-one-batch')).toEqual(await shape('deck-one-by-one'));
  });

  it('counts recurrence over the last hour, day and week', async () => {
    const base = { title: 'Agent loops on lookup_customer', tool: 'lookup_customer', message: 'same call repeated 12 times', kind: 'anomaly', workflow: 'crm' };
    await sendSignals([0.5, 5, 30, 72, 240].map((hours) => signal({ ...base, occurred_at: hoursAgo(hours) })));
    const { json } = await api('GET', '/v1/families?workflow=crm');
    expect(json.items[0].recurrence).toEqual({ last_hour: 1, last_day: 2, last_week: 4 });
    expect(json.items[0].event_count).toBe(5);
  });

  it('opens a ticket only for occurrences within open_when.within', async () => {
    const base = { tool: 'fetch_invoice', message: 'invoice service returned 502 Bad Gateway', severity: 2, workflow: 'billing' };
    await sendSignals([signal({ ...base, title: 'old', occurred_at: hoursAgo(50) }), signal({ ...base, title: 'old', occurred_at: hoursAgo(49) })]);
    await settle();
    expect((await familyOf('old')).status).toBe('watching');
    await sendSignals([signal({ ...base, title: 'old', occurred_at: hoursAgo(2) }), signal({ ...base, title: 'old', occurred_at: hoursAgo(1) })]);
    await settle();
    expect((await familyOf('old')).status).toBe('open');
  });

  it('PATCH ignores, sets severity, boundary and owner, records who did it, and re-renders the ticket', async () => {
    const family = await familyOf('old');
    const res = await api('PATCH', `/v1/families/${family.id}`, { severity: 3, boundary: 'downstream_api', owner: { team: 'acme/billing', assignees: ['alice'] } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ severity: 3, owner: { team: 'acme/billing', assignees: ['alice'] } });
    expect(res.json.history.at(-1)).toMatchObject({ action: 'updated', actor: 'api', detail: { severity: { from: 2, to: 3 } } });
    await settle();
    const [issue] = await h.services.database.db.select().from(localIssues).where(eq(localIssues.marker, family.id));
    expect(issue!.title.startsWith('[sev3]')).toBe(true);
    expect(issue!.body).toContain('Team: @acme/billing');

    const ignored = await api('PATCH', `/v1/families/${family.id}`, { status: 'ignored' });
    expect(ignored.json.status).toBe('ignored');
    expect((await api('PATCH', `/v1/families/${family.id}`, { status: 'open' })).json.status).toBe('open');
  });

  it.each([
    [{}, 'nothing to change'],
    [{ severity: 7 }, 'severity'],
    [{ status: 'resolved' }, 'status'],
    [{ owner: { assignees: ['not a login!'] } }, 'owner.assignees'],
    [{ colour: 'red' }, ''],
  ])('PATCH refuses %j', async (body, message) => {
    const family = await familyOf('old');
    const res = await api('PATCH', `/v1/families/${family.id}`, body);
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain(message);
  });

  it('merge moves every trace, closes the merged-away ticket as a duplicate, and routes later signals to the target', async () => {
    const base = { tool: 'charge_card', workflow: 'payments', severity: 0 };
    // Two failures of the payments workflow, in two tools: grouping keeps them apart, a person merges them.
    await sendSignals([
      signal({ ...base, title: 'card declined loop', message: 'card_declined for customer 9912' }),
      signal({ ...base, tool: 'retry_queue', title: 'charge retried forever', message: 'retry budget exhausted after 5 attempts' }),
      signal({ ...base, tool: 'retry_queue', title: 'charge retried forever', message: 'retry budget exhausted after 9 attempts' }),
    ]);
    await settle();
    const source = await familyOf('card declined loop');
    const target = await familyOf('charge retried forever');
    const res = await api('POST', `/v1/families/${source.id}/merge`, { into: target.id });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: target.id, trace_count: 3, event_count: 3 });
    expect(res.json.history.at(-1)).toMatchObject({ action: 'merged_from', detail: { from: source.id } });
    await settle();

    const merged = await api('GET', `/v1/families/${source.id}`);
    expect(merged.json).toMatchObject({ merged_into: target.id, trace_count: 0, ticket: { state: 'closed' } });
    const [closed] = await h.services.database.db.select().from(localIssues).where(eq(localIssues.marker, source.id));
    expect(closed).toMatchObject({ state: 'closed', stateReason: 'duplicate' });
    const comments = await h.services.database.db.select().from(localIssueComments).where(eq(localIssueComments.issueId, closed!.id));
    expect(comments.map((c) => c.body)).toEqual([expect.stringMatching(/^Duplicate of #\d+.*<!-- recur:op=local\.issue\.close:/s)]);
    expect((await api('GET', '/v1/families?workflow=payments')).json.items.map((f: any) => f.id)).toEqual([target.id]);

    await sendSignals([signal({ ...base, title: 'card declined loop', message: 'card_declined for customer 31' })]);
    expect((await api('GET', `/v1/families/${target.id}`)).json.trace_count).toBe(4);
    expect((await api('POST', `/v1/families/${source.id}/merge`, { into: target.id })).status).toBe(409);
    expect((await api('POST', `/v1/families/${target.id}/merge`, { into: target.id })).status).toBe(400);
    expect((await api('POST', `/v1/families/${target.id}/merge`, { into: randomUUID() })).status).toBe(404);

    const rules = await api('GET', `/v1/grouping-rules?family_id=${source.id}&active=true`);
    expect(rules.json.items).toEqual([expect.objectContaining({ kind: 'merge', family_id: target.id, from_family_id: source.id, undone_at: null })]);
    expect((await api('GET', `/v1/grouping-rules/${rules.json.items[0].id}`)).json.id).toBe(rules.json.items[0].id);
  });

  it('undoes a merge: the merged-away family is live again with exactly what it had, and its signals go back to it', async () => {
    const base = { tool: 'reserve_seat', workflow: 'booking', severity: 2 };
    await sendSignals([
      signal({ ...base, boundary: 'context_source', title: 'seat map stale', message: 'seat 14C already taken on flight 2231' }),
      signal({ ...base, boundary: 'context_source', title: 'seat map stale', message: 'seat 3A already taken on flight 88' }),
      signal({ ...base, boundary: 'tool_contract', title: 'fare class closed', message: 'fare class Q no longer sold on route LHR-JFK' }),
    ]);
    const source = await familyOf('seat map stale');
    const target = await familyOf('fare class closed');
    expect(source.id).not.toBe(target.id);
    const before = (await api('GET', `/v1/families/${target.id}`)).json;
    expect(before.boundary).toBe('tool_contract');
    const merged = await api('POST', `/v1/families/${source.id}/merge`, { into: target.id });
    expect(merged.status).toBe(200);
    // The target's boundary is decided from every signal it now holds: two of three say context_source.
    expect(merged.json.boundary).toBe('context_source');
    const [rule] = (await api('GET', `/v1/grouping-rules?family_id=${target.id}`)).json.items;
    expect(rule).toMatchObject({ kind: 'merge', from_family_id: source.id });

    const undone = await api('DELETE', `/v1/grouping-rules/${rule.id}`);
    expect(undone.status).toBe(200);
    expect(undone.json.undone_at).not.toBeNull();
    expect((await api('DELETE', `/v1/grouping-rules/${rule.id}`)).status).toBe(409);
    expect((await api('DELETE', `/v1/grouping-rules/${randomUUID()}`)).status).toBe(404);
    const back = await api('GET', `/v1/families/${source.id}`);
    expect(back.json).toMatchObject({ merged_into: null, trace_count: 2, event_count: 2 });
    expect((await api('GET', `/v1/families/${target.id}`)).json).toMatchObject({ boundary: 'tool_contract', boundary_detail: before.boundary_detail });
    expect(back.json.history.at(-1)).toMatchObject({ action: 'unmerged', detail: { rule: rule.id } });
    expect((await api('GET', `/v1/families/${target.id}`)).json).toMatchObject({ trace_count: 1, event_count: 1 });
    expect((await api('GET', '/v1/grouping-rules?active=true')).json.items.map((r: any) => r.id)).not.toContain(rule.id);

    await sendSignals([signal({ ...base, title: 'seat map stale', message: 'seat 21F already taken on flight 9' })]);
    expect((await api('GET', `/v1/families/${source.id}`)).json.trace_count).toBe(3);
    expect((await api('GET', `/v1/families/${target.id}`)).json.trace_count).toBe(1);
  });

  it('undoing a merge takes away only the votes the merged family brought: those of later signals stay (2026-12-07)', async () => {
    const base = { tool: 'reserve_seat', workflow: 'booking-undo', severity: 2 };
    const fare = (route: string, boundary: string) => signal({ ...base, boundary, title: 'fare bucket closed', message: `fare class Q no longer sold on route ${route}` });
    await sendSignals([
      signal({ ...base, boundary: 'context_source', title: 'seat map outdated', message: 'seat 14C already taken on flight 2231' }),
      signal({ ...base, boundary: 'context_source', title: 'seat map outdated', message: 'seat 3A already taken on flight 88' }),
      fare('LHR-JFK', 'tool_contract'),
    ]);
    const [source, target] = [await familyOf('seat map outdated'), await familyOf('fare bucket closed')];
    expect((await api('POST', `/v1/families/${source.id}/merge`, { into: target.id })).json.boundary).toBe('context_source');
    // Two signals the target takes in after the merge say permission.
    await sendSignals([fare('CDG-JFK', 'permission'), fare('AMS-BOS', 'permission')]);
    expect((await api('GET', `/v1/families/${target.id}`)).json).toMatchObject({ trace_count: 5, boundary: 'context_source' });

    // (The first founded a family of its own, which the miner merged in once the route varied.)
    const rule = (await api('GET', `/v1/grouping-rules?family_id=${target.id}`)).json.items.find((r: any) => r.from_family_id === source.id);
    expect((await api('DELETE', `/v1/grouping-rules/${rule.id}`)).status).toBe(200);
    const after = (await api('GET', `/v1/families/${target.id}`)).json;
    expect(after).toMatchObject({ trace_count: 3, boundary: 'permission' });
    expect(after.boundary_detail.confidence).toBeCloseTo(2 / 3, 2);
    expect((await api('GET', `/v1/families/${source.id}`)).json).toMatchObject({ trace_count: 2, boundary: 'context_source' });
  });

  it('split moves named traces to a new family, and their kind of signal follows', async () => {
    const target = await familyOf('charge retried forever');
    const detail = await api('GET', `/v1/families/${target.id}`);
    const declined = detail.json.traces.filter((t: any) => detail.json.history.some((e: any) => e.action === 'merged_from' && e.detail.traces.includes(t.trace_id)));
    const moveIds = [...declined.map((t: any) => t.trace_id), detail.json.traces[0].trace_id];
    const split = await api('POST', `/v1/families/${target.id}/split`, { traces: [...new Set(moveIds)], title: 'Card declined loop' });
    expect(split.status).toBe(201);
    expect(split.json).toMatchObject({ title: 'Card declined loop', trace_count: 2, event_count: 2 });
    expect(split.json.history[0]).toMatchObject({ action: 'split_from', detail: { family: target.id } });
    expect((await api('GET', `/v1/families/${target.id}`)).json.trace_count).toBe(2);
    // Its profile says who sent the traces split out, as the similarity step's would.
    const [profile] = await h.services.database.db.select().from(familyProfiles).where(eq(familyProfiles.familyId, split.json.id));
    expect(profile?.sources).toEqual({ 'tool-gateway': 2 });

    await sendSignals([signal({ tool: 'charge_card', workflow: 'payments', severity: 0, title: 'x', message: 'card_declined for customer 77' })]);
    expect((await api('GET', `/v1/families/${split.json.id}`)).json.trace_count).toBe(3);

    const [rule] = (await api('GET', `/v1/grouping-rules?family_id=${split.json.id}&active=true`)).json.items;
    expect(rule).toMatchObject({ kind: 'split', family_id: split.json.id, from_family_id: target.id });
    expect(rule.signatures.map((s: any) => s.template)).toContain('card_declined for customer <num>');

    expect((await api('POST', `/v1/families/${target.id}/split`, { traces: ['nope'] })).json.error.message).toContain('not in this family');
    const all = (await api('GET', `/v1/families/${target.id}`)).json.traces.map((t: any) => t.trace_id);
    expect((await api('POST', `/v1/families/${target.id}/split`, { traces: all })).json.error.message).toContain('every trace');

    expect((await api('DELETE', `/v1/grouping-rules/${rule.id}`)).status).toBe(200);
    expect((await api('GET', `/v1/families/${split.json.id}`)).json.merged_into).toBe(target.id);
    expect((await api('GET', `/v1/families/${target.id}`)).json.trace_count).toBe(5);
  });

  it('a split takes the boundary votes of the signals it takes, and the old family decides without them (2026-12-07)', async () => {
    const at = (room: number, boundary: string) =>
      signal({ tool: 'book_room', workflow: 'split-votes', severity: 2, boundary, title: 'room not bookable', message: `room ${room} not bookable`, trace: { trace_id: `split-votes-${room}` } });
    await sendSignals([at(12, 'tool_contract'), at(13, 'tool_contract'), at(14, 'tool_contract'), at(15, 'permission'), at(16, 'permission')]);
    const family = await familyOf('room not bookable');
    const before = (await api('GET', `/v1/families/${family.id}`)).json;
    expect(before).toMatchObject({ trace_count: 5, boundary: 'tool_contract' });
    expect(before.boundary_detail.confidence).toBeCloseTo(0.6, 5);
    const split = await api('POST', `/v1/families/${family.id}/split`, { traces: ['split-votes-15', 'split-votes-16'], title: 'room not bookable for this guest' });
    expect(split.status).toBe(201);
    expect(split.json).toMatchObject({ boundary: 'permission', boundary_detail: { confidence: 1, source: 'explicit' } });
    expect(split.json.boundary_detail.reasons.join(' ')).toContain('2 of 2 signals');
    const left = (await api('GET', `/v1/families/${family.id}`)).json;
    expect(left).toMatchObject({ trace_count: 3, boundary: 'tool_contract', boundary_detail: { confidence: 1 } });
    expect(left.boundary_detail.reasons.join(' ')).toContain('3 of 3 signals');
  });

  it('a value that varies does not merge families a person kept apart', async () => {
    const base = { tool: 'send_sms', workflow: 'texter', title: 'sms rejected' };
    await sendSignals([signal({ ...base, message: 'number blocked for recipient 2001' })]);
    await sendSignals([signal({ ...base, message: 'number invalid for recipient 2002' })]);
    const rows = await h.services.database.db.select().from(families).where(eq(families.workflow, 'texter')).orderBy(families.createdAt);
    expect(rows).toHaveLength(2);
    const [blocked, invalid] = rows;
    // A person merges the two, then undoes it: they are two failures.
    expect((await api('POST', `/v1/families/${invalid!.id}/merge`, { into: blocked!.id })).status).toBe(200);
    const [rule] = (await api('GET', `/v1/grouping-rules?family_id=${blocked!.id}`)).json.items;
    expect((await api('DELETE', `/v1/grouping-rules/${rule.id}`)).status).toBe(200);

    // A third word in the same place makes it a variable, which would absorb both families' templates.
    await sendSignals([signal({ ...base, message: 'number unreachable for recipient 2003' })]);
    const after = await h.services.database.db.select().from(families).where(eq(families.workflow, 'texter'));
    expect(after.find((f) => f.id === invalid!.id)!.mergedInto).toBeNull();
    expect(after.find((f) => f.id === blocked!.id)!.mergedInto).toBeNull();
    const third = (await api('GET', `/v1/families?workflow=texter`)).json.items.find((f: any) => f.trace_count === 1 && ![blocked!.id, invalid!.id].includes(f.id));
    const rules = (await api('GET', '/v1/grouping-rules?active=true')).json.items.filter((r: any) => [r.family_id, r.from_family_id].includes(invalid!.id));
    expect({ third: third ?? null, rules }).toEqual({ third: null, rules: [] });
  });

  it('undoing a merge made within a batch gives back the signals placed in the merged family earlier in it (2026-12-08)', async () => {
    const base = { tool: 'send_fax', workflow: 'faxer', title: 'fax rejected' };
    // One batch: two families, then a third word in the same place makes it a variable and merges them.
    await sendSignals(['line busy for recipient 3001', 'line dead for recipient 3002', 'line jammed for recipient 3003'].map((message) => signal({ ...base, message })));
    const faxer = () => h.services.database.db.select().from(families).where(eq(families.workflow, 'faxer'));
    const made = await faxer();
    const [kept, merged] = [made.find((f) => f.mergedInto === null), made.find((f) => f.mergedInto !== null)];
    expect([made.length, merged?.mergedInto, kept?.traceCount, kept?.eventCount]).toEqual([2, kept?.id, 3, 3]);
    const [rule] = (await api('GET', `/v1/grouping-rules?family_id=${kept!.id}`)).json.items;
    expect(rule).toMatchObject({ kind: 'merge', from_family_id: merged!.id });
    expect((await api('DELETE', `/v1/grouping-rules/${rule.id}`)).status).toBe(200);
    const undone = new Map((await faxer()).map((f) => [f.id, [f.mergedInto, f.traceCount, f.eventCount]]));
    expect([undone.get(kept!.id), undone.get(merged!.id)]).toEqual([
      [null, 2, 2],
      [null, 1, 1],
    ]);
  });

  it('a split rule keeps a later variant of the split-out signature apart, though the template would join the old family', async () => {
    const base = { tool: 'send_email', workflow: 'mailer' };
    // Three different words in one place, each rare: the miner makes that place a variable.
    await sendSignals(['full', 'disabled', 'suspended'].map((word, i) => signal({ ...base, title: 'mail bounced', message: `mailbox ${word} for recipient ${1001 + i}` })));
    const family = await familyOf('mail bounced');
    const detail = await api('GET', `/v1/families/${family.id}`);
    expect(detail.json.trace_count).toBe(3);
    expect(detail.json.traces.map((t: any) => t.grouping.rule)).toContain('template_generalized');
    const disabled = detail.json.traces.find((t: any) => t.grouping.template === 'mailbox disabled for recipient <num>');
    const split = await api('POST', `/v1/families/${family.id}/split`, { traces: [disabled.trace_id], title: 'mailbox disabled' });
    expect(split.status).toBe(201);

    // Not its key (another value in the last place), and the old family's template "mailbox <*> for
    // recipient <num>" would take it: the split rule sends it to the split family.
    await sendSignals([signal({ ...base, title: 'mail bounced', message: 'mailbox disabled for recipient postmaster' })]);
    const moved = await api('GET', `/v1/families/${split.json.id}`);
    expect(moved.json.trace_count).toBe(2);
    expect(moved.json.traces[0].grouping).toMatchObject({ rule: 'split_rule' });
    expect((await api('GET', `/v1/families/${family.id}`)).json.trace_count).toBe(2);
    await sendSignals([signal({ ...base, title: 'mail bounced', message: 'mailbox quarantined for recipient 1009' })]);
    expect((await api('GET', `/v1/families/${family.id}`)).json.trace_count).toBe(3);
  });
});
