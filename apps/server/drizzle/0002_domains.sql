CREATE TABLE "duty_shifts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"unit_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"role" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"time_zone" text NOT NULL,
	"note" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "hotline_log" (
	"id" uuid PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"unit_id" uuid,
	"request_id" uuid,
	"peer_id" text,
	"direction" text NOT NULL,
	"kind" text NOT NULL,
	"actor_label" text NOT NULL,
	"summary" text NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mail_outbox" (
	"id" uuid PRIMARY KEY NOT NULL,
	"to" text NOT NULL,
	"subject" text NOT NULL,
	"text" text NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"lease_until" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"severity" text NOT NULL,
	"request_id" uuid,
	"title_en" text NOT NULL,
	"title_zh" text NOT NULL,
	"body_en" text NOT NULL,
	"body_zh" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"read_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "preservation_extensions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"request_id" uuid NOT NULL,
	"days" integer NOT NULL,
	"reason" jsonb NOT NULL,
	"status" text NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"requested_by" text NOT NULL,
	"decided_at" timestamp with time zone,
	"decided_by" text,
	"new_expires_at" timestamp with time zone,
	"decision_note" jsonb
);
--> statement-breakpoint
CREATE TABLE "request_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"request_id" uuid NOT NULL,
	"event" text NOT NULL,
	"from_status" text,
	"to_status" text NOT NULL,
	"side" text NOT NULL,
	"node_id" text NOT NULL,
	"actor_user_id" uuid,
	"actor_label" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"msg_id" text
);
--> statement-breakpoint
CREATE TABLE "request_messages" (
	"id" uuid PRIMARY KEY NOT NULL,
	"request_id" uuid NOT NULL,
	"node_id" text NOT NULL,
	"author_user_id" uuid,
	"author_label" text NOT NULL,
	"body" jsonb NOT NULL,
	"attachments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"read_at" timestamp with time zone,
	"read_by_label" text
);
--> statement-breakpoint
CREATE TABLE "requests" (
	"id" uuid PRIMARY KEY NOT NULL,
	"reference" text NOT NULL,
	"direction" text NOT NULL,
	"peer_id" text,
	"owner_unit_id" uuid NOT NULL,
	"type" text NOT NULL,
	"urgency" text NOT NULL,
	"status" text NOT NULL,
	"title" text NOT NULL,
	"input" jsonb NOT NULL,
	"content" jsonb NOT NULL,
	"follow_up_of" uuid,
	"created_by" uuid,
	"created_by_label" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"acknowledged_at" timestamp with time zone,
	"answered_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"withdrawn_at" timestamp with time zone,
	"acknowledge_by" timestamp with time zone,
	"answer_by" timestamp with time zone,
	"next_due_at" timestamp with time zone,
	"due_soon_at" timestamp with time zone,
	"outcome" text,
	"answer" jsonb,
	"second_check" jsonb,
	"preservation_expires_at" timestamp with time zone,
	"requester_time_zone" text,
	"responder_time_zone" text,
	"escalation_level" integer DEFAULT 0 NOT NULL,
	"version" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fed_blob_chunks" (
	"origin" text NOT NULL,
	"blob_id" uuid NOT NULL,
	"idx" integer NOT NULL,
	"data" "bytea" NOT NULL,
	CONSTRAINT "fed_blob_chunks_origin_blob_id_idx_pk" PRIMARY KEY("origin","blob_id","idx")
);
--> statement-breakpoint
CREATE TABLE "fed_blobs" (
	"origin" text NOT NULL,
	"id" uuid NOT NULL,
	"sha256" text NOT NULL,
	"size" bigint NOT NULL,
	"name" text,
	"chunk_size" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "fed_blobs_origin_id_pk" PRIMARY KEY("origin","id")
);
--> statement-breakpoint
CREATE TABLE "fed_inbox" (
	"peer_id" text NOT NULL,
	"msg_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	"type" text NOT NULL,
	"header" jsonb NOT NULL,
	"payload" jsonb NOT NULL,
	"jws" text NOT NULL,
	"envelope_sha256" text NOT NULL,
	"status" text NOT NULL,
	"reason" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"received_at" timestamp with time zone NOT NULL,
	"applied_at" timestamp with time zone,
	CONSTRAINT "fed_inbox_peer_id_msg_id_pk" PRIMARY KEY("peer_id","msg_id")
);
--> statement-breakpoint
CREATE TABLE "fed_out_seq" (
	"peer_id" text PRIMARY KEY NOT NULL,
	"seq" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fed_outbox" (
	"msg_id" uuid PRIMARY KEY NOT NULL,
	"peer_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"type" text NOT NULL,
	"schema_version" integer NOT NULL,
	"payload" jsonb NOT NULL,
	"conversation" text,
	"in_reply_to" text,
	"attachments" jsonb,
	"created_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_until" timestamp with time zone,
	"last_error" text,
	"envelope" text,
	"receipt" text,
	"receipt_reason" text,
	"delivered_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	"cancelled_by" text,
	"original_type" text
);
--> statement-breakpoint
CREATE TABLE "fed_invitations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"secret_hash" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"used_by" text
);
--> statement-breakpoint
CREATE TABLE "fed_peers" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"name_zh" text,
	"base_url" text NOT NULL,
	"state" text NOT NULL,
	"public_keys" jsonb NOT NULL,
	"fingerprint" text NOT NULL,
	"in_seq" bigint DEFAULT 0 NOT NULL,
	"delivered_count" bigint DEFAULT 0 NOT NULL,
	"received_count" bigint DEFAULT 0 NOT NULL,
	"rejected_count" bigint DEFAULT 0 NOT NULL,
	"last_success_at" timestamp with time zone,
	"last_error_at" timestamp with time zone,
	"last_error" text,
	"rtt_ms" integer,
	"ping_rtt_ms" integer,
	"link_alert_at" timestamp with time zone,
	"state_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fed_pings" (
	"id" uuid PRIMARY KEY NOT NULL,
	"peer_id" text NOT NULL,
	"msg_id" uuid NOT NULL,
	"sent_at" timestamp with time zone NOT NULL,
	"answered_at" timestamp with time zone,
	"rtt_ms" integer,
	"requested_by" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "duty_shifts" ADD CONSTRAINT "duty_shifts_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "duty_shifts" ADD CONSTRAINT "duty_shifts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hotline_log" ADD CONSTRAINT "hotline_log_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "preservation_extensions" ADD CONSTRAINT "preservation_extensions_request_id_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_events" ADD CONSTRAINT "request_events_request_id_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_messages" ADD CONSTRAINT "request_messages_request_id_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "requests" ADD CONSTRAINT "requests_owner_unit_id_units_id_fk" FOREIGN KEY ("owner_unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "requests" ADD CONSTRAINT "requests_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fed_inbox" ADD CONSTRAINT "fed_inbox_peer_id_fed_peers_id_fk" FOREIGN KEY ("peer_id") REFERENCES "public"."fed_peers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fed_out_seq" ADD CONSTRAINT "fed_out_seq_peer_id_fed_peers_id_fk" FOREIGN KEY ("peer_id") REFERENCES "public"."fed_peers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fed_outbox" ADD CONSTRAINT "fed_outbox_peer_id_fed_peers_id_fk" FOREIGN KEY ("peer_id") REFERENCES "public"."fed_peers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fed_pings" ADD CONSTRAINT "fed_pings_peer_id_fed_peers_id_fk" FOREIGN KEY ("peer_id") REFERENCES "public"."fed_peers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "duty_shifts_unit_time" ON "duty_shifts" USING btree ("unit_id","starts_at","ends_at");--> statement-breakpoint
CREATE INDEX "hotline_log_unit" ON "hotline_log" USING btree ("unit_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "mail_outbox_due" ON "mail_outbox" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "notifications_user" ON "notifications" USING btree ("user_id","id");--> statement-breakpoint
CREATE INDEX "preservation_extensions_request" ON "preservation_extensions" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "request_events_request" ON "request_events" USING btree ("request_id","at");--> statement-breakpoint
CREATE INDEX "request_messages_request" ON "request_messages" USING btree ("request_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "requests_reference" ON "requests" USING btree ("reference");--> statement-breakpoint
CREATE INDEX "requests_board" ON "requests" USING btree ("owner_unit_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "requests_board_status" ON "requests" USING btree ("owner_unit_id","status","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "requests_board_type" ON "requests" USING btree ("owner_unit_id","type","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "requests_board_urgency" ON "requests" USING btree ("owner_unit_id","urgency","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "requests_board_direction" ON "requests" USING btree ("owner_unit_id","direction","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "requests_board_due" ON "requests" USING btree ("owner_unit_id","next_due_at") WHERE "requests"."next_due_at" is not null;--> statement-breakpoint
CREATE INDEX "requests_escalation_sweep" ON "requests" USING btree ("acknowledge_by") WHERE "requests"."acknowledged_at" is null and "requests"."status" in ('sent', 'delivered');--> statement-breakpoint
CREATE INDEX "requests_follow_up" ON "requests" USING btree ("follow_up_of");--> statement-breakpoint
CREATE INDEX "requests_sent_at" ON "requests" USING btree ("sent_at");--> statement-breakpoint
CREATE UNIQUE INDEX "fed_inbox_peer_seq" ON "fed_inbox" USING btree ("peer_id","seq");--> statement-breakpoint
CREATE INDEX "fed_inbox_held" ON "fed_inbox" USING btree ("peer_id","seq") WHERE status = 'held';--> statement-breakpoint
CREATE UNIQUE INDEX "fed_outbox_peer_seq" ON "fed_outbox" USING btree ("peer_id","seq");--> statement-breakpoint
CREATE INDEX "fed_outbox_due" ON "fed_outbox" USING btree ("next_attempt_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "fed_pings_peer" ON "fed_pings" USING btree ("peer_id","sent_at");