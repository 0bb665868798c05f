// The side-effect ledger: an external write is reserved under its business operation key before it is
// sent and completed with its receipt after, so a retry or a crash can tell whether it already happened.
import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

export const SIDE_EFFECT_STATUSES = ['reserved', 'succeeded', 'failed'] as const;
export type SideEffectStatus = (typeof SIDE_EFFECT_STATUSES)[number];

export const sideEffects = pgTable(
  'side_effects',
  {
    operationKey: text('operation_key').primaryKey(),
    kind: text('kind').notNull(),
    familyId: uuid('family_id'),
    inputHash: text('input_hash').notNull(),
    status: text('status', { enum: SIDE_EFFECT_STATUSES }).notNull().default('reserved'),
    receipt: jsonb('receipt').$type<Record<string, unknown>>(),
    error: text('error'),
    attempts: integer('attempts').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('side_effects_unfinished_idx').on(t.updatedAt).where(sql`${t.status} = 'reserved'`)],
);
