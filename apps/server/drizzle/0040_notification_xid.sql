-- The column first, its default after: rows written before stay null (no rewrite of the table, and they are
-- never streamed again); each row written from now on carries the transaction that wrote it.
ALTER TABLE "notifications" ADD COLUMN "xid" "xid8";--> statement-breakpoint
ALTER TABLE "notifications" ALTER COLUMN "xid" SET DEFAULT pg_current_xact_id();--> statement-breakpoint
CREATE INDEX "notifications_user_xid" ON "notifications" USING btree ("user_id","xid");
