// Who replayed which inbox event, when, and what state it was in: the audit trail of dead-letter replays.
import { bigserial, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { inboxEvents } from './inbox.js';

export const inboxReplays = pgTable(
  'inbox_replays',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventId: uuid('event_id')
      .notNull()
      .references(() => inboxEvents.id),
    actor: text('actor').notNull(),
    /** `dead` or `stuck`. */
    previousState: text('previous_state').notNull(),
    previousAttempts: integer('previous_attempts').notNull(),
    previousError: text('previous_error'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('inbox_replays_event_idx').on(t.eventId, t.id)],
);
