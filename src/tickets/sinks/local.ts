// The local ticket store, used when no GitHub credentials are set: issues live in recur's own database
// and are listed by the API (`GET /v1/local-issues`). It keeps GitHub's semantics that matter to recur:
// numbers per repo, labels people add are kept, comments carry markers so a repeated operation posts once.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { and, eq, like, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { localIssueComments, localIssues } from '../../db/schema/index.js';
import { isRecurLabel } from './github.js';
import type { CloseReason, CommentReceipt, IssueDraft, IssueRef, TicketSink } from './types.js';

/**
 * `ownersDir`: where a relative owners file path is read from (the working directory by default). The file
 * is read on every call: it is a local file, and an edit shows up at the next ticket sync.
 */
export function createLocalSink(db: Db, publicUrl: string, opts: { ownersDir?: string } = {}): TicketSink {
  const urlOf = (repo: string, number: number) => `${publicUrl.replace(/\/$/, '')}/v1/local-issues/${repo}/${number}`;
  const where = (ref: IssueRef) => and(eq(localIssues.repo, ref.repo), eq(localIssues.number, ref.number));

  const findComment = async (tx: Db, issueId: number, marker: string): Promise<CommentReceipt | null> => {
    const [existing] = await tx
      .select({ id: localIssueComments.id })
      .from(localIssueComments)
      .where(and(eq(localIssueComments.issueId, issueId), like(localIssueComments.body, `%${marker}%`)));
    return existing ? { commentId: existing.id } : null;
  };

  const commentOnce = async (tx: Db, issueId: number, body: string, marker: string): Promise<CommentReceipt> => {
    const found = await findComment(tx, issueId, marker);
    if (found) return found;
    const [row] = await tx.insert(localIssueComments).values({ issueId, body: `${body}\n\n${marker}` }).returning({ id: localIssueComments.id });
    return { commentId: row!.id };
  };

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
    async update(ref: IssueRef, draft: IssueDraft, previousLabels: readonly string[]) {
      await db.transaction(async (tx) => {
        const [issue] = await tx.select().from(localIssues).where(where(ref)).for('update');
        if (!issue) return;
        const kept = issue.labels.filter((l) => !(isRecurLabel(l) && previousLabels.includes(l) && !draft.labels.includes(l)));
        await tx
          .update(localIssues)
          .set({
            title: draft.title,
            body: draft.body,
            labels: [...new Set([...kept, ...draft.labels])],
            assignees: [...new Set([...issue.assignees, ...draft.assignees])],
            updatedAt: sql`now()`,
          })
          .where(eq(localIssues.id, issue.id));
      });
    },
    async close(ref: IssueRef, how: { reason: CloseReason; comment: string; marker: string }) {
      await db.transaction(async (tx) => {
        const [issue] = await tx.update(localIssues).set({ state: 'closed', stateReason: how.reason, updatedAt: sql`now()` }).where(where(ref)).returning({ id: localIssues.id });
        if (issue) await commentOnce(tx, issue.id, how.comment, how.marker);
      });
    },
    async reopen(ref: IssueRef, how: { comment: string; marker: string; labels: string[] }) {
      await db.transaction(async (tx) => {
        const [issue] = await tx.select().from(localIssues).where(where(ref)).for('update');
        if (!issue) return;
        await tx
          .update(localIssues)
          .set({ state: 'open', stateReason: 'reopened', labels: [...new Set([...issue.labels, ...how.labels])], updatedAt: sql`now()` })
          .where(eq(localIssues.id, issue.id));
        await commentOnce(tx, issue.id, how.comment, how.marker);
      });
    },
    async comment(ref: IssueRef, how: { body: string; marker: string }) {
      const [issue] = await db.select({ id: localIssues.id }).from(localIssues).where(where(ref));
      if (!issue) throw new Error(`local issue ${ref.repo}#${ref.number} not found`);
      return commentOnce(db, issue.id, how.body, how.marker);
    },
    async findComment(ref: IssueRef, marker: string) {
      const [issue] = await db.select({ id: localIssues.id }).from(localIssues).where(where(ref));
      return issue ? findComment(db, issue.id, marker) : null;
    },
    async setLabels(ref: IssueRef, change: { add: readonly string[]; remove: readonly string[] }) {
      await db.transaction(async (tx) => {
        const [issue] = await tx.select().from(localIssues).where(where(ref)).for('update');
        if (!issue) return;
        const labels = [...new Set([...issue.labels.filter((l) => !change.remove.includes(l)), ...change.add])];
        await tx.update(localIssues).set({ labels, updatedAt: sql`now()` }).where(eq(localIssues.id, issue.id));
      });
    },
    async readOwnersFile(_repo: string, path: string) {
      try {
        return await readFile(resolve(opts.ownersDir ?? process.cwd(), path), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
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
