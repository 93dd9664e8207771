CREATE TABLE "asset_copies" (
	"shared_object_id" text PRIMARY KEY NOT NULL,
	"owner_node" text NOT NULL,
	"unit_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"state" text NOT NULL,
	"content" jsonb,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "asset_stages" (
	"asset_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"stage" text NOT NULL,
	"date" text NOT NULL,
	"authority" text NOT NULL,
	"order_reference" text,
	"amount_minor" numeric(80, 0),
	"note" jsonb,
	"recorded_at" timestamp with time zone NOT NULL,
	"recorded_by" text NOT NULL,
	CONSTRAINT "asset_stages_asset_id_seq_pk" PRIMARY KEY("asset_id","seq"),
	CONSTRAINT "asset_stages_amount_positive" CHECK ("asset_stages"."amount_minor" is null or "asset_stages"."amount_minor" >= 0)
);
--> statement-breakpoint
CREATE TABLE "asset_versions" (
	"asset_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"fields" jsonb NOT NULL,
	"stage" text NOT NULL,
	"changed_at" timestamp with time zone NOT NULL,
	"changed_by" text NOT NULL,
	"reason" text,
	CONSTRAINT "asset_versions_asset_id_version_pk" PRIMARY KEY("asset_id","version")
);
--> statement-breakpoint
CREATE TABLE "assets" (
	"id" uuid PRIMARY KEY NOT NULL,
	"reference" text NOT NULL,
	"year" integer NOT NULL,
	"seq" integer NOT NULL,
	"unit_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"description" jsonb NOT NULL,
	"location" text,
	"jurisdiction" text NOT NULL,
	"holder" jsonb,
	"currency" text NOT NULL,
	"value_minor" numeric(80, 0),
	"stage" text NOT NULL,
	"fugitive_ids" jsonb NOT NULL,
	"case_ids" jsonb NOT NULL,
	"request_ids" jsonb NOT NULL,
	"shared_object_id" text,
	"recipients" jsonb NOT NULL,
	"marking" jsonb,
	"sharing_withdrawn" boolean DEFAULT false NOT NULL,
	"version" integer NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	CONSTRAINT "assets_stage" CHECK ("assets"."stage" in ('identified', 'traced', 'frozen', 'seized', 'confiscated', 'returned', 'released')),
	CONSTRAINT "assets_value_positive" CHECK ("assets"."value_minor" is null or "assets"."value_minor" >= 0),
	CONSTRAINT "assets_version_positive" CHECK ("assets"."version" >= 1)
);
--> statement-breakpoint
ALTER TABLE "asset_stages" ADD CONSTRAINT "asset_stages_asset_id_assets_id_fk" FOREIGN KEY ("asset_id") REFERENCES "public"."assets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "asset_versions" ADD CONSTRAINT "asset_versions_asset_id_assets_id_fk" FOREIGN KEY ("asset_id") REFERENCES "public"."assets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assets" ADD CONSTRAINT "assets_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assets" ADD CONSTRAINT "assets_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "asset_copies_unit" ON "asset_copies" USING btree ("unit_id","updated_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "asset_stages_stage" ON "asset_stages" USING btree ("stage");--> statement-breakpoint
CREATE UNIQUE INDEX "assets_reference" ON "assets" USING btree ("reference");--> statement-breakpoint
CREATE UNIQUE INDEX "assets_year_seq" ON "assets" USING btree ("year","seq");--> statement-breakpoint
CREATE INDEX "assets_unit" ON "assets" USING btree ("unit_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "assets_fugitives" ON "assets" USING gin ("fugitive_ids");--> statement-breakpoint
CREATE UNIQUE INDEX "assets_so" ON "assets" USING btree ("shared_object_id");