// Keeps a ticketed family's evaluator current: generated from the family and its latest evidence, and
// rewritten (revision + 1) only when the spec, suite or examples change materially.
import { createHash } from 'node:crypto';
import { desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { evaluators, families, traces } from '../db/schema/index.js';
import type { Severity } from '../families/types.js';
import { redactSecrets } from '../redaction.js';
import type { LlmSettings } from '../llm.js';
import { draftSpec } from './draft_llm.js';
import { generateSpec, routeSuite } from './templates.js';

const EXAMPLES = 5;

/**
 * `specSha256` fingerprints the deterministic draft and the evidence it was made from, so an LLM (when
 * configured) is asked again only when those change, not on every ticket sync.
 */
export async function refreshEvaluator(db: Db, familyId: string, llm: LlmSettings | null = null): Promise<void> {
  const [family] = await db.select().from(families).where(eq(families.id, familyId));
  if (!family || family.mergedInto) return;
  const evidence = await db.select().from(traces).where(eq(traces.familyId, familyId)).orderBy(desc(traces.createdAt)).limit(EXAMPLES);
  const subject = { ...family, severity: family.severity as Severity };
  const template = generateSpec(subject);
  const suite = routeSuite(subject.severity, family.boundary);
  const examples = evidence.map((t) => ({ trace_id: t.traceId, run_id: t.runId, url: t.url, note: t.comment ? redactSecrets(t.comment).slice(0, 500) : null, release: t.release }));
  const specSha256 = createHash('sha256').update(JSON.stringify({ template, suite, examples: examples.map((e) => e.trace_id) })).digest('hex');
  const [current] = await db.select({ specSha256: evaluators.specSha256 }).from(evaluators).where(eq(evaluators.familyId, familyId));
  if (current?.specSha256 === specSha256) return;

  const drafted = await draftSpec(llm, subject, template);
  const values = { workflow: family.workflow, suite, kind: drafted.spec.type, spec: drafted.spec, examples, specSha256, draftedBy: drafted.source };
  await db
    .insert(evaluators)
    .values({ familyId, ...values })
    .onConflictDoUpdate({
      target: evaluators.familyId,
      set: { ...values, revision: sql`${evaluators.revision} + 1`, updatedAt: sql`now()` },
      setWhere: sql`${evaluators.specSha256} <> ${specSha256}`,
    });
}
