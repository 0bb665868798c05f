// A write to an existing issue (reopen, close, comment) through the side-effect ledger. State changes are
// safe to repeat, and every comment carries the operation's marker: an unfinished comment is looked up by
// its marker (reconciled) before it is sent again, and the sinks never post a marked comment twice.
import type { Db } from '../db/client.js';
import { runSideEffect, type LedgerOutcome } from './ledger.js';
import type { Fence } from './lease.js';
import { operationMarker, type IssueRef, type TicketSink } from './sinks/types.js';

export interface IssueOperation {
  action: 'reopen' | 'close' | 'comment';
  /** What makes this operation this one, after `<provider>.issue.<action>:`. */
  key: string;
  /** Answers what to keep in the receipt besides the issue (a comment's id), if anything. */
  perform: (ref: IssueRef, marker: string) => Promise<Record<string, unknown> | void>;
  /** Proof the operation already happened (the comment carrying the marker); without it, it is performed again. */
  reconcile?: (ref: IssueRef, marker: string) => Promise<Record<string, unknown> | null>;
  /**
   * recur's own state after the write, committed with the ledger's receipt. `recorded`: the ledger had it
   * already (it was applied then), so only idempotent writes belong outside `how !== 'recorded'`.
   */
  apply?: (tx: Db, how: LedgerOutcome) => Promise<void>;
}

export async function runIssueOperation(
  db: Db,
  sink: TicketSink,
  target: { ref: IssueRef; familyId: string },
  op: IssueOperation,
  opts: { fence?: Fence } = {},
): Promise<LedgerOutcome> {
  const kind = `${sink.provider}.issue.${op.action}`;
  const key = `${kind}:${op.key}`;
  const marker = operationMarker(key);
  const { outcome } = await runSideEffect(db, {
    key,
    kind,
    familyId: target.familyId,
    input: { ref: target.ref, key },
    reconcile: async () => {
      const found = op.reconcile ? await op.reconcile(target.ref, marker) : null;
      return found ? { ...target.ref, ...found } : null;
    },
    perform: async () => ({ ...target.ref, ...((await op.perform(target.ref, marker)) ?? {}) }),
    fence: opts.fence,
    apply: async (tx, _receipt, how) => op.apply?.(tx, how),
  });
  return outcome;
}
