// Whether a family is guarded: one of its benchmark evaluators passed at least once on a release that
// contains the fix (a release at or after the fix's, by semver where versions parse; any release reported
// after the fix merged or the ticket closed otherwise). A resolved family without that is "unguarded".
import { desc, inArray } from 'drizzle-orm';
import semver from 'semver';
import type { Db } from '../db/client.js';
import { evaluations, evaluators, families } from '../db/schema/index.js';
import { isBenchmark } from './templates.js';

export interface EvaluatorState {
  id: string;
  suite: string;
  status: 'passing' | 'failing' | 'not_run';
}

export async function evaluatorStates(db: Db, familyIds: string[]): Promise<Map<string, { evaluators: EvaluatorState[]; guarded: boolean }>> {
  const out = new Map<string, { evaluators: EvaluatorState[]; guarded: boolean }>();
  if (familyIds.length === 0) return out;
  const guards = await db.select().from(evaluators).where(inArray(evaluators.familyId, familyIds));
  const fams = await db
    .select({ id: families.id, fixRelease: families.fixRelease, fixMergedAt: families.fixMergedAt, resolvedAt: families.resolvedAt })
    .from(families)
    .where(inArray(families.id, familyIds));
  const results = guards.length
    ? await db.select().from(evaluations).where(inArray(evaluations.evaluatorId, guards.map((g) => g.id))).orderBy(desc(evaluations.receivedAt))
    : [];
  for (const f of fams) {
    const mine = guards.filter((g) => g.familyId === f.id);
    const states = mine.map((g) => {
      const last = results.find((r) => r.evaluatorId === g.id);
      return { id: g.id, suite: g.suite, status: last ? (last.passed ? 'passing' : 'failing') : 'not_run' } as EvaluatorState;
    });
    const since = f.fixMergedAt ?? f.resolvedAt;
    const guarded = results.some(
      (r) => r.passed && mine.some((g) => g.id === r.evaluatorId && isBenchmark(g.suite)) && containsFix(r.release, r.receivedAt, f.fixRelease, since),
    );
    out.set(f.id, { evaluators: states, guarded });
  }
  return out;
}

function containsFix(release: string, reportedAt: Date, fixRelease: string | null, fixedAt: Date | null): boolean {
  const seen = semver.valid(semver.clean(release, { loose: true }) ?? '');
  const fixed = fixRelease ? semver.valid(semver.clean(fixRelease, { loose: true }) ?? '') : null;
  if (seen && fixed) return semver.gte(seen, fixed);
  if (fixRelease) return release === fixRelease;
  return fixedAt !== null && reportedAt >= fixedAt;
}

