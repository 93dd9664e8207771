DROP INDEX "fed_outbox_due";--> statement-breakpoint
CREATE INDEX "fed_outbox_peer_pending" ON "fed_outbox" USING btree ("peer_id","seq") WHERE status = 'pending';