// The local ticket store, used when no GitHub credentials are set: issues live in recur's own database
// and are listed by the API (`GET /v1/local-issues`).
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { localIssueComments, localIssues } from '../../db/schema/index.js';
import type { IssueDraft, IssueRef, TicketSink } from './types.js';

export function createLocalSink(db: Db, publicUrl: string): TicketSink {
  const urlOf = (repo: string, number: number) => `${publicUrl.replace(/\/$/, '')}/v1/local-issues/${repo}/${number}`;
  return {
    provider: 'local',
    async create(draft: IssueDraft, familyId: string): Promise<IssueRef> {
      for (let attempt = 0; ; attempt += 1) {
        try {
          const [row] = await db
            .insert(localIssues)
            .values({
              repo: draft.repo,
              number: sql`(select coalesce(max(${localIssues.number}), 0) + 1 from ${localIssues} where ${localIssues.repo} = ${draft.repo})`,
              title: draft.title,
              body: draft.body,
              labels: draft.labels,
              assignees: draft.assignees,
              marker: familyId,
            })
            .returning({ number: localIssues.number });
          return { repo: draft.repo, number: row!.number, url: urlOf(draft.repo, row!.number) };
        } catch (err) {
          // Two creates in the same repo can pick the same next number; the unique index refuses one.
          if (attempt < 5 && /local_issues_repo_number_uq|duplicate key/.test(String((err as Error).message) + String((err as { cause?: Error }).cause?.message))) continue;
          throw err;
        }
      }
    },
    async update(ref: IssueRef, draft: IssueDraft) {
      await db
        .update(localIssues)
        .set({ title: draft.title, body: draft.body, labels: draft.labels, assignees: draft.assignees, updatedAt: sql`now()` })
        .where(and(eq(localIssues.repo, ref.repo), eq(localIssues.number, ref.number)));
    },
    async close(ref: IssueRef, how: { reason: 'completed' | 'not_planned' | 'duplicate'; comment: string }) {
      await db.transaction(async (tx) => {
        const [issue] = await tx
          .update(localIssues)
          .set({ state: 'closed', stateReason: how.reason, updatedAt: sql`now()` })
          .where(and(eq(localIssues.repo, ref.repo), eq(localIssues.number, ref.number)))
          .returning({ id: localIssues.id });
        if (issue) await tx.insert(localIssueComments).values({ issueId: issue.id, body: how.comment });
      });
    },
    async findByMarker(repo: string, familyId: string) {
      const [row] = await db
        .select({ number: localIssues.number })
        .from(localIssues)
        .where(and(eq(localIssues.repo, repo), eq(localIssues.marker, familyId)));
      return row ? { repo, number: row.number, url: urlOf(repo, row.number) } : null;
    },
  };
}
