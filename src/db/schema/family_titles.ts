// The distinct normalized titles a family's message-less signals arrived with, so a new paraphrase is
// compared with every wording the family already has (not only the first). Bounded per family.
import { pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { families } from './families.js';

export const familyTitles = pgTable(
  'family_titles',
  {
    familyId: uuid('family_id')
      .notNull()
      .references(() => families.id),
    tokens: text('tokens').notNull(),
  },
  (t) => [primaryKey({ columns: [t.familyId, t.tokens] })],
);
