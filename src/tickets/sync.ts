// Ticket sync for one family: decides with the policy, renders, and creates or edits the issue through
// the ledger. Runs under a per-family lease so two workers never write the same ticket at once; the
// family's ticket generation tells whether anything changed while it ran.
import { createHash } from 'node:crypto';
import { and, desc, eq, gt, gte, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { FileConfig } from '../config/file.js';
import type { Db } from '../db/client.js';
import { families, familyKeys, familyOccurrences, regressionPullRequests, tickets, traces } from '../db/schema/index.js';
import { evaluatorStates } from '../evaluators/guard.js';
import type { LlmSettings } from '../llm.js';
import { refreshEvaluator } from '../evaluators/refresh.js';
import { relatedFamilies } from '../families/grouping/related.js';
import { recordHistory } from '../families/history.js';
import { isUpstreamKey } from '../families/keys.js';
import { NEEDS_OWNER_LABEL, resolveOwnership } from '../families/ownership.js';
import type { FamilyStatus, Severity } from '../families/types.js';
import { leaseExpiry, withLease, type Fence, type LeaseStore } from './lease.js';
import { runSideEffect } from './ledger.js';
import { decideTicket } from './policy.js';
import { EVIDENCE_SHOWN, joinPhrase, renderRegressionComment, renderTicket, type TicketView } from './render.js';
import { runIssueOperation, type IssueOperation } from './issue_operation.js';
import { settleOwnerAndBoundary } from './owner_and_boundary.js';
import type { IssueDraft, IssueRef, TicketSink } from './sinks/types.js';
import { decideTicketState, statusLabelChange } from './ticket_state.js';

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
  | { result: 'throttled'; retryInMs: number; generation: number; followUp: number }
  | { result: 'skipped'; reason: string; generation: number; followUp: number }
  | { result: 'created' | 'updated' | 'unchanged'; number: number; generation: number; followUp: number };

export async function syncFamilyTicket(deps: TicketSyncDeps, familyId: string): Promise<SyncOutcome> {
  const { db } = deps;
  // The lease is renewed while the sync runs (a GitHub call waiting out a rate limit can outlast it), and the
  // fence before each side effect stops a holder that lost it: a second sync taking the lapsed lease would
  // find no issue yet and create another.
  const held = await withLease(ticketSyncLease(db, familyId), { ms: deps.leaseMs }, async (fence) => {
    const [row] = await db.select({ generation: families.ticketGeneration }).from(families).where(eq(families.id, familyId));
    const generation = row?.generation ?? 0;
    const outcome = await syncLeased({ ...deps, fence }, familyId);
    const [after] =
      outcome.result === 'throttled'
        ? await db.select({ generation: families.ticketGeneration }).from(families).where(eq(families.id, familyId))
        : await db
            .update(families)
            .set({ ticketSyncedGeneration: sql`greatest(${families.ticketSyncedGeneration}, ${generation})` })
            .where(eq(families.id, familyId))
            .returning({ generation: families.ticketGeneration });
    // A change that arrived meanwhile found this sync holding the lease ("busy"): it may be a state change,
    // which must not wait for a throttled edit's retry.
    const latest = after?.generation ?? generation;
    return { ...outcome, generation, followUp: latest > generation ? latest : 0 } as SyncOutcome;
  });
  if (held.held) return held.value;
  const [row] = await db
    .select({ generation: families.ticketGeneration, synced: families.ticketSyncedGeneration })
    .from(families)
    .where(eq(families.id, familyId));
  if (!row) return { result: 'missing' };
  return row.generation <= row.synced ? { result: 'up_to_date' } : { result: 'busy' };
}

/** The family's ticket sync lease: taken only when the ticket is behind the family's generation. */
export function ticketSyncLease(db: Db, familyId: string): LeaseStore {
  const mine = (token: string) => and(eq(families.id, familyId), eq(families.ticketSyncLeaseHolder, token));
  return {
    async acquire(token, ms) {
      const taken = await db
        .update(families)
        .set({ ticketSyncLeaseUntil: leaseExpiry(ms), ticketSyncLeaseHolder: token })
        .where(
          and(
            eq(families.id, familyId),
            gt(families.ticketGeneration, families.ticketSyncedGeneration),
            or(isNull(families.ticketSyncLeaseUntil), lt(families.ticketSyncLeaseUntil, sql`now()`)),
          ),
        )
        .returning({ id: families.id });
      return taken.length > 0;
    },
    async renew(token, ms) {
      const renewed = await db.update(families).set({ ticketSyncLeaseUntil: leaseExpiry(ms) }).where(mine(token)).returning({ id: families.id });
      return renewed.length > 0;
    },
    async release(token) {
      await db.update(families).set({ ticketSyncLeaseUntil: null, ticketSyncLeaseHolder: null }).where(mine(token));
    },
  };
}

type LeasedDeps = TicketSyncDeps & { fence: Fence };

async function syncLeased(deps: LeasedDeps, familyId: string) {
  const { db, sink, config } = deps;
  const [ticket] = await db.select().from(tickets).where(eq(tickets.familyId, familyId));
  const [family] = await db
    .select({
      status: families.status,
      severity: families.severity,
      fixStatus: families.fixStatus,
      fixPullRequest: families.fixPullRequest,
      mergedInto: families.mergedInto,
      liveEpoch: families.liveEpoch,
    })
    .from(families)
    .where(eq(families.id, familyId));
  if (!family) return { result: 'skipped' as const, reason: 'missing' };

  if (ticket) {
    // State changes first, never held back by the edit interval, and decided without trusting the issue's
    // state as recur last saw it (GitHub closes an issue itself on "Fixes #n", and its event may be lost).
    const change = decideTicketState({ family, ticket });
    if (change.action === 'close_duplicate') await closeAsDuplicate(deps, ticket, change.into);
    // One operation per turn; a disagreement within a turn is its own, named by when recur's copy last changed.
    const turn = (change: { epoch: number; because: 'turned' | 'mismatch' }) => `e${change.epoch}${change.because === 'mismatch' ? `-t${ticket.updatedAt.getTime()}` : ''}`;
    if (change.action === 'reopen') await reopenTicket(deps, ticket, familyId, change.epoch, turn(change));
    if (change.action === 'close_ignored') await closeAsIgnored(deps, ticket, change.epoch, turn(change));
  }
  if (family.mergedInto) return { result: 'skipped' as const, reason: 'merged' };

  if (ticket) {
    // The labels that go with the status (`regressed`) go out with the state change, not with the next edit.
    await relabelForStatus(deps, ticket.id, family.status);
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
      fence: deps.fence,
      apply: async (tx, ref) => {
        const inserted = await tx
          .insert(tickets)
          .values({ familyId, provider: sink.provider, repo: ref.repo, number: ref.number, url: ref.url, title: draft.title, bodySha256, labels: draft.labels })
          .onConflictDoNothing({ target: tickets.familyId })
          .returning({ id: tickets.id });
        if (inserted.length === 0) return;
        const [opened] = await tx
          .update(families)
          .set({ status: sql`case when ${families.status} = 'watching' then 'open' else ${families.status} end`, updatedAt: sql`now()` })
          .where(eq(families.id, familyId))
          .returning({ liveEpoch: families.liveEpoch });
        // A new issue is open: the family's turn to live (watching to open, just now) needs no reopen.
        await tx.update(tickets).set({ liveEpoch: opened?.liveEpoch ?? 0 }).where(eq(tickets.id, inserted[0]!.id));
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
  await deps.fence();
  await sink.update({ repo: now.repo, number: now.number, url: now.url }, draft, now.labels);
  await db
    .update(tickets)
    .set({ title: draft.title, bodySha256, labels: draft.labels, updatedAt: sql`now()` })
    .where(eq(tickets.id, ticket.id));
  return { result: 'updated' as const, number: now.number };
}

type Ticket = typeof tickets.$inferSelect;

const onTicket = (deps: LeasedDeps, ticket: Ticket, op: IssueOperation) =>
  runIssueOperation(deps.db, deps.sink, { ref: { repo: ticket.repo, number: ticket.number, url: ticket.url }, familyId: ticket.familyId }, op, { fence: deps.fence });

/**
 * Reopens the ticket of a family that turned live (`epoch`), saying why: regressed, fix reverted, or set to
 * open. Sent whatever state recur saw last: GitHub answers a reopen of an open issue as a no-op, and the
 * ledger (one operation per turn) keeps the comment from being posted twice.
 */
async function reopenTicket(deps: LeasedDeps, ticket: Ticket, familyId: string, epoch: number, turn: string) {
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
    key: `${familyId}:${turn}`,
    perform: (ref, marker) => deps.sink.reopen(ref, { comment, marker, labels: regressed ? ['regressed'] : [] }),
    apply: async (tx, how) => {
      const [now] = await tx.select({ labels: tickets.labels }).from(tickets).where(eq(tickets.id, ticket.id));
      const labels = now?.labels ?? ticket.labels;
      await tx
        .update(tickets)
        .set({ state: stateUnlessLaterTurn('open', epoch), liveEpoch: sql`greatest(${tickets.liveEpoch}, ${epoch})`, labels: regressed ? [...new Set([...labels, 'regressed'])] : labels })
        .where(eq(tickets.id, ticket.id));
      if (how !== 'recorded') await recordHistory(tx, familyId, 'ticket_updated', 'recur', { reopened: family.status, fix: family.fixStatus });
    },
  });
}

/**
 * The state a reopen or close for turn `epoch` leaves in recur's copy, written when GitHub answered. A webhook
 * applied meanwhile may have brought the copy to a later turn (a fix merged: GitHub closed the issue after this
 * operation reached it); that copy stays.
 */
const stateUnlessLaterTurn = (state: 'open' | 'closed', epoch: number) =>
  sql<'open' | 'closed'>`case when ${tickets.liveEpoch} > ${epoch} then ${tickets.state} else ${state} end`;

/** Adds or removes the labels that go with the family's status, at once; recorded on the ticket row. */
async function relabelForStatus(deps: LeasedDeps, ticketId: string, status: FamilyStatus) {
  const [ticket] = await deps.db.select().from(tickets).where(eq(tickets.id, ticketId));
  if (!ticket) return;
  const change = statusLabelChange(status, ticket.labels);
  if (change.add.length === 0 && change.remove.length === 0) return;
  await deps.fence();
  await deps.sink.setLabels({ repo: ticket.repo, number: ticket.number, url: ticket.url }, change);
  const labels = [...new Set([...ticket.labels.filter((l) => !change.remove.includes(l)), ...change.add])];
  await deps.db.update(tickets).set({ labels }).where(eq(tickets.id, ticketId));
}

async function commentFixMerged(deps: LeasedDeps, ticket: Ticket, pullRequest: string) {
  const body = `**Fix merged**: ${pullRequest}. recur marks this family resolved; a release containing the fix marks it released, and the failure coming back after that reopens this ticket.`;
  await onTicket(deps, ticket, {
    action: 'comment',
    key: `${ticket.familyId}:fix-merged:${pullRequest}`,
    perform: (ref, marker) => deps.sink.comment(ref, { body, marker }),
    reconcile: (ref, marker) => deps.sink.findComment(ref, marker),
  });
}

/** Closes the ticket of a family that turned ignored (`epoch`), whatever state recur saw last. */
async function closeAsIgnored(deps: LeasedDeps, ticket: Ticket, epoch: number, turn: string) {
  await onTicket(deps, ticket, {
    action: 'close',
    key: `${ticket.familyId}:ignored:${turn}`,
    perform: (ref, marker) =>
      deps.sink.close(ref, {
        reason: 'not_planned',
        comment: 'Ignored in recur: this failure family will not reopen this ticket or block a release gate. Set it back to `open` to undo.',
        marker,
      }),
    apply: async (tx, how) => {
      await tx.update(tickets).set({ state: stateUnlessLaterTurn('closed', epoch), liveEpoch: sql`greatest(${tickets.liveEpoch}, ${epoch})` }).where(eq(tickets.id, ticket.id));
      if (how !== 'recorded') await recordHistory(tx, ticket.familyId, 'ticket_updated', 'recur', { closed: 'not_planned' });
    },
  });
}

async function closeAsDuplicate(deps: LeasedDeps, ticket: Ticket, intoFamilyId: string) {
  const [into] = await deps.db.select().from(tickets).where(eq(tickets.familyId, intoFamilyId));
  const where = into ? (into.repo === ticket.repo ? `#${into.number}` : into.url) : `recur family ${intoFamilyId}`;
  await onTicket(deps, ticket, {
    action: 'close',
    key: `${ticket.familyId}:merged:${intoFamilyId}`,
    perform: (ref, marker) => deps.sink.close(ref, { reason: 'duplicate', comment: `Duplicate of ${where}: recur merged this failure family into that one.`, marker }),
    apply: async (tx, how) => {
      await tx.update(tickets).set({ state: 'closed', updatedAt: sql`now()` }).where(eq(tickets.id, ticket.id));
      if (how !== 'recorded') await recordHistory(tx, ticket.familyId, 'ticket_updated', 'recur', { closed: 'duplicate', into: intoFamilyId });
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
    related: await relatedOffers(db, familyId),
  };
}

/** Families a ticket offers as possibly the same failure; the ticket shows the first few. */
const RELATED_SHOWN = 3;

async function relatedOffers(db: Db, familyId: string): Promise<NonNullable<TicketView['related']>> {
  const found = (await relatedFamilies(db, familyId, RELATED_SHOWN)) ?? [];
  if (found.length === 0) return [];
  const issues = await db
    .select({ familyId: tickets.familyId, number: tickets.number, url: tickets.url })
    .from(tickets)
    .where(inArray(tickets.familyId, found.map((f) => f.id)));
  return found.map((f) => {
    const issue = issues.find((t) => t.familyId === f.id);
    return { familyId: f.id, title: f.title, traceCount: f.traceCount, score: f.score, shared: f.shared, otherSources: f.otherSources, ticket: issue ? { number: issue.number, url: issue.url } : null };
  });
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
