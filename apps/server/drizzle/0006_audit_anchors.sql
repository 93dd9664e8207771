CREATE TABLE "audit_anchor_queries" (
	"id" uuid PRIMARY KEY NOT NULL,
	"peer_id" text NOT NULL,
	"asked_at" timestamp with time zone NOT NULL,
	"answered_at" timestamp with time zone,
	"checkpoints" jsonb
);
--> statement-breakpoint
CREATE TABLE "audit_checkpoint_acks" (
	"peer_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"acked_at" timestamp with time zone NOT NULL,
	CONSTRAINT "audit_checkpoint_acks_peer_id_seq_pk" PRIMARY KEY("peer_id","seq")
);
--> statement-breakpoint
CREATE TABLE "audit_checkpoints" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"hash" text NOT NULL,
	"signed_at" timestamp with time zone NOT NULL,
	"jws" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_peer_checkpoints" (
	"peer_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"hash" text NOT NULL,
	"signed_at" timestamp with time zone NOT NULL,
	"jws" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	CONSTRAINT "audit_peer_checkpoints_peer_id_seq_pk" PRIMARY KEY("peer_id","seq")
);
--> statement-breakpoint
CREATE INDEX "audit_anchor_queries_peer" ON "audit_anchor_queries" USING btree ("peer_id","asked_at");
--> statement-breakpoint
-- The refusal names the table it guards, now that it guards more than one.
CREATE OR REPLACE FUNCTION crossline_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
-- Signed checkpoints are append-only like the trail they anchor (the same refusal as audit_log).
CREATE TRIGGER audit_checkpoints_no_update_delete BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION crossline_audit_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_peer_checkpoints_no_update_delete BEFORE UPDATE OR DELETE ON audit_peer_checkpoints
  FOR EACH ROW EXECUTE FUNCTION crossline_audit_append_only();
--> statement-breakpoint
REVOKE UPDATE, DELETE, TRUNCATE ON audit_checkpoints, audit_peer_checkpoints FROM PUBLIC;
