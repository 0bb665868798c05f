ALTER TABLE "families" ADD COLUMN "fix_merged_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "families" ADD COLUMN "resolved_at" timestamp with time zone;