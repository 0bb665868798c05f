// The optional regression pull request of a ticketed family: the branch recur writes the family's evaluator
// files to, the one pull request it opened from it, and which evaluator spec those files hold.
import { integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { families } from './families.js';

export const PULL_REQUEST_STATES = ['open', 'closed', 'merged'] as const;
export type PullRequestState = (typeof PULL_REQUEST_STATES)[number];

export const regressionPullRequests = pgTable('regression_pull_requests', {
  familyId: uuid('family_id')
    .primaryKey()
    .references(() => families.id),
  repo: text('repo').notNull(),
  branch: text('branch').notNull(),
  /** Set once the pull request exists; there is never a second one for the family. */
  number: integer('number'),
  url: text('url'),
  state: text('state', { enum: PULL_REQUEST_STATES }),
  /** The evaluator revision and spec digest the files on the branch were written from; 0 and null before. */
  revision: integer('revision').notNull().default(0),
  specDigest: text('spec_digest'),
  /** One writer per family at a time; a holder that dies loses it when it lapses. */
  leaseUntil: timestamp('lease_until', { withTimezone: true }),
  /** The holder's token (fencing): only the holder renews or releases the lease. */
  leaseHolder: text('lease_holder'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
