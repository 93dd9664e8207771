ALTER TABLE "fed_peers" ADD COLUMN "duplicate_count" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "fed_peers" ADD COLUMN "link_stop" jsonb;