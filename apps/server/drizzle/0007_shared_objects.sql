CREATE TABLE "shared_object_holders" (
	"object_id" text NOT NULL,
	"peer_id" text NOT NULL,
	"state" text NOT NULL,
	"version" integer NOT NULL,
	"refusal" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "shared_object_holders_object_id_peer_id_pk" PRIMARY KEY("object_id","peer_id"),
	CONSTRAINT "shared_object_holders_state" CHECK ("shared_object_holders"."state" in ('active', 'withdrawn', 'refused'))
);
--> statement-breakpoint
CREATE TABLE "shared_objects" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_node" text NOT NULL,
	"type" text NOT NULL,
	"type_version" integer NOT NULL,
	"direction" text NOT NULL,
	"unit_id" uuid NOT NULL,
	"source_node" text,
	"path" jsonb NOT NULL,
	"version" integer NOT NULL,
	"state" text NOT NULL,
	"marking" jsonb NOT NULL,
	"content" jsonb,
	"owner_updated_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"withdrawn_at" timestamp with time zone,
	"retain_until" timestamp with time zone,
	"created_by" uuid,
	CONSTRAINT "shared_objects_version_positive" CHECK ("shared_objects"."version" >= 1),
	CONSTRAINT "shared_objects_direction" CHECK ("shared_objects"."direction" in ('own', 'received')),
	CONSTRAINT "shared_objects_state" CHECK ("shared_objects"."state" in ('active', 'withdrawn')),
	CONSTRAINT "shared_objects_own_has_no_source" CHECK (("shared_objects"."direction" = 'own') = ("shared_objects"."source_node" is null))
);
--> statement-breakpoint
ALTER TABLE "shared_object_holders" ADD CONSTRAINT "shared_object_holders_object_id_shared_objects_id_fk" FOREIGN KEY ("object_id") REFERENCES "public"."shared_objects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_objects" ADD CONSTRAINT "shared_objects_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_objects" ADD CONSTRAINT "shared_objects_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "shared_objects_list" ON "shared_objects" USING btree ("unit_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "shared_objects_list_type" ON "shared_objects" USING btree ("unit_id","type","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "shared_objects_retention" ON "shared_objects" USING btree ("retain_until") WHERE "shared_objects"."retain_until" is not null;