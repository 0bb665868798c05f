// Corrections: when a person sets a family's boundary, it is recorded under the family's correction keys, and
// a new family whose keys match an active correction starts with that boundary ("learned from #123").
// Withdrawing a correction stops it from teaching new families; families it already taught keep their boundary.
import { and, desc, eq, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { jsonParam, type Db } from '../db/client.js';
import { boundaryCorrections, families, tickets } from '../db/schema/index.js';
import { correctionKeys, correctionKeysOfTally } from './boundary.js';
import { readBoundaryState, type LearnedBoundary } from './family_boundary.js';
import type { Boundary, SignalKind } from './types.js';

type FamilyRow = typeof families.$inferSelect;

/**
 * The keys a family is corrected under: from its folded votes, else (a family from before votes were kept)
 * from what its first signal left on the row.
 */
export function familyCorrectionKeys(family: Pick<FamilyRow, 'boundaryVotes' | 'workflow' | 'kind' | 'tool' | 'errorType' | 'title'>): string[] {
  const keys = correctionKeysOfTally(readBoundaryState(family.boundaryVotes).tally);
  if (keys.length > 0) return keys;
  return correctionKeys({
    title: family.title,
    workflow: family.workflow,
    kind: family.kind as SignalKind,
    tool: family.tool ?? undefined,
    errorType: family.errorType ?? undefined,
  });
}

/** Records a person's boundary for a family, in the caller's transaction. `unknown` teaches nothing. */
export async function recordCorrection(tx: Db, input: { family: FamilyRow; boundary: Boundary; actor: string }): Promise<string | null> {
  if (input.boundary === 'unknown') return null;
  const keys = familyCorrectionKeys(input.family);
  if (keys.length === 0) return null;
  const [ticket] = await tx.select({ number: tickets.number }).from(tickets).where(eq(tickets.familyId, input.family.id));
  const [row] = await tx
    .insert(boundaryCorrections)
    .values({ keys, boundary: input.boundary, familyId: input.family.id, ticketNumber: ticket?.number ?? null, actor: input.actor })
    .returning({ id: boundaryCorrections.id });
  return row!.id;
}

/**
 * The active correction for a new family with these keys: its keys are tried in order (most specific first)
 * and, for a key, the newest correction carrying it wins.
 */
export async function findCorrection(db: Db, keys: readonly string[]): Promise<LearnedBoundary | null> {
  if (keys.length === 0) return null;
  const rows = await db
    .select()
    .from(boundaryCorrections)
    .where(
      and(
        isNull(boundaryCorrections.withdrawnAt),
        sql`${boundaryCorrections.keys} && (select coalesce(array_agg(k), '{}') from jsonb_array_elements_text(${jsonParam(keys)}) as k)`,
      ),
    )
    .orderBy(desc(boundaryCorrections.createdAt), desc(boundaryCorrections.id))
    .limit(50);
  for (const key of keys) {
    const found = rows.find((r) => r.keys.includes(key));
    if (found) return { boundary: found.boundary, correctionId: found.id, ticketNumber: found.ticketNumber, familyId: found.familyId, key };
  }
  return null;
}

export interface CorrectionJson {
  id: string;
  boundary: Boundary;
  keys: string[];
  family_id: string;
  ticket_number: number | null;
  actor: string;
  created_at: string;
  withdrawn_at: string | null;
  withdrawn_by: string | null;
}

type CorrectionRow = typeof boundaryCorrections.$inferSelect;

function toJson(r: CorrectionRow): CorrectionJson {
  return {
    id: r.id,
    boundary: r.boundary,
    keys: r.keys,
    family_id: r.familyId,
    ticket_number: r.ticketNumber,
    actor: r.actor,
    created_at: r.createdAt.toISOString(),
    withdrawn_at: r.withdrawnAt?.toISOString() ?? null,
    withdrawn_by: r.withdrawnBy,
  };
}

export interface CorrectionCursor {
  createdAt: string;
  id: string;
}

export function encodeCorrectionCursor(c: CorrectionCursor): string {
  return Buffer.from(JSON.stringify([c.createdAt, c.id])).toString('base64url');
}

export function decodeCorrectionCursor(cursor: string): CorrectionCursor | null {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at !== 'string' || !/^\d{4}-\d{2}-\d{2}[ T][\d:.]+([+-]\d{2}(:\d{2})?|Z)$/.test(at) || typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id)) return null;
    return { createdAt: at, id };
  } catch {
    return null;
  }
}

/** Newest first; withdrawn ones only when asked for. */
export async function listCorrections(
  db: Db,
  filters: { withdrawn?: boolean; familyId?: string },
  page: { limit: number; after?: CorrectionCursor },
): Promise<{ items: CorrectionJson[]; nextCursor: string | null }> {
  const where: SQL[] = [];
  if (filters.withdrawn === false) where.push(isNull(boundaryCorrections.withdrawnAt));
  if (filters.withdrawn === true) where.push(sql`${boundaryCorrections.withdrawnAt} is not null`);
  if (filters.familyId) where.push(eq(boundaryCorrections.familyId, filters.familyId));
  if (page.after) {
    const at = sql`${page.after.createdAt}::timestamptz`;
    where.push(or(lt(boundaryCorrections.createdAt, at), and(eq(boundaryCorrections.createdAt, at), lt(boundaryCorrections.id, page.after.id)))!);
  }
  const rows = await db
    .select({ row: boundaryCorrections, at: sql<string>`${boundaryCorrections.createdAt}::text` })
    .from(boundaryCorrections)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(boundaryCorrections.createdAt), desc(boundaryCorrections.id))
    .limit(page.limit + 1);
  const shown = rows.slice(0, page.limit);
  const last = shown.at(-1);
  return { items: shown.map((r) => toJson(r.row)), nextCursor: rows.length > page.limit && last ? encodeCorrectionCursor({ createdAt: last.at, id: last.row.id }) : null };
}

export type WithdrawOutcome = { result: 'withdrawn' | 'already_withdrawn'; correction: CorrectionJson } | { result: 'not_found' };

/** Stops a correction from teaching new families; the families it already taught keep their boundary. */
export async function withdrawCorrection(db: Db, input: { id: string; actor: string }): Promise<WithdrawOutcome> {
  const [updated] = await db
    .update(boundaryCorrections)
    .set({ withdrawnAt: sql`now()`, withdrawnBy: input.actor })
    .where(and(eq(boundaryCorrections.id, input.id), isNull(boundaryCorrections.withdrawnAt)))
    .returning();
  if (updated) return { result: 'withdrawn', correction: toJson(updated) };
  const [existing] = await db.select().from(boundaryCorrections).where(eq(boundaryCorrections.id, input.id));
  return existing ? { result: 'already_withdrawn', correction: toJson(existing) } : { result: 'not_found' };
}
