import {
  OUTCOME_JWS_TYP,
  type OutcomeDocument,
  type OutcomeExport,
  type OutcomeList,
  type OutcomeVerification,
  type RoundDoc,
} from "@crossline/schemas";
import { CompactSign, compactVerify, importJWK } from "jose";
import { type JsonWebKey, okpThumbprint, type PublicKeyJwk } from "../../crypto/keys.js";
import { canonicalJson } from "../../lib/canonical-json.js";

/**
 * The signed outcome list. Both nodes sign THE SAME bytes: the canonical JSON (lib/canonical-json.ts: keys
 * sorted at every level, no spaces) of the outcome document below. A signature is a JWS in compact form
 * (RFC 7515), EdDSA with the node's Ed25519 signing key, whose payload is exactly those bytes, so any JOSE
 * implementation verifies it offline given the signer's public key; the key's fingerprint is its RFC 7638
 * thumbprint. This file is pure (no database): the CLI verifies exports with it on a machine with no node.
 */

const enc = new TextEncoder();
const dec = new TextDecoder();

/** What is signed for one version of a list: the round, the list, its version and the live items' texts. */
export function outcomeDocument(doc: RoundDoc, list: OutcomeList): OutcomeDocument {
  return {
    type: "crossline.outcome-list",
    roundId: doc.id,
    roundNumber: doc.fields.number,
    roundName: { en: doc.fields.name.en, zh: doc.fields.name.zh },
    hostNode: doc.hostNode,
    guestNode: doc.guestNode,
    listId: list.id,
    seq: list.seq,
    listVersion: list.version,
    replaces: list.replaces,
    items: list.items
      .filter((i) => !i.removed)
      .sort((a, b) => a.n - b.n)
      .map((i) => ({ n: i.n, en: i.en, zh: i.zh })),
  };
}

export const canonicalOutcome = (d: OutcomeDocument) => canonicalJson(d);

export const keyFingerprint = (k: Pick<PublicKeyJwk, "x">) => okpThumbprint({ crv: "Ed25519", x: k.x });

export async function signOutcome(
  d: OutcomeDocument,
  key: { kid: string; privateJwk: JsonWebKey },
): Promise<string> {
  const k = await importJWK(
    { kty: "OKP", crv: "Ed25519", x: String(key.privateJwk.x), d: String(key.privateJwk.d) },
    "EdDSA",
  );
  return new CompactSign(enc.encode(canonicalOutcome(d)))
    .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: OUTCOME_JWS_TYP })
    .sign(k);
}

export type SignatureCheck = OutcomeVerification["signatures"][number]["check"];

function headerOf(jws: string): { kid?: unknown; typ?: unknown; alg?: unknown } | null {
  try {
    return JSON.parse(dec.decode(Buffer.from(jws.split(".")[0] ?? "", "base64url"))) as {
      kid?: unknown;
    };
  } catch {
    return null;
  }
}

/**
 * Checks a signature over `d` with one of `keys` (the signer's published signing keys): `valid`, or why
 * not: `unknown_key` (no such kid among them), `bad_signature` (does not verify), `other_text` (verifies,
 * but over other bytes than this document's canonical text).
 */
export async function checkOutcomeSignature(
  d: OutcomeDocument,
  jws: string,
  keys: readonly Pick<PublicKeyJwk, "kid" | "x" | "crv">[],
): Promise<{ check: SignatureCheck; kid: string; keyFingerprint: string }> {
  const h = headerOf(jws);
  const kid = typeof h?.kid === "string" ? h.kid : "";
  const jwk = keys.find((k) => k.kid === kid && k.crv === "Ed25519");
  if (h?.alg !== "EdDSA" || h.typ !== OUTCOME_JWS_TYP || !jwk)
    return { check: h && !jwk ? "unknown_key" : "bad_signature", kid, keyFingerprint: "" };
  const fp = keyFingerprint(jwk);
  try {
    const key = await importJWK({ kty: "OKP", crv: "Ed25519", x: jwk.x }, "EdDSA");
    const { payload } = await compactVerify(jws, key, { algorithms: ["EdDSA"] });
    const same = dec.decode(payload) === canonicalOutcome(d);
    return { check: same ? "valid" : "other_text", kid, keyFingerprint: fp };
  } catch {
    return { check: "bad_signature", kid, keyFingerprint: fp };
  }
}

/** The publication form of a list: the document, its canonical text, both signatures and the keys used. */
export function exportOutcome(
  doc: RoundDoc,
  list: OutcomeList,
  keyOf: (node: string, kid: string) => Pick<PublicKeyJwk, "kid" | "x"> | undefined,
): OutcomeExport {
  const document = outcomeDocument(doc, list);
  return {
    format: "crossline.outcome-list.export/1",
    document,
    canonical: canonicalOutcome(document),
    signatures: list.signatures
      .filter((s) => s.listVersion === list.version)
      .map((s) => {
        const k = keyOf(s.node, s.kid);
        return {
          node: s.node,
          kid: s.kid,
          jws: s.jws,
          signedAt: s.signedAt,
          keyFingerprint: s.keyFingerprint,
          publicKey: { kty: "OKP" as const, crv: "Ed25519" as const, x: k?.x ?? "", kid: s.kid },
        };
      }),
  };
}

/**
 * Verifies an export offline. `trusted` (node → its signing keys, from the peers' published keys) is what
 * the signatures are checked against; without it, the keys inside the file are used and the caller must
 * compare their fingerprints with the ones the peers publish. Final means valid signatures of both nodes.
 */
export async function verifyOutcomeExport(
  e: OutcomeExport,
  trusted?: Record<string, readonly Pick<PublicKeyJwk, "kid" | "x" | "crv">[]>,
): Promise<OutcomeVerification> {
  const d = e.document;
  const signatures: OutcomeVerification["signatures"] = [];
  for (const node of [d.hostNode, d.guestNode]) {
    const s = e.signatures.find((x) => x.node === node);
    if (!s) {
      signatures.push({ node, kid: "", keyFingerprint: "", check: "missing" });
      continue;
    }
    const keys = trusted ? (trusted[node] ?? []) : [s.publicKey];
    const r = await checkOutcomeSignature(d, s.jws, keys);
    signatures.push({ node, kid: r.kid, keyFingerprint: r.keyFingerprint, check: r.check });
  }
  // The canonical text in the file is a convenience; it must be the document's, or the file was edited.
  const canonicalOk = e.canonical === canonicalOutcome(d);
  const valid = canonicalOk && signatures.every((s) => s.check === "valid");
  return { valid, final: valid, signatures };
}
