// What the overview page reads, on the embedded database and on PostgreSQL: families by status and severity,
// the most urgent families first with their tickets and recurrence per day, the latest gate check per
// workflow, and the inbox backlog.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { families, gateChecks, inboxEvents } from '../../src/db/schema/index.js';
import { readOverview, RECURRENCE_DAYS, type OverviewData } from '../../src/http/pages/overview_data.js';
import { createDatabase } from '../helpers/postgres.js';
import { settled, startHarness, type Backend, type Harness } from '../helpers/recur.js';

const pgUrl = inject('pgUrl');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const backends: Array<{ backend: Backend; skip: boolean }> = [
  { backend: 'pglite', skip: false },
  { backend: 'postgres', skip: !pgUrl },
];

describe.each(backends)('overview data on $backend', ({ backend, skip }) => {
  let h: Harness;
  let dropDb: (() => Promise<void>) | undefined;
  let data: OverviewData;
  const now = new Date();
  const ids: Record<string, string> = {};

  const post = async (path: string, method: string, body: unknown) => {
    const res = await h.app.request(path, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
  };
  const signal = (key: string, severity: number, workflow: string, daysAgo: number) => ({
    id: randomUUID(),
    source: 'eval-ci',
    kind: 'tool_error',
    workflow,
    title: `Failure ${key}`,
    message: `failure ${key} in the ${workflow} tool call`,
    severity,
    trace: { trace_id: randomUUID(), run_id: randomUUID() },
    occurred_at: new Date(now.getTime() - daysAgo * DAY - HOUR).toISOString(),
  });

  beforeAll(async () => {
    if (skip) return;
    const database = backend === 'pglite' ? undefined : await createDatabase(pgUrl);
    dropDb = database?.drop;
    h = await startHarness({ backend, databaseUrl: database?.url });
    await post('/v1/signals', 'POST', {
      signals: [
        signal('A', 0, 'refund-agent', 0),
        signal('A', 0, 'refund-agent', 0),
        signal('A', 0, 'refund-agent', 3),
        signal('B', 2, 'search-agent', 1),
        signal('B', 2, 'search-agent', 5),
        signal('B', 2, 'search-agent', 20),
        signal('C', 3, 'search-agent', 2),
        signal('D', 1, 'refund-agent', 6),
      ],
    });
    expect(await settled(h.services)).toBe(true);
    const db = h.services.database.db;
    for (const f of await db.select().from(families)) ids[f.title.slice(-1)] = f.id;
    await post(`/v1/families/${ids.C}`, 'PATCH', { status: 'ignored' });
    await db.update(families).set({ status: 'resolved' }).where(eq(families.id, ids.D!));
    await h.worker!.stop();

    await db.insert(gateChecks).values([
      { workflow: 'refund-agent', release: 'r1', decision: 'pass', answer: { blocking: [] }, askedBy: 'ci', checkedAt: new Date(now.getTime() - 2 * HOUR) },
      { workflow: 'refund-agent', release: 'r2', environment: 'prod', decision: 'block', answer: { blocking: [{ family_id: ids.A }] }, askedBy: 'ci', checkedAt: new Date(now.getTime() - HOUR) },
      { workflow: 'search-agent', release: 'r9', decision: 'pass', answer: { blocking: [] }, askedBy: 'ci', checkedAt: new Date(now.getTime() - 3 * HOUR) },
    ]);
    const inbox = (status: 'pending' | 'dead', minutesAgo: number) => ({
      source: 'test',
      deliveryId: randomUUID(),
      eventType: 'test.event',
      bodySha256: 'x',
      status,
      receivedAt: new Date(now.getTime() - minutesAgo * 60_000),
    });
    await db.insert(inboxEvents).values([inbox('pending', 10), inbox('pending', 2), inbox('dead', 30)]);

    data = await readOverview(db, h.services.queue, now);
  });
  afterAll(async () => {
    await h?.close();
    await dropDb?.();
  });

  it.skipIf(skip)('counts live families by status and severity', () => {
    const counts = [...data.counts].sort((a, b) => a.severity - b.severity);
    expect(counts).toEqual([
      { status: 'open', severity: 0, count: 1 },
      { status: 'resolved', severity: 1, count: 1 },
      { status: 'watching', severity: 2, count: 1 },
      { status: 'ignored', severity: 3, count: 1 },
    ]);
  });

  it.skipIf(skip)('lists families needing attention first, most urgent first, then resolved and ignored ones', () => {
    expect(data.families.map((f) => [f.title, f.status])).toEqual([
      ['Failure A', 'open'],
      ['Failure B', 'watching'],
      ['Failure D', 'resolved'],
      ['Failure C', 'ignored'],
    ]);
  });

  it.skipIf(skip)('gives each family its ticket and trace count', () => {
    const a = data.families.find((f) => f.id === ids.A)!;
    expect(a.ticket).toMatchObject({ provider: 'local', repo: 'local/recur', state: 'open' });
    expect(a.ticket!.url).toMatch(/^http:\/\/localhost:\d+\/v1\/local-issues\/local\/recur\/\d+$/);
    expect(a.trace_count).toBe(3);
    expect(data.families.find((f) => f.id === ids.B)!.ticket).toBeNull();
  });

  it.skipIf(skip)('counts occurrences per day over the window, oldest first', () => {
    const daily = (key: string) => data.families.find((f) => f.id === ids[key])!.daily;
    const expected = (entries: Record<number, number>) => {
      const series = new Array<number>(RECURRENCE_DAYS).fill(0);
      for (const [daysAgo, n] of Object.entries(entries)) series[RECURRENCE_DAYS - 1 - Number(daysAgo)] = n;
      return series;
    };
    expect(daily('A')).toEqual(expected({ 0: 2, 3: 1 }));
    expect(daily('B')).toEqual(expected({ 1: 1, 5: 1 }));
    expect(daily('D')).toEqual(expected({ 6: 1 }));
  });

  it.skipIf(skip)('shows the latest gate check of each workflow', () => {
    expect(data.gates).toEqual([
      { workflow: 'refund-agent', release: 'r2', environment: 'prod', decision: 'block', blocking: 1, checkedAt: new Date(now.getTime() - HOUR) },
      { workflow: 'search-agent', release: 'r9', environment: '', decision: 'pass', blocking: 0, checkedAt: new Date(now.getTime() - 3 * HOUR) },
    ]);
  });

  it.skipIf(skip)('reports the inbox backlog and the queue depth', () => {
    expect(data.queue).toMatchObject({ driver: h.services.queue.driver, pending: 2, dead: 1, oldestPendingAt: new Date(now.getTime() - 10 * 60_000) });
    expect(data.queue.depth).not.toHaveProperty('error');
  });
});
