// Upstream keys (a LangSmith issue id, say) that pin a signal to the family the upstream already grouped.
import { pgTable, primaryKey, text, timestamp, uuid, index } from 'drizzle-orm/pg-core';
import { families } from './families.js';

export const familyKeys = pgTable(
  'family_keys',
  {
    source: text('source').notNull(),
    key: text('key').notNull(),
    familyId: uuid('family_id')
      .notNull()
      .references(() => families.id),
    url: text('url'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.source, t.key] }), index('family_keys_family_idx').on(t.familyId)],
);
