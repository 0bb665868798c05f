// Assigns a signal to its family inside the caller's transaction. A signal joins the family of the first
// of: the upstream key it carries (the upstream already grouped it), its fingerprint, a near-duplicate
// title in the same scope; else it starts a new family. Evidence is added once, counters, occurrences and
// history are updated, and the keys the signal brought are learned by the family, all committing together
// with the inbox row being marked processed. Every lookup is by an indexed key, never a scan.
import { randomUUID } from 'node:crypto';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { FileConfig } from '../config/file.js';
import { jsonParam, rowsOf, type Db } from '../db/client.js';
import { families, familyKeys, familyOccurrences, familyTitles, traces } from '../db/schema/index.js';
import { redactSecrets } from '../tickets/redact.js';
import { classifyBoundary } from './boundary.js';
import { fingerprint, GROUPING_VERSION } from './fingerprint.js';
import { recordHistory, type HistoryAction } from './history.js';
import { FINGERPRINT_KEY_SOURCE, TITLE_KEY_SOURCE } from './keys.js';
import { bestNearDuplicate, MAX_TITLES_PER_FAMILY, nearDuplicateScope, titleKeys, titleTokens } from './near_duplicate.js';
import { resolveOwnership } from './ownership.js';
import { decideRegression } from './regression.js';
import { mergeSeverity, signalSeverity } from './severity.js';
import type { Boundary, FamilyStatus, FixStatus, Severity, Signal } from './types.js';

export type MatchedBy = 'upstream' | 'fingerprint' | 'near_duplicate' | 'new';

export interface AssignResult {
  familyId: string;
  created: boolean;
  matchedBy: MatchedBy;
  traceAdded: boolean;
  /** True when something a ticket shows changed, so the ticket needs a sync. */
  ticketDirty: boolean;
  ticketGeneration: number;
}

interface Ctx {
  config: FileConfig;
  eventId: string;
  actor: string;
  now?: Date;
}

interface GroupingKey {
  source: string;
  key: string;
  url?: string;
}

/** The keys a signal is grouped by, in the order they are tried. */
export function groupingKeys(signal: Signal, boundary: Boundary) {
  return {
    upstream: signal.upstream ? { source: signal.upstream.source, key: signal.upstream.id, url: signal.upstream.url } : undefined,
    fingerprint: { source: FINGERPRINT_KEY_SOURCE, key: fingerprint(signal, boundary) },
    // A signal that carries its error text is grouped by that text; only message-less signals (feedback,
    // upstream issues, eval titles) fall back to comparing titles.
    titles: signal.message ? [] : titleKeys(nearDuplicateScope(signal, boundary), signal.title),
  };
}

/** What a signal brings before any family is looked at: its boundary, grouping keys, severity and time. */
export function planSignal(signal: Signal, config: FileConfig, now = new Date()) {
  const boundary = classifyBoundary(
    { explicit: signal.boundary, title: signal.title, message: signal.message ?? signal.description, errorType: signal.errorType, kind: signal.kind, tool: signal.tool },
    config.boundaries,
  ).boundary;
  return {
    boundary,
    keys: groupingKeys(signal, boundary),
    severity: signalSeverity(signal.kind, signal.severity),
    occurredAt: signal.occurredAt > now ? now : signal.occurredAt,
  };
}

export type SignalPlan = ReturnType<typeof planSignal>;

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

export async function assignSignal(tx: Db, signal: Signal, ctx: Ctx): Promise<AssignResult> {
  const { boundary, keys, severity, occurredAt } = planSignal(signal, ctx.config, ctx.now);

  let match = await findFamily(tx, keys, signal.title);
  let created = false;
  if (!match) {
    const primary = keys.upstream ?? keys.fingerprint;
    const made = await createFamily(tx, primary, () => {
      const owner = resolveOwnership(ctx.config.owners, { workflow: signal.workflow, boundary, tool: signal.tool, tenant: signal.tenant });
      return {
        title: redactSecrets(signal.title),
        description: redact(signal.description ?? signal.message),
        workflow: signal.workflow,
        tenant: signal.tenant,
        kind: signal.kind,
        tool: signal.tool,
        errorType: signal.errorType,
        boundary,
        severity,
        fingerprint: keys.fingerprint.key,
        groupingVersion: GROUPING_VERSION,
        ownerTeam: owner.team,
        ownerAssignees: owner.assignees,
        firstSeen: occurredAt,
        lastSeen: occurredAt,
      };
    });
    created = made.created;
    match = { familyId: made.familyId, matchedBy: made.created ? 'new' : primary === keys.upstream ? 'upstream' : 'fingerprint' };
  }
  const { familyId, matchedBy } = match;
  await learnKeys(tx, familyId, keys, signal.title);

  if (created) {
    await recordHistory(tx, familyId, 'created', ctx.actor, { event_id: ctx.eventId, upstream: signal.upstream ?? null, boundary, severity });
  } else if (matchedBy === 'near_duplicate') {
    await recordHistory(tx, familyId, 'near_duplicate_joined', ctx.actor, { event_id: ctx.eventId, title: redactSecrets(signal.title), upstream: signal.upstream ?? null });
  }

  const [family] = await tx
    .select({ severity: families.severity, status: families.status, fixStatus: families.fixStatus, fixRelease: families.fixRelease })
    .from(families)
    .where(eq(families.id, familyId))
    .for('update');
  if (!family) throw new Error(`family ${familyId} disappeared`);

  const traceAdded = signal.trace ? await addEvidence(tx, [evidenceRow(familyId, signal, ctx.eventId)]).then((added) => added.size > 0) : false;
  const counts = signal.countsAsOccurrence !== false;
  if (counts) await addOccurrences(tx, [occurrenceRow(familyId, ctx.eventId, occurredAt, keys)]);

  const effect = applyOccurrence(family as FamilyState, { severity, created, traceAdded, counts, eventId: ctx.eventId, trace: signal.trace, release: signal.release });
  await addHistory(tx, effect.history.map((h) => ({ ...h, familyId, actor: ctx.actor })));
  const { regressed, ticketDirty } = effect;
  const [updated] = await tx
    .update(families)
    .set({
      severity: effect.family.severity,
      eventCount: sql`${families.eventCount} + 1`,
      traceCount: traceAdded ? sql`${families.traceCount} + 1` : undefined,
      lastSeen: sql`greatest(${families.lastSeen}, ${occurredAt.toISOString()}::timestamptz)`,
      firstSeen: sql`least(${families.firstSeen}, ${occurredAt.toISOString()}::timestamptz)`,
      ticketGeneration: ticketDirty ? sql`${families.ticketGeneration} + 1` : undefined,
      status: regressed ? 'regressed' : undefined,
      reopenCount: regressed ? sql`${families.reopenCount} + 1` : undefined,
      updatedAt: sql`now()`,
    })
    .where(eq(families.id, familyId))
    .returning({ ticketGeneration: families.ticketGeneration });

  return { familyId, created, matchedBy, traceAdded, ticketDirty, ticketGeneration: updated!.ticketGeneration };
}

async function findFamily(
  tx: Db,
  keys: ReturnType<typeof groupingKeys>,
  title: string,
): Promise<{ familyId: string; matchedBy: MatchedBy } | null> {
  if (keys.upstream) {
    const id = await lookupKey(tx, keys.upstream);
    if (id) return { familyId: id, matchedBy: 'upstream' };
  }
  const byFingerprint = await lookupKey(tx, keys.fingerprint);
  if (byFingerprint) return { familyId: byFingerprint, matchedBy: 'fingerprint' };
  if (keys.titles.length === 0) return null;

  const hits = await tx
    .selectDistinct({ familyId: familyKeys.familyId })
    .from(familyKeys)
    .where(and(eq(familyKeys.source, TITLE_KEY_SOURCE), inArray(familyKeys.key, keys.titles)));
  if (hits.length === 0) return null;
  const ids = hits.map((h) => h.familyId);
  const rows = await tx
    .select({ id: families.id, title: families.title, createdAt: families.createdAt })
    .from(families)
    .where(and(inArray(families.id, ids), isNull(families.mergedInto)));
  const wordings = await tx.select().from(familyTitles).where(inArray(familyTitles.familyId, ids));
  const candidates = rows.map((f) => ({
    ...f,
    titles: [titleTokens(f.title), ...wordings.filter((w) => w.familyId === f.id).map((w) => w.tokens.split(' '))],
  }));
  const best = bestNearDuplicate(title, candidates);
  return best ? { familyId: best.id, matchedBy: 'near_duplicate' } : null;
}

/**
 * Whatever key a signal brought now points at its family, so the next one like it is found directly, and
 * a message-less signal's wording joins the family's known wordings (up to MAX_TITLES_PER_FAMILY).
 */
async function learnKeys(tx: Db, familyId: string, keys: ReturnType<typeof groupingKeys>, title: string) {
  const rows = [keys.upstream, keys.fingerprint, ...keys.titles.map((key) => ({ source: TITLE_KEY_SOURCE, key }))]
    .filter((k): k is GroupingKey => Boolean(k))
    .map((k) => ({ source: k.source, key: k.key, url: k.url, familyId }));
  await tx.insert(familyKeys).values(rows).onConflictDoNothing();
  if (keys.titles.length === 0) return;
  const tokens = titleTokens(title).join(' ');
  const known = await tx.$count(familyTitles, eq(familyTitles.familyId, familyId));
  if (known < MAX_TITLES_PER_FAMILY) await tx.insert(familyTitles).values({ familyId, tokens }).onConflictDoNothing();
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

/** Records occurrences, once per event, in the order given. */
export async function addOccurrences(tx: Db, rows: ReadonlyArray<ReturnType<typeof occurrenceRow>>): Promise<void> {
  await tx.execute(sql`
    insert into family_occurrences (family_id, event_id, occurred_at, keys)
    select family_id, event_id, occurred_at, keys
    from rows from (jsonb_to_recordset(${jsonParam(rows.map((r) => ({ family_id: r.familyId, event_id: r.eventId, occurred_at: r.occurredAt, keys: r.keys })))})
      as (family_id uuid, event_id uuid, occurred_at timestamptz, keys jsonb)) with ordinality as r(family_id, event_id, occurred_at, keys, n)
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

/** The occurrence row of an event, with the keys it brought (what a split moves with it). */
export function occurrenceRow(familyId: string, eventId: string, occurredAt: Date, keys: ReturnType<typeof groupingKeys>): typeof familyOccurrences.$inferInsert {
  const brought = [keys.upstream, keys.fingerprint].filter((k): k is GroupingKey => Boolean(k)).map(({ source, key }) => ({ source, key }));
  return { familyId, eventId, occurredAt, keys: brought };
}

const redact = (text: string | undefined) => (text === undefined ? undefined : redactSecrets(text));

type NewFamily = Omit<typeof families.$inferInsert, 'id'> & { boundary: Boundary };

/**
 * The primary key row decides a creation race: two transactions creating a family for the same new key
 * both insert a family, but only one key insert wins (the loser waits for the winner's commit); the loser
 * drops its never-visible family row and joins the winner's.
 */
async function createFamily(tx: Db, key: GroupingKey, build: () => NewFamily): Promise<{ familyId: string; created: boolean }> {
  const id = randomUUID();
  await tx.insert(families).values({ id, ...build() });
  const won = await tx
    .insert(familyKeys)
    .values({ source: key.source, key: key.key, familyId: id, url: key.url })
    .onConflictDoNothing()
    .returning({ familyId: familyKeys.familyId });
  if (won.length > 0) return { familyId: id, created: true };

  await tx.delete(families).where(eq(families.id, id));
  const winner = await lookupKey(tx, key);
  if (!winner) throw new Error(`family key ${key.source}/${key.key} conflicted but cannot be found`);
  return { familyId: winner, created: false };
}

async function lookupKey(tx: Db, key: { source: string; key: string }): Promise<string | undefined> {
  const [row] = await tx
    .select({ familyId: familyKeys.familyId })
    .from(familyKeys)
    .where(and(eq(familyKeys.source, key.source), eq(familyKeys.key, key.key)));
  return row?.familyId;
}
