// A write to an existing issue (reopen, close, comment) through the side-effect ledger. These writes are
// safe to repeat: state changes are idempotent and comments carry the operation's marker, so a sink never
// posts one twice. An unfinished operation is therefore simply performed again, never looked up first.
import type { Db } from '../db/client.js';
import { runSideEffect } from './ledger.js';
import { operationMarker, type IssueRef, type TicketSink } from './sinks/types.js';

export interface IssueOperation {
  action: 'reopen' | 'close' | 'comment';
  /** What makes this operation this one, after `<provider>.issue.<action>:`. */
  key: string;
  perform: (ref: IssueRef, marker: string) => Promise<void>;
  /** recur's own state after the write, committed with the ledger's receipt. */
  apply?: (tx: Db) => Promise<void>;
}

export async function runIssueOperation(db: Db, sink: TicketSink, target: { ref: IssueRef; familyId: string }, op: IssueOperation): Promise<void> {
  const kind = `${sink.provider}.issue.${op.action}`;
  const key = `${kind}:${op.key}`;
  await runSideEffect(db, {
    key,
    kind,
    familyId: target.familyId,
    input: { ref: target.ref, key },
    reconcile: async () => null,
    perform: async () => {
      await op.perform(target.ref, operationMarker(key));
      return target.ref;
    },
    apply: async (tx) => op.apply?.(tx),
  });
}
