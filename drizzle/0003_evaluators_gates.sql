CREATE TABLE "evaluations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"evaluator_id" uuid NOT NULL,
	"family_id" uuid NOT NULL,
	"workflow" text NOT NULL,
	"release" text NOT NULL,
	"environment" text DEFAULT '' NOT NULL,
	"passed" boolean NOT NULL,
	"score" real,
	"run_url" text,
	"reported_by" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "evaluators" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"family_id" uuid NOT NULL,
	"workflow" text NOT NULL,
	"suite" text NOT NULL,
	"kind" text NOT NULL,
	"spec" jsonb NOT NULL,
	"examples" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"drafted_by" text DEFAULT 'template' NOT NULL,
	"revision" integer DEFAULT 1 NOT NULL,
	"spec_sha256" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gate_checks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workflow" text NOT NULL,
	"release" text NOT NULL,
	"environment" text DEFAULT '' NOT NULL,
	"decision" text NOT NULL,
	"answer" jsonb NOT NULL,
	"asked_by" text NOT NULL,
	"checked_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_evaluator_id_evaluators_id_fk" FOREIGN KEY ("evaluator_id") REFERENCES "public"."evaluators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluators" ADD CONSTRAINT "evaluators_family_id_families_id_fk" FOREIGN KEY ("family_id") REFERENCES "public"."families"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "evaluations_release_idx" ON "evaluations" USING btree ("workflow","release","environment","received_at");--> statement-breakpoint
CREATE INDEX "evaluations_evaluator_idx" ON "evaluations" USING btree ("evaluator_id","received_at");--> statement-breakpoint
CREATE UNIQUE INDEX "evaluators_family_uq" ON "evaluators" USING btree ("family_id");--> statement-breakpoint
CREATE INDEX "evaluators_workflow_idx" ON "evaluators" USING btree ("workflow");--> statement-breakpoint
CREATE INDEX "gate_checks_workflow_idx" ON "gate_checks" USING btree ("workflow","checked_at");