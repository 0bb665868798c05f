// One row per event assigned to a family: what recurrence counts (last hour, day, week) and the ticket
// policy's `open_when.within` window are computed from, by an index range, never a scan. Each row says why
// its event joined the family (a trace's `grouping` in docs/contract.md section 4).
import { sql } from 'drizzle-orm';
import { bigserial, index, jsonb, pgTable, real, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
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
    /** Why the event joined its family: the grouping rule that placed it, its score and the version. */
    matchedBy: text('matched_by'),
    score: real('score'),
    groupingVersion: text('grouping_version'),
    /** The masked text the event was grouped by: what a split keeps apart. */
    template: text('template'),
    /**
     * The features grouping read the event by (features.ts), kept so that two families can be compared report by
     * report (resolve.ts); null when a key placed it and it taught its family nothing (a repeat), for a bare log
     * line, which is not compared by words, and for events grouped before 0010 (source null too), whose features
     * are read back from the template.
     */
    features: jsonb('features').$type<string[]>(),
    /** Who sent the event (the signal's `source`), beside its features: one source's reports are compared apart. */
    source: text('source'),
  },
  (t) => [
    uniqueIndex('family_occurrences_event_uq').on(t.eventId),
    index('family_occurrences_family_time_idx').on(t.familyId, t.occurredAt),
    // A family's reports as grouping compares them (resolve.ts): those it read the words of, and those recorded
    // before it kept them.
    index('family_occurrences_reports_idx')
      .on(t.familyId, t.occurredAt)
      .where(sql`${t.features} is not null or ${t.source} is null`),
  ],
);
