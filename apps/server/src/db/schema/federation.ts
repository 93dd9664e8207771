import { INBOX_STATUSES, OUTBOX_STATUSES, type PeerKey } from "@crossline/schemas";
import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { EnvelopeAttachment, EnvelopeHeader } from "../../crypto/envelope.js";
import { col, oneOf } from "./checks.js";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (v) => (Buffer.isBuffer(v) ? v : Buffer.from(v)),
});

/** Why delivery to a peer is stopped (see `peers.linkStop`). */
export type LinkStop = SequenceConflictStop | RestoredStop;

export interface SequenceConflictStop {
  reason: "SEQUENCE_CONFLICT";
  at: string;
  msgId: string;
  seq: number;
  /** The highest sequence number the peer holds from us, as it said in its answer. */
  peerHighestSeq: number | null;
}

/** This node was restored from a backup: nothing goes to the peer until they have reconciled (federation.restore.ts). */
export interface RestoredStop {
  reason: "RESTORED";
  at: string;
  backupAt: string;
  /** The audit head the backup held. */
  auditBase: { seq: number; hash: string };
  /**
   * The last sequence number the backup had given a message to the peer: messages queued after the restore
   * (replies to what the peer sends again, before the reconciliation's answer is in) are numbered above it and
   * renumbered after what the peer holds. Absent in stops written before it was kept.
   */
  outSeq?: number;
}

export const PEER_STATES = ["pending", "active", "suspended", "revoked"] as const;
export type PeerState = (typeof PEER_STATES)[number];

/**
 * Paired nodes. The row also carries the two per-peer sequence counters (the row lock
 * orders enqueuers and inbox writers across every process of the node) and link health.
 */
export const peers = pgTable(
  "fed_peers",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    nameZh: text("name_zh"),
    baseUrl: text("base_url").notNull(),
    state: text("state", { enum: PEER_STATES }).notNull(),
    /** Public JWKs (signing and encryption) currently accepted for this peer, with a status each. */
    publicKeys: jsonb("public_keys").$type<PeerKey[]>().notNull(),
    /** Fingerprint of both nodes' keys at pairing, the same on both sides. */
    fingerprint: text("fingerprint").notNull(),
    /**
     * The pin of the peer's TLS certificate (`sha256/` + base64 SHA-256 of its SubjectPublicKeyInfo), agreed at
     * pairing or set later by an administrator; null: the certificate is only verified against the authorities.
     */
    tlsPin: text("tls_pin"),
    /** Highest incoming sequence number applied (or consumed by a content rejection). */
    inSeq: bigint("in_seq", { mode: "number" }).notNull().default(0),
    deliveredCount: bigint("delivered_count", { mode: "number" }).notNull().default(0),
    receivedCount: bigint("received_count", { mode: "number" }).notNull().default(0),
    rejectedCount: bigint("rejected_count", { mode: "number" }).notNull().default(0),
    /** Harmless resends of a message already received (REPLAYED), counted apart from real rejections. */
    duplicateCount: bigint("duplicate_count", { mode: "number" }).notNull().default(0),
    /**
     * Set when delivery to this peer is stopped until an operator acts: the peer holds one of our sequence
     * numbers under another message id (e.g. this node was restored from an older backup). Nothing is claimed
     * for the peer while it is set; the pending messages stay queued.
     */
    linkStop: jsonb("link_stop").$type<LinkStop>(),
    lastSuccessAt: ts("last_success_at"),
    /**
     * The source address the peer's genuine envelopes last came from (set when one opened and verified): it
     * keeps its own budget of failed opens, so forgers elsewhere cannot hold the peer's link shut.
     */
    lastInboundIp: text("last_inbound_ip"),
    lastErrorAt: ts("last_error_at"),
    lastError: text("last_error"),
    rttMs: integer("rtt_ms"),
    pingRttMs: integer("ping_rtt_ms"),
    /** The software release the peer last told, in a ping or a pong (lib/release.ts). */
    release: text("release"),
    linkAlertAt: ts("link_alert_at"),
    stateChangedAt: ts("state_changed_at").notNull().defaultNow(),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [
    check("fed_peers_state_check", oneOf(col("state"), PEER_STATES)),
    check("fed_peers_in_seq_check", sql`${t.inSeq} >= 0`),
  ],
);

/**
 * Last sequence number handed out per peer for outgoing envelopes. Its own row, so enqueuers (who hold its lock
 * until their transaction commits) do not wait on inbox or link-health writes to the peer row.
 */
export const outSeq = pgTable("fed_out_seq", {
  peerId: text("peer_id")
    .primaryKey()
    .references(() => peers.id),
  seq: bigint("seq", { mode: "number" }).notNull().default(0),
});

/** Single-use pairing invitations issued by this node; only the secret's hash is kept. */
export const peerInvitations = pgTable("fed_invitations", {
  id: uuid("id").primaryKey(),
  secretHash: text("secret_hash").notNull(),
  createdBy: text("created_by").notNull(),
  createdAt: ts("created_at").notNull().defaultNow(),
  expiresAt: ts("expires_at").notNull(),
  usedAt: ts("used_at"),
  usedBy: text("used_by"),
});

export { OUTBOX_STATUSES, type OutboxStatus } from "@crossline/schemas";

/** The transactional outbox: one row per outgoing envelope, queued in the transaction of its cause. */
export const outbox = pgTable(
  "fed_outbox",
  {
    msgId: uuid("msg_id").primaryKey(),
    peerId: text("peer_id")
      .notNull()
      .references(() => peers.id),
    seq: bigint("seq", { mode: "number" }).notNull(),
    type: text("type").notNull(),
    schemaVersion: integer("schema_version").notNull(),
    payload: jsonb("payload").notNull(),
    conversation: text("conversation"),
    inReplyTo: text("in_reply_to"),
    attachments: jsonb("attachments").$type<EnvelopeAttachment[]>(),
    createdAt: ts("created_at").notNull(),
    status: text("status", { enum: OUTBOX_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: ts("next_attempt_at").notNull().defaultNow(),
    leaseUntil: ts("lease_until"),
    /**
     * The presence key of the process that leased the row (PostgreSQL: its session advisory lock, db/client.ts
     * `holdPresence`); a lease whose process is gone is released at once (federation.repo.ts
     * `releaseDeadLeases`) rather than when it expires. Null on PGlite.
     */
    leasedBy: integer("leased_by"),
    lastError: text("last_error"),
    /** The JWE as last sent, and the signed receipt the peer returned for it. */
    envelope: text("envelope"),
    receipt: text("receipt"),
    receiptReason: text("receipt_reason"),
    deliveredAt: ts("delivered_at"),
    /** Set when an admin cancelled the message: it then travels as a "federation.void" tombstone in its seq. */
    cancelledAt: ts("cancelled_at"),
    cancelledBy: text("cancelled_by"),
    originalType: text("original_type"),
  },
  (t) => [
    uniqueIndex("fed_outbox_peer_seq").on(t.peerId, t.seq),
    // The claim picks a peer with due work and no batch in flight: both looked up per peer, pending rows only.
    index("fed_outbox_peer_due").on(t.peerId, t.nextAttemptAt).where(sql`status = 'pending'`),
    // ...then takes that peer's first pending messages in sequence order: read in order from this index, never
    // through the messages already delivered (fed_outbox_peer_seq holds them all) nor sorted. Queries over every
    // peer's pending messages read it whole (the generic due index it replaced served nothing else).
    index("fed_outbox_peer_pending").on(t.peerId, t.seq).where(sql`status = 'pending'`),
    index("fed_outbox_peer_leased")
      .on(t.peerId, t.leaseUntil)
      .where(sql`status = 'pending' and lease_until is not null`),
    check("fed_outbox_status_check", oneOf(col("status"), OUTBOX_STATUSES)),
    check("fed_outbox_attempts_check", sql`${t.attempts} >= 0`),
  ],
);

export { INBOX_STATUSES, type InboxStatus } from "@crossline/schemas";

/** Every envelope received and accepted (or consumed by a content rejection), with the sender's signed JWS. */
export const inbox = pgTable(
  "fed_inbox",
  {
    peerId: text("peer_id")
      .notNull()
      .references(() => peers.id),
    msgId: uuid("msg_id").notNull(),
    seq: bigint("seq", { mode: "number" }).notNull(),
    type: text("type").notNull(),
    header: jsonb("header").$type<EnvelopeHeader>().notNull(),
    payload: jsonb("payload").notNull(),
    /** The sender's JWS: its signed proof of what it sent. */
    jws: text("jws").notNull(),
    envelopeSha256: text("envelope_sha256").notNull(),
    status: text("status", { enum: INBOX_STATUSES }).notNull(),
    reason: text("reason"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    receivedAt: ts("received_at").notNull(),
    appliedAt: ts("applied_at"),
  },
  (t) => [
    primaryKey({ columns: [t.peerId, t.msgId] }),
    uniqueIndex("fed_inbox_peer_seq").on(t.peerId, t.seq),
    index("fed_inbox_held").on(t.peerId, t.seq).where(sql`status = 'held'`),
    /** Messages kept for a later release (few, and looked for at each start). */
    index("fed_inbox_deferred").on(t.peerId, t.seq).where(sql`status = 'deferred'`),
    check("fed_inbox_status_check", oneOf(col("status"), INBOX_STATUSES)),
    check("fed_inbox_seq_positive", sql`${t.seq} > 0`),
  ],
);

/** Hotline tests: one row per ping sent, answered by the peer's pong. */
export const pings = pgTable(
  "fed_pings",
  {
    id: uuid("id").primaryKey(),
    peerId: text("peer_id")
      .notNull()
      .references(() => peers.id),
    msgId: uuid("msg_id").notNull(),
    sentAt: ts("sent_at").notNull(),
    answeredAt: ts("answered_at"),
    rttMs: integer("rtt_ms"),
    requestedBy: text("requested_by").notNull(),
  },
  (t) => [index("fed_pings_peer").on(t.peerId, t.sentAt)],
);

/**
 * Attachments, outgoing (origin = this node) and incoming (origin = the peer), stored
 * as chunks so a transfer resumes where it stopped. `completedAt` is set once every
 * chunk is present and the bytes hash to `sha256`.
 */
export const blobs = pgTable(
  "fed_blobs",
  {
    origin: text("origin").notNull(),
    id: uuid("id").notNull(),
    sha256: text("sha256").notNull(),
    size: bigint("size", { mode: "number" }).notNull(),
    name: text("name"),
    chunkSize: integer("chunk_size").notNull(),
    createdAt: ts("created_at").notNull().defaultNow(),
    completedAt: ts("completed_at"),
    /**
     * Set when the record naming the blob was erased while an outgoing envelope still waiting for delivery
     * carried it (BlobPort.eraseBlobs): no longer served to anyone here, its bytes go once no pending envelope
     * names it (delivered, rejected or cancelled), by the federation worker's sweep (attachments.eraseReleased).
     */
    eraseRequestedAt: ts("erase_requested_at"),
  },
  (t) => [
    primaryKey({ columns: [t.origin, t.id] }),
    // The sweep reads only the marked blobs: few, and none most of the time.
    index("fed_blobs_erase_pending").on(t.eraseRequestedAt).where(sql`erase_requested_at is not null`),
  ],
);

export const blobChunks = pgTable(
  "fed_blob_chunks",
  {
    origin: text("origin").notNull(),
    blobId: uuid("blob_id").notNull(),
    idx: integer("idx").notNull(),
    data: bytea("data").notNull(),
  },
  (t) => [primaryKey({ columns: [t.origin, t.blobId, t.idx] })],
);
