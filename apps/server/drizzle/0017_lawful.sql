CREATE TABLE "lawful_flags" (
	"id" uuid PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"record_id" text NOT NULL,
	"owner_unit_id" uuid,
	"state" text NOT NULL,
	"characters" jsonb NOT NULL,
	"note" text NOT NULL,
	"flagged_by" uuid,
	"flagged_by_label" text NOT NULL,
	"flagged_at" timestamp with time zone NOT NULL,
	"ground" text,
	"ground_text" text,
	"decided_by" uuid,
	"decided_by_label" text,
	"decided_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "lawful_records" (
	"kind" text NOT NULL,
	"record_id" text NOT NULL,
	"instrument" text,
	"article" text,
	"reference" text,
	"purpose" text NOT NULL,
	"pending_review" boolean DEFAULT false NOT NULL,
	"owner_unit_id" uuid,
	"review_at" timestamp with time zone NOT NULL,
	"retention_start" timestamp with time zone,
	"retain_until" timestamp with time zone,
	"action" text NOT NULL,
	"erased_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "lawful_records_kind_record_id_pk" PRIMARY KEY("kind","record_id")
);
--> statement-breakpoint
CREATE TABLE "lawful_refusals" (
	"id" uuid PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"record_id" text NOT NULL,
	"direction" text NOT NULL,
	"peer_id" text NOT NULL,
	"ground" text NOT NULL,
	"text" text NOT NULL,
	"by_label" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lawful_settings" (
	"id" integer PRIMARY KEY NOT NULL,
	"policy" jsonb,
	"job_run_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "lawful_flags_record" ON "lawful_flags" USING btree ("kind","record_id");--> statement-breakpoint
CREATE INDEX "lawful_flags_open" ON "lawful_flags" USING btree ("flagged_at") WHERE "lawful_flags"."state" = 'flagged';--> statement-breakpoint
CREATE INDEX "lawful_records_retention" ON "lawful_records" USING btree ("retain_until") WHERE "lawful_records"."erased_at" is null;--> statement-breakpoint
CREATE INDEX "lawful_records_review" ON "lawful_records" USING btree ("review_at") WHERE "lawful_records"."erased_at" is null;--> statement-breakpoint
CREATE INDEX "lawful_records_open" ON "lawful_records" USING btree ("kind","record_id") WHERE "lawful_records"."retention_start" is null and "lawful_records"."erased_at" is null;--> statement-breakpoint
CREATE INDEX "lawful_refusals_record" ON "lawful_refusals" USING btree ("kind","record_id");--> statement-breakpoint
CREATE INDEX "lawful_refusals_at" ON "lawful_refusals" USING btree ("at");--> statement-breakpoint
-- Requests that existed before the mechanism: their form's basis, a default purpose, due for review at once.
INSERT INTO "lawful_records" ("kind", "record_id", "instrument", "article", "reference", "purpose", "pending_review", "owner_unit_id", "review_at", "retention_start", "retain_until", "action", "created_at", "updated_at")
SELECT 'request', r."id"::text, r."content"->'legalBasis'->>'instrument', r."content"->'legalBasis'->>'article', r."content"->'legalBasis'->>'reference',
       'Pre-existing, to be reviewed', true, r."owner_unit_id", now(), NULL, NULL, 'anonymise', now(), now()
  FROM "requests" r
ON CONFLICT DO NOTHING;
