// recur's answers to /recur commands, posted on the issue where they were asked, once each. The answer is
// decided in the transaction that applies the command and written there as an outbox row; it is posted from
// the queue through the side-effect ledger (see outbox.ts), so a GitHub failure or a crash after the commit
// delays it but never loses or repeats it.
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { outbox } from '../db/schema/index.js';

export const REPLY_KIND = 'github.issue.comment';

/** A reply the processing of a GitHub event decided on: its text, where to post it, and its ledger key. */
export interface GitHubReply {
  familyId: string;
  issue: { repo: string; number: number };
  /** Names the reply for the ledger: the same command is answered once. */
  key: string;
  body: string;
}

export const replyPayload = z.object({
  familyId: z.uuid(),
  repo: z.string().min(3),
  number: z.number().int().positive(),
  /** Names the reply: the same command is answered once. */
  key: z.string().min(1),
  body: z.string(),
});
export type ReplyPayload = z.output<typeof replyPayload>;

/** The ledger operation of a reply (without the `github.issue.comment:` kind), and its hidden marker's key. */
export const replyOperation = (reply: Pick<ReplyPayload, 'repo' | 'number' | 'key'>) => `${reply.repo}#${reply.number}:${reply.key}`;

/** Writes the replies as outbox rows in the caller's transaction; answers the ids of rows not written before. */
export async function writeReplies(tx: Db, replies: readonly GitHubReply[]): Promise<string[]> {
  const ids: string[] = [];
  for (const reply of replies) {
    const payload: ReplyPayload = { familyId: reply.familyId, repo: reply.issue.repo, number: reply.issue.number, key: reply.key, body: reply.body };
    const written = await tx
      .insert(outbox)
      .values({ operationKey: `${REPLY_KIND}:${replyOperation(payload)}`, kind: REPLY_KIND, familyId: reply.familyId, payload })
      .onConflictDoNothing({ target: outbox.operationKey })
      .returning({ id: outbox.id });
    ids.push(...written.map((r) => r.id));
  }
  return ids;
}
