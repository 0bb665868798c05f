CREATE TABLE "inbox_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"source" text NOT NULL,
	"delivery_id" text NOT NULL,
	"event_type" text NOT NULL,
	"request_id" text,
	"body_sha256" text NOT NULL,
	"payload" jsonb,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "families" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"workflow" text NOT NULL,
	"tenant" text,
	"kind" text NOT NULL,
	"boundary" text DEFAULT 'unknown' NOT NULL,
	"severity" smallint NOT NULL,
	"status" text DEFAULT 'watching' NOT NULL,
	"fingerprint" text,
	"grouping_version" text NOT NULL,
	"owner_team" text,
	"owner_assignees" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"first_seen" timestamp with time zone NOT NULL,
	"last_seen" timestamp with time zone NOT NULL,
	"trace_count" integer DEFAULT 0 NOT NULL,
	"event_count" integer DEFAULT 0 NOT NULL,
	"fix_status" text DEFAULT 'none' NOT NULL,
	"fix_pull_request" text,
	"fix_release" text,
	"reopen_count" integer DEFAULT 0 NOT NULL,
	"ticket_generation" integer DEFAULT 0 NOT NULL,
	"ticket_synced_generation" integer DEFAULT 0 NOT NULL,
	"ticket_sync_lease_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "family_keys" (
	"source" text NOT NULL,
	"key" text NOT NULL,
	"family_id" uuid NOT NULL,
	"url" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "family_keys_source_key_pk" PRIMARY KEY("source","key")
);
--> statement-breakpoint
CREATE TABLE "traces" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"family_id" uuid NOT NULL,
	"source" text NOT NULL,
	"trace_id" text NOT NULL,
	"run_id" text DEFAULT '' NOT NULL,
	"url" text,
	"comment" text,
	"release" text,
	"environment" text,
	"start_time" timestamp with time zone,
	"event_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tickets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"family_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"repo" text NOT NULL,
	"number" integer NOT NULL,
	"url" text NOT NULL,
	"state" text DEFAULT 'open' NOT NULL,
	"title" text NOT NULL,
	"body_sha256" text NOT NULL,
	"labels" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "local_issue_comments" (
	"id" serial PRIMARY KEY NOT NULL,
	"issue_id" integer NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "local_issues" (
	"id" serial PRIMARY KEY NOT NULL,
	"repo" text NOT NULL,
	"number" integer NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"labels" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"assignees" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"state" text DEFAULT 'open' NOT NULL,
	"state_reason" text,
	"marker" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "side_effects" (
	"operation_key" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"family_id" uuid,
	"input_hash" text NOT NULL,
	"status" text DEFAULT 'reserved' NOT NULL,
	"receipt" jsonb,
	"error" text,
	"attempts" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "family_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"family_id" uuid NOT NULL,
	"action" text NOT NULL,
	"actor" text NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "operational_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event_id" uuid NOT NULL,
	"source" text NOT NULL,
	"kind" text NOT NULL,
	"workflow" text,
	"status" text,
	"message" text,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "operational_events_event_id_unique" UNIQUE("event_id")
);
--> statement-breakpoint
ALTER TABLE "family_keys" ADD CONSTRAINT "family_keys_family_id_families_id_fk" FOREIGN KEY ("family_id") REFERENCES "public"."families"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "traces" ADD CONSTRAINT "traces_family_id_families_id_fk" FOREIGN KEY ("family_id") REFERENCES "public"."families"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "traces" ADD CONSTRAINT "traces_event_id_inbox_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."inbox_events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_family_id_families_id_fk" FOREIGN KEY ("family_id") REFERENCES "public"."families"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "local_issue_comments" ADD CONSTRAINT "local_issue_comments_issue_id_local_issues_id_fk" FOREIGN KEY ("issue_id") REFERENCES "public"."local_issues"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "family_history" ADD CONSTRAINT "family_history_family_id_families_id_fk" FOREIGN KEY ("family_id") REFERENCES "public"."families"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "operational_events" ADD CONSTRAINT "operational_events_event_id_inbox_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."inbox_events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "inbox_events_source_delivery_uq" ON "inbox_events" USING btree ("source","delivery_id");--> statement-breakpoint
CREATE INDEX "inbox_events_pending_idx" ON "inbox_events" USING btree ("received_at") WHERE "inbox_events"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "inbox_events_dead_idx" ON "inbox_events" USING btree ("received_at") WHERE "inbox_events"."status" = 'dead';--> statement-breakpoint
CREATE INDEX "families_status_idx" ON "families" USING btree ("status","last_seen");--> statement-breakpoint
CREATE INDEX "families_workflow_idx" ON "families" USING btree ("workflow","last_seen");--> statement-breakpoint
CREATE INDEX "families_fingerprint_idx" ON "families" USING btree ("fingerprint");--> statement-breakpoint
CREATE INDEX "families_ticket_dirty_idx" ON "families" USING btree ("updated_at") WHERE "families"."ticket_generation" > "families"."ticket_synced_generation";--> statement-breakpoint
CREATE INDEX "family_keys_family_idx" ON "family_keys" USING btree ("family_id");--> statement-breakpoint
CREATE UNIQUE INDEX "traces_family_trace_run_uq" ON "traces" USING btree ("family_id","trace_id","run_id");--> statement-breakpoint
CREATE INDEX "traces_family_recent_idx" ON "traces" USING btree ("family_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "tickets_family_uq" ON "tickets" USING btree ("family_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tickets_provider_repo_number_uq" ON "tickets" USING btree ("provider","repo","number");--> statement-breakpoint
CREATE UNIQUE INDEX "local_issues_repo_number_uq" ON "local_issues" USING btree ("repo","number");--> statement-breakpoint
CREATE INDEX "local_issues_marker_idx" ON "local_issues" USING btree ("marker");--> statement-breakpoint
CREATE INDEX "side_effects_unfinished_idx" ON "side_effects" USING btree ("updated_at") WHERE "side_effects"."status" = 'reserved';--> statement-breakpoint
CREATE INDEX "family_history_family_idx" ON "family_history" USING btree ("family_id","id");--> statement-breakpoint
CREATE INDEX "operational_events_recent_idx" ON "operational_events" USING btree ("occurred_at");