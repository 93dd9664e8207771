ALTER TABLE "fed_inbox" DROP CONSTRAINT "fed_inbox_status_check";--> statement-breakpoint
CREATE INDEX "fed_inbox_deferred" ON "fed_inbox" USING btree ("peer_id","seq") WHERE status = 'deferred';--> statement-breakpoint
ALTER TABLE "fed_inbox" ADD CONSTRAINT "fed_inbox_status_check" CHECK ("status" in ('held', 'applied', 'rejected', 'deferred'));