import { createPublicKey, verify as edVerify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateSigningKey } from "../../src/crypto/keys.js";
import {
  CHECKPOINT_JWS_TYP,
  CheckpointError,
  signCheckpoint,
  verifyCheckpoint,
} from "../../src/modules/audit/audit.checkpoint.js";

const claims = { nodeId: "CN-MPS", seq: 42, hash: "ab".repeat(32), time: "2026-12-02T03:00:00.000Z" };

describe("audit checkpoints", () => {
  const key = generateSigningKey();
  const other = generateSigningKey();

  it("are plain RFC 7515 / 8037 JWS: Ed25519 over `header.payload` with the published key verifies", async () => {
    const jws = await signCheckpoint(claims, key);
    const [h, p, s] = jws.split(".");
    expect(JSON.parse(Buffer.from(h, "base64url").toString())).toEqual({
      alg: "EdDSA",
      kid: key.kid,
      typ: CHECKPOINT_JWS_TYP,
    });
    expect(JSON.parse(Buffer.from(p, "base64url").toString())).toEqual(claims);
    // Checked with node:crypto alone, not with the library that signed it.
    const pub = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: key.publicJwk.x }, format: "jwk" });
    expect(edVerify(null, Buffer.from(`${h}.${p}`), pub, Buffer.from(s, "base64url"))).toBe(true);
    expect(await verifyCheckpoint(jws, [key.publicJwk])).toEqual(claims);
  });

  it("refuse an edited payload, an unknown key and a signature by another key", async () => {
    const jws = await signCheckpoint(claims, key);
    const [h, , s] = jws.split(".");
    const forged = Buffer.from(JSON.stringify({ ...claims, hash: "cd".repeat(32) })).toString("base64url");
    await expect(verifyCheckpoint(`${h}.${forged}.${s}`, [key.publicJwk])).rejects.toThrow(/does not verify/);
    await expect(verifyCheckpoint(jws, [other.publicJwk])).rejects.toThrow(/not known/);
    const swapped = await signCheckpoint(claims, { kid: key.kid, privateJwk: other.privateJwk });
    await expect(verifyCheckpoint(swapped, [key.publicJwk])).rejects.toThrow(CheckpointError);
    await expect(verifyCheckpoint("not.a.jws", [key.publicJwk])).rejects.toThrow(CheckpointError);
  });

  it("refuse malformed claims before signing", async () => {
    await expect(signCheckpoint({ ...claims, hash: "xyz" }, key)).rejects.toThrow(/malformed/);
    await expect(signCheckpoint({ ...claims, seq: -1 }, key)).rejects.toThrow(/malformed/);
  });
});
