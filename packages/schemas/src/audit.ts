import { z } from "zod";
import { IsoDateTime } from "./common.js";
import { AccessLogVerifyResult } from "./persons.js";

export const AuditEntry = z.object({
  seq: z.number().int(),
  at: IsoDateTime,
  actorType: z.enum(["user", "token", "system", "peer", "anonymous", "cli"]),
  actorId: z.string().nullable(),
  actorLabel: z.string(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  outcome: z.enum(["success", "failure", "denied", "rejected"]),
  ip: z.string().nullable(),
  requestId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** Entries with seq strictly below this (newest first paging). */
  before: z.coerce.number().int().min(1).optional(),
  action: z.string().max(100).optional(),
  actorId: z.string().max(100).optional(),
});

export const AuditVerifyResult = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  headSeq: z.number().int(),
  firstBad: z.object({ seq: z.number().int(), reason: z.string() }).nullable(),
  verifiedAt: IsoDateTime,
});
export type AuditVerifyResult = z.infer<typeof AuditVerifyResult>;

/**
 * A signed checkpoint of a node's audit trail: the hash of entry `seq`, signed by the node (JWS compact,
 * EdDSA, typ "crossline-audit-checkpoint+jws"). Peers keep the checkpoints they receive, so a rewrite of
 * the trail behind a checkpoint shows up even when whoever rewrote it also rewrote the local copies.
 */
export const AuditCheckpoint = z.object({
  nodeId: z.string(),
  seq: z.number().int(),
  hash: z.string(),
  signedAt: IsoDateTime,
  jws: z.string(),
  /** Peers that acknowledged holding it. */
  confirmedBy: z.array(z.object({ peerId: z.string(), at: IsoDateTime })),
});
export type AuditCheckpoint = z.infer<typeof AuditCheckpoint>;

export const AUDIT_ANCHOR_PROBLEMS = ["truncated", "rewritten", "bad_signature"] as const;
export const AUDIT_PEER_ANCHOR_STATES = ["ok", "disagrees", "no_answer", "not_asked"] as const;

/** How the local trail compares with the checkpoints this node signed and those its peers hold for it. */
export const AuditAnchorResult = z.object({
  ok: z.boolean(),
  /** Checkpoints compared with the local trail (own and peers' copies together). */
  checked: z.number().int(),
  latestOwn: z.object({ seq: z.number().int(), hash: z.string(), signedAt: IsoDateTime }).nullable(),
  peers: z.array(
    z.object({
      peerId: z.string(),
      state: z.enum(AUDIT_PEER_ANCHOR_STATES),
      askedAt: IsoDateTime.nullable(),
      answeredAt: IsoDateTime.nullable(),
      /** Checkpoints the peer holds for this node (in its answer). */
      held: z.number().int(),
      latest: z.object({ seq: z.number().int(), signedAt: IsoDateTime }).nullable(),
    }),
  ),
  problems: z.array(
    z.object({
      /** "own" for this node's stored checkpoints, else the peer whose copy disagrees. */
      source: z.string(),
      kind: z.enum(AUDIT_ANCHOR_PROBLEMS),
      seq: z.number().int(),
      /** The newest checkpointed entry below `seq` that still matches: the rewrite is after it (0: none). */
      sinceSeq: z.number().int(),
      signedAt: IsoDateTime.nullable(),
      reason: z.string(),
    }),
  ),
});
export type AuditAnchorResult = z.infer<typeof AuditAnchorResult>;

export const AuditVerifyAnchoredResult = AuditVerifyResult.extend({
  anchors: AuditAnchorResult,
  /** The access log's tie to the chain: every seal recomputed from its rows and matched with its audit entry. */
  accessLog: AccessLogVerifyResult,
});
export type AuditVerifyAnchoredResult = z.infer<typeof AuditVerifyAnchoredResult>;

export const AuditVerifyBody = z.strictObject({
  /** How long to wait for the peers' answers before comparing (0: compare with the answers already held). */
  waitSeconds: z.number().int().min(0).max(60).default(10),
});
