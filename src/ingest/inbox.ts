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

export async function storeDelivery(db: Db, delivery: Delivery): Promise<StoreOutcome> {
  const bodySha256 = sha256Hex(delivery.body);
  const inserted = await db
    .insert(inboxEvents)
    .values({
      source: delivery.source,
      deliveryId: delivery.deliveryId,
      eventType: delivery.eventType,
      requestId: delivery.requestId,
      bodySha256,
      payload: delivery.payload,
      status: delivery.status,
      processedAt: delivery.status === 'ignored' ? sql`now()` : null,
    })
    .onConflictDoNothing({ target: [inboxEvents.source, inboxEvents.deliveryId] })
    .returning({ id: inboxEvents.id });
  if (inserted[0]) return { outcome: 'accepted', eventId: inserted[0].id };

  const [existing] = await db
    .select({ id: inboxEvents.id, bodySha256: inboxEvents.bodySha256 })
    .from(inboxEvents)
    .where(and(eq(inboxEvents.source, delivery.source), eq(inboxEvents.deliveryId, delivery.deliveryId)));
  if (!existing) throw new Error('inbox row vanished between conflict and lookup');
  return existing.bodySha256 === bodySha256
    ? { outcome: 'duplicate', eventId: existing.id }
    : { outcome: 'conflict', eventId: existing.id };
}

export interface BatchOutcome {
  accepted: string[];
  duplicates: number;
  conflicts: number;
}

/**
 * Stores many deliveries of one request in a single statement: all of them or, if the database fails,
 * none. Deliveries already stored are reported as duplicates (same body) or conflicts (another body)
 * and left untouched.
 */
export async function storeDeliveries(db: Db, deliveries: readonly Delivery[]): Promise<BatchOutcome> {
  const rows = deliveries.map((d) => ({
    source: d.source,
    deliveryId: d.deliveryId,
    eventType: d.eventType,
    requestId: d.requestId,
    bodySha256: sha256Hex(d.body),
    payload: d.payload,
    status: d.status,
  }));
  const inserted = await db
    .insert(inboxEvents)
    .values(rows)
    .onConflictDoNothing({ target: [inboxEvents.source, inboxEvents.deliveryId] })
    .returning({ id: inboxEvents.id, source: inboxEvents.source, deliveryId: inboxEvents.deliveryId });
  if (inserted.length === rows.length) return { accepted: inserted.map((r) => r.id), duplicates: 0, conflicts: 0 };

  const fresh = new Set(inserted.map((r) => `${r.source}\u0000${r.deliveryId}`));
  const existing = rows.filter((r) => !fresh.has(`${r.source}\u0000${r.deliveryId}`));
  const stored = await db
    .select({ source: inboxEvents.source, deliveryId: inboxEvents.deliveryId, bodySha256: inboxEvents.bodySha256 })
    .from(inboxEvents)
    .where(
      or(...existing.map((r) => and(eq(inboxEvents.source, r.source), eq(inboxEvents.deliveryId, r.deliveryId))!)),
    );
  const hashOf = new Map(stored.map((s) => [`${s.source}\u0000${s.deliveryId}`, s.bodySha256]));
  const conflicts = existing.filter((r) => hashOf.get(`${r.source}\u0000${r.deliveryId}`) !== r.bodySha256).length;
  return { accepted: inserted.map((r) => r.id), duplicates: existing.length - conflicts, conflicts };
}
