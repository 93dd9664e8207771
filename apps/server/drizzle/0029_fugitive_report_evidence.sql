CREATE TABLE "fugitive_report_evidence" (
	"id" uuid PRIMARY KEY NOT NULL,
	"direction" text NOT NULL,
	"origin" text NOT NULL,
	"report_id" uuid,
	"entry_id" text NOT NULL,
	"fugitive_id" uuid,
	"unit_id" uuid NOT NULL,
	"name" text NOT NULL,
	"content_type" text NOT NULL,
	"sha256" text NOT NULL,
	"size" integer NOT NULL,
	"uploaded_by" text NOT NULL,
	"uploaded_at" timestamp with time zone NOT NULL,
	CONSTRAINT "fugitive_report_evidence_direction" CHECK ("fugitive_report_evidence"."direction" in ('in', 'out'))
);
--> statement-breakpoint
ALTER TABLE "fugitive_report_evidence" ADD CONSTRAINT "fugitive_report_evidence_report_id_fugitive_reports_id_fk" FOREIGN KEY ("report_id") REFERENCES "public"."fugitive_reports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fugitive_report_evidence" ADD CONSTRAINT "fugitive_report_evidence_fugitive_id_fugitives_id_fk" FOREIGN KEY ("fugitive_id") REFERENCES "public"."fugitives"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "fugitive_report_evidence_report" ON "fugitive_report_evidence" USING btree ("report_id");--> statement-breakpoint
CREATE INDEX "fugitive_report_evidence_entry" ON "fugitive_report_evidence" USING btree ("entry_id","uploaded_at");