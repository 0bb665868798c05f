// Posts recur's answers to /recur commands on the issue where they were asked, once each, through the
// side-effect ledger.
import type { Db } from '../db/client.js';
import { recordHistory } from '../families/history.js';
import type { GitHubReply } from '../ingest/github/apply.js';
import { runIssueOperation } from './issue_operation.js';
import type { TicketSink } from './sinks/types.js';

export async function postReply(db: Db, sink: TicketSink, reply: GitHubReply): Promise<void> {
  const { repo, number } = reply.issue;
  const ref = { repo, number, url: `https://github.com/${repo}/issues/${number}` };
  await runIssueOperation(db, sink, { ref, familyId: reply.familyId }, {
    action: 'comment',
    key: `${repo}#${number}:${reply.key}`,
    perform: (target, marker) => sink.comment(target, { body: reply.body, marker }),
    apply: (tx) => recordHistory(tx, reply.familyId, 'command', 'recur', { answered: reply.key }),
  });
}
