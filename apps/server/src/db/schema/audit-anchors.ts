import { bigint, index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * Checkpoints this node signed over its own audit trail (insert only: the node's database role may not
 * change or remove one). Peers hold copies, which is what makes a rewrite of the trail visible.
 */
export const auditCheckpoints = pgTable("audit_checkpoints", {
  seq: bigint("seq", { mode: "number" }).primaryKey(),
  hash: text("hash").notNull(),
  signedAt: ts("signed_at").notNull(),
  jws: text("jws").notNull(),
});

/** A peer's acknowledgement that it holds one of our checkpoints. */
export const auditCheckpointAcks = pgTable(
  "audit_checkpoint_acks",
  {
    peerId: text("peer_id").notNull(),
    seq: bigint("seq", { mode: "number" }).notNull(),
    ackedAt: ts("acked_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.peerId, t.seq] })],
);

/**
 * Checkpoints peers signed over their trails and sent us to keep (insert only, like ours). The hash is part of
 * the key: after a peer was restored from a backup, its new trail passes positions it had signed before the
 * restore, and both copies are kept (the older ones set aside by `auditPeerRestores`).
 */
export const auditPeerCheckpoints = pgTable(
  "audit_peer_checkpoints",
  {
    peerId: text("peer_id").notNull(),
    seq: bigint("seq", { mode: "number" }).notNull(),
    hash: text("hash").notNull(),
    signedAt: ts("signed_at").notNull(),
    jws: text("jws").notNull(),
    receivedAt: ts("received_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.peerId, t.seq, t.hash] })],
);

/**
 * A peer said it was restored from a backup whose audit head was `baseSeq` (insert only): the checkpoints of
 * it we received before `restoredAt` at positions after `baseSeq` describe a trail it lost, and are set aside.
 */
export const auditPeerRestores = pgTable(
  "audit_peer_restores",
  {
    peerId: text("peer_id").notNull(),
    restoredAt: ts("restored_at").notNull(),
    baseSeq: bigint("base_seq", { mode: "number" }).notNull(),
    baseHash: text("base_hash").notNull(),
  },
  (t) => [primaryKey({ columns: [t.peerId, t.restoredAt] })],
);

/**
 * `audit verify` asking a peer for the checkpoints it holds for us, and the peer's answer (the JWS
 * strings, which verify with our own keys, so a forged answer written into this table shows up).
 */
export const auditAnchorQueries = pgTable(
  "audit_anchor_queries",
  {
    id: uuid("id").primaryKey(),
    peerId: text("peer_id").notNull(),
    askedAt: ts("asked_at").notNull(),
    answeredAt: ts("answered_at"),
    checkpoints: jsonb("checkpoints"),
  },
  (t) => [index("audit_anchor_queries_peer").on(t.peerId, t.askedAt)],
);
