// State of the grouping engine (src/families/grouping/), shared by every worker and kept across restarts:
// the templates the miner learned, each family's feature profile for the similarity step with its
// inverted index and the workflow's feature frequencies, and the merge and split rules people made.
import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, primaryKey, real, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { families } from './families.js';

/** A learned template: tokens with `<*>` where occurrences differed, in a leaf of its scope (version + workflow). */
export const familyTemplates = pgTable(
  'family_templates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    scope: text('scope').notNull(),
    /** Token count and first token: only templates of the same leaf are compared. */
    leaf: text('leaf').notNull(),
    tokens: text('tokens').notNull(),
    familyId: uuid('family_id')
      .notNull()
      .references(() => families.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    seenAt: timestamp('seen_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('family_templates_leaf_idx').on(t.scope, t.leaf, t.seenAt), index('family_templates_family_idx').on(t.familyId)],
);

/** What a family's signals said, feature -> count, for the similarity step (bounded per family). */
export const familyProfiles = pgTable('family_profiles', {
  familyId: uuid('family_id')
    .primaryKey()
    .references(() => families.id),
  scope: text('scope').notNull(),
  features: jsonb('features').$type<Record<string, number>>().notNull().default({}),
  signals: integer('signals').notNull().default(0),
  /** Which sources sent the family's compared signals, source -> count (empty for profiles made before 0009). */
  sources: jsonb('sources').$type<Record<string, number>>().notNull().default({}),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** The inverted index of profiles: which families of a scope have shown a feature. */
export const familyFeatures = pgTable(
  'family_features',
  {
    scope: text('scope').notNull(),
    feature: text('feature').notNull(),
    familyId: uuid('family_id')
      .notNull()
      .references(() => families.id),
  },
  (t) => [primaryKey({ columns: [t.scope, t.feature, t.familyId] }), index('family_features_family_idx').on(t.familyId)],
);

/** How many families of a scope have shown each feature (the feature '' counts the scope's families). */
export const groupingFeatureStats = pgTable(
  'grouping_feature_stats',
  {
    scope: text('scope').notNull(),
    feature: text('feature').notNull(),
    families: integer('families').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.scope, t.feature] })],
);

export const GROUPING_RULE_KINDS = ['merge', 'split'] as const;
export type GroupingRuleKind = (typeof GROUPING_RULE_KINDS)[number];

/**
 * A grouping decision a person made, honoured by every worker until undone: a merge sends what would have
 * joined `fromFamilyId` to `familyId`; a split keeps the signatures in `signatures` in `familyId`, apart
 * from `fromFamilyId`.
 */
export const groupingRules = pgTable(
  'grouping_rules',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind', { enum: GROUPING_RULE_KINDS }).notNull(),
    familyId: uuid('family_id')
      .notNull()
      .references(() => families.id),
    fromFamilyId: uuid('from_family_id')
      .notNull()
      .references(() => families.id),
    /** Split: the masked templates and keys of the traces split out. */
    signatures: jsonb('signatures').$type<Array<{ template: string; keys: Array<{ source: string; key: string }> }>>().notNull().default([]),
    /** What moved (trace ids, event ids, keys, templates), so the rule can be undone exactly. */
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    actor: text('actor').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    undoneAt: timestamp('undone_at', { withTimezone: true }),
    undoneBy: text('undone_by'),
  },
  (t) => [
    index('grouping_rules_from_idx')
      .on(t.fromFamilyId)
      .where(sql`${t.undoneAt} is null`),
    index('grouping_rules_family_idx').on(t.familyId),
  ],
);

/**
 * The optional semantic step: a family's embedding (the mean of its signals' vectors, by one model), for
 * signals the deterministic steps leave apart. Compared only with a scope's recently seen families.
 */
export const familyEmbeddings = pgTable(
  'family_embeddings',
  {
    familyId: uuid('family_id')
      .primaryKey()
      .references(() => families.id),
    scope: text('scope').notNull(),
    model: text('model').notNull(),
    vector: real('vector').array().notNull(),
    signals: integer('signals').notNull().default(1),
    seenAt: timestamp('seen_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('family_embeddings_recent_idx').on(t.scope, t.model, t.seenAt)],
);
