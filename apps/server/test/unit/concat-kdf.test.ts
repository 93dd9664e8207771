import { createPrivateKey, createPublicKey, diffieHellman } from "node:crypto";
import { compactDecrypt, importJWK } from "jose";
import { describe, expect, it } from "vitest";
import { generateEncryptionKey } from "../../src/crypto/keys.js";
import { concatKdf, nativeEncryptEcdhEsA256Gcm, nativePublicKey } from "../../src/crypto/native-jose.js";

/** RFC 7518 Appendix C: ECDH-ES key agreement on P-256, A128GCM, apu "Alice", apv "Bob". */
const alice = {
  kty: "EC",
  crv: "P-256",
  x: "gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0",
  y: "SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps",
  d: "0_NxaRPUMQoAJt50Gz8YiTr8gRTwyEaCumd-MToTmIo",
};
const bob = {
  kty: "EC",
  crv: "P-256",
  x: "weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ",
  y: "e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck",
  d: "VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw",
};
const Z = Buffer.from([
  158, 86, 217, 29, 129, 113, 53, 211, 114, 131, 66, 131, 191, 132, 38, 156, 251, 49, 110, 163, 218, 128, 106,
  72, 246, 218, 167, 121, 140, 254, 144, 196,
]);
const DERIVED = Buffer.from([86, 170, 141, 234, 248, 35, 109, 32, 92, 34, 40, 205, 113, 167, 16, 26]);

describe("Concat KDF (RFC 7518 §4.6.2)", () => {
  it("derives the key of RFC 7518 Appendix C from its shared secret", () => {
    // Z itself comes from the appendix's two key pairs, so the whole vector is checked, not only the hash.
    const z = diffieHellman({
      privateKey: createPrivateKey({ key: alice, format: "jwk" }),
      publicKey: createPublicKey({ key: { kty: bob.kty, crv: bob.crv, x: bob.x, y: bob.y }, format: "jwk" }),
    });
    expect(z).toEqual(Z);
    const key = concatKdf(Z, {
      algorithmId: "A128GCM",
      keyBits: 128,
      apu: Buffer.from("Alice"),
      apv: Buffer.from("Bob"),
    });
    expect(key).toEqual(DERIVED);
    expect(key.toString("base64url")).toBe("VqqN6vgjbSBcIijNcacQGg");
  });

  it("is the derivation the envelope path uses: jose decrypts what the native path sealed", async () => {
    const recipient = generateEncryptionKey();
    const pub = nativePublicKey(recipient.publicJwk, "x25519");
    expect(pub).toBeDefined();
    const jwe = nativeEncryptEcdhEsA256Gcm(
      "kdf check",
      { alg: "ECDH-ES", enc: "A256GCM", kid: recipient.publicJwk.kid },
      pub!,
    );
    expect(jwe).toBeDefined();
    const key = await importJWK(recipient.privateJwk, "ECDH-ES");
    const { plaintext } = await compactDecrypt(jwe!, key);
    expect(new TextDecoder().decode(plaintext)).toBe("kdf check");
  });
});
