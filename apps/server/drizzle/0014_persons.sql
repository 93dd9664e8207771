CREATE TABLE "access_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "access_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp with time zone NOT NULL,
	"actor_id" text,
	"actor_label" text NOT NULL,
	"actor_unit_id" uuid,
	"action" text NOT NULL,
	"record_type" text NOT NULL,
	"record_id" text NOT NULL,
	"record_unit_id" uuid,
	"person_id" uuid,
	"reason" text,
	"request_id" text
);
--> statement-breakpoint
CREATE TABLE "access_log_policy" (
	"id" integer PRIMARY KEY NOT NULL,
	"daily_read_threshold" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "access_log_seals" (
	"seq" integer PRIMARY KEY NOT NULL,
	"from_id" bigint NOT NULL,
	"to_id" bigint NOT NULL,
	"row_count" integer NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "person_links" (
	"id" uuid PRIMARY KEY NOT NULL,
	"person_id" uuid NOT NULL,
	"record_type" text NOT NULL,
	"record_id" text NOT NULL,
	"record_unit_id" uuid,
	"ordinal" integer DEFAULT 0 NOT NULL,
	"role" text,
	"notes" jsonb,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "person_versions" (
	"person_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"fields" jsonb NOT NULL,
	"changed_at" timestamp with time zone NOT NULL,
	"changed_by" text NOT NULL,
	"reason" text,
	CONSTRAINT "person_versions_person_id_version_pk" PRIMARY KEY("person_id","version")
);
--> statement-breakpoint
CREATE TABLE "persons" (
	"id" uuid PRIMARY KEY NOT NULL,
	"owner_unit_id" uuid NOT NULL,
	"names" jsonb NOT NULL,
	"aliases" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"date_of_birth" text,
	"sex" text,
	"nationalities" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"documents" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"match_key" text,
	"search" text NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"restricted_at" timestamp with time zone,
	"restricted_by" text,
	"restriction_reason" text,
	CONSTRAINT "persons_sex_check" CHECK ("persons"."sex" in ('female', 'male', 'unspecified'))
);
--> statement-breakpoint
ALTER TABLE "person_links" ADD CONSTRAINT "person_links_person_id_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."persons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "person_versions" ADD CONSTRAINT "person_versions_person_id_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."persons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "persons" ADD CONSTRAINT "persons_owner_unit_id_units_id_fk" FOREIGN KEY ("owner_unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "access_log_person" ON "access_log" USING btree ("person_id","id") WHERE "access_log"."person_id" is not null;--> statement-breakpoint
CREATE INDEX "access_log_record" ON "access_log" USING btree ("record_id","id");--> statement-breakpoint
CREATE INDEX "access_log_at" ON "access_log" USING btree ("at");--> statement-breakpoint
CREATE UNIQUE INDEX "person_links_record" ON "person_links" USING btree ("record_type","record_id","ordinal");--> statement-breakpoint
CREATE INDEX "person_links_person" ON "person_links" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "person_links_unit" ON "person_links" USING btree ("record_unit_id","person_id");--> statement-breakpoint
CREATE UNIQUE INDEX "persons_match_key" ON "persons" USING btree ("match_key") WHERE "persons"."match_key" is not null;--> statement-breakpoint
CREATE INDEX "persons_unit" ON "persons" USING btree ("owner_unit_id","id" DESC NULLS LAST);