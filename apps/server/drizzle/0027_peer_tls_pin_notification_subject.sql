ALTER TABLE "fed_peers" ADD COLUMN "tls_pin" text;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "subject_id" uuid;--> statement-breakpoint
CREATE INDEX "notifications_unread_request" ON "notifications" USING btree ("request_id") WHERE "notifications"."read_at" is null and "notifications"."request_id" is not null;--> statement-breakpoint
CREATE INDEX "notifications_unread_subject" ON "notifications" USING btree ("subject_id") WHERE "notifications"."read_at" is null and "notifications"."subject_id" is not null;