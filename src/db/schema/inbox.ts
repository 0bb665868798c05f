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
    /** When the last allowed attempt failed; cleared by a replay. */
    diedAt: timestamp('died_at', { withTimezone: true }),
    /** How many times an operator replayed the row: each replay queues a job of its own (see ingest/replay.ts). */
    replays: integer('replays').notNull().default(0),
    replayedAt: timestamp('replayed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('inbox_events_source_delivery_uq').on(t.source, t.deliveryId),
    index('inbox_events_pending_idx').on(t.receivedAt).where(sql`${t.status} = 'pending'`),
    index('inbox_events_dead_idx').on(t.receivedAt).where(sql`${t.status} = 'dead'`),
    // Payloads retention may still prune: pruned rows leave the index, so a run costs what is left to prune.
    index('inbox_events_retention_idx')
      .on(t.receivedAt)
      .where(sql`${t.payload} is not null and ${t.status} in ('processed', 'ignored')`),
  ],
);
