CREATE TABLE "correlation_cursors" (
	"source" text PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"id" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "correlation_hits" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"value" text NOT NULL,
	"a_type" text NOT NULL,
	"a_id" text NOT NULL,
	"a_unit" uuid NOT NULL,
	"b_type" text NOT NULL,
	"b_id" text NOT NULL,
	"b_unit" uuid NOT NULL,
	"match" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "correlation_identifiers" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"record_type" text NOT NULL,
	"record_id" text NOT NULL,
	"owner_unit" uuid NOT NULL,
	"kind" text NOT NULL,
	"value" text NOT NULL,
	"host" text,
	"net" "cidr",
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "indicator_imports" (
	"id" text PRIMARY KEY NOT NULL,
	"unit_id" uuid NOT NULL,
	"user_id" uuid,
	"format" text NOT NULL,
	"file_name" text,
	"state" text NOT NULL,
	"read" integer DEFAULT 0 NOT NULL,
	"added" integer DEFAULT 0 NOT NULL,
	"duplicates" integer DEFAULT 0 NOT NULL,
	"rejected" integer DEFAULT 0 NOT NULL,
	"objects_kept" integer DEFAULT 0 NOT NULL,
	"problems" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"bytes" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "indicators" (
	"id" text PRIMARY KEY NOT NULL,
	"stix_id" text NOT NULL,
	"unit_id" uuid NOT NULL,
	"origin" text NOT NULL,
	"owner_node" text NOT NULL,
	"set_id" text,
	"kind" text NOT NULL,
	"qualifier" text DEFAULT '' NOT NULL,
	"value" text NOT NULL,
	"net" "cidr",
	"first_seen" timestamp with time zone,
	"last_seen" timestamp with time zone,
	"confidence" smallint,
	"valid_until" timestamp with time zone,
	"description" text,
	"source" text,
	"tlp" text NOT NULL,
	"marking" jsonb NOT NULL,
	"state" text DEFAULT 'active' NOT NULL,
	"import_id" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "indicators_origin" CHECK ("indicators"."origin" in ('own', 'received')),
	CONSTRAINT "indicators_state" CHECK ("indicators"."state" in ('active', 'withdrawn')),
	CONSTRAINT "indicators_confidence" CHECK ("indicators"."confidence" is null or "indicators"."confidence" between 0 and 100)
);
--> statement-breakpoint
CREATE TABLE "stix_objects" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"unit_id" uuid NOT NULL,
	"stix_id" text NOT NULL,
	"type" text NOT NULL,
	"modified" text NOT NULL,
	"object" jsonb NOT NULL,
	"import_id" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "taxii_collections" (
	"id" uuid PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"owner_node" text,
	"tlp" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"can_write" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "taxii_status" (
	"id" uuid PRIMARY KEY NOT NULL,
	"unit_id" uuid NOT NULL,
	"user_id" uuid,
	"collection_id" uuid NOT NULL,
	"status" text NOT NULL,
	"total" integer NOT NULL,
	"success" jsonb NOT NULL,
	"failure" jsonb NOT NULL,
	"request_timestamp" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "indicator_imports" ADD CONSTRAINT "indicator_imports_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "indicator_imports" ADD CONSTRAINT "indicator_imports_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "indicators" ADD CONSTRAINT "indicators_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stix_objects" ADD CONSTRAINT "stix_objects_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "taxii_status" ADD CONSTRAINT "taxii_status_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "taxii_status" ADD CONSTRAINT "taxii_status_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "correlation_hits_a" ON "correlation_hits" USING btree ("a_unit","seq" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "correlation_hits_b" ON "correlation_hits" USING btree ("b_unit","seq" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "correlation_hits_pair" ON "correlation_hits" USING btree ("a_type","a_id","b_type","b_id","kind","value");--> statement-breakpoint
CREATE INDEX "correlation_hits_b_record" ON "correlation_hits" USING btree ("b_type","b_id");--> statement-breakpoint
CREATE UNIQUE INDEX "correlation_identifiers_unique" ON "correlation_identifiers" USING btree ("record_type","record_id","kind","value");--> statement-breakpoint
CREATE INDEX "correlation_identifiers_value" ON "correlation_identifiers" USING btree ("value");--> statement-breakpoint
CREATE INDEX "correlation_identifiers_host" ON "correlation_identifiers" USING btree ("host") WHERE "correlation_identifiers"."host" is not null;--> statement-breakpoint
CREATE INDEX "correlation_identifiers_net" ON "correlation_identifiers" USING gist ("net" inet_ops);--> statement-breakpoint
CREATE INDEX "correlation_identifiers_unit" ON "correlation_identifiers" USING btree ("owner_unit");--> statement-breakpoint
CREATE UNIQUE INDEX "indicators_own_unique" ON "indicators" USING btree ("unit_id","kind","qualifier","value") WHERE "indicators"."origin" = 'own';--> statement-breakpoint
CREATE INDEX "indicators_list" ON "indicators" USING btree ("unit_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "indicators_feed" ON "indicators" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "indicators_set" ON "indicators" USING btree ("set_id");--> statement-breakpoint
CREATE INDEX "indicators_stix_id" ON "indicators" USING btree ("stix_id");--> statement-breakpoint
CREATE INDEX "indicators_value" ON "indicators" USING btree ("value");--> statement-breakpoint
CREATE INDEX "indicators_net" ON "indicators" USING gist ("net" inet_ops);--> statement-breakpoint
CREATE UNIQUE INDEX "stix_objects_unique" ON "stix_objects" USING btree ("unit_id","stix_id","modified");