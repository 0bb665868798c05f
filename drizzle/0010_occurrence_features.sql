ALTER TABLE "family_occurrences" ADD COLUMN "features" jsonb;--> statement-breakpoint
ALTER TABLE "family_occurrences" ADD COLUMN "source" text;