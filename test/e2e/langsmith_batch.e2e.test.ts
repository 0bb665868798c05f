// End to end, as a user runs it: the service as a child process, the refund batch delivered signed, then
// byte-identical retries and storms of concurrent copies. Exactly one family, one ticket, three traces.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { batchDeliveries, signedHeaders, TEST_SECRET } from '../helpers/fixtures.js';
import { createDatabase } from '../helpers/postgres.js';
import { eventually } from '../helpers/recur.js';
import { startService, type ServiceProcess } from '../helpers/service_process.js';

const pgUrl = inject('pgUrl');
const redisUrl = inject('redisUrl');

const modes = [
  { name: 'embedded default (PGlite, in-process queue)', skip: false, storage: async () => ({}) },
  {
    name: 'PostgreSQL + Redis',
    skip: !pgUrl || !redisUrl,
    storage: async () => ({ DATABASE_URL: (await createDatabase(pgUrl)).url, REDIS_URL: redisUrl, RECUR_QUEUE_PREFIX: `e2e${process.pid}` }),
  },
];

describe.each(modes)('LangSmith batch end to end on $name', ({ skip, storage }) => {
  let service: ServiceProcess;
  let dataDir: string;

  beforeAll(async () => {
    if (skip) return;
    dataDir = mkdtempSync(join(tmpdir(), 'recur-e2e-'));
    service = await startService({
      env: { LANGSMITH_WEBHOOK_SECRET: TEST_SECRET, RECUR_DATA_DIR: dataDir, RECUR_TICKET_DELAY_MS: '300', RECUR_TICKET_UPDATE_INTERVAL_MS: '0', ...(await storage()) },
    });
  }, 60_000);
  afterAll(async () => {
    if (skip) return;
    expect(await service.stop()).toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = async (body: string) => {
    const res = await fetch(`${service.url}/webhooks/langsmith`, { method: 'POST', body, headers: signedHeaders(body) });
    return { status: res.status, json: (await res.json()) as { status: string; event_id: string } };
  };
  const get = async (path: string) => (await (await fetch(`${service.url}${path}`)).json()) as any;

  it.skipIf(skip)('delivers, dedupes retries and storms, and ends with one family, one ticket, three traces', async () => {
    const deliveries = batchDeliveries();
    const first = [];
    for (const body of deliveries) first.push(await post(body));
    expect(first.map((r) => [r.status, r.json.status])).toEqual(deliveries.map(() => [202, 'accepted']));

    const retries = [];
    for (const body of deliveries) retries.push(await post(body));
    expect(retries.map((r) => r.status)).toEqual(deliveries.map(() => 200));
    expect(retries.map((r) => r.json.event_id)).toEqual(first.map((r) => r.json.event_id));

    const storm = await Promise.all(Array.from({ length: 20 }, () => post(deliveries[2]!)));
    expect(storm.every((r) => r.status === 200 && r.json.status === 'duplicate')).toBe(true);

    // A new delivery id repeating a trace already seen: one copy is accepted, the rest are duplicates.
    const fresh = JSON.stringify({ ...JSON.parse(deliveries[3]!), id: '99999999-5b6d-4e8f-9a0b-1c2d3e4f5a63' });
    const freshStorm = await Promise.all(Array.from({ length: 20 }, () => post(fresh)));
    expect(freshStorm.filter((r) => r.status === 202)).toHaveLength(1);
    expect(freshStorm.filter((r) => r.status === 200)).toHaveLength(19);
    expect(new Set(freshStorm.map((r) => r.json.event_id)).size).toBe(1);

    const families = await eventually(async () => {
      const page = await get('/v1/families');
      const [f] = page.items;
      return page.items.length === 1 && f.ticket && f.event_count === 5 ? page : null;
    }, 20_000);
    expect(families.items).toHaveLength(1);
    expect(families.items[0]).toMatchObject({ status: 'open', severity: 0, trace_count: 3, event_count: 5, ticket: { provider: 'local', number: 1 } });

    const issues = await eventually(async () => {
      const list = await get('/v1/local-issues');
      return list.items[0]?.body.includes('3 traces in all') ? list : null;
    }, 20_000);
    expect(issues.items).toHaveLength(1);
    expect(issues.items[0].body).not.toContain('jane.doe@example.com');
  }, 90_000);
});
