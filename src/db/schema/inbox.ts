// The inbox: every accepted delivery, stored once before it is acknowledged, with its processing state.
import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const INBOX_STATUSES = ['pending', 'processed', 'ignored', 'dead'] as const;
export type InboxStatus = (typeof INBOX_STATUSES)[number];

export const inboxEvents = pgTable(
  'inbox_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    source: text('source').notNull(),
    deliveryId: text('delivery_id').notNull(),
    eventType: text('event_type').notNull(),
    requestId: text('request_id'),
    bodySha256: text('body_sha256').notNull(),
    payload: jsonb('payload'),
    status: text('status', { enum: INBOX_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp('processed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('inbox_events_source_delivery_uq').on(t.source, t.deliveryId),
    index('inbox_events_pending_idx').on(t.receivedAt).where(sql`${t.status} = 'pending'`),
    index('inbox_events_dead_idx').on(t.receivedAt).where(sql`${t.status} = 'dead'`),
  ],
);
