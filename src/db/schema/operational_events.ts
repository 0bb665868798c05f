// Operational events: failures of the upstream tooling itself (a LangSmith Engine run that failed), kept
// for operators, never turned into families.
import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { inboxEvents } from './inbox.js';

export const operationalEvents = pgTable(
  'operational_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    eventId: uuid('event_id')
      .notNull()
      .unique()
      .references(() => inboxEvents.id),
    source: text('source').notNull(),
    kind: text('kind').notNull(),
    workflow: text('workflow'),
    status: text('status'),
    message: text('message'),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('operational_events_recent_idx').on(t.occurredAt)],
);
