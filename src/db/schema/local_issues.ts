// The local ticket store: where tickets go when no GitHub credentials are configured. It behaves like a
// tiny issue tracker (numbers per repo, open/closed, comments) so the same ledger path serves both sinks.
import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const localIssues = pgTable(
  'local_issues',
  {
    id: serial('id').primaryKey(),
    repo: text('repo').notNull(),
    number: integer('number').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    labels: jsonb('labels').$type<string[]>().notNull().default([]),
    assignees: jsonb('assignees').$type<string[]>().notNull().default([]),
    state: text('state', { enum: ['open', 'closed'] }).notNull().default('open'),
    stateReason: text('state_reason'),
    /** The family id from the body's hidden marker, indexed so reconciliation is a lookup. */
    marker: text('marker'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('local_issues_repo_number_uq').on(t.repo, t.number), index('local_issues_marker_idx').on(t.marker)],
);

export const localIssueComments = pgTable('local_issue_comments', {
  id: serial('id').primaryKey(),
  issueId: integer('issue_id')
    .notNull()
    .references(() => localIssues.id),
  body: text('body').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`now()`),
});
