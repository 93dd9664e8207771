import { randomBytes } from "node:crypto";
import {
  makeVerificationCode,
  SIGNED_NOTICE_FORMAT,
  type SignedNoticeFile,
  VERIFICATION_CODE_DATA_LENGTH,
} from "@crossline/schemas";
import type { JsonWebKey, PublicKeyJwk } from "../../crypto/keys.js";
import { canonicalJson } from "../../lib/canonical-json.js";
import { signStatement, verifyStatement } from "../federation/federation.signing.js";

/**
 * Proof of authenticity of a notice: an unguessable verification code (100 random bits and a check symbol)
 * and the node's Ed25519 signature (JWS, typ below) over the canonical JSON of the code and the notice's
 * content. A provider keeps the signed file; anyone can check it against the node's public keys.
 */
export const NOTICE_JWS_TYP = "crossline-notice+jws";

export function newVerificationCode(): string {
  const bytes = randomBytes(VERIFICATION_CODE_DATA_LENGTH);
  return makeVerificationCode([...bytes].map((b) => b & 31));
}

/** The content a notice's signature covers: what the provider is told to do, by whom, and when. */
export interface SignedNoticeContent {
  id: string;
  reference: string;
  node: string;
  agency: string;
  officer: string;
  approvedBy: string | null;
  provider: { id: string; name: string; nameZh: string; country: string };
  kind: string;
  urgency: string;
  legalBasis: { law: string; article: string };
  locators: unknown[];
  reason: { lang: string; text: string };
  sentAt: string;
  actBy: string | null;
}

/** Canonical (sorted keys at every level) plain JSON: the same bytes whoever rebuilds it. */
function canonical<T>(v: T): T {
  return JSON.parse(canonicalJson(v)) as T;
}

export async function signNotice(
  code: string,
  notice: SignedNoticeContent,
  key: { kid: string; privateJwk: JsonWebKey },
): Promise<SignedNoticeFile> {
  const content = canonical(notice) as unknown as Record<string, unknown>;
  const signature = await signStatement(NOTICE_JWS_TYP, canonical({ code, notice: content }), key);
  return { format: SIGNED_NOTICE_FORMAT, code, notice: content, signature };
}

export type SignatureCheck =
  | { ok: false; why: "forged" }
  | { ok: false; why: "altered" | "replayed"; code: string; notice: Record<string, unknown> }
  | { ok: true; code: string; notice: Record<string, unknown> };

/**
 * Checks a signed notice file: a signature that none of the node's keys made is forged; a genuine signature
 * over other content than the file shows is altered; a genuine signature presented with another code (or for
 * another addressee than the one asking) is replayed.
 */
export async function checkSignedNotice(
  file: SignedNoticeFile,
  keys: PublicKeyJwk[],
  normalisedCode: string | null,
  addressee?: string,
): Promise<SignatureCheck> {
  const claims = await verifyStatement(NOTICE_JWS_TYP, file.signature, keys);
  if (
    !claims ||
    typeof claims.code !== "string" ||
    typeof claims.notice !== "object" ||
    claims.notice === null
  ) {
    return { ok: false, why: "forged" };
  }
  const signed = { code: claims.code, notice: claims.notice as Record<string, unknown> };
  if (canonicalJson(file.notice) !== canonicalJson(signed.notice))
    return { ok: false, why: "altered", ...signed };
  const provider = signed.notice.provider as { id?: unknown } | undefined;
  if (normalisedCode !== signed.code || (addressee !== undefined && provider?.id !== addressee)) {
    return { ok: false, why: "replayed", ...signed };
  }
  return { ok: true, ...signed };
}
