CREATE TABLE "family_embeddings" (
	"family_id" uuid PRIMARY KEY NOT NULL,
	"scope" text NOT NULL,
	"model" text NOT NULL,
	"vector" real[] NOT NULL,
	"signals" integer DEFAULT 1 NOT NULL,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "family_features" (
	"scope" text NOT NULL,
	"feature" text NOT NULL,
	"family_id" uuid NOT NULL,
	CONSTRAINT "family_features_scope_feature_family_id_pk" PRIMARY KEY("scope","feature","family_id")
);
--> statement-breakpoint
CREATE TABLE "family_profiles" (
	"family_id" uuid PRIMARY KEY NOT NULL,
	"scope" text NOT NULL,
	"features" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"signals" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "family_templates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"scope" text NOT NULL,
	"leaf" text NOT NULL,
	"tokens" text NOT NULL,
	"family_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "grouping_feature_stats" (
	"scope" text NOT NULL,
	"feature" text NOT NULL,
	"families" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "grouping_feature_stats_scope_feature_pk" PRIMARY KEY("scope","feature")
);
--> statement-breakpoint
CREATE TABLE "grouping_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"family_id" uuid NOT NULL,
	"from_family_id" uuid NOT NULL,
	"signatures" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"actor" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"undone_at" timestamp with time zone,
	"undone_by" text
);
--> statement-breakpoint
ALTER TABLE "family_occurrences" ADD COLUMN "matched_by" text;--> statement-breakpoint
ALTER TABLE "family_occurrences" ADD COLUMN "score" real;--> statement-breakpoint
ALTER TABLE "family_occurrences" ADD COLUMN "grouping_version" text;--> statement-breakpoint
ALTER TABLE "family_occurrences" ADD COLUMN "template" text;--> statement-breakpoint
ALTER TABLE "family_embeddings" ADD CONSTRAINT "family_embeddings_family_id_families_id_fk" FOREIGN KEY ("family_id") REFERENCES "public"."families"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "family_features" ADD CONSTRAINT "family_features_family_id_families_id_fk" FOREIGN KEY ("family_id") REFERENCES "public"."families"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "family_profiles" ADD CONSTRAINT "family_profiles_family_id_families_id_fk" FOREIGN KEY ("family_id") REFERENCES "public"."families"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "family_templates" ADD CONSTRAINT "family_templates_family_id_families_id_fk" FOREIGN KEY ("family_id") REFERENCES "public"."families"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grouping_rules" ADD CONSTRAINT "grouping_rules_family_id_families_id_fk" FOREIGN KEY ("family_id") REFERENCES "public"."families"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grouping_rules" ADD CONSTRAINT "grouping_rules_from_family_id_families_id_fk" FOREIGN KEY ("from_family_id") REFERENCES "public"."families"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "family_embeddings_recent_idx" ON "family_embeddings" USING btree ("scope","model","seen_at");--> statement-breakpoint
CREATE INDEX "family_features_family_idx" ON "family_features" USING btree ("family_id");--> statement-breakpoint
CREATE INDEX "family_templates_leaf_idx" ON "family_templates" USING btree ("scope","leaf","seen_at");--> statement-breakpoint
CREATE INDEX "family_templates_family_idx" ON "family_templates" USING btree ("family_id");--> statement-breakpoint
CREATE INDEX "grouping_rules_from_idx" ON "grouping_rules" USING btree ("from_family_id") WHERE "grouping_rules"."undone_at" is null;--> statement-breakpoint
CREATE INDEX "grouping_rules_family_idx" ON "grouping_rules" USING btree ("family_id");