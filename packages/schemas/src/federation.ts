import { z } from "zod";

/**
 * What nodes say to each other about the transport itself: the node card exchanged at pairing, the
 * invitation, the payloads of the built-in message types, and the administration views of the outbox,
 * inbox and hotline tests. Shared so the server parses and the console reads the same shapes.
 */

const MAX_TYPE_LEN = 100;

/** A public key a peer presents (Ed25519 for signatures, X25519 for encryption), with its rotation status. */
export const PeerKey = z.object({
  kty: z.literal("OKP"),
  crv: z.enum(["Ed25519", "X25519"]),
  x: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  kid: z.string().min(1).max(100),
  use: z.enum(["sig", "enc"]),
  alg: z.string().max(20).optional(),
  status: z.enum(["active", "retiring"]).default("active"),
});
export type PeerKey = z.output<typeof PeerKey>;
export const PeerKeys = z.array(PeerKey).min(2).max(8);

/** Who a node is and where it answers: sent at pairing, inside the invitation and the pairing proof. */
export const NodeCard = z.object({
  id: z.string().min(1).max(64),
  name: z.string().min(1).max(200),
  nameZh: z.string().max(200).nullish(),
  url: z.url().max(500),
  publicKeys: PeerKeys,
});
export type NodeCard = z.infer<typeof NodeCard>;

/** The body of a `CLINV1.` invitation: the inviting node's card, a single-use secret and its expiry. */
export const FederationInvitation = NodeCard.extend({
  v: z.literal(1),
  invitationId: z.uuid(),
  secret: z.string().min(20).max(100),
  expiresAt: z.string().max(40),
});
export type FederationInvitation = z.infer<typeof FederationInvitation>;

/** What the hotline test and the other built-in message types carry. */
/** The sender's software release (`lib/release.ts`), so each side knows which release the other runs. */
const Release = z.string().min(1).max(40);
export const PingPayload = z.strictObject({
  pingId: z.uuid(),
  sentAt: z.string().max(40),
  release: Release.optional(),
});
export const PongPayload = z.strictObject({
  pingId: z.uuid(),
  pingSentAt: z.string().max(40),
  release: Release.optional(),
});
export const KeysPayload = z.strictObject({ publicKeys: PeerKeys });
export const VoidPayload = z.strictObject({
  cancelledType: z.string().max(MAX_TYPE_LEN),
  reason: z.string().max(500),
});
export const NoticePayload = z.strictObject({
  text: z.string().min(1).max(4000),
  language: z.enum(["en", "zh-CN"]),
});

/** A sender re-sequenced its pending messages after a sequence conflict (told to the peer, audited there). */
export const ResequencedPayload = z.strictObject({
  firstSeq: z.number().int().positive(),
  count: z.number().int().nonnegative(),
  conflictSeq: z.number().int().nonnegative().nullable(),
});
/** A receiver refused a message it had accepted, for good, when applying it (or an operator skipped it). */
export const RejectedPayload = z.strictObject({
  msgId: z.uuid(),
  seq: z.number().int().positive(),
  code: z.string().min(1).max(100),
  detail: z.string().max(500),
});

/** A receiver's answer to one envelope of a batch. */
export const EnvelopeResult = z.object({
  status: z.enum(["accepted", "rejected"]),
  reason: z.string().optional(),
  /**
   * Signed receipt (absent only when the envelope is too malformed to address one, or when the answer carries a
   * batch receipt: then `proof` places this envelope's item in it).
   */
  receipt: z.string().optional(),
  /** With a batch receipt: the item's index in its tree and its audit path (RFC 9162, hex). */
  proof: z.object({ index: z.number().int().nonnegative(), path: z.array(z.string()).max(64) }).optional(),
  /** For REPLAYED: the receipt of the copy received first. */
  original: z.string().optional(),
  /** The sequence number the receiver waits for from the sender next (the sender resends it first). */
  waitingFor: z.number().int().nonnegative().optional(),
  /** For SEQUENCE_CONFLICT: the highest sequence number the receiver holds from the sender. */
  highestSeq: z.number().int().nonnegative().optional(),
});
export type EnvelopeResult = z.infer<typeof EnvelopeResult>;

/** A receiver's answer to a delivery (docs/federation.md §3, §3.1). */
export const DeliveryAnswer = z.object({
  results: z.array(EnvelopeResult),
  /** Asked for with `receipt: "batch"`: one signed receipt over every envelope of the request. */
  batchReceipt: z.string().optional(),
  /** What this receiver can do, e.g. "batch-receipt-v1": the sender asks for a batch receipt next time. */
  capabilities: z.array(z.string().max(50)).max(20).optional(),
});
export type DeliveryAnswer = z.infer<typeof DeliveryAnswer>;

/** What became of an outgoing envelope: queued, delivered (receipt stored), rejected by the peer, cancelled here. */
export const OUTBOX_STATUSES = ["pending", "delivered", "rejected", "cancelled"] as const;
export const OutboxStatus = z.enum(OUTBOX_STATUSES);
export type OutboxStatus = z.infer<typeof OutboxStatus>;

/**
 * What became of a received envelope: held for an earlier one, applied, rejected by its content, or deferred: a
 * message of a type, or a `schemaVersion` of a type, that this node's release does not read yet (the sender runs
 * a newer one), kept and applied once this node is upgraded (docs/decisions/0006).
 */
export const INBOX_STATUSES = ["held", "applied", "rejected", "deferred"] as const;
export const InboxStatus = z.enum(INBOX_STATUSES);
export type InboxStatus = z.infer<typeof InboxStatus>;

/** The envelope's own checks (crypto/envelope.ts on the server throws EnvelopeError with one of these). */
export const ENVELOPE_REJECT_CODES = [
  "MALFORMED",
  "WRONG_RECIPIENT",
  "UNKNOWN_KEY",
  "BAD_SIGNATURE",
  "DECRYPT_FAILED",
  "HEADER_MISMATCH",
  "OVERSIZE",
] as const;

/**
 * Why a receiver refuses an envelope (docs/federation.md, "Reject codes"): in its signed receipt, in an audit
 * entry on the receiver, and on the sender's outbox row and link health. The envelope's own checks first.
 */
export const REJECT_REASONS = [
  ...ENVELOPE_REJECT_CODES,
  "UNKNOWN_SENDER",
  "PEER_PENDING",
  "PEER_SUSPENDED",
  "PEER_REVOKED",
  "REPLAYED",
  "UNKNOWN_TYPE",
  "SCHEMA_INVALID",
  "ATTACHMENT_MISSING",
  "SEQUENCE_CONFLICT",
  "HANDLER_REJECTED",
  /** An operator gave up on a held message (consumed, never applied): the sender's outbox row shows it. */
  "SKIPPED_BY_OPERATOR",
  "RATE_LIMITED",
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** One outgoing envelope as the administration lists it. */
export const OutboxItem = z.object({
  msgId: z.string(),
  seq: z.number(),
  type: z.string(),
  originalType: z.string().nullable(),
  status: OutboxStatus,
  attempts: z.number(),
  createdAt: z.string(),
  nextAttemptAt: z.string(),
  deliveredAt: z.string().nullable(),
  cancelledAt: z.string().nullable(),
  lastError: z.string().nullable(),
  receiptReason: z.string().nullable(),
  receipt: z.string().nullable(),
  inReplyTo: z.string().nullable(),
});
export type OutboxItem = z.infer<typeof OutboxItem>;

/** One received envelope as the administration lists it, with the sender's signed JWS. */
/**
 * A transport view: what travelled and what became of it, never what it said. The content (a request's form,
 * a notice's text) is read through the domain that owns it, under that domain's need to know.
 */
export const InboxItem = z.object({
  msgId: z.string(),
  seq: z.number(),
  type: z.string(),
  status: InboxStatus,
  reason: z.string().nullable(),
  /** Bytes of the sender's signed JWS. */
  size: z.number(),
  receivedAt: z.string(),
  appliedAt: z.string().nullable(),
  attempts: z.number(),
  lastError: z.string().nullable(),
  /** The payload's version, as the envelope's header gives it. */
  schemaVersion: z.number(),
  /**
   * The highest version of this type that this node's release reads; null for a type it does not know. Above
   * `schemaVersion`, or null, is why a message is deferred (kept until this node is upgraded).
   */
  readsUpTo: z.number().nullable(),
});
export type InboxItem = z.infer<typeof InboxItem>;

/** One hotline test (ping) and its answer. */
export const PingItem = z.object({
  pingId: z.string(),
  msgId: z.string(),
  sentAt: z.string(),
  answeredAt: z.string().nullable(),
  rttMs: z.number().nullable(),
  requestedBy: z.string(),
});
export type PingItem = z.infer<typeof PingItem>;

/*
 * Signed statements between nodes outside envelopes (JWS compact, EdDSA, a `typ` each). Their claims are
 * parsed with these after the signature verifies; the checks of who and what (recipient, invitation, op) stay
 * with the receiver.
 */

/** The accepting node's proof at pairing: the invitation's secret, and its own card. */
export const PairingProofClaims = z.object({
  invitationId: z.string().max(100),
  secret: z.string().max(200),
  recipient: z.string().max(64),
  node: NodeCard,
  /**
   * The last sequence number the signer used towards the recipient (0 when never paired). On re-pairing a
   * revoked peer, the recipient starts expecting the number after it: what was cancelled by the revocation
   * never comes, and nothing after it is held behind that gap.
   */
  lastSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});
export type PairingProofClaims = z.infer<typeof PairingProofClaims>;

/** The inviting node's signed answer to a pairing proof. */
export const PairingReplyClaims = z.object({
  invitationId: z.string().max(100),
  peer: z.string().max(64),
  fingerprint: z.string().max(100),
  node: z.string().max(64),
  /** As in the proof: the inviting node's last sequence number towards the accepting one. */
  lastSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});
export type PairingReplyClaims = z.infer<typeof PairingReplyClaims>;

/** A control notice from a peer (today only "you are revoked"). */
export const ControlNoticeClaims = z.object({
  action: z.string().max(40),
  sender: z.string().max(64),
  recipient: z.string().max(64),
  at: z.string().max(40),
  nonce: z.string().max(100),
});
export type ControlNoticeClaims = z.infer<typeof ControlNoticeClaims>;

/** Authorises one attachment operation: asking what the receiver holds, or putting one chunk. */
export const ChunkAuthClaims = z.object({
  sender: z.string().max(64),
  recipient: z.string().max(64),
  attachmentId: z.string().max(100),
  op: z.enum(["status", "put"]),
});
/** The signed description of one chunk and of the whole attachment it belongs to. */
export const ChunkPutClaims = ChunkAuthClaims.extend({
  op: z.literal("put"),
  idx: z.number().int().min(0),
  chunkSha256: z.string().regex(/^[0-9a-f]{64}$/),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  chunkSize: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  name: z.string().nullish(),
});
export type ChunkPutClaims = z.infer<typeof ChunkPutClaims>;
