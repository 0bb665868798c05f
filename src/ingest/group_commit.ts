// Group commit for the inbox: requests that arrive while a write is in flight wait and are stored together
// by the next one, so one commit (one WAL flush) serves many deliveries. No timer is involved: an idle
// writer starts at once. A request is answered only after the statement holding its rows has committed.
import { isContentError, type Delivery, type StoreOutcome } from './inbox.js';
import type { TraceCarrier } from '../telemetry/tracing.js';

export type StoreBatch = (deliveries: readonly Delivery[]) => Promise<StoreOutcome[]>;

export interface GroupCommitOptions {
  /** Most deliveries in one statement; a request with more still goes whole, on its own. */
  maxBatch: number;
  /** Statements in flight at once. */
  maxInFlight: number;
  /** Sees each committed batch before its requests are answered (the relay to the queue). Must not throw. */
  onCommitted?: (requests: readonly CommittedRequest[]) => void;
}

/** One request of a committed batch: its deliveries, their outcomes in the same order, and its trace. */
export interface CommittedRequest {
  deliveries: readonly Delivery[];
  outcomes: StoreOutcome[];
  trace: TraceCarrier | undefined;
}

export interface GroupCommit {
  /**
   * Stores one request's deliveries, all in the same statement; resolves once that statement committed.
   * `trace` is the request's, handed to onCommitted with them.
   */
  store(deliveries: readonly Delivery[], trace?: TraceCarrier): Promise<StoreOutcome[]>;
  /** How long the oldest request not yet answered has waited for the database (ms); 0 when none waits. */
  oldestWaitMs(): number;
}

interface Waiter {
  deliveries: readonly Delivery[];
  trace: TraceCarrier | undefined;
  /** performance.now() when the request arrived. */
  since: number;
  resolve(outcomes: StoreOutcome[]): void;
  reject(err: unknown): void;
}

export function createGroupCommit(storeBatch: StoreBatch, opts: GroupCommitOptions): GroupCommit {
  const waiting: Waiter[] = [];
  let inFlight = 0;
  /** When the oldest request of each statement in flight arrived. */
  const inFlightSince: number[] = [];

  const pump = () => {
    while (inFlight < opts.maxInFlight && waiting.length > 0) {
      const batch = waiting.splice(0, requestsInNextBatch(waiting.map((w) => w.deliveries.length), opts.maxBatch));
      inFlight += 1;
      const since = batch[0]!.since;
      inFlightSince.push(since);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        inFlight -= 1;
        inFlightSince.splice(inFlightSince.indexOf(since), 1);
        pump();
      };
      void flush(batch, release).finally(release);
    }
  };

  /** Stores one batch and answers its requests; `release` frees its slot, once its statement is done. */
  const flush = async (batch: Waiter[], release: () => void): Promise<void> => {
    const deliveries = batch.flatMap((w) => w.deliveries);
    let outcomes: StoreOutcome[];
    try {
      outcomes = await storeBatch(deliveries);
    } catch (err) {
      // One request's content can fail the whole statement; storing each request alone refuses only that
      // one instead of every request that happened to share its batch.
      if (batch.length > 1 && isContentError(err)) {
        await Promise.all(batch.map((w) => flush([w], () => {})));
        return;
      }
      release();
      for (const w of batch) w.reject(err);
      return;
    }
    // The next statement is sent before these answers are written, so the database works on it meanwhile
    // instead of waiting for the api to finish answering.
    release();
    let at = 0;
    const committed = batch.map((w): CommittedRequest => {
      at += w.deliveries.length;
      return { deliveries: w.deliveries, outcomes: outcomes.slice(at - w.deliveries.length, at), trace: w.trace };
    });
    opts.onCommitted?.(committed);
    for (const [i, w] of batch.entries()) w.resolve(committed[i]!.outcomes);
  };

  return {
    store(deliveries, trace) {
      return new Promise<StoreOutcome[]>((resolve, reject) => {
        waiting.push({ deliveries, trace, since: performance.now(), resolve, reject });
        pump();
      });
    },
    oldestWaitMs() {
      let oldest = waiting[0]?.since ?? Infinity;
      for (const since of inFlightSince) if (since < oldest) oldest = since;
      return oldest === Infinity ? 0 : performance.now() - oldest;
    },
  };
}

/** How many of the waiting requests (given by their sizes, oldest first) the next statement takes: at least one. */
export function requestsInNextBatch(sizes: readonly number[], maxBatch: number): number {
  let taken = 0;
  let rows = 0;
  for (const size of sizes) {
    if (taken > 0 && rows + size > maxBatch) break;
    taken += 1;
    rows += size;
  }
  return taken;
}
