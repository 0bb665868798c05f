// What happened to a family and who did it: creation, evidence, status changes, tickets, merges.
import { bigserial, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { families } from './families.js';

export const familyHistory = pgTable(
  'family_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    familyId: uuid('family_id')
      .notNull()
      .references(() => families.id),
    action: text('action').notNull(),
    actor: text('actor').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('family_history_family_idx').on(t.familyId, t.id)],
);
