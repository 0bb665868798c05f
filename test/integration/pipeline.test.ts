// The whole walking skeleton on each storage/queue combination: a signed LangSmith batch becomes one
// family with its evidence and one ticket; processing twice changes nothing.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { families, familyHistory, inboxEvents, localIssues, operationalEvents } from '../../src/db/schema/index.js';
import { getFamily } from '../../src/families/read.js';
import { processInboxEvent } from '../../src/ingest/process_event.js';
import { batchDeliveries, fixtureText, signedHeaders } from '../helpers/fixtures.js';
import { createDatabase } from '../helpers/postgres.js';
import { counts, eventually, postLangsmith, startHarness, type Backend, type Harness } from '../helpers/recur.js';

const pgUrl = inject('pgUrl');
const redisUrl = inject('redisUrl');

const backends: Array<{ backend: Backend; skip: boolean }> = [
  { backend: 'pglite', skip: false },
  { backend: 'postgres', skip: !pgUrl },
  { backend: 'postgres+redis', skip: !pgUrl || !redisUrl },
];

describe.each(backends)('pipeline on $backend', ({ backend, skip }) => {
  let h: Harness;
  let dropDb: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    if (skip) return;
    const database = backend === 'pglite' ? undefined : await createDatabase(pgUrl);
    dropDb = database?.drop;
    h = await startHarness({ backend, databaseUrl: database?.url, redisUrl });
  });
  afterAll(async () => {
    await h?.close();
    await dropDb?.();
  });

  it.skipIf(skip)('turns the refund batch into one family, three traces and one ticket with every section', async () => {
    for (const body of batchDeliveries()) {
      const res = await postLangsmith(h, body, signedHeaders(body));
      expect(res.status).toBe(202);
      expect(res.json.status).toBe('accepted');
    }
    const done = await eventually(async () => {
      const c = await counts(h.services);
      return c.pending === 0 && c.tickets === 1 && c.traces === 3 ? c : null;
    });
    expect(done).toMatchObject({ families: 1, traces: 3, tickets: 1, localIssues: 1, pending: 0 });

    const db = h.services.database.db;
    const synced = await eventually(async () => {
      const rows = await db.select().from(families);
      const f = rows[0];
      return f && f.ticketSyncedGeneration === f.ticketGeneration && f.ticketSyncLeaseUntil === null ? rows : null;
    });
    const family = synced?.[0];
    expect(family).toMatchObject({ status: 'open', severity: 0, workflow: 'refund-agent-prod', traceCount: 3, eventCount: 4 });

    const issue = await eventually(async () => {
      const [row] = await db.select().from(localIssues);
      return row && row.body.includes('3 traces in all') ? row : null;
    });
    expect(issue!.title).toBe('[sev0] refund-agent-prod: Refund flow calls payment API before policy check');
    expect(issue!.labels).toEqual(expect.arrayContaining(['recur', 'sev:0', 'workflow:refund-agent-prod']));
    for (const section of ['Failure', 'Workflow', 'Severity', 'Boundary', 'Owner', 'Evidence', 'Upstream', 'Fix status', 'Regression coverage', 'Reopen rule']) {
      expect(issue!.body).toContain(`### ${section}\n`);
    }
    expect(issue!.body).toContain(`<!-- recur:family=${family!.id} -->`);
    expect(issue!.body).not.toContain('jane.doe@example.com');
    expect(issue!.body).toContain('412.80');

    const detail = await getFamily(db, family!.id);
    expect(detail!.traces.map((t) => t.trace_id)).toEqual([
      '9e8d7c6b-3333-4a3b-9c8d-7e6f5a4b3c23',
      '9e8d7c6b-2222-4a3b-9c8d-7e6f5a4b3c22',
      '9e8d7c6b-1111-4a3b-9c8d-7e6f5a4b3c21',
    ]);
    expect(detail!.upstream).toEqual([{ source: 'langsmith', id: '3f0c2b7e-5a41-4d8e-9c16-2b7d4e91a0c3', url: expect.stringContaining('smith.langchain.com') }]);
    expect(detail!.ticket).toMatchObject({ provider: 'local', repo: 'local/recur', number: 1, state: 'open' });
    expect(detail!.history.map((e) => e.action)).toEqual(
      expect.arrayContaining(['created', 'trace_added', 'ticket_opened', 'status_changed']),
    );
  });

  it.skipIf(skip)('processing an event a second time changes nothing', async () => {
    const db = h.services.database.db;
    const before = await db.select().from(families);
    const historyBefore = await db.$count(familyHistory);
    const events = await db.select({ id: inboxEvents.id }).from(inboxEvents);
    for (const { id } of events) {
      const outcome = await processInboxEvent({ db, config: h.services.config.file, maxAttempts: 3 }, id);
      expect(outcome.result).toBe('already_done');
    }
    expect(await db.select().from(families)).toEqual(before);
    expect(await db.$count(familyHistory)).toBe(historyBefore);
  });

  it.skipIf(skip)('records a failed Engine run as an operational event and makes no family', async () => {
    const body = fixtureText('issue-agent-run-failed.json');
    expect((await postLangsmith(h, body, signedHeaders(body))).status).toBe(202);
    const db = h.services.database.db;
    const rows = await eventually(async () => {
      const r = await db.select().from(operationalEvents);
      return r.length > 0 ? r : null;
    });
    expect(rows).toMatchObject([{ kind: 'issue.agent_run.failed', status: 'error', message: 'TimeoutError: trace scan exceeded 900s' }]);
    expect(await db.$count(families)).toBe(1);
    const [event] = await db.select().from(inboxEvents).where(eq(inboxEvents.eventType, 'issue.agent_run.failed'));
    expect(event!.status).toBe('processed');
  });
});
