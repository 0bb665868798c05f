// Ticket sync for one family: decides with the policy, renders, and creates or edits the issue through
// the ledger. Runs under a per-family lease so two workers never write the same ticket at once; the
// family's ticket generation tells whether anything changed while it ran.
import { createHash } from 'node:crypto';
import { and, desc, eq, gt, gte, isNull, lt, or, sql } from 'drizzle-orm';
import type { FileConfig } from '../config/file.js';
import type { Db } from '../db/client.js';
import { families, familyKeys, familyOccurrences, regressionPullRequests, tickets, traces } from '../db/schema/index.js';
import { evaluatorStates } from '../evaluators/guard.js';
import type { LlmSettings } from '../evaluators/draft_llm.js';
import { refreshEvaluator } from '../evaluators/refresh.js';
import { recordHistory } from '../families/history.js';
import { isUpstreamKey } from '../families/keys.js';
import { NEEDS_OWNER_LABEL, resolveOwnership } from '../families/ownership.js';
import type { Severity } from '../families/types.js';
import { runSideEffect } from './ledger.js';
import { decideTicket } from './policy.js';
import { EVIDENCE_SHOWN, joinPhrase, renderRegressionComment, renderTicket, type TicketView } from './render.js';
import { runIssueOperation, type IssueOperation } from './issue_operation.js';
import { settleOwnerAndBoundary } from './owner_and_boundary.js';
import type { IssueDraft, IssueRef, TicketSink } from './sinks/types.js';

export interface TicketSyncDeps {
  db: Db;
  sink: TicketSink;
  config: FileConfig;
  defaultRepo: string;
  leaseMs: number;
  /** A ticket's body is edited at most once per this interval; state changes are never held back. */
  updateIntervalMs: number;
  /** Optional LLM drafting of evaluator specs, and judgement of boundaries the rules leave unknown. */
  llm?: LlmSettings | null;
}

/** `followUp`: the generation that arrived while this sync ran and still needs one; 0 when none. */
export type SyncOutcome =
  | { result: 'busy' | 'missing' | 'up_to_date' }
  | { result: 'throttled'; retryInMs: number; generation: number }
  | { result: 'skipped'; reason: string; generation: number; followUp: number }
  | { result: 'created' | 'updated' | 'unchanged'; number: number; generation: number; followUp: number };

export async function syncFamilyTicket(deps: TicketSyncDeps, familyId: string): Promise<SyncOutcome> {
  const { db } = deps;
  const leased = await db
    .update(families)
    .set({ ticketSyncLeaseUntil: sql`now() + ${`${deps.leaseMs} milliseconds`}::interval` })
    .where(
      and(
        eq(families.id, familyId),
        gt(families.ticketGeneration, families.ticketSyncedGeneration),
        or(isNull(families.ticketSyncLeaseUntil), lt(families.ticketSyncLeaseUntil, sql`now()`)),
      ),
    )
    .returning({ generation: families.ticketGeneration });
  if (leased.length === 0) {
    const [row] = await db
      .select({ generation: families.ticketGeneration, synced: families.ticketSyncedGeneration })
      .from(families)
      .where(eq(families.id, familyId));
    if (!row) return { result: 'missing' };
    return row.generation <= row.synced ? { result: 'up_to_date' } : { result: 'busy' };
  }
  const generation = leased[0]!.generation;
  // The lease is renewed while the sync runs: a GitHub call waiting out a rate limit (Retry-After, twice) can
  // outlast it, and a second sync taking the lapsed lease would find no issue yet and create another.
  let renewing: Promise<unknown> = Promise.resolve();
  const renewal = setInterval(() => {
    renewing = db
      .update(families)
      .set({ ticketSyncLeaseUntil: sql`now() + ${`${deps.leaseMs} milliseconds`}::interval` })
      .where(eq(families.id, familyId))
      .catch(() => {});
  }, Math.max(100, Math.floor(deps.leaseMs / 3)));
  try {
    const outcome = await syncLeased(deps, familyId);
    if (outcome.result === 'throttled') return { ...outcome, generation };
    const [after] = await db
      .update(families)
      .set({ ticketSyncedGeneration: sql`greatest(${families.ticketSyncedGeneration}, ${generation})` })
      .where(eq(families.id, familyId))
      .returning({ generation: families.ticketGeneration });
    const latest = after?.generation ?? generation;
    return { ...outcome, generation, followUp: latest > generation ? latest : 0 } as SyncOutcome;
  } finally {
    clearInterval(renewal);
    await renewing;
    await db.update(families).set({ ticketSyncLeaseUntil: null }).where(eq(families.id, familyId));
  }
}

async function syncLeased(deps: TicketSyncDeps, familyId: string) {
  const { db, sink, config } = deps;
  const [ticket] = await db.select().from(tickets).where(eq(tickets.familyId, familyId));
  const [family] = await db
    .select({ status: families.status, severity: families.severity, fixStatus: families.fixStatus, fixPullRequest: families.fixPullRequest, mergedInto: families.mergedInto })
    .from(families)
    .where(eq(families.id, familyId));
  if (!family) return { result: 'skipped' as const, reason: 'missing' };
  if (family.mergedInto) {
    if (ticket?.state === 'open') await closeAsDuplicate(deps, ticket, family.mergedInto);
    return { result: 'skipped' as const, reason: 'merged' };
  }

  if (ticket) {
    // State changes first, and never held back by the edit interval.
    const live = family.status === 'open' || family.status === 'fixing' || family.status === 'regressed';
    if (live && ticket.state === 'closed') await reopenTicket(deps, ticket, familyId);
    if (family.status === 'ignored' && ticket.state === 'open') await closeAsIgnored(deps, ticket);
    if (family.fixStatus === 'merged' && family.fixPullRequest) await commentFixMerged(deps, ticket, family.fixPullRequest);
    // Checked before the evaluator refresh and the render, which a held-back edit would waste.
    const nextEditAt = ticket.updatedAt.getTime() + deps.updateIntervalMs;
    if (nextEditAt > Date.now()) return { result: 'throttled' as const, retryInMs: nextEditAt - Date.now() };
  }

  // Boundary (the model's, for an unknown one) and owner (the owners file) before anything is decided or shown.
  await settleOwnerAndBoundary(deps, familyId);

  const recent = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(familyOccurrences)
    .where(and(eq(familyOccurrences.familyId, familyId), gte(familyOccurrences.occurredAt, new Date(Date.now() - config.tickets.open_when.within))));
  const decision = decideTicket(
    { status: family.status, severity: family.severity as Severity, recentOccurrences: recent[0]?.n ?? 0, hasTicket: Boolean(ticket) },
    config.tickets.open_when,
  );
  if (decision.action === 'none') return { result: 'skipped' as const, reason: decision.reason };

  // The evaluator is part of what the ticket shows, so it is brought up to date before rendering.
  await refreshEvaluator(db, familyId, deps.llm ?? null);
  const current = await loadTicketView(db, familyId, config);
  const rendered = renderTicket(current);
  const repo = ticket?.repo ?? current.ownerRepo ?? config.tickets.repo ?? deps.defaultRepo;
  const draft: IssueDraft = { repo, ...rendered };
  const bodySha256 = createHash('sha256').update(draft.body).digest('hex');

  if (!ticket) {
    const { receipt } = await runSideEffect<IssueRef>(db, {
      key: `${sink.provider}.issue.create:${familyId}`,
      kind: `${sink.provider}.issue.create`,
      familyId,
      input: { familyId, repo },
      reconcile: () => sink.findByMarker(repo, familyId),
      perform: () => sink.create(draft, familyId),
      apply: async (tx, ref) => {
        const inserted = await tx
          .insert(tickets)
          .values({ familyId, provider: sink.provider, repo: ref.repo, number: ref.number, url: ref.url, title: draft.title, bodySha256, labels: draft.labels })
          .onConflictDoNothing({ target: tickets.familyId })
          .returning({ id: tickets.id });
        if (inserted.length === 0) return;
        await tx
          .update(families)
          .set({ status: sql`case when ${families.status} = 'watching' then 'open' else ${families.status} end`, updatedAt: sql`now()` })
          .where(eq(families.id, familyId));
        await recordHistory(tx, familyId, 'ticket_opened', 'recur', { provider: sink.provider, repo: ref.repo, number: ref.number, url: ref.url, reason: decision.action === 'open' ? decision.reason : null });
        if (current.family.status === 'watching') {
          await recordHistory(tx, familyId, 'status_changed', 'recur', { from: 'watching', to: 'open' });
        }
      },
    });
    return { result: 'created' as const, number: receipt.number };
  }

  // State changes above may have touched the row (labels on reopen): compare with what is stored now.
  const [stored] = await db.select().from(tickets).where(eq(tickets.id, ticket.id));
  const now = stored ?? ticket;
  const unchanged = now.bodySha256 === bodySha256 && now.title === draft.title && sameSet(now.labels, draft.labels);
  if (unchanged) return { result: 'unchanged' as const, number: now.number };
  await sink.update({ repo: now.repo, number: now.number, url: now.url }, draft, now.labels);
  await db
    .update(tickets)
    .set({ title: draft.title, bodySha256, labels: draft.labels, updatedAt: sql`now()` })
    .where(eq(tickets.id, ticket.id));
  return { result: 'updated' as const, number: now.number };
}

type Ticket = typeof tickets.$inferSelect;

const onTicket = (deps: TicketSyncDeps, ticket: Ticket, op: IssueOperation) =>
  runIssueOperation(deps.db, deps.sink, { ref: { repo: ticket.repo, number: ticket.number, url: ticket.url }, familyId: ticket.familyId }, op);

/** Reopens a closed ticket whose family is live again, saying why: regressed, fix reverted, or set to open. */
async function reopenTicket(deps: TicketSyncDeps, ticket: Ticket, familyId: string) {
  const { db } = deps;
  const [family] = await db.select().from(families).where(eq(families.id, familyId));
  if (!family) return;
  const regressed = family.status === 'regressed';
  let comment: string;
  if (regressed) {
    const fresh = and(eq(traces.familyId, familyId), gt(traces.createdAt, family.resolvedAt ?? new Date(0)));
    const newTraces = await db.select().from(traces).where(fresh).orderBy(desc(traces.createdAt)).limit(10);
    const totalNew = await db.$count(traces, fresh);
    comment = renderRegressionComment({ resolvedAt: family.resolvedAt, reopenCount: family.reopenCount, traces: newTraces, totalNew });
  } else if (family.fixStatus === 'reverted') {
    comment = `**Fix reverted**: ${family.fixPullRequest ?? 'the fix'} was reverted, so this failure is unfixed again; reopened by recur.`;
  } else {
    comment = 'Reopened by recur: the failure family was set back to open.';
  }
  await onTicket(deps, ticket, {
    action: 'reopen',
    key: `${familyId}:${family.reopenCount}:${family.status}`,
    perform: (ref, marker) => deps.sink.reopen(ref, { comment, marker, labels: regressed ? ['regressed'] : [] }),
    apply: async (tx) => {
      await tx
        .update(tickets)
        .set({ state: 'open', labels: regressed ? [...new Set([...ticket.labels, 'regressed'])] : ticket.labels })
        .where(eq(tickets.id, ticket.id));
      await recordHistory(tx, familyId, 'ticket_updated', 'recur', { reopened: family.status, fix: family.fixStatus });
    },
  });
}

async function commentFixMerged(deps: TicketSyncDeps, ticket: Ticket, pullRequest: string) {
  const body = `**Fix merged**: ${pullRequest}. recur marks this family resolved; a release containing the fix marks it released, and the failure coming back after that reopens this ticket.`;
  await onTicket(deps, ticket, {
    action: 'comment',
    key: `${ticket.familyId}:fix-merged:${pullRequest}`,
    perform: (ref, marker) => deps.sink.comment(ref, { body, marker }),
  });
}

async function closeAsIgnored(deps: TicketSyncDeps, ticket: Ticket) {
  const [family] = await deps.db.select({ generation: families.ticketGeneration }).from(families).where(eq(families.id, ticket.familyId));
  await onTicket(deps, ticket, {
    action: 'close',
    key: `${ticket.familyId}:ignored:${family?.generation ?? 0}`,
    perform: (ref, marker) =>
      deps.sink.close(ref, {
        reason: 'not_planned',
        comment: 'Ignored in recur: this failure family will not reopen this ticket or block a release gate. Set it back to `open` to undo.',
        marker,
      }),
    apply: async (tx) => {
      await tx.update(tickets).set({ state: 'closed' }).where(eq(tickets.id, ticket.id));
      await recordHistory(tx, ticket.familyId, 'ticket_updated', 'recur', { closed: 'not_planned' });
    },
  });
}

async function closeAsDuplicate(deps: TicketSyncDeps, ticket: Ticket, intoFamilyId: string) {
  const [into] = await deps.db.select().from(tickets).where(eq(tickets.familyId, intoFamilyId));
  const where = into ? (into.repo === ticket.repo ? `#${into.number}` : into.url) : `recur family ${intoFamilyId}`;
  await onTicket(deps, ticket, {
    action: 'close',
    key: `${ticket.familyId}:merged:${intoFamilyId}`,
    perform: (ref, marker) => deps.sink.close(ref, { reason: 'duplicate', comment: `Duplicate of ${where}: recur merged this failure family into that one.`, marker }),
    apply: async (tx) => {
      await tx.update(tickets).set({ state: 'closed', updatedAt: sql`now()` }).where(eq(tickets.id, ticket.id));
      await recordHistory(tx, ticket.familyId, 'ticket_updated', 'recur', { closed: 'duplicate', into: intoFamilyId });
    },
  });
}

export async function loadTicketView(db: Db, familyId: string, config: FileConfig): Promise<TicketView & { ownerRepo: string | null }> {
  const [family] = await db.select().from(families).where(eq(families.id, familyId));
  if (!family) throw new Error(`family ${familyId} not found`);
  const upstream = await db
    .select({ source: familyKeys.source, id: familyKeys.key, url: familyKeys.url })
    .from(familyKeys)
    .where(and(eq(familyKeys.familyId, familyId), isUpstreamKey()));
  const evidence = await db
    .select({
      traceId: traces.traceId,
      runId: traces.runId,
      url: traces.url,
      comment: traces.comment,
      startTime: traces.startTime,
      matchedBy: familyOccurrences.matchedBy,
      score: familyOccurrences.score,
    })
    .from(traces)
    .leftJoin(familyOccurrences, eq(familyOccurrences.eventId, traces.eventId))
    .where(eq(traces.familyId, familyId))
    .orderBy(desc(traces.createdAt), desc(traces.id))
    .limit(EVIDENCE_SHOWN);
  const guard = (await evaluatorStates(db, [familyId])).get(familyId);
  const [pr] = await db
    .select({ number: regressionPullRequests.number, url: regressionPullRequests.url })
    .from(regressionPullRequests)
    .where(eq(regressionPullRequests.familyId, familyId));
  // The recur.yaml rule gives the ticket's repo and extra labels; the owner itself is the family's (the rules'
  // with the owners file, written by settleOwnerAndBoundary, or a person's).
  const rule = resolveOwnership(config.owners, { workflow: family.workflow, boundary: family.boundary, tool: family.tool, tenant: family.tenant, kind: family.kind, promptPath: family.promptPath });
  const byPerson = family.ownerSource === 'person';
  const team = family.ownerTeam ?? (byPerson ? null : rule.team);
  const assignees = family.ownerAssignees.length ? family.ownerAssignees : byPerson ? [] : rule.assignees;
  const reason = family.ownerReason ?? (byPerson ? null : rule.reason);
  // An owner set by hand counts as much as one from a rule.
  const owned = (rule.matched && !byPerson) || team !== null || assignees.length > 0;
  return {
    family: { ...family, severity: family.severity as Severity },
    owner: { team, assignees, reason, matched: owned, labels: owned ? rule.labels.filter((l) => l !== NEEDS_OWNER_LABEL) : [...new Set([...rule.labels, NEEDS_OWNER_LABEL])] },
    ownerRepo: rule.repo,
    upstream,
    traces: evidence.map(({ matchedBy, score, ...t }) => ({ ...t, joined: joinPhrase(matchedBy, score) })),
    evaluators: guard?.evaluators ?? [],
    regressionPullRequest: pr?.number && pr.url ? { number: pr.number, url: pr.url } : null,
    guarded: guard?.guarded ?? false,
    gate: { blockAtSeverityLte: config.gate.block_at_severity_lte },
    regressed: family.status === 'regressed',
  };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
