import { z } from "zod";
import { IsoDateTime } from "./common.js";

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
