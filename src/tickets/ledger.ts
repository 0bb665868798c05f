// The side-effect ledger (docs/architecture.md rule 4): an external write is reserved under its business
// operation key before it is sent and completed with its receipt after. A reservation found unfinished
// (a crash, a timeout that may or may not have landed) is reconciled before anything is sent again.
import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { sideEffects } from '../db/schema/index.js';
import { sideEffects as sideEffectsTotal } from '../telemetry/metrics.js';
import { withSpan } from '../telemetry/tracing.js';

export interface SideEffect<R extends Record<string, unknown>> {
  /** e.g. `github.issue.create:<family id>`: names the business operation, not the request. */
  key: string;
  kind: string;
  familyId?: string;
  input: unknown;
  /** Looks for proof the operation already happened (the issue carrying the family's marker). */
  reconcile: () => Promise<R | null>;
  perform: () => Promise<R>;
  /**
   * Called right before `perform` (never before `reconcile`, which only looks): throws when the caller's
   * lease was lost, so a holder that stalled past its lease stops instead of sending what the new holder may
   * be sending too. The reservation stays unfinished and whoever runs it next reconciles first.
   */
  fence?: () => Promise<void>;
  /** Applies the receipt to recur's own state; runs in the transaction that completes the ledger row. */
  apply: (tx: Db, receipt: R, how: 'performed' | 'reconciled' | 'recorded') => Promise<void>;
}

export type LedgerOutcome = 'performed' | 'reconciled' | 'recorded';

export async function runSideEffect<R extends Record<string, unknown>>(
  db: Db,
  effect: SideEffect<R>,
): Promise<{ receipt: R; outcome: LedgerOutcome }> {
  return withSpan(`side_effect ${effect.kind}`, { attributes: { 'recur.side_effect.kind': effect.kind, ...(effect.familyId ? { 'recur.family_id': effect.familyId } : {}) } }, async (span) => {
    try {
      const result = await runLedgered(db, effect);
      sideEffectsTotal.inc({ kind: effect.kind, outcome: result.outcome });
      span.setAttribute('recur.side_effect.outcome', result.outcome);
      return result;
    } catch (err) {
      sideEffectsTotal.inc({ kind: effect.kind, outcome: 'failed' });
      throw err;
    }
  });
}

async function runLedgered<R extends Record<string, unknown>>(db: Db, effect: SideEffect<R>): Promise<{ receipt: R; outcome: LedgerOutcome }> {
  const inputHash = createHash('sha256').update(JSON.stringify(effect.input ?? null)).digest('hex');
  const reserved = await db
    .insert(sideEffects)
    .values({ operationKey: effect.key, kind: effect.kind, familyId: effect.familyId, inputHash })
    .onConflictDoNothing()
    .returning({ key: sideEffects.operationKey });

  if (reserved.length === 0) {
    const [row] = await db.select().from(sideEffects).where(eq(sideEffects.operationKey, effect.key));
    if (!row) throw new Error(`ledger row ${effect.key} vanished`);
    if (row.status === 'succeeded' && row.receipt) {
      const receipt = row.receipt as R;
      await db.transaction((tx) => effect.apply(tx, receipt, 'recorded'));
      return { receipt, outcome: 'recorded' };
    }
    await db
      .update(sideEffects)
      .set({ attempts: sql`${sideEffects.attempts} + 1`, updatedAt: sql`now()` })
      .where(eq(sideEffects.operationKey, effect.key));
    const found = await effect.reconcile();
    if (found) {
      await complete(db, effect, found, 'reconciled');
      return { receipt: found, outcome: 'reconciled' };
    }
  }

  await effect.fence?.();
  let receipt: R;
  try {
    receipt = await effect.perform();
  } catch (err) {
    await db
      .update(sideEffects)
      .set({ error: String((err as Error)?.message ?? err).slice(0, 1000), updatedAt: sql`now()` })
      .where(eq(sideEffects.operationKey, effect.key));
    throw err;
  }
  await complete(db, effect, receipt, 'performed');
  return { receipt, outcome: 'performed' };
}

async function complete<R extends Record<string, unknown>>(db: Db, effect: SideEffect<R>, receipt: R, how: LedgerOutcome) {
  await db.transaction(async (tx) => {
    await tx
      .update(sideEffects)
      .set({ status: 'succeeded', receipt, error: null, updatedAt: sql`now()` })
      .where(eq(sideEffects.operationKey, effect.key));
    await effect.apply(tx, receipt, how);
  });
}
