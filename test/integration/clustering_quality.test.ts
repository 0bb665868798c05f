// Grouping quality, measured: the labelled dataset (test/fixtures/signals/labelled.json, 400+ signals in
// 50+ true families with near-misses that must stay apart) goes through the real ingest and assignment
// path, and pairwise precision and recall over the resulting families must both be at least 0.95.
import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { familyOccurrences, inboxEvents } from '../../src/db/schema/index.js';
import { processInboxEvent } from '../../src/ingest/process_event.js';
import { storeDeliveries } from '../../src/ingest/inbox.js';
import { SIGNAL_EVENT_TYPE, signalInboxSource } from '../../src/ingest/signals/source.js';
import { pairwiseScores, worstMistakes } from '../helpers/cluster_metrics.js';
import { startHarness, type Harness } from '../helpers/recur.js';

interface Labelled {
  signals: Array<{ label: string; signal: { id: string; source: string } & Record<string, unknown> }>;
}

const dataset = JSON.parse(readFileSync(new URL('../fixtures/signals/labelled.json', import.meta.url), 'utf8')) as Labelled;

describe('clustering quality on the labelled dataset', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend: 'pglite', worker: false });
  });
  afterAll(() => h.close());

  it('reaches pairwise precision and recall of at least 0.95', async () => {
    const db = h.services.database.db;
    const stored = await storeDeliveries(
      db,
      dataset.signals.map(({ signal }) => ({
        source: signalInboxSource(signal.source),
        deliveryId: signal.id,
        eventType: SIGNAL_EVENT_TYPE,
        body: new TextEncoder().encode(JSON.stringify(signal)),
        payload: signal,
        status: 'pending' as const,
      })),
    );
    expect(stored.accepted).toHaveLength(dataset.signals.length);
    for (const eventId of stored.accepted) {
      const outcome = await processInboxEvent({ db, config: h.services.config.file, maxAttempts: 1 }, eventId);
      expect(outcome.result).toBe('assigned');
    }

    const rows = await db
      .select({ source: inboxEvents.source, deliveryId: inboxEvents.deliveryId, familyId: familyOccurrences.familyId })
      .from(familyOccurrences)
      .innerJoin(inboxEvents, eq(inboxEvents.id, familyOccurrences.eventId));
    const clusterOf = new Map(rows.map((r) => [`${r.source}\u0000${r.deliveryId}`, r.familyId]));
    const items = dataset.signals.map(({ label, signal }) => ({
      label,
      cluster: clusterOf.get(`${signalInboxSource(signal.source)}\u0000${signal.id}`) ?? `missing:${signal.id}`,
    }));
    const scores = pairwiseScores(items);
    const families = new Set(items.map((i) => i.cluster)).size;
    const labels = new Set(items.map((i) => i.label)).size;
    console.log(
      `[clustering] ${items.length} signals, ${labels} true families -> ${families} families; ` +
        `pairwise precision ${scores.precision.toFixed(4)}, recall ${scores.recall.toFixed(4)}, F1 ${scores.f1.toFixed(4)}`,
    );
    if (scores.precision < 0.95 || scores.recall < 0.95) console.log(JSON.stringify(worstMistakes(items, 5), null, 2));
    expect(scores.precision).toBeGreaterThanOrEqual(0.95);
    expect(scores.recall).toBeGreaterThanOrEqual(0.95);
  }, 120_000);
});
