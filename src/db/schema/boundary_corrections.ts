// Boundaries engineers set by hand, kept so that new families with the same evidence (the same tool and
// error class, evaluator, or workflow and kind) start with that boundary. Withdrawn corrections stay listed.
import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { BOUNDARIES } from '../../families/types.js';
import { families } from './families.js';

export const boundaryCorrections = pgTable(
  'boundary_corrections',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The corrected family's correction keys, most specific first (families/boundary.ts correctionKeys). */
    keys: text('keys').array().notNull(),
    boundary: text('boundary', { enum: BOUNDARIES }).notNull(),
    familyId: uuid('family_id')
      .notNull()
      .references(() => families.id),
    /** The corrected family's ticket, when it had one: "learned from #123". */
    ticketNumber: integer('ticket_number'),
    actor: text('actor').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    withdrawnAt: timestamp('withdrawn_at', { withTimezone: true }),
    withdrawnBy: text('withdrawn_by'),
  },
  (t) => [
    index('boundary_corrections_keys_idx').using('gin', t.keys).where(sql`${t.withdrawnAt} is null`),
    index('boundary_corrections_created_idx').on(t.createdAt, t.id),
  ],
);
