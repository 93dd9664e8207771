DROP INDEX "hotline_log_unit";--> statement-breakpoint
CREATE INDEX "fed_outbox_peer_due" ON "fed_outbox" USING btree ("peer_id","next_attempt_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "fed_outbox_peer_leased" ON "fed_outbox" USING btree ("peer_id","lease_until") WHERE status = 'pending' and lease_until is not null;--> statement-breakpoint
CREATE INDEX "hotline_log_unit" ON "hotline_log" USING btree ("unit_id","at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
ALTER TABLE "fed_inbox" ADD CONSTRAINT "fed_inbox_status_check" CHECK ("status" in ('held', 'applied', 'rejected'));--> statement-breakpoint
ALTER TABLE "fed_inbox" ADD CONSTRAINT "fed_inbox_seq_positive" CHECK ("fed_inbox"."seq" > 0);--> statement-breakpoint
ALTER TABLE "fed_outbox" ADD CONSTRAINT "fed_outbox_status_check" CHECK ("status" in ('pending', 'delivered', 'rejected', 'cancelled'));--> statement-breakpoint
ALTER TABLE "fed_outbox" ADD CONSTRAINT "fed_outbox_attempts_check" CHECK ("fed_outbox"."attempts" >= 0);--> statement-breakpoint
ALTER TABLE "fed_peers" ADD CONSTRAINT "fed_peers_state_check" CHECK ("state" in ('pending', 'active', 'suspended', 'revoked'));--> statement-breakpoint
ALTER TABLE "fed_peers" ADD CONSTRAINT "fed_peers_in_seq_check" CHECK ("fed_peers"."in_seq" >= 0);