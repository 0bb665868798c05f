// Failure families: one row per recurring failure, with its counters, owner and lifecycle.
import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, real, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { BOUNDARY_SOURCES } from '../../families/family_boundary.js';
import { BOUNDARIES, FAMILY_STATUSES, FIX_STATUSES } from '../../families/types.js';

export const OWNER_SOURCES = ['rules', 'person'] as const;

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
    /** How well the votes support the boundary (0..1); null for families decided before it was kept. */
    boundaryConfidence: real('boundary_confidence'),
    /** Short phrases for the ticket and the API: "401 from zendesk_update_ticket in 6 of 8 signals". */
    boundaryReasons: jsonb('boundary_reasons').$type<string[]>().notNull().default([]),
    /** Who decided: the signals' votes (`rules`, `explicit`, `config`), a `person`, a `learned` correction or the `model`. */
    boundarySource: text('boundary_source', { enum: BOUNDARY_SOURCES }).notNull().default('rules'),
    /** Every signal's vote folded in (families/family_boundary.ts BoundaryState), so the decision needs no signal re-read. */
    boundaryVotes: jsonb('boundary_votes').$type<Record<string, unknown>>().notNull().default({}),
    /** When the model was last asked about this family (it is asked again only after a while). */
    boundaryModelAt: timestamp('boundary_model_at', { withTimezone: true }),
    severity: smallint('severity').notNull(),
    status: text('status', { enum: FAMILY_STATUSES }).notNull().default('watching'),
    fingerprint: text('fingerprint'),
    groupingVersion: text('grouping_version').notNull(),
    ownerTeam: text('owner_team'),
    ownerAssignees: jsonb('owner_assignees').$type<string[]>().notNull().default([]),
    /** Which rule gave the owner ("recur.yaml owners[2]: ...", "CODEOWNERS line 7: ..."), or who set it. */
    ownerReason: text('owner_reason'),
    /** `rules` follow recur.yaml and the CODEOWNERS file; `person` (set through the API or on GitHub) stays. */
    ownerSource: text('owner_source', { enum: OWNER_SOURCES }).notNull().default('rules'),
    /** The prompt file the failing run used (a signal's `prompt.path` attribute): CODEOWNERS path patterns match it. */
    promptPath: text('prompt_path'),
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
    /** The holder's token (fencing): only the holder renews or releases the lease, and a lost lease is noticed. */
    ticketSyncLeaseHolder: text('ticket_sync_lease_holder'),
    /**
     * Bumped by the database (trigger families_live_epoch, migration 0008) each time the status turns live
     * (open, fixing, regressed) or stops being live, whoever writes it: the ticket's state follows each turn once.
     */
    liveEpoch: integer('live_epoch').notNull().default(0),
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
