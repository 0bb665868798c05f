ALTER TABLE "family_occurrences" ADD COLUMN "features" jsonb;--> statement-breakpoint
ALTER TABLE "family_occurrences" ADD COLUMN "source" text;--> statement-breakpoint
CREATE INDEX "family_occurrences_reports_idx" ON "family_occurrences" USING btree ("family_id","occurred_at") WHERE "family_occurrences"."features" is not null or "family_occurrences"."source" is null;