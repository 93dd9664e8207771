CREATE TABLE "repatriation_cases" (
	"id" uuid PRIMARY KEY NOT NULL,
	"direction" text NOT NULL,
	"owner_node" text NOT NULL,
	"peer" text,
	"unit_id" uuid NOT NULL,
	"person_id" uuid,
	"request_id" uuid,
	"shared_object_id" text,
	"reference" text NOT NULL,
	"content" jsonb NOT NULL,
	"status" text NOT NULL,
	"version" integer NOT NULL,
	"verification_due_at" timestamp with time zone,
	"document_due_at" timestamp with time zone,
	"overdue_told" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	CONSTRAINT "repatriation_cases_direction" CHECK ("repatriation_cases"."direction" in ('own', 'received')),
	CONSTRAINT "repatriation_cases_status" CHECK ("repatriation_cases"."status" in ('awaiting_verification', 'awaiting_document', 'awaiting_transfer', 'in_transfer', 'arrived', 'not_verified')),
	CONSTRAINT "repatriation_cases_version_positive" CHECK ("repatriation_cases"."version" >= 1)
);
--> statement-breakpoint
CREATE UNIQUE INDEX "repatriation_cases_shared_object" ON "repatriation_cases" USING btree ("shared_object_id");--> statement-breakpoint
CREATE INDEX "repatriation_cases_unit" ON "repatriation_cases" USING btree ("unit_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "repatriation_cases_pending" ON "repatriation_cases" USING btree ("status","verification_due_at","document_due_at");