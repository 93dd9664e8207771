import type { JsonWebKey } from "node:crypto";
import { CompactSign, compactVerify, decodeProtectedHeader, importJWK } from "jose";
import type { PublicKeyJwk } from "../../crypto/keys.js";

export const CHECKPOINT_JWS_TYP = "crossline-audit-checkpoint+jws";

/** What a checkpoint commits to: entry `seq` of node `nodeId`'s trail has hash `hash`, as of `time`. */
export interface CheckpointClaims {
  nodeId: string;
  seq: number;
  hash: string;
  time: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

function parseClaims(v: unknown): CheckpointClaims {
  const c = v as Partial<CheckpointClaims> | null;
  if (
    !c ||
    typeof c.nodeId !== "string" ||
    !Number.isSafeInteger(c.seq) ||
    (c.seq as number) < 0 ||
    typeof c.hash !== "string" ||
    !HEX64.test(c.hash) ||
    typeof c.time !== "string" ||
    Number.isNaN(Date.parse(c.time))
  ) {
    throw new CheckpointError("checkpoint claims are malformed");
  }
  return { nodeId: c.nodeId, seq: c.seq as number, hash: c.hash, time: c.time };
}

export class CheckpointError extends Error {}

/**
 * Signs a checkpoint as a plain JWS (RFC 7515 compact, EdDSA over Ed25519, RFC 8037), so any JOSE library
 * verifies it with the node's published signing key. Checkpoints are rare, so `jose` alone is fast enough.
 */
export async function signCheckpoint(
  claims: CheckpointClaims,
  key: { kid: string; privateJwk: JsonWebKey },
): Promise<string> {
  const clean = parseClaims(claims);
  const k = await importJWK({ ...key.privateJwk, alg: "EdDSA" } as Parameters<typeof importJWK>[0], "EdDSA");
  return new CompactSign(new TextEncoder().encode(JSON.stringify(clean)))
    .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: CHECKPOINT_JWS_TYP })
    .sign(k);
}

/** Verifies a checkpoint with the signer's public signing keys (by kid); returns its claims or throws. */
export async function verifyCheckpoint(jws: string, keys: PublicKeyJwk[]): Promise<CheckpointClaims> {
  if (typeof jws !== "string" || jws.length > 8192) throw new CheckpointError("checkpoint is not a JWS");
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws);
  } catch {
    throw new CheckpointError("checkpoint is not a JWS");
  }
  if (header.alg !== "EdDSA" || header.typ !== CHECKPOINT_JWS_TYP) {
    throw new CheckpointError("checkpoint header is not EdDSA / crossline-audit-checkpoint+jws");
  }
  const jwk = keys.find(
    (k) => k.kid === header.kid && k.kty === "OKP" && k.crv === "Ed25519" && k.use !== "enc",
  );
  if (!jwk) throw new CheckpointError(`checkpoint signing key ${String(header.kid)} is not known`);
  let payload: Uint8Array;
  try {
    const { kid, x, kty, crv } = jwk;
    const pub = await importJWK({ kid, x, kty, crv, alg: "EdDSA" }, "EdDSA");
    payload = (await compactVerify(jws, pub, { algorithms: ["EdDSA"] })).payload;
  } catch {
    throw new CheckpointError("checkpoint signature does not verify");
  }
  try {
    return parseClaims(JSON.parse(new TextDecoder().decode(payload)));
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError("checkpoint payload is not JSON");
  }
}
