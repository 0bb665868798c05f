// The read side of evaluators (docs/contract.md section 5).
import { and, desc, eq, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { evaluators } from '../db/schema/index.js';

type Row = typeof evaluators.$inferSelect;

export const evaluatorJson = (e: Row) => ({
  id: e.id,
  family_id: e.familyId,
  workflow: e.workflow,
  suite: e.suite,
  kind: e.kind,
  spec: e.spec,
  examples: e.examples,
  revision: e.revision,
  drafted_by: e.draftedBy,
  created_at: e.createdAt.toISOString(),
  updated_at: e.updatedAt.toISOString(),
});

export async function listEvaluators(db: Db, filter: { workflow?: string; familyId?: string; suite?: string; limit: number }) {
  const where: SQL[] = [];
  if (filter.workflow) where.push(eq(evaluators.workflow, filter.workflow));
  if (filter.familyId) where.push(eq(evaluators.familyId, filter.familyId));
  if (filter.suite) where.push(eq(evaluators.suite, filter.suite as Row['suite']));
  const rows = await db.select().from(evaluators).where(where.length ? and(...where) : undefined).orderBy(desc(evaluators.updatedAt)).limit(filter.limit);
  return rows.map(evaluatorJson);
}

export async function getEvaluator(db: Db, id: string) {
  const [row] = await db.select().from(evaluators).where(eq(evaluators.id, id));
  return row ? evaluatorJson(row) : null;
}
