// Sends a labelled set of signals through recur's real ingest and grouping path (inbox rows, then
// processing one event at a time in arrival order, as a single worker would) and reads back which family
// each signal joined, for cluster_metrics to score.
import { eq } from 'drizzle-orm';
import type { FileConfig } from '../../src/config/file.js';
import type { Db } from '../../src/db/client.js';
import { familyOccurrences, inboxEvents } from '../../src/db/schema/index.js';
import { storeDeliveries } from '../../src/ingest/inbox.js';
import { processInboxEvents } from '../../src/ingest/process_event.js';
import { SIGNAL_EVENT_TYPE, signalInboxSource } from '../../src/ingest/signals/source.js';
import type { ClusteredItem } from './cluster_metrics.js';

export interface LabelledSignal {
  id: string;
  source: string;
  [key: string]: unknown;
}

export async function groupLabelled(
  db: Db,
  config: FileConfig,
  signals: readonly LabelledSignal[],
  labelOf: (signal: LabelledSignal) => string,
  opts: { batch?: number } = {},
): Promise<Array<ClusteredItem & { signal: LabelledSignal }>> {
  const stored = await storeDeliveries(
    db,
    signals.map((signal) => ({
      source: signalInboxSource(signal.source),
      deliveryId: signal.id,
      eventType: SIGNAL_EVENT_TYPE,
      body: new TextEncoder().encode(JSON.stringify(signal)),
      payload: signal,
      status: 'pending' as const,
    })),
  );
  if (stored.accepted.length !== signals.length) throw new Error(`stored ${stored.accepted.length} of ${signals.length} signals`);
  const size = opts.batch ?? 1;
  for (let i = 0; i < stored.accepted.length; i += size) {
    const ids = stored.accepted.slice(i, i + size);
    const done = await processInboxEvents({ db, config, maxAttempts: 1, batchLimit: ids.length }, ids);
    if (done.length !== ids.length) throw new Error(`processed ${done.length} of ${ids.length} events starting at ${i}`);
  }
  const rows = await db
    .select({ source: inboxEvents.source, deliveryId: inboxEvents.deliveryId, familyId: familyOccurrences.familyId })
    .from(familyOccurrences)
    .innerJoin(inboxEvents, eq(inboxEvents.id, familyOccurrences.eventId));
  const clusterOf = new Map(rows.map((r) => [`${r.source}\u0000${r.deliveryId}`, r.familyId]));
  return signals.map((signal) => ({
    label: labelOf(signal),
    cluster: clusterOf.get(`${signalInboxSource(signal.source)}\u0000${signal.id}`) ?? `missing:${signal.id}`,
    signal,
  }));
}
