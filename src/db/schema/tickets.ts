// Tickets: the link from a family to its one issue, wherever that issue lives (GitHub or the local store).
import { integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { families } from './families.js';

export const TICKET_PROVIDERS = ['github', 'local'] as const;
export type TicketProvider = (typeof TICKET_PROVIDERS)[number];

export const tickets = pgTable(
  'tickets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    familyId: uuid('family_id')
      .notNull()
      .references(() => families.id),
    provider: text('provider', { enum: TICKET_PROVIDERS }).notNull(),
    repo: text('repo').notNull(),
    number: integer('number').notNull(),
    url: text('url').notNull(),
    state: text('state', { enum: ['open', 'closed'] }).notNull().default('open'),
    /** What was last written to the issue, so an unchanged render sends nothing. */
    title: text('title').notNull(),
    bodySha256: text('body_sha256').notNull(),
    labels: jsonb('labels').$type<string[]>().notNull().default([]),
    /**
     * The family's live_epoch the state (open or closed) was last brought to: by recur's reopen or
     * close, or by a person on GitHub. Behind the family's, the state change is still to be sent.
     */
    liveEpoch: integer('live_epoch').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('tickets_family_uq').on(t.familyId),
    uniqueIndex('tickets_provider_repo_number_uq').on(t.provider, t.repo, t.number),
  ],
);
