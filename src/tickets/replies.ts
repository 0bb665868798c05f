// Posts recur's answers to /recur commands on the issue where they were asked, once each, through the
// side-effect ledger.
import type { Db } from '../db/client.js';
import type { GitHubReply } from '../ingest/github/apply.js';
import { recordHistory } from '../families/history.js';
import { runSideEffect } from './ledger.js';
import { operationMarker, type TicketSink } from './sinks/types.js';

export async function postReply(db: Db, sink: TicketSink, reply: GitHubReply): Promise<void> {
  const key = `${sink.provider}.issue.comment:${reply.issue.repo}#${reply.issue.number}:${reply.key}`;
  const ref = { repo: reply.issue.repo, number: reply.issue.number, url: `https://github.com/${reply.issue.repo}/issues/${reply.issue.number}` };
  await runSideEffect(db, {
    key,
    kind: `${sink.provider}.issue.comment`,
    familyId: reply.familyId,
    input: { ref, body: reply.body },
    reconcile: async () => null,
    perform: async () => {
      await sink.comment(ref, { body: reply.body, marker: operationMarker(key) });
      return ref;
    },
    apply: async (tx) => recordHistory(tx, reply.familyId, 'command', 'recur', { answered: reply.key }),
  });
}
