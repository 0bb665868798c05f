// `recur replay` as an operator runs it: lists dead and stuck events, replays them (or one by --id, or
// nothing with --dry-run), exits 0 on success and 2 on any error; what it replays then gets processed.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { serve, type ServerType } from '@hono/node-server';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { families, inboxEvents } from '../../src/db/schema/index.js';
import { storeDelivery } from '../../src/ingest/inbox.js';
import { freePort } from '../helpers/ports.js';
import { eventually, startHarness, type Harness } from '../helpers/recur.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const ADMIN = 'cli-admin-token-0123456789';
const READER = 'cli-reader-token-0123456789';

/** Async, so the server under test (in this process) can answer while the CLI waits. */
function recur(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/recur.js', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

describe('recur replay', () => {
  let h: Harness;
  let server: ServerType;
  let url: string;
  const ids: Record<string, string> = {};

  const seed = async (name: string, status: 'dead' | 'pending' | 'processed', ageMinutes: number) => {
    const body = JSON.stringify({
      id: randomUUID(), type: 'issue.created', created: 1779800000, request_id: randomUUID(),
      data: { object: { id: `cli-${name}`, name: `Replayed ${name}`, severity: 2, session_name: 'cli-replay' } },
    });
    const db = h.services.database.db;
    const stored = await storeDelivery(db, {
      source: 'langsmith', deliveryId: JSON.parse(body).id, eventType: 'issue.created', body: new TextEncoder().encode(body), payload: JSON.parse(body), status: 'pending',
    });
    await db
      .update(inboxEvents)
      .set({ status, attempts: status === 'dead' ? 8 : 0, lastError: status === 'dead' ? `payment API 503 for ${name}` : null, receivedAt: sql`now() - ${`${ageMinutes} minutes`}::interval` })
      .where(eq(inboxEvents.id, stored.eventId));
    ids[name] = stored.eventId;
  };

  const statuses = async () => {
    const rows = await h.services.database.db.select({ id: inboxEvents.id, status: inboxEvents.status, replays: inboxEvents.replays }).from(inboxEvents);
    return Object.fromEntries(Object.entries(ids).map(([name, id]) => [name, rows.find((r) => r.id === id)!]));
  };

  beforeAll(async () => {
    h = await startHarness({ backend: 'pglite', worker: false, env: { RECUR_API_TOKENS: `ops:admin:${ADMIN},ci:read+write:${READER}` } });
    const port = await freePort();
    server = serve({ fetch: h.app.fetch, port, hostname: '127.0.0.1' });
    url = `http://127.0.0.1:${port}`;
    await seed('deadA', 'dead', 60);
    await seed('deadB', 'dead', 50);
    await seed('stuck', 'pending', 40);
    await seed('done', 'processed', 30);
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await h.close();
  });

  const env = (token = ADMIN) => ({ RECUR_URL: url, RECUR_TOKEN: token });

  it('lists what it would replay with --dry-run, and changes nothing', async () => {
    const before = await statuses();
    const run = await recur(['replay', '--dry-run'], env());
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^EVENT ID\s+STATE\s+SOURCE\s+TYPE\s+ATTEMPTS\s+RECEIVED\s+LAST ERROR$/);
    expect(lines.slice(1, 4).map((l) => l.split(/\s+/).slice(0, 2))).toEqual([
      [ids.deadA, 'dead'],
      [ids.deadB, 'dead'],
      [ids.stuck, 'stuck'],
    ]);
    expect(lines[1]).toContain('payment API 503 for deadA');
    expect(lines[4]).toBe('3 event(s) would be replayed (dry run: nothing changed)');
    expect(await statuses()).toEqual(before);
  });

  it('says so when nothing matches the filter', async () => {
    const run = await recur(['replay', '--source', 'signal:nobody'], env());
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('nothing to replay');
  });

  it.each([
    ['an event that is not dead or stuck', () => ['replay', '--id', ids.done!], ADMIN, /409/],
    ['an unknown event', () => ['replay', '--id', randomUUID()], ADMIN, /404/],
    ['a token without the admin scope', () => ['replay'], READER, /403/],
    ['--id with --dry-run', () => ['replay', '--id', ids.deadA!, '--dry-run'], ADMIN, /no other option/],
    ['an unknown state', () => ['replay', '--state', 'alive'], ADMIN, /400/],
  ])('exits 2 on %s, replaying nothing', async (_, args, token, message) => {
    const before = await statuses();
    const run = await recur(args(), env(token));
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(await statuses()).toEqual(before);
  });

  it('replays one event by --id, then all the others, and they get processed', async () => {
    const one = await recur(['replay', '--id', ids.deadA!], env());
    expect(one.status).toBe(0);
    expect(one.stdout.trim()).toBe(`replayed ${ids.deadA} (langsmith issue.created), replay #1`);

    const all = await recur(['replay'], env());
    expect(all.status).toBe(0);
    expect(all.stdout).toContain(ids.deadB);
    expect(all.stdout).toContain(ids.stuck);
    expect(all.stdout).not.toContain(ids.deadA);
    expect(all.stdout.trim().split('\n').at(-1)).toBe('replayed 2 of 2 event(s)');

    await h.startWorker();
    expect(await eventually(async () => Object.values(await statuses()).every((r) => r.status === 'processed'))).toBe(true);
    expect(await statuses()).toMatchObject({ deadA: { replays: 1 }, deadB: { replays: 1 }, stuck: { replays: 1 }, done: { replays: 0 } });
    expect(await h.services.database.db.$count(families, eq(families.workflow, 'cli-replay'))).toBe(3);
  });
});
