// Fenced leases on every database recur runs on: a holder whose lease lapsed and was taken can neither renew
// nor release the new holder's, and its fence stops it before the next side effect, which the ledger then
// reconciles instead of repeating; the embedded database frees every lease when its process starts; the
// sweeper wakes a family when a dead holder's lease lapses.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { families, regressionPullRequests, sideEffects } from '../../src/db/schema/index.js';
import { pullRequestLease } from '../../src/evaluators/regression_pr/sync.js';
import { createServices } from '../../src/services.js';
import { LeaseLostError, withLease, type LeaseStore } from '../../src/tickets/lease.js';
import { runSideEffect } from '../../src/tickets/ledger.js';
import { ticketSyncLease } from '../../src/tickets/sync.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { batchDeliveries, signedHeaders } from '../helpers/fixtures.js';
import { createDatabase } from '../helpers/postgres.js';
import { eventually, postLangsmith, settled, startHarness, testConfig, type Harness } from '../helpers/recur.js';

const pgUrl = inject('pgUrl');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each([
  { backend: 'pglite' as const, skip: false },
  { backend: 'postgres' as const, skip: !pgUrl },
])('fenced leases ($backend)', ({ backend, skip }) => {
  let h: Harness;
  let db: Db;
  let drop: (() => Promise<void>) | undefined;
  let familyId: string;

  beforeAll(async () => {
    if (skip) return;
    const database = backend === 'postgres' ? await createDatabase(pgUrl) : null;
    drop = database?.drop;
    h = await startHarness({ backend, databaseUrl: database?.url });
    db = h.services.database.db;
    for (const body of batchDeliveries()) expect((await postLangsmith(h, body, signedHeaders(body))).status).toBe(202);
    expect(await settled(h.services)).toBe(true);
    [{ id: familyId }] = (await db.select({ id: families.id }).from(families)) as [{ id: string }];
  });
  afterAll(async () => {
    await h?.close();
    await drop?.();
  });

  /** Makes the family's ticket behind its evidence, so its sync lease can be taken. */
  const behind = () => db.update(families).set({ ticketGeneration: sql`${families.ticketGeneration} + 1` }).where(eq(families.id, familyId));
  const leaseRow = async () => (await db.select({ until: families.ticketSyncLeaseUntil, holder: families.ticketSyncLeaseHolder }).from(families).where(eq(families.id, familyId)))[0]!;

  it.skipIf(skip)('a holder that lost its lease cannot renew or release the next holder’s, and its fence stops it', async () => {
    await behind();
    const store = ticketSyncLease(db, familyId);
    const events: string[] = [];
    let second: Promise<unknown> = Promise.resolve();
    const first = await withLease(store, { ms: 300, renewEveryMs: 60_000 }, async (fence) => {
      await fence();
      events.push('first holds');
      // The first holder stalls past its lease (no renewal meanwhile); a second one takes the lapsed lease.
      await sleep(600);
      second = withLease(store, { ms: 10_000 }, async () => {
        events.push('second holds');
        await sleep(300);
      });
      await sleep(100);
      const err = await fence().then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(LeaseLostError);
      events.push('first fenced off');
      return 'done';
    });
    expect(first).toEqual({ held: true, value: 'done' });
    // The first holder's release (on the way out) left the second holder's lease alone.
    const during = await leaseRow();
    expect(during.holder).not.toBeNull();
    expect(during.until!.getTime()).toBeGreaterThan(Date.now());
    expect(await second).toEqual({ held: true, value: undefined });
    expect(events).toEqual(['first holds', 'second holds', 'first fenced off']);
    expect(await leaseRow()).toEqual({ until: null, holder: null });
  });

  it.skipIf(skip)('a second taker is refused while the lease is held, and renewal names the holder', async () => {
    await behind();
    const store = ticketSyncLease(db, familyId);
    await withLease(store, { ms: 10_000 }, async () => {
      expect(await store.acquire('someone-else', 10_000)).toBe(false);
      expect(await store.renew('someone-else', 10_000)).toBe(false);
      await store.release('someone-else');
      expect((await leaseRow()).holder).not.toBeNull();
    });
    // The regression pull request lease works the same way.
    await db.insert(regressionPullRequests).values({ familyId, repo: 'acme/agents', branch: 'recur/regression-x' }).onConflictDoNothing();
    const prs: LeaseStore = pullRequestLease(db, familyId);
    expect(await prs.acquire('a', 10_000)).toBe(true);
    expect(await prs.acquire('b', 10_000)).toBe(false);
    expect(await prs.renew('b', 10_000)).toBe(false);
    await prs.release('b');
    expect(await prs.renew('a', 10_000)).toBe(true);
    await prs.release('a');
    expect(await prs.acquire('b', 10_000)).toBe(true);
    await prs.release('b');
  });

  it.skipIf(skip)('a side effect whose fence fails is not sent; the next holder reconciles it instead of sending it again', async () => {
    const key = `test.effect:${backend}:${familyId}`;
    let sent = 0;
    let onGitHub: { number: number } | null = null;
    const effect = (fence: () => Promise<void>) =>
      runSideEffect<{ number: number }>(db, {
        key,
        kind: 'test.effect',
        familyId,
        input: {},
        reconcile: async () => onGitHub,
        perform: async () => {
          sent += 1;
          onGitHub = { number: 7 };
          return onGitHub;
        },
        fence,
        apply: async () => {},
      });
    await expect(
      effect(async () => {
        throw new LeaseLostError('lost');
      }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(sent).toBe(0);
    expect((await db.select().from(sideEffects).where(eq(sideEffects.operationKey, key)))[0]).toMatchObject({ status: 'reserved' });

    // The next holder finds the reservation unfinished; nothing is on GitHub yet, so it sends it, once.
    expect(await effect(async () => {})).toMatchObject({ outcome: 'performed', receipt: { number: 7 } });
    expect(sent).toBe(1);

    // A holder that sent it and lost its answer (the row stays reserved): the next one finds it by looking.
    const lostKey = `${key}:lost`;
    await db.insert(sideEffects).values({ operationKey: lostKey, kind: 'test.effect', familyId, inputHash: 'x' });
    const found = await runSideEffect<{ number: number }>(db, {
      key: lostKey,
      kind: 'test.effect',
      familyId,
      input: {},
      reconcile: async () => ({ number: 7 }),
      perform: async () => {
        sent += 1;
        return { number: 8 };
      },
      fence: async () => {},
      apply: async () => {},
    });
    expect(found).toMatchObject({ outcome: 'reconciled', receipt: { number: 7 } });
    expect(sent).toBe(1);
  });

  it.skipIf(skip)('the sweeper wakes a family when a dead holder’s lease lapses, not a sweep interval later', async () => {
    // A holder that died mid-sync: the family is behind and its lease runs for another 1.5 s.
    await db
      .update(families)
      .set({ ticketGeneration: sql`${families.ticketGeneration} + 1`, ticketSyncLeaseUntil: sql`now() + interval '1500 milliseconds'`, ticketSyncLeaseHolder: 'dead-holder', updatedAt: sql`now() - interval '1 minute'` })
      .where(eq(families.id, familyId));
    const sweptAt = Date.now();
    // The harness sweeps every 60 s: only the wake-up this sweep queues can bring the ticket up to date in time.
    expect(await h.worker!.sweep()).toMatchObject({ tickets: 0 });
    let last: unknown;
    await eventually(
      async () => {
        const [row] = await db.select().from(families).where(eq(families.id, familyId));
        last = { generation: row!.ticketGeneration, synced: row!.ticketSyncedGeneration, until: row!.ticketSyncLeaseUntil, holder: row!.ticketSyncLeaseHolder };
        return row!.ticketSyncedGeneration === row!.ticketGeneration && row!.ticketSyncLeaseUntil === null;
      },
      10_000,
      50,
      () => last,
    );
    expect(Date.now() - sweptAt).toBeGreaterThanOrEqual(1_400);
  });
});

describe('the embedded database at start', () => {
  it('frees every lease the previous process left held (it is the only process)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'recur-leases-'));
    const log = createLogger('silent');
    try {
      const config = testConfig({ dataDir });
      const first = await createServices(config, log);
      const [row] = await first.database.db
        .insert(families)
        .values({ title: 't', workflow: 'w', kind: 'other', severity: 2, groupingVersion: 'g', firstSeen: new Date(), lastSeen: new Date(), ticketGeneration: 1, ticketSyncLeaseUntil: new Date(Date.now() + 3_600_000), ticketSyncLeaseHolder: 'killed' })
        .returning({ id: families.id });
      await first.database.db.insert(regressionPullRequests).values({ familyId: row!.id, repo: 'a/b', branch: 'x', leaseUntil: new Date(Date.now() + 3_600_000), leaseHolder: 'killed' });
      await first.close();

      const second = await createServices(config, log);
      try {
        const [family] = await second.database.db.select().from(families).where(eq(families.id, row!.id));
        const [pr] = await second.database.db.select().from(regressionPullRequests).where(eq(regressionPullRequests.familyId, row!.id));
        expect({ until: family!.ticketSyncLeaseUntil, holder: family!.ticketSyncLeaseHolder }).toEqual({ until: null, holder: null });
        expect({ until: pr!.leaseUntil, holder: pr!.leaseHolder }).toEqual({ until: null, holder: null });
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
