CREATE TABLE "fugitive_copies" (
	"entry_id" text PRIMARY KEY NOT NULL,
	"owner_node" text NOT NULL,
	"unit_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"state" text NOT NULL,
	"list_id" uuid NOT NULL,
	"list_name" jsonb NOT NULL,
	"number" integer NOT NULL,
	"content" jsonb,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fugitive_list_entries" (
	"list_id" uuid NOT NULL,
	"fugitive_id" uuid NOT NULL,
	"number" integer NOT NULL,
	"shared_object_id" text,
	"added_at" timestamp with time zone NOT NULL,
	"removed_at" timestamp with time zone,
	CONSTRAINT "fugitive_list_entries_list_id_fugitive_id_pk" PRIMARY KEY("list_id","fugitive_id")
);
--> statement-breakpoint
CREATE TABLE "fugitive_lists" (
	"id" uuid PRIMARY KEY NOT NULL,
	"unit_id" uuid NOT NULL,
	"name" jsonb NOT NULL,
	"published_on" text,
	"recipients" jsonb NOT NULL,
	"marking" jsonb,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fugitive_reports" (
	"id" uuid PRIMARY KEY NOT NULL,
	"direction" text NOT NULL,
	"entry_id" text NOT NULL,
	"fugitive_id" uuid,
	"from_node" text NOT NULL,
	"unit_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"date" text NOT NULL,
	"place" text,
	"text" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "fugitive_reports_direction" CHECK ("fugitive_reports"."direction" in ('in', 'out'))
);
--> statement-breakpoint
CREATE TABLE "fugitive_versions" (
	"fugitive_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"fields" jsonb NOT NULL,
	"status" text NOT NULL,
	"changed_at" timestamp with time zone NOT NULL,
	"changed_by" text NOT NULL,
	"reason" text,
	CONSTRAINT "fugitive_versions_fugitive_id_version_pk" PRIMARY KEY("fugitive_id","version")
);
--> statement-breakpoint
CREATE TABLE "fugitives" (
	"id" uuid PRIMARY KEY NOT NULL,
	"reference" text NOT NULL,
	"year" integer NOT NULL,
	"seq" integer NOT NULL,
	"unit_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"fields" jsonb NOT NULL,
	"name_search" text NOT NULL,
	"status" text NOT NULL,
	"returned" jsonb,
	"version" integer NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	CONSTRAINT "fugitives_status" CHECK ("fugitives"."status" in ('at_large', 'located', 'detained', 'returned', 'closed')),
	CONSTRAINT "fugitives_returned" CHECK (("fugitives"."status" = 'returned') = ("fugitives"."returned" is not null)),
	CONSTRAINT "fugitives_version_positive" CHECK ("fugitives"."version" >= 1)
);
--> statement-breakpoint
ALTER TABLE "fugitive_list_entries" ADD CONSTRAINT "fugitive_list_entries_list_id_fugitive_lists_id_fk" FOREIGN KEY ("list_id") REFERENCES "public"."fugitive_lists"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fugitive_list_entries" ADD CONSTRAINT "fugitive_list_entries_fugitive_id_fugitives_id_fk" FOREIGN KEY ("fugitive_id") REFERENCES "public"."fugitives"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fugitive_lists" ADD CONSTRAINT "fugitive_lists_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fugitive_reports" ADD CONSTRAINT "fugitive_reports_fugitive_id_fugitives_id_fk" FOREIGN KEY ("fugitive_id") REFERENCES "public"."fugitives"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fugitive_versions" ADD CONSTRAINT "fugitive_versions_fugitive_id_fugitives_id_fk" FOREIGN KEY ("fugitive_id") REFERENCES "public"."fugitives"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fugitives" ADD CONSTRAINT "fugitives_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fugitives" ADD CONSTRAINT "fugitives_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "fugitive_copies_list" ON "fugitive_copies" USING btree ("unit_id","list_id","number");--> statement-breakpoint
CREATE UNIQUE INDEX "fugitive_list_entries_number" ON "fugitive_list_entries" USING btree ("list_id","number") WHERE "fugitive_list_entries"."removed_at" is null;--> statement-breakpoint
CREATE INDEX "fugitive_list_entries_fugitive" ON "fugitive_list_entries" USING btree ("fugitive_id");--> statement-breakpoint
CREATE UNIQUE INDEX "fugitive_list_entries_so" ON "fugitive_list_entries" USING btree ("shared_object_id");--> statement-breakpoint
CREATE INDEX "fugitive_lists_unit" ON "fugitive_lists" USING btree ("unit_id");--> statement-breakpoint
CREATE INDEX "fugitive_reports_entry" ON "fugitive_reports" USING btree ("entry_id","created_at");--> statement-breakpoint
CREATE INDEX "fugitive_reports_fugitive" ON "fugitive_reports" USING btree ("fugitive_id");--> statement-breakpoint
CREATE UNIQUE INDEX "fugitives_reference" ON "fugitives" USING btree ("reference");--> statement-breakpoint
CREATE UNIQUE INDEX "fugitives_year_seq" ON "fugitives" USING btree ("year","seq");--> statement-breakpoint
CREATE INDEX "fugitives_unit" ON "fugitives" USING btree ("unit_id","id" DESC NULLS LAST);