CREATE TABLE "case_custody" (
	"id" uuid PRIMARY KEY NOT NULL,
	"evidence_id" uuid NOT NULL,
	"action" text NOT NULL,
	"actor_id" uuid,
	"actor_label" text NOT NULL,
	"to_party" text,
	"note" text,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "case_custody_action" CHECK ("case_custody"."action" in ('collected', 'handed_over', 'exported', 'downloaded'))
);
--> statement-breakpoint
CREATE TABLE "case_evidence" (
	"id" uuid PRIMARY KEY NOT NULL,
	"case_id" uuid NOT NULL,
	"blob_id" uuid NOT NULL,
	"name" text NOT NULL,
	"sha256" text NOT NULL,
	"size" integer NOT NULL,
	"description" jsonb,
	"collected_by" text NOT NULL,
	"collected_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "case_identifiers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"case_id" uuid NOT NULL,
	"type" text NOT NULL,
	"value" text NOT NULL,
	"identifier" jsonb NOT NULL,
	"note" jsonb,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "case_members" (
	"case_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"added_by" uuid,
	"added_at" timestamp with time zone NOT NULL,
	CONSTRAINT "case_members_case_id_user_id_pk" PRIMARY KEY("case_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "case_notes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"case_id" uuid NOT NULL,
	"text" jsonb NOT NULL,
	"author_id" uuid,
	"author_label" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "case_shares" (
	"id" uuid PRIMARY KEY NOT NULL,
	"case_id" uuid NOT NULL,
	"recipients" jsonb NOT NULL,
	"marking" jsonb NOT NULL,
	"state" text NOT NULL,
	"requested_by" uuid,
	"requested_by_label" text NOT NULL,
	"decided_by" uuid,
	"decided_by_label" text,
	"reason" text,
	"created_at" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone,
	CONSTRAINT "case_shares_state" CHECK ("case_shares"."state" in ('pending', 'approved', 'rejected'))
);
--> statement-breakpoint
CREATE TABLE "case_subjects" (
	"id" uuid PRIMARY KEY NOT NULL,
	"case_id" uuid NOT NULL,
	"subject" jsonb NOT NULL,
	"person_id" uuid,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "case_tasks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"case_id" uuid NOT NULL,
	"title" jsonb NOT NULL,
	"assignee_id" uuid,
	"due_date" date,
	"done" boolean NOT NULL,
	"version" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cases" (
	"id" uuid PRIMARY KEY NOT NULL,
	"reference" text NOT NULL,
	"year" integer NOT NULL,
	"seq" integer NOT NULL,
	"unit_id" uuid NOT NULL,
	"title" jsonb NOT NULL,
	"title_search" text NOT NULL,
	"category" text NOT NULL,
	"status" text NOT NULL,
	"outcome" text,
	"priority" boolean NOT NULL,
	"lead_officer_id" uuid,
	"summary" jsonb,
	"asks" jsonb,
	"shared_object_id" text,
	"version" integer NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "cases_status" CHECK ("cases"."status" in ('open', 'suspended', 'closed')),
	CONSTRAINT "cases_outcome_closed" CHECK ("cases"."outcome" is null or "cases"."status" = 'closed'),
	CONSTRAINT "cases_version_positive" CHECK ("cases"."version" >= 1)
);
--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "case_id" uuid;--> statement-breakpoint
ALTER TABLE "case_custody" ADD CONSTRAINT "case_custody_evidence_id_case_evidence_id_fk" FOREIGN KEY ("evidence_id") REFERENCES "public"."case_evidence"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_custody" ADD CONSTRAINT "case_custody_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_evidence" ADD CONSTRAINT "case_evidence_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_identifiers" ADD CONSTRAINT "case_identifiers_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_members" ADD CONSTRAINT "case_members_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_members" ADD CONSTRAINT "case_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_members" ADD CONSTRAINT "case_members_added_by_users_id_fk" FOREIGN KEY ("added_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_notes" ADD CONSTRAINT "case_notes_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_notes" ADD CONSTRAINT "case_notes_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_shares" ADD CONSTRAINT "case_shares_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_shares" ADD CONSTRAINT "case_shares_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_shares" ADD CONSTRAINT "case_shares_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_subjects" ADD CONSTRAINT "case_subjects_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_tasks" ADD CONSTRAINT "case_tasks_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_tasks" ADD CONSTRAINT "case_tasks_assignee_id_users_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_lead_officer_id_users_id_fk" FOREIGN KEY ("lead_officer_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "case_custody_evidence" ON "case_custody" USING btree ("evidence_id","at");--> statement-breakpoint
CREATE INDEX "case_evidence_case" ON "case_evidence" USING btree ("case_id");--> statement-breakpoint
CREATE UNIQUE INDEX "case_identifiers_unique" ON "case_identifiers" USING btree ("case_id","type","value");--> statement-breakpoint
CREATE INDEX "case_identifiers_value" ON "case_identifiers" USING btree ("type","value");--> statement-breakpoint
CREATE INDEX "case_members_user" ON "case_members" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "case_notes_case" ON "case_notes" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "case_shares_case" ON "case_shares" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "case_subjects_case" ON "case_subjects" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "case_subjects_person" ON "case_subjects" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "case_tasks_case" ON "case_tasks" USING btree ("case_id");--> statement-breakpoint
CREATE UNIQUE INDEX "cases_reference" ON "cases" USING btree ("reference");--> statement-breakpoint
CREATE UNIQUE INDEX "cases_year_seq" ON "cases" USING btree ("year","seq");--> statement-breakpoint
CREATE INDEX "cases_unit" ON "cases" USING btree ("unit_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "requests_case" ON "requests" USING btree ("case_id");--> statement-breakpoint
-- The chain of custody is append-only: every hand-over, export and download is a new row, none is changed.
CREATE OR REPLACE FUNCTION crossline_custody_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'case_custody is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER case_custody_no_update_delete BEFORE UPDATE OR DELETE ON case_custody
  FOR EACH ROW EXECUTE FUNCTION crossline_custody_append_only();
--> statement-breakpoint
CREATE TRIGGER case_custody_no_truncate BEFORE TRUNCATE ON case_custody
  FOR EACH STATEMENT EXECUTE FUNCTION crossline_custody_append_only();
--> statement-breakpoint
REVOKE UPDATE, DELETE, TRUNCATE ON case_custody FROM PUBLIC;
