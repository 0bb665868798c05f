// Results from a release pipeline. A failing evaluator whose family was resolved means the failure is
// back: the family is marked regressed and its ticket reopens (through the ticket sync and the ledger).
// Ignored families never reopen.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { evaluations, evaluators, families } from '../db/schema/index.js';
import { recordHistory } from '../families/history.js';

export interface EvaluationInput {
  workflow: string;
  release: string;
  environment?: string;
  results: Array<{ evaluator_id: string; passed: boolean; score?: number; run_url?: string }>;
}

/** `touched`: every family a result was reported for; their tickets show the evaluators' state. */
export type RecordOutcome = { result: 'recorded'; stored: number; regressed: string[]; touched: string[] } | { result: 'unknown_evaluators'; ids: string[] };

export async function recordEvaluations(db: Db, input: EvaluationInput, reportedBy: string): Promise<RecordOutcome> {
  return db.transaction(async (tx) => {
    const ids = [...new Set(input.results.map((r) => r.evaluator_id))];
    const known = await tx.select().from(evaluators).where(and(inArray(evaluators.id, ids), eq(evaluators.workflow, input.workflow)));
    const missing = ids.filter((id) => !known.some((e) => e.id === id));
    if (missing.length) return { result: 'unknown_evaluators' as const, ids: missing };
    const familyOf = new Map(known.map((e) => [e.id, e.familyId]));
    await tx.insert(evaluations).values(
      input.results.map((r) => ({
        evaluatorId: r.evaluator_id,
        familyId: familyOf.get(r.evaluator_id)!,
        workflow: input.workflow,
        release: input.release,
        environment: input.environment ?? '',
        passed: r.passed,
        score: r.score,
        runUrl: r.run_url,
        reportedBy,
      })),
    );
    const failing = [...new Set(input.results.filter((r) => !r.passed).map((r) => familyOf.get(r.evaluator_id)!))];
    const regressed = failing.length
      ? await tx
          .update(families)
          .set({ status: 'regressed', reopenCount: sql`${families.reopenCount} + 1`, ticketGeneration: sql`${families.ticketGeneration} + 1`, updatedAt: sql`now()` })
          .where(and(inArray(families.id, failing), eq(families.status, 'resolved')))
          .returning({ id: families.id })
      : [];
    for (const { id } of regressed) {
      const evaluator = known.find((e) => e.familyId === id)!;
      await recordHistory(tx, id, 'regressed', reportedBy, { evaluator_id: evaluator.id, release: input.release, environment: input.environment ?? null });
    }
    const touched = [...new Set(known.map((e) => e.familyId))];
    await tx
      .update(families)
      .set({ ticketGeneration: sql`${families.ticketGeneration} + 1`, updatedAt: sql`now()` })
      .where(inArray(families.id, touched.filter((id) => !regressed.some((r) => r.id === id))));
    return { result: 'recorded' as const, stored: input.results.length, regressed: regressed.map((r) => r.id), touched };
  });
}
