// Keeps a ticketed family's evaluator current: generated from the family and its latest evidence, and
// rewritten (revision + 1) only when the spec, suite or examples change materially.
import { createHash } from 'node:crypto';
import { desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { evaluators, families, traces } from '../db/schema/index.js';
import type { Severity } from '../families/types.js';
import { redactSecrets } from '../tickets/redact.js';
import { generateSpec, routeSuite } from './templates.js';

const EXAMPLES = 5;

export async function refreshEvaluator(db: Db, familyId: string): Promise<void> {
  const [family] = await db.select().from(families).where(eq(families.id, familyId));
  if (!family || family.mergedInto) return;
  const evidence = await db.select().from(traces).where(eq(traces.familyId, familyId)).orderBy(desc(traces.createdAt)).limit(EXAMPLES);
  const spec = generateSpec({ ...family, severity: family.severity as Severity });
  const suite = routeSuite(family.severity as Severity, family.boundary);
  const examples = evidence.map((t) => ({ trace_id: t.traceId, run_id: t.runId, url: t.url, note: t.comment ? redactSecrets(t.comment).slice(0, 500) : null, release: t.release }));
  const specSha256 = createHash('sha256').update(JSON.stringify({ spec, suite, examples: examples.map((e) => e.trace_id) })).digest('hex');
  await db
    .insert(evaluators)
    .values({ familyId, workflow: family.workflow, suite, kind: spec.type, spec, examples, specSha256 })
    .onConflictDoUpdate({
      target: evaluators.familyId,
      set: { workflow: family.workflow, suite, kind: spec.type, spec, examples, specSha256, revision: sql`${evaluators.revision} + 1`, updatedAt: sql`now()` },
      setWhere: sql`${evaluators.specSha256} <> ${specSha256}`,
    });
}
