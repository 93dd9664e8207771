import { sha256Hex } from "../../crypto/hash.js";
import { canonicalJson } from "../../lib/canonical-json.js";

export const GENESIS_HASH = "0".repeat(64);

/** The fields an entry's hash commits to (everything but the hash itself). */
export interface AuditFields {
  seq: number;
  at: Date;
  actorType: string;
  actorId: string | null;
  actorLabel: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: string;
  ip: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
  prevHash: string;
}

/** hash = SHA-256(prevHash ‖ "\n" ‖ canonical JSON of the entry's fields). */
export function auditHash(f: AuditFields): string {
  return sha256Hex(`${f.prevHash}\n${canonicalJson(hashedFields(f))}`);
}

/** The fields an entry's hash commits to, as hashed (auditHash; appendAudit splits them around `seq`). */
export function hashedFields(f: Omit<AuditFields, "prevHash">): Record<string, unknown> {
  return {
    seq: f.seq,
    at: f.at.toISOString(),
    actorType: f.actorType,
    actorId: f.actorId,
    actorLabel: f.actorLabel,
    action: f.action,
    targetType: f.targetType,
    targetId: f.targetId,
    outcome: f.outcome,
    ip: f.ip,
    requestId: f.requestId,
    details: f.details,
  };
}
