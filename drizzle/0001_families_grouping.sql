CREATE TABLE "family_occurrences" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"family_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"keys" jsonb DEFAULT '[]'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "family_titles" (
	"family_id" uuid NOT NULL,
	"tokens" text NOT NULL,
	CONSTRAINT "family_titles_family_id_tokens_pk" PRIMARY KEY("family_id","tokens")
);
--> statement-breakpoint
ALTER TABLE "families" ADD COLUMN "tool" text;--> statement-breakpoint
ALTER TABLE "families" ADD COLUMN "error_type" text;--> statement-breakpoint
ALTER TABLE "families" ADD COLUMN "merged_into" uuid;--> statement-breakpoint
ALTER TABLE "family_occurrences" ADD CONSTRAINT "family_occurrences_family_id_families_id_fk" FOREIGN KEY ("family_id") REFERENCES "public"."families"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "family_occurrences" ADD CONSTRAINT "family_occurrences_event_id_inbox_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."inbox_events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "family_titles" ADD CONSTRAINT "family_titles_family_id_families_id_fk" FOREIGN KEY ("family_id") REFERENCES "public"."families"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "family_occurrences_event_uq" ON "family_occurrences" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "family_occurrences_family_time_idx" ON "family_occurrences" USING btree ("family_id","occurred_at");