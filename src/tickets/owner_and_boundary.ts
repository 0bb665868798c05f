// What a ticket shows that the grouping transaction cannot decide, brought up to date by the ticket sync
// before it renders: the model's boundary for a family the rules leave `unknown` (when RECUR_LLM_URL is set),
// and the owner from the recur.yaml rules and the owners file of the ticket repository. Both need a slow call
// (the model, GitHub), so they run here, outside any transaction, and write with conditional updates that a
// person's change in the meantime wins over.
import { and, desc, eq, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import type { FileConfig } from '../config/file.js';
import type { Db } from '../db/client.js';
import { families, familyOccurrences, tickets, traces } from '../db/schema/index.js';
import type { LlmSettings } from '../llm.js';
import { judgeBoundaryByModel, type ModelJudgement } from '../families/boundary_model.js';
import { parseCodeowners, type CodeownersFile } from '../families/codeowners.js';
import { modelDecision } from '../families/family_boundary.js';
import { recordHistory } from '../families/history.js';
import { resolveOwnership } from '../families/ownership.js';
import type { TicketSink } from './sinks/types.js';

/** A family the model could not place is asked again only after this long (its evidence may have grown). */
export const MODEL_RETRY_MS = 6 * 3_600_000;

export interface OwnerAndBoundaryDeps {
  db: Db;
  sink: TicketSink;
  config: FileConfig;
  defaultRepo: string;
  llm?: LlmSettings | null;
}

export interface OwnerAndBoundaryOutcome {
  /** What the model said, when it was asked. */
  model: ModelJudgement | null;
  /** `changed`/`unchanged` by the rules; `kept` when a person set it; `unavailable` when the owners file could not be read. */
  owner: 'changed' | 'unchanged' | 'kept' | 'unavailable';
}

export async function settleOwnerAndBoundary(deps: OwnerAndBoundaryDeps, familyId: string): Promise<OwnerAndBoundaryOutcome> {
  const model = deps.llm ? await askModelWhenUnknown(deps, deps.llm, familyId) : null;
  const owner = await resolveOwner(deps, familyId);
  return { model, owner };
}

/** A family no rule placed: `unknown`, or placed only by its signals' words, which the model's judgement outranks. */
const openToModel = or(and(eq(families.boundary, 'unknown'), eq(families.boundarySource, 'rules')), eq(families.boundarySource, 'words'));

/** Asks the model about a family the rules leave `unknown` or to its words, at most once per MODEL_RETRY_MS. */
async function askModelWhenUnknown(deps: OwnerAndBoundaryDeps, llm: LlmSettings, familyId: string): Promise<ModelJudgement | null> {
  const { db } = deps;
  // Claiming the question is one conditional update: a family a person set to `unknown` is not asked about.
  const claimed = await db
    .update(families)
    .set({ boundaryModelAt: sql`now()` })
    .where(
      and(
        eq(families.id, familyId),
        openToModel,
        isNull(families.mergedInto),
        or(isNull(families.boundaryModelAt), lt(families.boundaryModelAt, sql`now() - ${`${MODEL_RETRY_MS} milliseconds`}::interval`)),
      ),
    )
    .returning({
      title: families.title,
      description: families.description,
      workflow: families.workflow,
      kind: families.kind,
      tool: families.tool,
      errorType: families.errorType,
      boundary: families.boundary,
      boundarySource: families.boundarySource,
    });
  const family = claimed[0];
  if (!family) return null;
  const templates = await db
    .selectDistinct({ template: familyOccurrences.template, at: familyOccurrences.occurredAt })
    .from(familyOccurrences)
    .where(and(eq(familyOccurrences.familyId, familyId), isNotNull(familyOccurrences.template)))
    .orderBy(desc(familyOccurrences.occurredAt))
    .limit(20);
  const comments = await db
    .select({ comment: traces.comment })
    .from(traces)
    .where(and(eq(traces.familyId, familyId), isNotNull(traces.comment)))
    .orderBy(desc(traces.createdAt))
    .limit(5);
  const { boundary: before, boundarySource: sourceBefore, ...evidence } = family;
  const judgement = await judgeBoundaryByModel(llm, {
    ...evidence,
    templates: [...new Set(templates.map((t) => t.template!))].slice(0, 5),
    comments: comments.map((c) => c.comment!),
  });
  if (judgement.result !== 'answered') return judgement;
  const decided = modelDecision(judgement.boundary, llm.model, judgement.reason);
  await db.transaction(async (tx) => {
    // The signals' votes or a person may have decided while the model thought: they win.
    const updated = await tx
      .update(families)
      .set({
        boundary: decided.boundary,
        boundaryConfidence: decided.confidence,
        boundaryReasons: decided.reasons,
        boundarySource: decided.source,
        updatedAt: sql`now()`,
      })
      .where(and(eq(families.id, familyId), eq(families.boundary, before), eq(families.boundarySource, sourceBefore)))
      .returning({ id: families.id });
    if (updated.length > 0) {
      await recordHistory(tx, familyId, 'updated', `model:${llm.model}`, { boundary: { from: before, to: decided.boundary }, boundary_source: { from: sourceBefore, to: 'model' }, reasons: decided.reasons });
    }
  });
  return judgement;
}

/**
 * The owner by the rules: recur.yaml `owners`, then the owners file. A person's owner is kept; an owners file
 * that cannot be read leaves the stored owner as it is rather than calling the family unowned.
 */
async function resolveOwner(deps: OwnerAndBoundaryDeps, familyId: string): Promise<OwnerAndBoundaryOutcome['owner']> {
  const { db, config } = deps;
  const [family] = await db.select().from(families).where(eq(families.id, familyId));
  if (!family) return 'unchanged';
  if (family.ownerSource === 'person') return 'kept';
  let codeowners: CodeownersFile | null = null;
  const path = config.tickets.codeowners_path;
  if (path) {
    const [ticket] = await db.select({ repo: tickets.repo }).from(tickets).where(eq(tickets.familyId, familyId));
    const repo = ticket?.repo ?? config.tickets.repo ?? deps.defaultRepo;
    try {
      const text = await deps.sink.readOwnersFile(repo, path);
      codeowners = text === null ? null : parseCodeowners(text, path);
    } catch {
      return 'unavailable';
    }
  }
  const owner = resolveOwnership(
    config.owners,
    { workflow: family.workflow, boundary: family.boundary, tool: family.tool, tenant: family.tenant, kind: family.kind, promptPath: family.promptPath },
    codeowners,
  );
  const same = owner.team === family.ownerTeam && sameList(owner.assignees, family.ownerAssignees) && owner.reason === family.ownerReason;
  if (same) return 'unchanged';
  const changed = await db.transaction(async (tx) => {
    const updated = await tx
      .update(families)
      .set({ ownerTeam: owner.team, ownerAssignees: owner.assignees, ownerReason: owner.reason, updatedAt: sql`now()` })
      .where(and(eq(families.id, familyId), eq(families.ownerSource, 'rules')))
      .returning({ id: families.id });
    if (updated.length === 0) return false;
    await recordHistory(tx, familyId, 'updated', 'recur', {
      'owner.team': { from: family.ownerTeam, to: owner.team },
      'owner.assignees': { from: family.ownerAssignees, to: owner.assignees },
      owner_reason: owner.reason,
    });
    return true;
  });
  return changed ? 'changed' : 'kept';
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
