// Evaluators guard a family against coming back; evaluations are their results per release; gate checks
// record every question a release pipeline asked and what it was told.
import { boolean, index, integer, jsonb, pgTable, real, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { families } from './families.js';

export const EVALUATOR_SUITES = ['benchmark', 'coverage', 'both'] as const;
export type EvaluatorSuite = (typeof EVALUATOR_SUITES)[number];

export const evaluators = pgTable(
  'evaluators',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    familyId: uuid('family_id')
      .notNull()
      .references(() => families.id),
    workflow: text('workflow').notNull(),
    suite: text('suite', { enum: EVALUATOR_SUITES }).notNull(),
    kind: text('kind').notNull(),
    spec: jsonb('spec').$type<Record<string, unknown>>().notNull(),
    examples: jsonb('examples').$type<Array<Record<string, unknown>>>().notNull().default([]),
    /** `template`, or `llm` when an LLM's draft validated against the spec schema. */
    draftedBy: text('drafted_by', { enum: ['template', 'llm'] }).notNull().default('template'),
    /** Bumped whenever the generated spec or examples change materially. */
    revision: integer('revision').notNull().default(1),
    specSha256: text('spec_sha256').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('evaluators_family_uq').on(t.familyId), index('evaluators_workflow_idx').on(t.workflow)],
);

export const evaluations = pgTable(
  'evaluations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    evaluatorId: uuid('evaluator_id')
      .notNull()
      .references(() => evaluators.id),
    familyId: uuid('family_id').notNull(),
    workflow: text('workflow').notNull(),
    release: text('release').notNull(),
    environment: text('environment').notNull().default(''),
    passed: boolean('passed').notNull(),
    score: real('score'),
    runUrl: text('run_url'),
    reportedBy: text('reported_by').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('evaluations_release_idx').on(t.workflow, t.release, t.environment, t.receivedAt), index('evaluations_evaluator_idx').on(t.evaluatorId, t.receivedAt)],
);

export const gateChecks = pgTable(
  'gate_checks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workflow: text('workflow').notNull(),
    release: text('release').notNull(),
    environment: text('environment').notNull().default(''),
    decision: text('decision', { enum: ['pass', 'block'] }).notNull(),
    answer: jsonb('answer').$type<Record<string, unknown>>().notNull(),
    askedBy: text('asked_by').notNull(),
    checkedAt: timestamp('checked_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('gate_checks_workflow_idx').on(t.workflow, t.checkedAt)],
);
