CREATE TABLE "outbox" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"operation_key" text NOT NULL,
	"kind" text NOT NULL,
	"family_id" uuid,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "outbox_operation_key_unique" UNIQUE("operation_key")
);
--> statement-breakpoint
ALTER TABLE "families" ADD COLUMN "ticket_sync_lease_holder" text;--> statement-breakpoint
ALTER TABLE "families" ADD COLUMN "live_epoch" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "live_epoch" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "regression_pull_requests" ADD COLUMN "lease_holder" text;--> statement-breakpoint
CREATE INDEX "outbox_pending_idx" ON "outbox" USING btree ("next_attempt_at") WHERE "outbox"."status" = 'pending';--> statement-breakpoint
-- Written by hand (drizzle-kit does not manage triggers): every writer of families.status (ingest, the API,
-- GitHub events, evaluations, merges) bumps live_epoch when the family turns live or stops being live, so
-- the ticket sync can tell that its issue's state is due to change without trusting what it last saw.
CREATE FUNCTION "families_live_epoch"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.status IN ('open', 'fixing', 'regressed')) IS DISTINCT FROM (OLD.status IN ('open', 'fixing', 'regressed')) THEN
    NEW.live_epoch := OLD.live_epoch + 1;
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "families_live_epoch" BEFORE UPDATE OF "status" ON "families" FOR EACH ROW EXECUTE FUNCTION "families_live_epoch"();
