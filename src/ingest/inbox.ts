// The durable inbox: a delivery is committed here, unique on (source, delivery id), before it is answered.
// A retry of the same delivery is recognised from the unique index; a reused id with another body is a
// conflict and leaves the stored event untouched.
import { createHash } from 'node:crypto';
import { and, eq, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { inboxEvents, type InboxStatus } from '../db/schema/index.js';

export interface Delivery {
  source: string;
  deliveryId: string;
  eventType: string;
  requestId?: string;
  body: Uint8Array;
  payload: unknown;
  status: Extract<InboxStatus, 'pending' | 'ignored'>;
}

export type StoreOutcome =
  | { outcome: 'accepted'; eventId: string }
  | { outcome: 'duplicate'; eventId: string }
  | { outcome: 'conflict'; eventId: string };

export function sha256Hex(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

/** Stores one delivery; see storeBatch. */
export async function storeDelivery(db: Db, delivery: Delivery): Promise<StoreOutcome> {
  return (await storeBatch(db, [delivery]))[0]!;
}

export interface BatchOutcome {
  accepted: string[];
  duplicates: number;
  conflicts: number;
}

/** Stores the deliveries of one request all or nothing (see storeBatch) and counts the answers. */
export async function storeDeliveries(db: Db, deliveries: readonly Delivery[]): Promise<BatchOutcome> {
  const outcomes = await storeBatch(db, deliveries);
  return {
    accepted: outcomes.flatMap((o) => (o.outcome === 'accepted' ? [o.eventId] : [])),
    duplicates: outcomes.filter((o) => o.outcome === 'duplicate').length,
    conflicts: outcomes.filter((o) => o.outcome === 'conflict').length,
  };
}

/**
 * Stores many deliveries in one statement, all of them or (if the database fails) none, and answers each
 * one: accepted, or a duplicate / conflict of the row already stored under its key. Two deliveries with
 * one key in the same batch are answered as if they came one after the other: the first is stored, the
 * second is its duplicate or conflict.
 */
export async function storeBatch(db: Db, deliveries: readonly Delivery[]): Promise<StoreOutcome[]> {
  if (deliveries.length === 0) return [];
  const hashes = deliveries.map((d) => sha256Hex(d.body));
  const firstOfKey = new Map<string, number>();
  deliveries.forEach((d, i) => {
    if (!firstOfKey.has(inboxKey(d.source, d.deliveryId))) firstOfKey.set(inboxKey(d.source, d.deliveryId), i);
  });
  const firsts = [...firstOfKey.values()];
  const inserted = await db
    .insert(inboxEvents)
    .values(
      firsts.map((i) => {
        const d = deliveries[i]!;
        return {
          source: d.source,
          deliveryId: d.deliveryId,
          eventType: d.eventType,
          requestId: d.requestId,
          bodySha256: hashes[i]!,
          payload: d.payload,
          status: d.status,
          processedAt: d.status === 'ignored' ? sql`now()` : null,
        };
      }),
    )
    .onConflictDoNothing({ target: [inboxEvents.source, inboxEvents.deliveryId] })
    .returning({ id: inboxEvents.id, source: inboxEvents.source, deliveryId: inboxEvents.deliveryId });

  const stored = new Map<string, StoredRow>();
  for (const r of inserted) {
    const key = inboxKey(r.source, r.deliveryId);
    stored.set(key, { id: r.id, bodySha256: hashes[firstOfKey.get(key)!]!, insertedBy: firstOfKey.get(key)! });
  }
  const missing = firsts.filter((i) => !stored.has(inboxKey(deliveries[i]!.source, deliveries[i]!.deliveryId)));
  if (missing.length > 0) {
    // The conflicting rows are committed: ON CONFLICT waited for any transaction still inserting them.
    const existing = await db
      .select({ id: inboxEvents.id, source: inboxEvents.source, deliveryId: inboxEvents.deliveryId, bodySha256: inboxEvents.bodySha256 })
      .from(inboxEvents)
      .where(or(...missing.map((i) => and(eq(inboxEvents.source, deliveries[i]!.source), eq(inboxEvents.deliveryId, deliveries[i]!.deliveryId))!)));
    for (const r of existing) stored.set(inboxKey(r.source, r.deliveryId), { id: r.id, bodySha256: r.bodySha256, insertedBy: null });
  }
  return deliveries.map((d, i) => {
    const row = stored.get(inboxKey(d.source, d.deliveryId));
    if (!row) throw new Error('inbox row vanished between conflict and lookup');
    return answerFor(i, hashes[i]!, row);
  });
}

interface StoredRow {
  id: string;
  bodySha256: string;
  /** Index of the delivery of this batch that inserted the row; null when it was stored before. */
  insertedBy: number | null;
}

const inboxKey = (source: string, deliveryId: string) => `${source}\u0000${deliveryId}`;

export function answerFor(index: number, bodySha256: string, row: StoredRow): StoreOutcome {
  if (row.insertedBy === index) return { outcome: 'accepted', eventId: row.id };
  return { outcome: row.bodySha256 === bodySha256 ? 'duplicate' : 'conflict', eventId: row.id };
}
