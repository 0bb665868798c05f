// Assigns signals to their families inside the caller's transaction (one signal is a batch of one). A
// signal joins the family of the first of: the upstream key it carries, its fingerprint (or a legacy
// version's), then what grouping/resolve.ts finds (legacy title, template miner, similarity, split
// rules); else it founds a family. Then, for the whole batch in a fixed number of statements: evidence,
// occurrences with why each joined, history, counters, and the keys each signal brought, all committing
// with the inbox rows being marked processed.
//
// Every statement has the same text whatever the batch size (rows travel as one JSON or array parameter),
// so it is prepared once per connection.
import { LRUCache } from 'lru-cache';
import { asc, eq, sql } from 'drizzle-orm';
import type { FileConfig } from '../config/file.js';
import { jsonParam, rowsOf, uuidArray, type Db } from '../db/client.js';
import { families, familyKeys, traces } from '../db/schema/index.js';
import { redactSecrets } from '../redaction.js';
import { boundaryEvidence, foldBoundaryVote, signalBoundary } from './boundary.js';
import { findCorrection } from './boundary_corrections.js';
import { decideFamilyBoundary, readBoundaryState, UNDECIDED, type BoundarySource, type BoundaryState, type FamilyBoundary, type LearnedBoundary } from './family_boundary.js';
import { newFamilyId } from './family_id.js';
import type { Embedder } from './grouping/embeddings.js';
import { planGrouping, type GroupingKey, type GroupingPlan } from './grouping/plan.js';
import { familiesLearningFromIssues, insertKeys, keyId, learn, learnFromIssue, liveFamilies, lookupKeys, resolveFamily, type MatchedBy, type Resolution } from './grouping/resolve.js';
import { GROUPING_VERSION } from './grouping/version.js';
import type { HistoryAction } from './history.js';
import { moveWithMerge } from './merge.js';
import { resolveOwnership } from './ownership.js';
import { decideRegression } from './regression.js';
import { mergeSeverity, signalSeverity } from './severity.js';
import type { Boundary, FamilyStatus, FixStatus, Severity, Signal } from './types.js';

export type { MatchedBy } from './grouping/resolve.js';

export interface AssignResult {
  familyId: string;
  created: boolean;
  matchedBy: MatchedBy;
  traceAdded: boolean;
  /** True when something a ticket shows changed, so the ticket needs a sync. */
  ticketDirty: boolean;
  ticketGeneration: number;
}

export interface BatchSignal {
  signal: Signal;
  eventId: string;
  actor: string;
}

/**
 * What a signal brings before any family is looked at: its boundary vote and correction keys (a label the
 * family's boundary is decided from, never a grouping key), grouping plan, severity and time.
 */
export function planSignal(signal: Signal, config: FileConfig, now = new Date()) {
  const { vote, keys } = boundaryOf(signal, config);
  return {
    boundary: vote?.boundary ?? ('unknown' as Boundary),
    boundaryVote: vote,
    correctionKeys: keys,
    promptPath: promptPathOf(signal),
    grouping: planGrouping(signal, config.boundaries, now),
    severity: signalSeverity(signal.kind, signal.severity),
    occurredAt: signal.occurredAt > now ? now : signal.occurredAt,
  };
}

export type SignalPlan = ReturnType<typeof planSignal>;

/**
 * A signal's boundary vote, kept for recent evidence: a failure's occurrences bring the same evidence
 * again, and reading it costs about 26 µs a signal (scratch timing), a large share of a worker's time on
 * known failures.
 */
function boundaryOf(signal: Signal, config: FileConfig): ReturnType<typeof signalBoundary> {
  const evidence = boundaryEvidence(signal);
  const key = JSON.stringify(evidence);
  const cached = key.length <= 4_096 ? recentBoundaries.get(key) : undefined;
  if (cached && cached.rules === config.boundaries) return cached.result;
  const result = signalBoundary(evidence, config.boundaries);
  if (key.length <= 4_096) recentBoundaries.set(key, { rules: config.boundaries, result });
  return result;
}

const recentBoundaries = new LRUCache<string, { rules: FileConfig['boundaries']; result: ReturnType<typeof signalBoundary> }>({ max: 2_000 });

/** Attributes naming the prompt file a run used, for CODEOWNERS path patterns. */
const PROMPT_PATH_ATTRIBUTES = ['prompt.path', 'prompt_path', 'prompt.file'];

function promptPathOf(signal: Signal): string | undefined {
  for (const name of PROMPT_PATH_ATTRIBUTES) {
    const value = signal.attributes?.[name];
    if (typeof value === 'string' && value.trim() !== '') return value.trim().replace(/^\.?\//, '').slice(0, 500);
  }
  return undefined;
}

/** The family fields an occurrence is judged against. */
export interface FamilyState {
  severity: Severity;
  status: FamilyStatus;
  fixStatus: FixStatus;
  fixRelease: string | null;
}

export interface HistoryEntry {
  action: HistoryAction;
  detail: Record<string, unknown>;
}

/**
 * What one occurrence does to the family it joined, given the family as the occurrence finds it: the
 * family afterwards, the history to append, and whether its ticket needs a sync. Pure, so a batch of
 * occurrences of one family is applied by folding this over them in order.
 */
export function applyOccurrence(
  family: FamilyState,
  o: { severity: Severity; created: boolean; traceAdded: boolean; counts: boolean; eventId: string; trace?: { traceId: string; runId: string }; release?: string },
): { family: FamilyState; history: HistoryEntry[]; traceAdded: boolean; severityRaised: boolean; regressed: boolean; ticketDirty: boolean } {
  const history: HistoryEntry[] = [];
  if (o.traceAdded && o.trace) history.push({ action: 'trace_added', detail: { trace_id: o.trace.traceId, run_id: o.trace.runId, event_id: o.eventId } });
  const severity = mergeSeverity(family.severity, o.severity);
  const severityRaised = !o.created && severity < family.severity;
  if (severityRaised) history.push({ action: 'severity_raised', detail: { from: family.severity, to: severity, event_id: o.eventId } });
  const regression = o.counts ? decideRegression({ status: family.status, fixStatus: family.fixStatus, fixRelease: family.fixRelease, occurrenceRelease: o.release }) : null;
  if (regression?.regressed) {
    history.push({ action: 'regressed', detail: { event_id: o.eventId, trace_id: o.trace?.traceId ?? null, release: o.release ?? null } });
  } else if (regression?.reason === 'fix_not_released' || regression?.reason === 'older_release') {
    history.push({ action: 'seen_after_fix', detail: { event_id: o.eventId, reason: regression.reason, release: o.release ?? null } });
  }
  const regressed = regression?.regressed === true;
  return {
    family: { ...family, severity, status: regressed ? 'regressed' : family.status },
    history,
    traceAdded: o.traceAdded,
    severityRaised,
    regressed,
    ticketDirty: o.created || o.traceAdded || severityRaised || regressed,
  };
}

/**
 * Held (to the end of the transaction) by a batch that has a signal no key places: resolving and founding
 * families reads and writes the shared grouping state (templates, profiles), and two batches doing it at
 * once would each found the family of one new failure. Batches whose signals all have known keys never
 * take it.
 */
const GROUPING_LOCK = 7_262_003;

interface Placed extends BatchSignal {
  index: number;
  plan: SignalPlan;
  resolution: Resolution;
  created: boolean;
  /** Whether its family learned its words from it though an upstream issue's key placed it (learnFromIssue). */
  taught: boolean;
  /** Whether its occurrence is already recorded (assignSignals). */
  recorded?: boolean;
}

/** Assigns each signal; results in the order given. */
export async function assignSignals(tx: Db, batch: readonly BatchSignal[], config: FileConfig, opts: { now?: Date; embedder?: Embedder | null } = {}): Promise<AssignResult[]> {
  const now = opts.now ?? new Date();
  const plans = batch.map((b) => planSignal(b.signal, config, now));
  let known = await lookupKeys(tx, plans.flatMap((p) => exactKeys(p.grouping)));
  const locked = plans.some((plan) => !byKey(plan.grouping, known)) || (await familiesLearningFromIssues(tx, issueTaught(plans, known))).size > 0;
  if (locked) {
    await tx.execute(sql`select pg_advisory_xact_lock(${GROUPING_LOCK})`);
    // What the batches that held the lock before this one learned.
    known = await lookupKeys(tx, plans.flatMap((p) => exactKeys(p.grouping)));
  }
  const learning = locked ? await issueLearning(tx, issueTaught(plans, known)) : null;
  // Known families are locked in id order before anything else, so two batches never wait on each other in turn.
  const lockFirst = [...new Set(plans.flatMap((plan) => byKey(plan.grouping, known)?.familyId ?? []))].sort();
  if (lockFirst.length > 0) await tx.select({ id: families.id }).from(families).where(sql`${families.id} = any(${uuidArray(lockFirst)})`).orderBy(asc(families.id)).for('update');

  const placed: Placed[] = [];
  const placedInBatch = new Map<string, number>();
  /** Family merged away in this batch -> the rule that merged it. */
  const mergedBy = new Map<string, string>();

  // What the later signals of the batch find follows a placement as it would one batch later.
  const follow = (plan: GroupingPlan, resolution: Resolution) => {
    // The keys a family records find it (a key already held stays with its family, as insertKeys keeps it);
    // a legacy version's keys only find the families that had them.
    for (const key of recordedKeys(plan)) if (!known.has(keyId(key))) known.set(keyId(key), resolution.familyId);
    for (const { from, into, ruleId } of resolution.merges ?? []) {
      mergedBy.set(from, ruleId);
      for (const [key, familyId] of known) if (familyId === from) known.set(key, into);
      placedInBatch.set(into, (placedInBatch.get(into) ?? 0) + (placedInBatch.get(from) ?? 0));
      placedInBatch.delete(from);
      learning?.forget(into);
    }
  };
  // A report grouping read is recorded at once, so the later signals of the batch compare with it (the
  // reports read back in resolve.ts); a merge moves it with its family.
  const recordReport = async (p: Placed) => {
    if (wordsRead(p) && counts(p)) {
      await addOccurrences(tx, [occurrenceRow(p)]);
      p.recorded = true;
    }
  };

  for (const [index, item] of batch.entries()) {
    const plan = plans[index]!;
    let resolution = byKey(plan.grouping, known);
    let created = false;
    // A family found by a legacy version's key learns this version's template and features, so the
    // failure's other wordings find it too.
    if (resolution?.matchedBy === 'legacy_fingerprint') await learn(tx, plan.grouping, resolution);
    let taught = false;
    if (learning && resolution && taughtByIssue(plan.grouping, resolution) && (await learning.take(resolution.familyId, plan.grouping.scope))) {
      resolution = await learnFromIssue(tx, [plan.grouping], resolution, item.actor, placedInBatch);
      taught = true;
    } else if (!resolution) {
      resolution = await resolveFamily(tx, plan.grouping, {
        actor: item.actor,
        embedder: opts.embedder,
        placedInBatch,
        create: async () => {
          created = true;
          return createFamily(tx, plan, item.signal, config);
        },
      });
    }
    follow(plan.grouping, resolution);
    const p: Placed = { ...item, index, plan, resolution, created, taught };
    await recordReport(p);
    placed.push(p);
    placedInBatch.set(resolution.familyId, (placedInBatch.get(resolution.familyId) ?? 0) + 1);
  }
  // A merge of this batch may have taken away the family an earlier signal of it was placed in: the signal is
  // recorded in the family the merge went into, and goes back with its own if the merge is undone.
  const undoneWith = placed.map((p) => p.resolution.mergedAwayBy ?? mergedBy.get(p.resolution.familyId));
  const live = await liveFamilies(tx, placed.map((p) => p.resolution.familyId));
  for (const p of placed) p.resolution = { ...p.resolution, familyId: live.get(p.resolution.familyId) ?? p.resolution.familyId };
  const results = await applyPlaced(tx, placed);
  for (const [i, p] of placed.entries()) if (undoneWith[i]) await moveWithMerge(tx, undoneWith[i], p.eventId);
  return results;
}

/** A signal an upstream issue key placed, whose words its family learns (a bare log line's are not compared). */
function taughtByIssue(plan: GroupingPlan, resolution: Resolution | undefined): boolean {
  return resolution?.matchedBy === 'upstream' && plan.comparable;
}

/** The families and scopes of the signals an upstream issue key places. */
function issueTaught(plans: readonly SignalPlan[], known: ReadonlyMap<string, string>): Array<{ familyId: string; scope: string }> {
  return plans.flatMap(({ grouping }) => {
    const resolution = byKey(grouping, known);
    return resolution && taughtByIssue(grouping, resolution) ? [{ familyId: resolution.familyId, scope: grouping.scope }] : [];
  });
}

/**
 * How many more signals each family learns from its issue (familiesLearningFromIssues), asked once a batch for
 * the families known when it starts and once for each founded in it; `take` counts one signal off.
 */
async function issueLearning(tx: Db, known: ReadonlyArray<{ familyId: string; scope: string }>) {
  const left = await familiesLearningFromIssues(tx, known);
  for (const { familyId } of known) if (!left.has(familyId)) left.set(familyId, 0);
  return {
    async take(familyId: string, scope: string): Promise<boolean> {
      if (!left.has(familyId)) left.set(familyId, (await familiesLearningFromIssues(tx, [{ familyId, scope }])).get(familyId) ?? 0);
      const room = left.get(familyId)!;
      if (room > 0) left.set(familyId, room - 1);
      return room > 0;
    },
    /** A family another was merged into: it is asked again. */
    forget(familyId: string): void {
      left.delete(familyId);
    },
  };
}

/** The keys a signal's family records: its upstream issue's and its fingerprint. */
function recordedKeys(plan: GroupingPlan): GroupingKey[] {
  return [plan.upstream, plan.fingerprint].filter((k): k is GroupingKey => Boolean(k));
}

/** The keys looked up before anything else, most telling first: the upstream's, the fingerprint, legacy ones. */
function exactKeys(plan: GroupingPlan): GroupingKey[] {
  return [plan.upstream, plan.fingerprint, ...(plan.legacy?.fingerprints ?? [])].filter((k): k is GroupingKey => Boolean(k));
}

function byKey(plan: GroupingPlan, known: ReadonlyMap<string, string>): Resolution | undefined {
  const steps: Array<[GroupingKey | undefined, MatchedBy]> = [
    [plan.upstream, 'upstream'],
    [plan.fingerprint, 'fingerprint'],
    ...(plan.legacy?.fingerprints ?? []).map((key): [GroupingKey, MatchedBy] => [key, 'legacy_fingerprint']),
  ];
  for (const [key, matchedBy] of steps) {
    const familyId = key && known.get(keyId(key));
    if (familyId) return { familyId, matchedBy, score: 1 };
  }
  return undefined;
}

/**
 * A new family, with the key that founded it. The grouping lock means no other batch founds one for the
 * same keys at the same time; the key insert still decides a race with a writer that does not take it.
 * A correction an engineer made to a family with the same evidence gives its boundary ("learned"); the
 * votes of the signals placed in it are folded in by applyPlaced. The owner is the rules' for now: the
 * ticket sync adds the CODEOWNERS file, which is not read inside this transaction.
 */
async function createFamily(tx: Db, plan: SignalPlan, signal: Signal, config: FileConfig): Promise<string> {
  const id = newFamilyId();
  const learned = await findCorrection(tx, plan.correctionKeys);
  const state: BoundaryState = { tally: { n: 0, votes: {}, keys: {} }, ...(learned ? { learned } : {}) };
  const founded = decideFamilyBoundary(UNDECIDED, { ...state, tally: foldBoundaryVote(structuredClone(state.tally), plan.boundaryVote) });
  const owner = resolveOwnership(config.owners, { workflow: signal.workflow, boundary: founded.boundary, tool: signal.tool, tenant: signal.tenant, kind: signal.kind, promptPath: plan.promptPath });
  await tx.insert(families).values({
    id,
    title: redactSecrets(signal.title),
    description: redact(signal.description ?? signal.message),
    workflow: signal.workflow,
    tenant: signal.tenant,
    kind: signal.kind,
    tool: signal.tool,
    errorType: signal.errorType,
    boundary: founded.boundary,
    boundaryConfidence: founded.confidence,
    boundaryReasons: founded.reasons,
    boundarySource: founded.source,
    boundaryVotes: state as unknown as Record<string, unknown>,
    promptPath: plan.promptPath,
    severity: plan.severity,
    fingerprint: plan.grouping.fingerprint.key,
    groupingVersion: GROUPING_VERSION,
    ownerTeam: owner.team,
    ownerAssignees: owner.assignees,
    ownerReason: owner.reason,
    firstSeen: plan.occurredAt,
    lastSeen: plan.occurredAt,
  });
  const primary = plan.grouping.upstream ?? plan.grouping.fingerprint;
  const won = await tx
    .insert(familyKeys)
    .values({ source: primary.source, key: primary.key, url: primary.url, familyId: id })
    .onConflictDoNothing()
    .returning({ familyId: familyKeys.familyId });
  if (won.length > 0) return id;
  await tx.delete(families).where(eq(families.id, id));
  const winner = (await lookupKeys(tx, [primary])).get(keyId(primary));
  if (!winner) throw new Error(`family key ${primary.source}/${primary.key} conflicted but cannot be found`);
  return winner;
}

/** Evidence, occurrences, history, counters and keys for every placed signal, in a fixed number of statements. */
async function applyPlaced(tx: Db, placed: readonly Placed[]): Promise<AssignResult[]> {
  const familyIds = [...new Set(placed.map((p) => p.resolution.familyId))];
  const locked = await tx
    .select({
      id: families.id,
      severity: families.severity,
      status: families.status,
      fixStatus: families.fixStatus,
      fixRelease: families.fixRelease,
      boundary: families.boundary,
      boundaryConfidence: families.boundaryConfidence,
      boundaryReasons: families.boundaryReasons,
      boundarySource: families.boundarySource,
      boundaryVotes: families.boundaryVotes,
    })
    .from(families)
    .where(sql`${families.id} = any(${uuidArray(familyIds)})`)
    .orderBy(asc(families.id))
    .for('update');
  const state = new Map<string, FamilyState>(
    locked.map((f) => [f.id, { severity: f.severity as Severity, status: f.status, fixStatus: f.fixStatus, fixRelease: f.fixRelease }]),
  );
  const boundaries = new Map(locked.map((f) => [f.id, { before: currentBoundary(f), votes: readBoundaryState(f.boundaryVotes) }]));
  for (const id of familyIds) if (!state.has(id)) throw new Error(`family ${id} disappeared`);

  await insertKeysOfBatch(tx, placed);
  const withTrace = placed.filter((p) => p.signal.trace);
  const added = withTrace.length > 0 ? await addEvidence(tx, withTrace.map((p) => evidenceRow(p.resolution.familyId, p.signal, p.eventId))) : new Set<string>();
  const occurrences = placed.filter((p) => counts(p) && !p.recorded);
  if (occurrences.length > 0) await addOccurrences(tx, occurrences.map((p) => occurrenceRow(p)));

  const history: HistoryRow[] = [];
  const changes = new Map<string, FamilyChange>();
  const effects: Array<{ p: Placed; traceAdded: boolean; dirty: boolean }> = [];
  for (const p of placed) {
    const familyId = p.resolution.familyId;
    const family = state.get(familyId)!;
    const traceAdded = added.has(p.eventId);
    history.push(...groupingHistory(p, boundaries.get(familyId)!.votes.learned).map((h) => ({ ...h, familyId, actor: p.actor })));
    const effect = applyOccurrence(family, {
      severity: p.plan.severity,
      created: p.created,
      traceAdded,
      counts: counts(p),
      eventId: p.eventId,
      trace: p.signal.trace,
      release: p.signal.release,
    });
    state.set(familyId, effect.family);
    history.push(...effect.history.map((h) => ({ ...h, familyId, actor: p.actor })));
    const change = changes.get(familyId) ?? { id: familyId, severity: family.severity, events: 0, traces: 0, first_seen: p.plan.occurredAt, last_seen: p.plan.occurredAt, dirty: 0, regressed: 0 };
    change.severity = effect.family.severity;
    change.events += 1;
    change.traces += traceAdded ? 1 : 0;
    if (p.plan.occurredAt < change.first_seen) change.first_seen = p.plan.occurredAt;
    if (p.plan.occurredAt > change.last_seen) change.last_seen = p.plan.occurredAt;
    change.dirty = effect.ticketDirty ? 1 : change.dirty;
    change.regressed += effect.regressed ? 1 : 0;
    changes.set(familyId, change);
    foldBoundaryVote(boundaries.get(familyId)!.votes.tally, p.plan.boundaryVote, p.plan.correctionKeys);
    if (p.plan.promptPath) change.prompt_path ??= p.plan.promptPath;
    effects.push({ p, traceAdded, dirty: effect.ticketDirty });
  }
  // Each family's boundary from all its votes so far: a changed boundary is something the ticket shows.
  for (const change of changes.values()) {
    const { before, votes } = boundaries.get(change.id)!;
    const after = decideFamilyBoundary(before, votes);
    change.boundary = after.boundary;
    change.boundary_confidence = after.confidence;
    change.boundary_reasons = after.reasons;
    change.boundary_source = after.source;
    change.boundary_votes = votes;
    const founded = placed.some((p) => p.created && p.resolution.familyId === change.id);
    if (!founded && (after.boundary !== before.boundary || after.source !== before.source)) {
      change.dirty = 1;
      const last = [...effects].reverse().find((e) => e.p.resolution.familyId === change.id);
      if (last) last.dirty = true;
      history.push({
        familyId: change.id,
        actor: 'recur',
        action: 'updated',
        detail: { boundary: { from: before.boundary, to: after.boundary }, boundary_source: { from: before.source, to: after.source }, reasons: after.reasons },
      });
    }
  }
  await addHistory(tx, history);
  const generations = await updateFamilies(tx, [...changes.values()]);

  const results: AssignResult[] = new Array(placed.length);
  for (const { p, traceAdded, dirty } of effects) {
    results[p.index] = {
      familyId: p.resolution.familyId,
      created: p.created,
      matchedBy: p.resolution.matchedBy,
      traceAdded,
      ticketDirty: dirty,
      ticketGeneration: generations.get(p.resolution.familyId)!,
    };
  }
  return results;
}

/**
 * The history a signal's placement writes: the founding, a join no key made, or a key's join that made its
 * family merge with another (learning from an issue), with its reason.
 */
function groupingHistory(p: Placed, learned: LearnedBoundary | undefined): HistoryEntry[] {
  const { resolution, plan, signal, eventId } = p;
  if (p.created) return [{ action: 'created', detail: { event_id: eventId, upstream: signal.upstream ?? null, boundary: plan.boundary, severity: plan.severity, grouping_version: GROUPING_VERSION, ...learnedDetail(learned) } }];
  const placedByKey = resolution.matchedBy === 'upstream' || resolution.matchedBy === 'fingerprint' || resolution.matchedBy === 'legacy_fingerprint';
  if (placedByKey && !resolution.reason) return [];
  return [
    {
      action: 'grouped',
      detail: { event_id: eventId, title: redactSecrets(signal.title), matched_by: resolution.matchedBy, score: round(resolution.score), reason: resolution.reason ?? null, upstream: signal.upstream ?? null },
    },
  ];
}

/** The correction a new family learned its boundary from, for its history. */
function learnedDetail(learned: LearnedBoundary | undefined): Record<string, unknown> {
  return learned ? { learned_from: { correction_id: learned.correctionId, family_id: learned.familyId, ticket_number: learned.ticketNumber, key: learned.key, boundary: learned.boundary } } : {};
}

function currentBoundary(f: { boundary: Boundary; boundaryConfidence: number | null; boundaryReasons: string[]; boundarySource: BoundarySource }): FamilyBoundary {
  return { boundary: f.boundary, confidence: f.boundaryConfidence, reasons: f.boundaryReasons, source: f.boundarySource };
}

/** Every key a signal brought now names its family, so the next one like it is found directly. */
async function insertKeysOfBatch(tx: Db, placed: readonly Placed[]): Promise<void> {
  const byFamily = new Map<string, Map<string, GroupingKey>>();
  for (const p of placed) {
    const keys = byFamily.get(p.resolution.familyId) ?? new Map<string, GroupingKey>();
    for (const key of recordedKeys(p.plan.grouping)) keys.set(keyId(key), key);
    byFamily.set(p.resolution.familyId, keys);
  }
  for (const [familyId, keys] of byFamily) await insertKeys(tx, familyId, [...keys.values()]);
}

/** The evidence row a signal's trace adds to its family. */
export function evidenceRow(familyId: string, signal: Signal, eventId: string): typeof traces.$inferInsert {
  const trace = signal.trace!;
  return {
    familyId,
    source: signal.source,
    traceId: trace.traceId,
    runId: trace.runId,
    url: trace.url,
    comment: redact(trace.comment),
    release: signal.release,
    environment: signal.environment,
    startTime: trace.startTime ? new Date(trace.startTime) : null,
    eventId,
  };
}

/** Adds evidence once per (family, trace, run); returns the event ids whose evidence was new. */
export async function addEvidence(tx: Db, rows: ReadonlyArray<ReturnType<typeof evidenceRow>>): Promise<Set<string>> {
  const json = rows.map((r) => ({
    family_id: r.familyId,
    source: r.source,
    trace_id: r.traceId,
    run_id: r.runId ?? '',
    url: r.url ?? null,
    comment: r.comment ?? null,
    release: r.release ?? null,
    environment: r.environment ?? null,
    start_time: r.startTime ?? null,
    event_id: r.eventId,
  }));
  const inserted = await rowsOf<{ event_id: string }>(
    tx,
    sql`
      insert into traces (family_id, source, trace_id, run_id, url, comment, release, environment, start_time, event_id)
      select family_id, source, trace_id, run_id, url, comment, release, environment, start_time, event_id
      from rows from (jsonb_to_recordset(${jsonParam(json)})
        as (family_id uuid, source text, trace_id text, run_id text, url text, comment text, release text, environment text, start_time timestamptz, event_id uuid))
        with ordinality as t(family_id, source, trace_id, run_id, url, comment, release, environment, start_time, event_id, n)
      order by n
      on conflict (family_id, trace_id, run_id) do nothing
      returning event_id`,
  );
  return new Set(inserted.map((r) => r.event_id));
}

/**
 * A signal these placed was not compared by its words, unless it taught its family (an issue's later trace): its
 * occurrence keeps no features, so a family's recorded reports are its distinct wordings, not its every repeat.
 */
const PLACED_BY_KEY: ReadonlySet<MatchedBy> = new Set(['upstream', 'fingerprint']);

/** Whether grouping read the signal's words: it taught its family, or no key placed it. */
function wordsRead(p: Placed): boolean {
  return p.taught || !PLACED_BY_KEY.has(p.resolution.matchedBy);
}

/**
 * The occurrence row of a placed signal: the keys it brought (what a split moves with it), why it joined, and what
 * grouping compared it by (its features, when it read them, and its source).
 */
function occurrenceRow(p: Placed) {
  const { grouping } = p.plan;
  return {
    family_id: p.resolution.familyId,
    event_id: p.eventId,
    occurred_at: p.plan.occurredAt,
    keys: recordedKeys(grouping).map(({ source, key }) => ({ source, key })),
    matched_by: p.resolution.matchedBy,
    score: round(p.resolution.score),
    grouping_version: GROUPING_VERSION,
    template: grouping.template.slice(0, 500),
    features: grouping.comparable && wordsRead(p) ? grouping.features : null,
    source: grouping.source,
  };
}

/** Whether a placed signal is an occurrence of its family (a signal that only adds evidence is not). */
function counts(p: Placed): boolean {
  return p.signal.countsAsOccurrence !== false;
}

/** Records occurrences, once per event, in the order given. */
async function addOccurrences(tx: Db, rows: ReadonlyArray<ReturnType<typeof occurrenceRow>>): Promise<void> {
  await tx.execute(sql`
    insert into family_occurrences (family_id, event_id, occurred_at, keys, matched_by, score, grouping_version, template, features, source)
    select family_id, event_id, occurred_at, keys, matched_by, score, grouping_version, template, features, source
    from rows from (jsonb_to_recordset(${jsonParam(rows)})
      as (family_id uuid, event_id uuid, occurred_at timestamptz, keys jsonb, matched_by text, score real, grouping_version text, template text, features jsonb, source text))
      with ordinality as r(family_id, event_id, occurred_at, keys, matched_by, score, grouping_version, template, features, source, n)
    order by n
    on conflict do nothing`);
}

export type HistoryRow = HistoryEntry & { familyId: string; actor: string };

/** Appends history entries in the order given. */
export async function addHistory(tx: Db, rows: readonly HistoryRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.execute(sql`
    insert into family_history (family_id, action, actor, detail)
    select family_id, action, actor, detail
    from rows from (jsonb_to_recordset(${jsonParam(rows.map((h) => ({ family_id: h.familyId, action: h.action, actor: h.actor, detail: h.detail })))})
      as (family_id uuid, action text, actor text, detail jsonb)) with ordinality as h(family_id, action, actor, detail, n)
    order by n`);
}

interface FamilyChange {
  id: string;
  severity: number;
  events: number;
  traces: number;
  first_seen: Date;
  last_seen: Date;
  /** 1 when the ticket needs a sync: one generation per batch, however many occurrences asked for it. */
  dirty: number;
  regressed: number;
  boundary?: Boundary;
  boundary_confidence?: number | null;
  boundary_reasons?: string[];
  boundary_source?: BoundarySource;
  boundary_votes?: BoundaryState;
  prompt_path?: string;
}

/** One statement for every family the batch touched; returns each family's ticket generation after it. */
async function updateFamilies(tx: Db, changes: readonly FamilyChange[]): Promise<Map<string, number>> {
  const rows = await rowsOf<{ id: string; ticket_generation: number }>(
    tx,
    sql`
      update families f set
        severity = c.severity,
        event_count = f.event_count + c.events,
        trace_count = f.trace_count + c.traces,
        first_seen = least(f.first_seen, c.first_seen),
        last_seen = greatest(f.last_seen, c.last_seen),
        ticket_generation = f.ticket_generation + c.dirty,
        status = case when c.regressed > 0 then 'regressed' else f.status end,
        reopen_count = f.reopen_count + c.regressed,
        boundary = coalesce(c.boundary, f.boundary),
        boundary_confidence = case when c.boundary is null then f.boundary_confidence else c.boundary_confidence end,
        boundary_reasons = coalesce(c.boundary_reasons, f.boundary_reasons),
        boundary_source = coalesce(c.boundary_source, f.boundary_source),
        boundary_votes = coalesce(c.boundary_votes, f.boundary_votes),
        prompt_path = coalesce(f.prompt_path, c.prompt_path),
        updated_at = now()
      from jsonb_to_recordset(${jsonParam(changes)})
        as c(id uuid, severity smallint, events int, traces int, first_seen timestamptz, last_seen timestamptz, dirty int, regressed int,
             boundary text, boundary_confidence real, boundary_reasons jsonb, boundary_source text, boundary_votes jsonb, prompt_path text)
      where f.id = c.id
      returning f.id, f.ticket_generation`,
  );
  return new Map(rows.map((r) => [r.id, Number(r.ticket_generation)]));
}

const redact = (text: string | undefined) => (text === undefined ? undefined : redactSecrets(text));

const round = (score: number) => Math.round(score * 1000) / 1000;

export type { Boundary };
