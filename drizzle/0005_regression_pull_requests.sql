CREATE TABLE "regression_pull_requests" (
	"family_id" uuid PRIMARY KEY NOT NULL,
	"repo" text NOT NULL,
	"branch" text NOT NULL,
	"number" integer,
	"url" text,
	"state" text,
	"revision" integer DEFAULT 0 NOT NULL,
	"spec_digest" text,
	"lease_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "regression_pull_requests" ADD CONSTRAINT "regression_pull_requests_family_id_families_id_fk" FOREIGN KEY ("family_id") REFERENCES "public"."families"("id") ON DELETE no action ON UPDATE no action;