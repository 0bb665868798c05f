// One row per event assigned to a family: what recurrence counts (last hour, day, week) and the ticket
// policy's `open_when.within` window are computed from, by an index range, never a scan.
import { bigserial, index, jsonb, pgTable, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { families } from './families.js';
import { inboxEvents } from './inbox.js';

export const familyOccurrences = pgTable(
  'family_occurrences',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    familyId: uuid('family_id')
      .notNull()
      .references(() => families.id),
    eventId: uuid('event_id')
      .notNull()
      .references(() => inboxEvents.id),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    /** The grouping keys this event brought (upstream id, fingerprint): a split takes them along. */
    keys: jsonb('keys').$type<Array<{ source: string; key: string }>>().notNull().default([]),
  },
  (t) => [uniqueIndex('family_occurrences_event_uq').on(t.eventId), index('family_occurrences_family_time_idx').on(t.familyId, t.occurredAt)],
);
