import { execFile } from "node:child_process";
import { createPrivateKey, createPublicKey, diffieHellman, sign, verify } from "node:crypto";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { generateEncryptionKey, generateSigningKey } from "../../src/crypto/keys.js";
import { nativePrivateKey } from "../../src/crypto/native-jose.js";
import { generateEphemeralX25519, generateOkpJwk } from "../../src/crypto/okp-generate.js";

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/crypto");
const ROOT = path.resolve(SRC, "../../../..");

describe("OKP keys encoded by their generation (okp-generate.ts)", () => {
  it("a generated pair's x is the public key of its d, for both key types", () => {
    for (const type of ["ed25519", "x25519"] as const) {
      const { crv, x, d } = generateOkpJwk(type);
      expect(crv).toBe(type === "ed25519" ? "Ed25519" : "X25519");
      const priv = createPrivateKey({ key: { kty: "OKP", crv, x, d }, format: "jwk" });
      expect(
        createPublicKey(priv).export({ format: "der", type: "spki" }).subarray(12).toString("base64url"),
      ).toBe(x);
    }
  });

  it("an ephemeral X25519 key agrees with the recipient on the same secret", () => {
    const recipient = generateOkpJwk("x25519");
    const recipientPriv = createPrivateKey({ key: { kty: "OKP", ...recipient }, format: "jwk" });
    const { privateKey, x } = generateEphemeralX25519();
    const ours = diffieHellman({ privateKey, publicKey: createPublicKey(recipientPriv) });
    const theirs = diffieHellman({
      privateKey: recipientPriv,
      publicKey: createPublicKey({ key: { kty: "OKP", crv: "X25519", x }, format: "jwk" }),
    });
    expect(ours.length).toBe(32);
    expect(ours.equals(theirs)).toBe(true);
  });

  it("generated node keys are consistent JWKs: the private key signs, the public JWK verifies", () => {
    const k = generateSigningKey();
    const priv = createPrivateKey({ key: { ...k.privateJwk }, format: "jwk" });
    const pub = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: k.publicJwk.x }, format: "jwk" });
    expect(verify(null, Buffer.from("crossline"), pub, sign(null, Buffer.from("crossline"), priv))).toBe(
      true,
    );
    const e = generateEncryptionKey();
    expect(e.publicJwk.crv).toBe("X25519");
    // the native importer accepts it only when x matches d
    expect(nativePrivateKey(e.privateJwk, "x25519")).toBeDefined();
    expect(
      nativePrivateKey({ ...e.privateJwk, x: generateEncryptionKey().publicJwk.x }, "x25519"),
    ).toBeUndefined();
  });

  /**
   * The deadlock okp-generate.ts avoids: with a JWK export after the generation, loops like these stopped for
   * good (event loop blocked, CPU idle) before 20,000 keys on Node 20.20. They run in a child process, which is
   * killed if it hangs: the test then fails instead of hanging the run.
   */
  it("generating many node keys and sealing many envelopes never stops the process", async () => {
    const url = (f: string) => JSON.stringify(pathToFileURL(path.join(SRC, f)).href);
    const script = `
      import { generateEncryptionKey, generateSigningKey } from ${url("keys.ts")};
      import { nativeEncryptEcdhEsA256Gcm, nativePublicKey } from ${url("native-jose.ts")};
      let keys = 0;
      for (let i = 0; i < 60000; i++) {
        const k = i % 2 ? generateSigningKey() : generateEncryptionKey();
        if (k.privateJwk.d) keys++;
      }
      const recipient = nativePublicKey(generateEncryptionKey().publicJwk, "x25519");
      const header = { alg: "ECDH-ES", enc: "A256GCM" };
      let sealed = 0;
      for (let i = 0; i < 30000; i++) if (nativeEncryptEcdhEsA256Gcm("{}", header, recipient)) sealed++;
      console.log(JSON.stringify({ keys, sealed }));
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "--eval", script],
      { cwd: ROOT, timeout: 90_000, killSignal: "SIGKILL" },
    );
    expect(JSON.parse(stdout.trim())).toEqual({ keys: 60000, sealed: 30000 });
  }, 120_000);
});
