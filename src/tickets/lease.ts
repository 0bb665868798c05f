// Fenced leases: one holder at a time for a family's ticket sync or its regression pull request. Taking a
// lease sets a fresh holder token and an expiry; renewing and releasing name the token, so a holder whose
// lease lapsed and was taken by another can neither extend nor release the new holder's, and finds out
// before its next side effect (the fence). What it may have sent meanwhile is reconciled by the ledger.
import { randomUUID } from 'node:crypto';
import { isNotNull, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { families, regressionPullRequests } from '../db/schema/index.js';

/** One lease row, as its user reads and writes it. */
export interface LeaseStore {
  /** Takes the lease for `token` when it is free or lapsed (and whatever else the user requires); true when taken. */
  acquire(token: string, ms: number): Promise<boolean>;
  /** Extends the lease while `token` still holds it; false when it was lost. */
  renew(token: string, ms: number): Promise<boolean>;
  /** Frees the lease if `token` still holds it. */
  release(token: string): Promise<void>;
}

export interface LeaseTiming {
  /** How long the lease lasts without renewal: a holder that dies blocks the work at most this long. */
  ms: number;
  /** How often it is renewed while the work runs (default a third of `ms`, so two renewals may fail). */
  renewEveryMs?: number;
}

/** Thrown by a fence when the lease is no longer this holder's: stop before any further side effect. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

/** Renews the lease and throws LeaseLostError when it is no longer held: call it right before a side effect. */
export type Fence = () => Promise<void>;

/** Runs `work` holding the lease, renewing it meanwhile; `{ held: false }` when another holder has it. */
export async function withLease<T>(store: LeaseStore, timing: LeaseTiming, work: (fence: Fence) => Promise<T>): Promise<{ held: false } | { held: true; value: T }> {
  const token = randomUUID();
  if (!(await store.acquire(token, timing.ms))) return { held: false };
  let lost = false;
  let renewing: Promise<unknown> = Promise.resolve();
  const timer = setInterval(
    () => {
      renewing = store.renew(token, timing.ms).then(
        (held) => {
          if (!held) lost = true;
        },
        // A renewal the database did not answer is tried again at the next tick; the fence tells for sure.
        () => {},
      );
    },
    Math.max(50, timing.renewEveryMs ?? Math.floor(timing.ms / 3)),
  );
  const fence: Fence = async () => {
    if (lost || !(await store.renew(token, timing.ms))) {
      lost = true;
      throw new LeaseLostError('the lease was lost (it lapsed and another holder took it): stopping before the next side effect');
    }
  };
  try {
    return { held: true, value: await work(fence) };
  } finally {
    clearInterval(timer);
    await renewing;
    // A release the database does not answer leaves the lease to lapse; the work's own outcome stands.
    await store.release(token).catch(() => {});
  }
}

/** The expiry of a lease taken or renewed now. */
export const leaseExpiry = (ms: number) => sql`now() + ${`${ms} milliseconds`}::interval`;

/**
 * Frees every lease. Only for a process that is known to be the only one: on the embedded database (PGlite)
 * the process that starts is the only process, so a lease still held was its predecessor's, killed holding it.
 */
export async function releaseAllLeases(db: Db): Promise<{ tickets: number; pullRequests: number }> {
  const freedTickets = await db
    .update(families)
    .set({ ticketSyncLeaseUntil: null, ticketSyncLeaseHolder: null })
    .where(or(isNotNull(families.ticketSyncLeaseUntil), isNotNull(families.ticketSyncLeaseHolder)))
    .returning({ id: families.id });
  const freedPullRequests = await db
    .update(regressionPullRequests)
    .set({ leaseUntil: null, leaseHolder: null })
    .where(or(isNotNull(regressionPullRequests.leaseUntil), isNotNull(regressionPullRequests.leaseHolder)))
    .returning({ id: regressionPullRequests.familyId });
  return { tickets: freedTickets.length, pullRequests: freedPullRequests.length };
}
