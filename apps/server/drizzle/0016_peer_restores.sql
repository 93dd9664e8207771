CREATE TABLE "audit_peer_restores" (
	"peer_id" text NOT NULL,
	"restored_at" timestamp with time zone NOT NULL,
	"base_seq" bigint NOT NULL,
	"base_hash" text NOT NULL,
	CONSTRAINT "audit_peer_restores_peer_id_restored_at_pk" PRIMARY KEY("peer_id","restored_at")
);
--> statement-breakpoint
ALTER TABLE "audit_peer_checkpoints" DROP CONSTRAINT "audit_peer_checkpoints_peer_id_seq_pk";--> statement-breakpoint
ALTER TABLE "audit_peer_checkpoints" ADD CONSTRAINT "audit_peer_checkpoints_peer_id_seq_hash_pk" PRIMARY KEY("peer_id","seq","hash");--> statement-breakpoint
-- A peer's restore is evidence like the checkpoints it sets aside: insert only.
CREATE TRIGGER audit_peer_restores_no_update_delete BEFORE UPDATE OR DELETE ON audit_peer_restores
  FOR EACH ROW EXECUTE FUNCTION crossline_audit_append_only();
--> statement-breakpoint
REVOKE UPDATE, DELETE, TRUNCATE ON audit_peer_restores FROM PUBLIC;
