// Answers a release gate check from the database and records it: who asked, for what, what they were told.
import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { FileConfig } from '../config/file.js';
import type { Db } from '../db/client.js';
import { evaluations, evaluators, families, gateChecks, tickets } from '../db/schema/index.js';
import { isBenchmark } from '../evaluators/templates.js';
import { gateDecisions } from '../telemetry/metrics.js';
import { decideGate, type GateDecision } from './decide.js';

export interface GateAnswer extends GateDecision {
  workflow: string;
  release: string;
  environment: string | null;
  checked_at: string;
}

export async function checkGate(db: Db, input: { workflow: string; release: string; environment?: string; askedBy: string; policy: FileConfig['gate'] }): Promise<GateAnswer> {
  const rows = await db
    .select({ family: families, ticketUrl: tickets.url })
    .from(families)
    .leftJoin(tickets, eq(tickets.familyId, families.id))
    .where(and(eq(families.workflow, input.workflow), isNull(families.mergedInto)));
  const guards = (await db.select().from(evaluators).where(eq(evaluators.workflow, input.workflow))).filter((e) => isBenchmark(e.suite));
  const results = guards.length
    ? await db
        .select()
        .from(evaluations)
        .where(
          and(
            inArray(evaluations.evaluatorId, guards.map((g) => g.id)),
            eq(evaluations.release, input.release),
            ...(input.environment !== undefined ? [eq(evaluations.environment, input.environment)] : []),
          ),
        )
        .orderBy(desc(evaluations.receivedAt))
    : [];
  const latest = new Map<string, boolean>();
  for (const r of results) if (!latest.has(r.evaluatorId)) latest.set(r.evaluatorId, r.passed);

  const decision = decideGate({
    families: rows.map(({ family, ticketUrl }) => ({ id: family.id, title: family.title, severity: family.severity, status: family.status, ticketUrl })),
    evaluators: guards.map((g) => ({ id: g.id, familyId: g.familyId, passed: latest.get(g.id) ?? null })),
    policy: input.policy,
  });
  const [row] = await db
    .insert(gateChecks)
    .values({ workflow: input.workflow, release: input.release, environment: input.environment ?? '', decision: decision.decision, answer: decision as unknown as Record<string, unknown>, askedBy: input.askedBy })
    .returning({ checkedAt: gateChecks.checkedAt });
  gateDecisions.inc({ decision: decision.decision });
  return { workflow: input.workflow, release: input.release, environment: input.environment ?? null, checked_at: row!.checkedAt.toISOString(), ...decision };
}
