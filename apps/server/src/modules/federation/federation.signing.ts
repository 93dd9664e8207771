/**
 * Small signed JSON statements between nodes, outside envelopes: the pairing handshake, control notices
 * (revocation) and attachment-chunk authorisations. JWS compact, EdDSA, with a `typ` per purpose.
 */
import { CompactSign, compactVerify, importJWK } from "jose";
import type { JsonWebKey, PublicKeyJwk } from "../../crypto/keys.js";
import { unstorableString } from "../../lib/unicode.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

export async function signStatement(
  typ: string,
  claims: Record<string, unknown>,
  key: { kid: string; privateJwk: JsonWebKey },
): Promise<string> {
  const k = await importJWK(
    { kty: "OKP", crv: "Ed25519", x: String(key.privateJwk.x), d: String(key.privateJwk.d) },
    "EdDSA",
  );
  return new CompactSign(enc.encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ })
    .sign(k);
}

/** The claims of a statement, unverified: to find out who claims to have signed it. */
export function peekStatement(
  jws: string,
): { kid: string; typ: string; claims: Record<string, unknown> } | null {
  try {
    const [h, p] = jws.split(".");
    const header = JSON.parse(dec.decode(Buffer.from(h, "base64url"))) as { kid?: unknown; typ?: unknown };
    const claims = JSON.parse(dec.decode(Buffer.from(p, "base64url"))) as unknown;
    if (typeof header.kid !== "string" || typeof header.typ !== "string") return null;
    if (typeof claims !== "object" || claims === null || Array.isArray(claims)) return null;
    // A JSON escape can smuggle NUL or a lone surrogate past the HTTP input guard; such a statement is
    // malformed here, before any of its claims reach a query or the audit trail.
    if (unstorableString(header, "header") || unstorableString(claims, "claims")) return null;
    return { kid: header.kid, typ: header.typ, claims: claims as Record<string, unknown> };
  } catch {
    return null;
  }
}

/** Verifies a statement of the given typ with one of `keys` (Ed25519); returns its claims or null. */
export async function verifyStatement(
  typ: string,
  jws: string,
  keys: PublicKeyJwk[],
): Promise<Record<string, unknown> | null> {
  if (typeof jws !== "string" || jws.length > 256 * 1024) return null;
  const peeked = peekStatement(jws);
  if (!peeked || peeked.typ !== typ) return null;
  const jwk = keys.find((k) => k.kid === peeked.kid && k.crv === "Ed25519");
  if (!jwk) return null;
  try {
    const key = await importJWK({ kty: "OKP", crv: "Ed25519", x: jwk.x }, "EdDSA");
    const { payload } = await compactVerify(jws, key, { algorithms: ["EdDSA"] });
    const claims = JSON.parse(dec.decode(payload)) as unknown;
    return typeof claims === "object" &&
      claims !== null &&
      !Array.isArray(claims) &&
      !unstorableString(claims, "claims")
      ? (claims as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
