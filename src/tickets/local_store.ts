// Reads of the local ticket store for the API and CLI.
import { and, desc, eq, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { localIssueComments, localIssues } from '../db/schema/index.js';

export interface LocalIssueJson {
  repo: string;
  number: number;
  title: string;
  body: string;
  labels: string[];
  assignees: string[];
  state: 'open' | 'closed';
  state_reason: string | null;
  family_id: string | null;
  created_at: string;
  updated_at: string;
  comments: Array<{ body: string; created_at: string }>;
}

type Row = typeof localIssues.$inferSelect;

const toJson = (row: Row, comments: LocalIssueJson['comments'] = []): LocalIssueJson => ({
  repo: row.repo,
  number: row.number,
  title: row.title,
  body: row.body,
  labels: row.labels,
  assignees: row.assignees,
  state: row.state,
  state_reason: row.stateReason,
  family_id: row.marker,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
  comments,
});

export async function listLocalIssues(db: Db, filter: { repo?: string; state?: 'open' | 'closed'; limit: number }) {
  const where: SQL[] = [];
  if (filter.repo) where.push(eq(localIssues.repo, filter.repo));
  if (filter.state) where.push(eq(localIssues.state, filter.state));
  const rows = await db
    .select()
    .from(localIssues)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(localIssues.id))
    .limit(filter.limit);
  return rows.map((r) => toJson(r));
}

export async function getLocalIssue(db: Db, repo: string, number: number): Promise<LocalIssueJson | null> {
  const [row] = await db.select().from(localIssues).where(and(eq(localIssues.repo, repo), eq(localIssues.number, number)));
  if (!row) return null;
  const comments = await db.select().from(localIssueComments).where(eq(localIssueComments.issueId, row.id)).orderBy(localIssueComments.id);
  return toJson(row, comments.map((c) => ({ body: c.body, created_at: c.createdAt.toISOString() })));
}
