CREATE TABLE "notice_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"notice_id" uuid NOT NULL,
	"event" text NOT NULL,
	"from_status" text,
	"to_status" text NOT NULL,
	"side" text NOT NULL,
	"actor_user_id" uuid,
	"actor_label" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notice_files" (
	"id" uuid PRIMARY KEY NOT NULL,
	"notice_id" uuid NOT NULL,
	"name" text NOT NULL,
	"sha256" text NOT NULL,
	"size" integer NOT NULL,
	"data" "bytea" NOT NULL,
	"uploaded_by" uuid,
	"uploaded_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notice_messages" (
	"id" uuid PRIMARY KEY NOT NULL,
	"notice_id" uuid NOT NULL,
	"side" text NOT NULL,
	"author_user_id" uuid,
	"author_label" text NOT NULL,
	"text" jsonb NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notices" (
	"id" uuid PRIMARY KEY NOT NULL,
	"reference" text NOT NULL,
	"provider_id" uuid NOT NULL,
	"owner_unit_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"urgency" text NOT NULL,
	"legal_basis" jsonb NOT NULL,
	"locators" jsonb NOT NULL,
	"reason" jsonb NOT NULL,
	"requested_act_by" timestamp with time zone,
	"status" text NOT NULL,
	"created_by" uuid,
	"created_by_label" text NOT NULL,
	"approved_by" uuid,
	"approved_by_label" text,
	"sent_at" timestamp with time zone,
	"acknowledge_by" timestamp with time zone,
	"act_by" timestamp with time zone,
	"received_at" timestamp with time zone,
	"answered_at" timestamp with time zone,
	"acted_at" timestamp with time zone,
	"answer" jsonb,
	"withdrawn_at" timestamp with time zone,
	"verification_code" text,
	"signed" jsonb,
	"overdue_notified_at" timestamp with time zone,
	"out_request_id" uuid,
	"in_request_id" uuid,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provider_users" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"provider_id" uuid NOT NULL,
	"username" text NOT NULL,
	"display_name" text NOT NULL,
	"email" text,
	"time_zone" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "providers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"name_zh" text NOT NULL,
	"country" text NOT NULL,
	"services" text[] NOT NULL,
	"legal_entity" text NOT NULL,
	"contacts" jsonb NOT NULL,
	"channels" text[] NOT NULL,
	"via_peer_id" text,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notice_events" ADD CONSTRAINT "notice_events_notice_id_notices_id_fk" FOREIGN KEY ("notice_id") REFERENCES "public"."notices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notice_files" ADD CONSTRAINT "notice_files_notice_id_notices_id_fk" FOREIGN KEY ("notice_id") REFERENCES "public"."notices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notice_messages" ADD CONSTRAINT "notice_messages_notice_id_notices_id_fk" FOREIGN KEY ("notice_id") REFERENCES "public"."notices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notices" ADD CONSTRAINT "notices_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notices" ADD CONSTRAINT "notices_owner_unit_id_units_id_fk" FOREIGN KEY ("owner_unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_users" ADD CONSTRAINT "provider_users_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_users" ADD CONSTRAINT "provider_users_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "notice_events_notice" ON "notice_events" USING btree ("notice_id","at");--> statement-breakpoint
CREATE INDEX "notice_files_notice" ON "notice_files" USING btree ("notice_id");--> statement-breakpoint
CREATE INDEX "notice_messages_notice" ON "notice_messages" USING btree ("notice_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "notices_reference" ON "notices" USING btree ("reference");--> statement-breakpoint
CREATE UNIQUE INDEX "notices_code" ON "notices" USING btree ("verification_code");--> statement-breakpoint
CREATE INDEX "notices_provider_status" ON "notices" USING btree ("provider_id","status");--> statement-breakpoint
CREATE INDEX "notices_unit_created" ON "notices" USING btree ("owner_unit_id","created_at");--> statement-breakpoint
CREATE INDEX "notices_out_request" ON "notices" USING btree ("out_request_id");--> statement-breakpoint
CREATE INDEX "notices_in_request" ON "notices" USING btree ("in_request_id");--> statement-breakpoint
CREATE INDEX "provider_users_provider" ON "provider_users" USING btree ("provider_id");