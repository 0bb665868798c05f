// The API's inbox writer: concurrent requests share one group commit on the database (group_commit.ts),
// and the rows committed as pending are handed to the relay, which queues their processing.
import type { Services } from '../services.js';
import { INBOX_JOB_MAX_EVENTS } from '../queue/jobs.js';
import { inboxCommitDeliveries } from '../telemetry/metrics.js';
import { createGroupCommit, type GroupCommit } from './group_commit.js';
import { storeBatchAsReceived } from './inbox.js';
import { createRelay, type RelayedEvent } from './relay.js';

/** Most deliveries one inbox statement stores, and one job then names. */
export const INBOX_MAX_BATCH = INBOX_JOB_MAX_EVENTS;

/**
 * The app's inbox writer: concurrent requests share one group commit on the database, and the committed
 * rows are relayed to the queue.
 */
export function createInboxWriter(services: Pick<Services, 'database' | 'queue' | 'log'>): GroupCommit {
  const { db } = services.database;
  const relay = createRelay(services);
  return createGroupCommit((deliveries) => storeBatchAsReceived(db, deliveries), {
    maxBatch: INBOX_MAX_BATCH,
    maxInFlight: 2,
    onCommitted: (requests) => {
      const events: RelayedEvent[] = [];
      let stored = 0;
      for (const { deliveries, outcomes, trace } of requests) {
        stored += deliveries.length;
        outcomes.forEach((o, i) => {
          if (o.outcome === 'accepted' && deliveries[i]!.status === 'pending') events.push({ eventId: o.eventId, trace });
        });
      }
      inboxCommitDeliveries.observe(stored);
      relay(events);
    },
  });
}
