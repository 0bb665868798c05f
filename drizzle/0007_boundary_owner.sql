CREATE TABLE "boundary_corrections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"keys" text[] NOT NULL,
	"boundary" text NOT NULL,
	"family_id" uuid NOT NULL,
	"ticket_number" integer,
	"actor" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"withdrawn_at" timestamp with time zone,
	"withdrawn_by" text
);
--> statement-breakpoint
ALTER TABLE "families" ADD COLUMN "boundary_confidence" real;--> statement-breakpoint
ALTER TABLE "families" ADD COLUMN "boundary_reasons" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "families" ADD COLUMN "boundary_source" text DEFAULT 'rules' NOT NULL;--> statement-breakpoint
ALTER TABLE "families" ADD COLUMN "boundary_votes" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "families" ADD COLUMN "boundary_model_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "families" ADD COLUMN "owner_reason" text;--> statement-breakpoint
ALTER TABLE "families" ADD COLUMN "owner_source" text DEFAULT 'rules' NOT NULL;--> statement-breakpoint
ALTER TABLE "families" ADD COLUMN "prompt_path" text;--> statement-breakpoint
ALTER TABLE "boundary_corrections" ADD CONSTRAINT "boundary_corrections_family_id_families_id_fk" FOREIGN KEY ("family_id") REFERENCES "public"."families"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "boundary_corrections_keys_idx" ON "boundary_corrections" USING gin ("keys") WHERE "boundary_corrections"."withdrawn_at" is null;--> statement-breakpoint
CREATE INDEX "boundary_corrections_created_idx" ON "boundary_corrections" USING btree ("created_at","id");--> statement-breakpoint
-- A boundary or owner a person set before sources were kept stays theirs: the rules must not overwrite it.
UPDATE "families" SET "boundary_source" = 'person' WHERE EXISTS (SELECT 1 FROM "family_history" h WHERE h."family_id" = "families"."id" AND h."action" IN ('updated', 'status_changed') AND h."actor" <> 'recur' AND h."detail" -> 'boundary' IS NOT NULL);--> statement-breakpoint
UPDATE "families" SET "owner_source" = 'person' WHERE EXISTS (SELECT 1 FROM "family_history" h WHERE h."family_id" = "families"."id" AND h."action" IN ('updated', 'status_changed') AND h."actor" <> 'recur' AND (h."detail" -> 'owner.team' IS NOT NULL OR h."detail" -> 'owner.assignees' IS NOT NULL));
