CREATE TABLE "inbox_replays" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"event_id" uuid NOT NULL,
	"actor" text NOT NULL,
	"previous_state" text NOT NULL,
	"previous_attempts" integer NOT NULL,
	"previous_error" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "inbox_events" ADD COLUMN "died_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "inbox_events" ADD COLUMN "replays" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "inbox_events" ADD COLUMN "replayed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "inbox_replays" ADD CONSTRAINT "inbox_replays_event_id_inbox_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."inbox_events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "inbox_replays_event_idx" ON "inbox_replays" USING btree ("event_id","id");--> statement-breakpoint
CREATE INDEX "inbox_events_retention_idx" ON "inbox_events" USING btree ("received_at") WHERE "inbox_events"."payload" is not null and "inbox_events"."status" in ('processed', 'ignored');