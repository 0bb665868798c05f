// The read side of families (docs/contract.md section 4): one page of families or one family with its traces and
// history, in the public JSON shape. A page costs a fixed number of queries, whatever its size.
import { and, desc, eq, gte, inArray, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { families, familyHistory, familyKeys, familyOccurrences, tickets, traces, type TicketProvider } from '../db/schema/index.js';
import { evaluatorStates } from '../evaluators/guard.js';
import { isUpstreamKey } from './keys.js';
import type { BoundarySource } from './family_boundary.js';
import type { Boundary, FamilyStatus, FixStatus } from './types.js';

export interface FamilyFilters {
  status?: FamilyStatus;
  workflow?: string;
  boundary?: Boundary;
  severityLte?: number;
}

export interface FamilyJson {
  id: string;
  title: string;
  workflow: string;
  boundary: Boundary;
  /** How the boundary was decided: its support, who decided, and the reasons a ticket shows. */
  boundary_detail: { confidence: number | null; source: BoundarySource; reasons: string[] };
  severity: number;
  status: FamilyStatus;
  fingerprint: string | null;
  grouping_version: string;
  /** `reason`: the rule that matched ("recur.yaml owners[1]: ...", "CODEOWNERS line 7: ..."), or who set it. */
  owner: { team: string | null; assignees: string[]; reason: string | null };
  first_seen: string;
  last_seen: string;
  trace_count: number;
  event_count: number;
  upstream: Array<{ source: string; id: string; url: string | null }>;
  ticket: { provider: TicketProvider; repo: string; number: number; url: string; state: 'open' | 'closed' } | null;
  fix: { status: FixStatus; pull_request: string | null; release: string | null };
  evaluators: Array<{ id: string; suite: string; status: string }>;
  /** A benchmark evaluator passed on a release containing the fix. */
  guarded: boolean;
  reopen_count: number;
  recurrence: { last_hour: number; last_day: number; last_week: number };
  merged_into: string | null;
}

/** One piece of evidence, with why its event joined the family (null for traces recorded before that was kept). */
export interface TraceJson {
  trace_id: string;
  run_id: string;
  url: string | null;
  comment: string | null;
  start_time: string | null;
  received_at: string;
  release: string | null;
  grouping: { rule: string; score: number | null; version: string | null; template: string | null } | null;
}

export interface FamilyDetailJson extends FamilyJson {
  description: string | null;
  /** The newest traces, at most TRACES_IN_DETAIL; GET /v1/families/:id/traces pages through all of them. */
  traces: TraceJson[];
  history: Array<{ at: string; action: string; actor: string; detail: Record<string, unknown> }>;
}

export const TRACES_IN_DETAIL = 100;

type FamilyRow = typeof families.$inferSelect;

/**
 * The cursor holds the last row's `last_seen` as PostgreSQL's own text, to the microsecond: a JavaScript
 * Date keeps milliseconds, and rows between the truncated and the real value would be skipped.
 */
export function encodeCursor(row: { cursorAt: string; id: string }): string {
  return Buffer.from(JSON.stringify([row.cursorAt, row.id])).toString('base64url');
}

const PG_TIMESTAMPTZ = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:\d{2})?|Z)$/;

export function decodeCursor(cursor: string): FamilyCursor | null {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at !== 'string' || !PG_TIMESTAMPTZ.test(at) || typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id)) return null;
    return { lastSeen: at, id };
  } catch {
    return null;
  }
}

export interface FamilyCursor {
  /** Exact timestamptz text, compared by the database. */
  lastSeen: string;
  id: string;
}

/** A response is assembled from several queries; they all read one snapshot, so it never mixes two moments. */
const SNAPSHOT = { isolationLevel: 'repeatable read', accessMode: 'read only' } as const;

export function listFamilies(
  db: Db,
  filters: FamilyFilters,
  page: { limit: number; after?: FamilyCursor },
): Promise<{ items: FamilyJson[]; nextCursor: string | null }> {
  return db.transaction((tx) => listInSnapshot(tx, filters, page), SNAPSHOT);
}

async function listInSnapshot(
  db: Db,
  filters: FamilyFilters,
  page: { limit: number; after?: FamilyCursor },
): Promise<{ items: FamilyJson[]; nextCursor: string | null }> {
  const where: SQL[] = [isNull(families.mergedInto)];
  if (filters.status) where.push(eq(families.status, filters.status));
  if (filters.workflow) where.push(eq(families.workflow, filters.workflow));
  if (filters.boundary) where.push(eq(families.boundary, filters.boundary));
  if (filters.severityLte !== undefined) where.push(lte(families.severity, filters.severityLte));
  if (page.after) {
    where.push(
      or(
        lt(families.lastSeen, sql`${page.after.lastSeen}::timestamptz`),
        and(eq(families.lastSeen, sql`${page.after.lastSeen}::timestamptz`), lt(families.id, page.after.id)),
      )!,
    );
  }
  const rows = await db
    .select({ family: families, cursorAt: sql<string>`${families.lastSeen}::text` })
    .from(families)
    .where(and(...where))
    .orderBy(desc(families.lastSeen), desc(families.id))
    .limit(page.limit + 1);
  const pageRows = rows.slice(0, page.limit);
  const items = await toJson(db, pageRows.map((r) => r.family));
  const lastRow = pageRows[pageRows.length - 1];
  const last = lastRow && { cursorAt: lastRow.cursorAt, id: lastRow.family.id };
  return { items, nextCursor: rows.length > page.limit && last ? encodeCursor(last) : null };
}

export function getFamily(db: Db, id: string): Promise<FamilyDetailJson | null> {
  return db.transaction((tx) => getInSnapshot(tx, id), SNAPSHOT);
}

async function getInSnapshot(db: Db, id: string): Promise<FamilyDetailJson | null> {
  const [row] = await db.select().from(families).where(eq(families.id, id));
  if (!row) return null;
  const [json] = await toJson(db, [row]);
  const { items } = await tracesPage(db, id, { limit: TRACES_IN_DETAIL });
  const history = await db.select().from(familyHistory).where(eq(familyHistory.familyId, id)).orderBy(familyHistory.id);
  return {
    ...json!,
    description: row.description,
    traces: items,
    history: history.map((h) => ({ at: h.at.toISOString(), action: h.action, actor: h.actor, detail: h.detail })),
  };
}

export interface TraceCursor {
  /** Exact timestamptz text of the trace's time (start time, else when it was recorded). */
  at: string;
  id: number;
}

export function encodeTraceCursor(cursor: TraceCursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString('base64url');
}

export function decodeTraceCursor(cursor: string): TraceCursor | null {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at !== 'string' || !PG_TIMESTAMPTZ.test(at) || typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) return null;
    return { at, id };
  } catch {
    return null;
  }
}

/** Every trace of a family, a page at a time, newest first; null when there is no such family. */
export function listFamilyTraces(db: Db, id: string, page: { limit: number; after?: TraceCursor }): Promise<{ items: TraceJson[]; nextCursor: string | null } | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select({ id: families.id }).from(families).where(eq(families.id, id));
    return row ? tracesPage(tx, id, page) : null;
  }, SNAPSHOT);
}

async function tracesPage(db: Db, familyId: string, page: { limit: number; after?: TraceCursor }): Promise<{ items: TraceJson[]; nextCursor: string | null }> {
  const at = sql`coalesce(${traces.startTime}, ${traces.createdAt})`;
  const where: SQL[] = [eq(traces.familyId, familyId)];
  if (page.after) where.push(sql`(${at}, ${traces.id}) < (${page.after.at}::timestamptz, ${page.after.id})`);
  const rows = await db
    .select({ trace: traces, at: sql<string>`${at}::text`, grouping: familyOccurrences })
    .from(traces)
    .leftJoin(familyOccurrences, eq(familyOccurrences.eventId, traces.eventId))
    .where(and(...where))
    .orderBy(desc(at), desc(traces.id))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit).map(({ trace: t, grouping: o }) => ({
    trace_id: t.traceId,
    run_id: t.runId,
    url: t.url,
    comment: t.comment,
    start_time: t.startTime?.toISOString() ?? null,
    received_at: t.createdAt.toISOString(),
    release: t.release,
    grouping: o?.matchedBy ? { rule: o.matchedBy, score: o.score, version: o.groupingVersion, template: o.template } : null,
  }));
  const last = rows[page.limit - 1];
  return { items, nextCursor: rows.length > page.limit && last ? encodeTraceCursor({ at: last.at, id: last.trace.id }) : null };
}

/** Families in the public JSON shape (docs/contract.md section 4): the one read model of a family, for the API and the pages. */
export async function toJson(db: Db, rows: FamilyRow[]): Promise<FamilyJson[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const keys = await db
    .select()
    .from(familyKeys)
    .where(and(inArray(familyKeys.familyId, ids), isUpstreamKey()));
  const ticketRows = await db.select().from(tickets).where(inArray(tickets.familyId, ids));
  const recurrence = await recurrenceOf(db, ids);
  const guards = await evaluatorStates(db, ids);
  return rows.map((f) => {
    const ticket = ticketRows.find((t) => t.familyId === f.id);
    return {
      id: f.id,
      title: f.title,
      workflow: f.workflow,
      boundary: f.boundary,
      boundary_detail: { confidence: f.boundaryConfidence === null ? null : Math.round(f.boundaryConfidence * 100) / 100, source: f.boundarySource, reasons: f.boundaryReasons },
      severity: f.severity,
      status: f.status,
      fingerprint: f.fingerprint,
      grouping_version: f.groupingVersion,
      owner: { team: f.ownerTeam, assignees: f.ownerAssignees, reason: f.ownerReason },
      first_seen: f.firstSeen.toISOString(),
      last_seen: f.lastSeen.toISOString(),
      trace_count: f.traceCount,
      event_count: f.eventCount,
      upstream: keys.filter((k) => k.familyId === f.id).map((k) => ({ source: k.source, id: k.key, url: k.url })),
      ticket: ticket ? { provider: ticket.provider, repo: ticket.repo, number: ticket.number, url: ticket.url, state: ticket.state } : null,
      fix: { status: f.fixStatus, pull_request: f.fixPullRequest, release: f.fixRelease },
      evaluators: guards.get(f.id)?.evaluators ?? [],
      guarded: guards.get(f.id)?.guarded ?? false,
      reopen_count: f.reopenCount,
      recurrence: recurrence.get(f.id) ?? { last_hour: 0, last_day: 0, last_week: 0 },
      merged_into: f.mergedInto,
    };
  });
}

/** Occurrences in the last hour, day and week, for many families in one indexed range query. */
export async function recurrenceOf(db: Db, ids: string[], now = new Date()): Promise<Map<string, FamilyJson['recurrence']>> {
  const since = (ms: number) => new Date(now.getTime() - ms).toISOString();
  const rows = await db
    .select({
      familyId: familyOccurrences.familyId,
      hour: sql<number>`(count(*) filter (where ${familyOccurrences.occurredAt} >= ${since(3_600_000)}::timestamptz))::int`,
      day: sql<number>`(count(*) filter (where ${familyOccurrences.occurredAt} >= ${since(86_400_000)}::timestamptz))::int`,
      week: sql<number>`count(*)::int`,
    })
    .from(familyOccurrences)
    .where(and(inArray(familyOccurrences.familyId, ids), gte(familyOccurrences.occurredAt, new Date(now.getTime() - 7 * 86_400_000))))
    .groupBy(familyOccurrences.familyId);
  return new Map(rows.map((r) => [r.familyId, { last_hour: r.hour, last_day: r.day, last_week: r.week }]));
}
