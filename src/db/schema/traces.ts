// Evidence: the traces that show a family happening, one row per (family, trace, run).
import { bigserial, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { families } from './families.js';
import { inboxEvents } from './inbox.js';

export const traces = pgTable(
  'traces',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    familyId: uuid('family_id')
      .notNull()
      .references(() => families.id),
    source: text('source').notNull(),
    traceId: text('trace_id').notNull(),
    runId: text('run_id').notNull().default(''),
    url: text('url'),
    comment: text('comment'),
    release: text('release'),
    environment: text('environment'),
    startTime: timestamp('start_time', { withTimezone: true }),
    eventId: uuid('event_id').references(() => inboxEvents.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('traces_family_trace_run_uq').on(t.familyId, t.traceId, t.runId),
    index('traces_family_recent_idx').on(t.familyId, t.createdAt),
  ],
);
