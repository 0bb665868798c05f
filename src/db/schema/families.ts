// Failure families: one row per recurring failure, with its counters, owner and lifecycle.
import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { BOUNDARIES, FAMILY_STATUSES, FIX_STATUSES } from '../../families/types.js';

export const families = pgTable(
  'families',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    title: text('title').notNull(),
    description: text('description'),
    workflow: text('workflow').notNull(),
    tenant: text('tenant'),
    kind: text('kind').notNull(),
    tool: text('tool'),
    errorType: text('error_type'),
    boundary: text('boundary', { enum: BOUNDARIES }).notNull().default('unknown'),
    severity: smallint('severity').notNull(),
    status: text('status', { enum: FAMILY_STATUSES }).notNull().default('watching'),
    fingerprint: text('fingerprint'),
    groupingVersion: text('grouping_version').notNull(),
    ownerTeam: text('owner_team'),
    ownerAssignees: jsonb('owner_assignees').$type<string[]>().notNull().default([]),
    firstSeen: timestamp('first_seen', { withTimezone: true }).notNull(),
    lastSeen: timestamp('last_seen', { withTimezone: true }).notNull(),
    traceCount: integer('trace_count').notNull().default(0),
    eventCount: integer('event_count').notNull().default(0),
    fixStatus: text('fix_status', { enum: FIX_STATUSES }).notNull().default('none'),
    fixPullRequest: text('fix_pull_request'),
    fixRelease: text('fix_release'),
    fixMergedAt: timestamp('fix_merged_at', { withTimezone: true }),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    reopenCount: integer('reopen_count').notNull().default(0),
    /** Set when the family was merged into another; its keys, traces and occurrences moved there. */
    mergedInto: uuid('merged_into'),
    /** Bumped by every change a ticket shows; the ticket sync remembers the last one it rendered. */
    ticketGeneration: integer('ticket_generation').notNull().default(0),
    ticketSyncedGeneration: integer('ticket_synced_generation').notNull().default(0),
    /** Ticket sync for one family runs in one place at a time; a holder that dies loses it when it lapses. */
    ticketSyncLeaseUntil: timestamp('ticket_sync_lease_until', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('families_status_idx').on(t.status, t.lastSeen),
    index('families_workflow_idx').on(t.workflow, t.lastSeen),
    index('families_fingerprint_idx').on(t.fingerprint),
    index('families_ticket_dirty_idx')
      .on(t.updatedAt)
      .where(sql`${t.ticketGeneration} > ${t.ticketSyncedGeneration}`),
  ],
);
