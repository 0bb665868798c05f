// The outbox: an external write decided inside a processing transaction (a /recur command's reply) is
// written here in that transaction, then performed from the queue through the side-effect ledger; the
// sweeper re-drives a row that is still pending, so a crash or a failing GitHub never loses it.
import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const OUTBOX_STATUSES = ['pending', 'done', 'failed'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

export const outbox = pgTable(
  'outbox',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The ledger's operation key: the same decision written twice is one row, performed once. */
    operationKey: text('operation_key').notNull().unique(),
    kind: text('kind').notNull(),
    familyId: uuid('family_id'),
    /** What to perform, as the kind's performer reads it (e.g. the issue and the comment's body). */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status', { enum: OUTBOX_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** The sweeper re-drives a pending row from this time on (pushed back after each failure). */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('outbox_pending_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`)],
);
