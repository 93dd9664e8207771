import { z } from "zod";
import { IsoDateTime, NodeId } from "./common.js";
import { CryptoNetwork, HashAlgorithm, normaliseIdentifier } from "./identifiers.js";
import { Marking, TlpLevel } from "./markings.js";

/**
 * Indicators of compromise and of crime (a C2 address, a phishing domain, a ransom wallet…), held in the
 * indicators store, imported in bulk (CSV, STIX 2.1), shared with peers in batches and served over TAXII.
 * Pure TypeScript: the console parses and normalises with the same code.
 */

export const INDICATOR_KINDS = [
  "ip",
  "domain",
  "url",
  "email",
  "file_hash",
  "crypto_wallet",
  "phone",
] as const;
export const IndicatorKind = z.enum(INDICATOR_KINDS);
export type IndicatorKind = z.infer<typeof IndicatorKind>;

/** One indicator, normalised: `value` is canonical; `qualifier` the wallet's network or the hash algorithm. */
export interface NormalisedIndicator {
  kind: IndicatorKind;
  value: string;
  qualifier: string;
  /** For `ip`: the address or network in CIDR form (a single address as /32 or /128). */
  net: string | null;
}

const V4_PREFIX = 32;
const V6_PREFIX = 128;

/** An IPv4/IPv6 address or network (`a.b.c.d/nn`, `x::/nn`), its host bits cleared so equal networks compare equal. */
function normaliseIp(raw: string): { ok: true; value: string; net: string } | { ok: false; issue: string } {
  const s = raw.trim();
  const slash = s.indexOf("/");
  const addr = slash < 0 ? s : s.slice(0, slash);
  const v6 = addr.includes(":");
  const r = normaliseIdentifier(v6 ? "ipv6" : "ipv4", addr);
  if (!r.ok) return { ok: false, issue: r.issue };
  const max = v6 ? V6_PREFIX : V4_PREFIX;
  if (slash < 0) return { ok: true, value: r.value, net: `${r.value}/${max}` };
  const p = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(p) || Number(p) > max)
    return { ok: false, issue: v6 ? "the prefix must be 0 to 128" : "the prefix must be 0 to 32" };
  const prefix = Number(p);
  if (prefix === max) return { ok: true, value: r.value, net: `${r.value}/${max}` };
  if (v6) {
    // PostgreSQL's cidr refuses host bits; the network's canonical form is left to the database (`set_masklen`).
    return { ok: true, value: `${r.value}/${prefix}`, net: `${r.value}/${prefix}` };
  }
  const n = r.value.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
  const mask = prefix === 0 ? 0 : 2 ** 32 - 2 ** (32 - prefix);
  const base = Number((BigInt(n) & BigInt(mask)).toString());
  const dotted = [24, 16, 8, 0].map((sh) => Math.floor(base / 2 ** sh) % 256).join(".");
  return { ok: true, value: `${dotted}/${prefix}`, net: `${dotted}/${prefix}` };
}

/**
 * Normalises an indicator with the identifier normalisers of this package (so an indicator and a request's
 * identifier compare equal). `qualifier`: the crypto network (required for wallets) or a stated hash algorithm.
 */
export function normaliseIndicator(
  kind: IndicatorKind,
  raw: string,
  qualifier?: string,
): { ok: true; indicator: NormalisedIndicator } | { ok: false; issue: string; field?: string } {
  const simple = (t: "domain" | "url" | "email" | "phone") => {
    const r = normaliseIdentifier(t, raw);
    return r.ok
      ? { ok: true as const, indicator: { kind, value: r.value, qualifier: "", net: null } }
      : { ok: false as const, issue: r.issue };
  };
  switch (kind) {
    case "ip": {
      const r = normaliseIp(raw);
      return r.ok ? { ok: true, indicator: { kind, value: r.value, qualifier: "", net: r.net } } : r;
    }
    case "domain":
    case "url":
    case "email":
    case "phone":
      return simple(kind);
    case "file_hash": {
      const alg = qualifier ? HashAlgorithm.safeParse(qualifier.toLowerCase()) : null;
      if (alg && !alg.success)
        return { ok: false, issue: "the algorithm must be md5, sha1 or sha256", field: "qualifier" };
      const r = normaliseIdentifier("file_hash", raw, alg?.success ? { algorithm: alg.data } : {});
      if (!r.ok) return { ok: false, issue: r.issue };
      if (r.identifier.algorithm === "sha512")
        return { ok: false, issue: "SHA-512 is not an indicator hash here: MD5, SHA-1 or SHA-256" };
      return {
        ok: true,
        indicator: { kind, value: r.value, qualifier: r.identifier.algorithm, net: null },
      };
    }
    case "crypto_wallet": {
      const n = CryptoNetwork.safeParse((qualifier ?? "").toLowerCase());
      if (!n.success)
        return { ok: false, issue: "give the network: btc, eth, xmr, trx or other", field: "qualifier" };
      const r = normaliseIdentifier("crypto_wallet", raw, { network: n.data });
      return r.ok
        ? { ok: true, indicator: { kind, value: r.value, qualifier: n.data, net: null } }
        : { ok: false, issue: r.issue };
    }
  }
}

export const IndicatorId = z.string().regex(/^ind_[0-9a-f-]{36}$/, "an indicator id (ind_…)");

/** An indicator as it travels inside a shared `indicator.set` batch (already normalised by its owner). */
export const IndicatorItem = z.strictObject({
  id: IndicatorId,
  /** The STIX id every node serves it under (TAXII, exports). */
  stixId: z
    .string()
    .regex(/^indicator--[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
  kind: IndicatorKind,
  value: z.string().min(1).max(4096),
  qualifier: z.string().max(16).default(""),
  firstSeen: IsoDateTime.nullable().default(null),
  lastSeen: IsoDateTime.nullable().default(null),
  confidence: z.number().int().min(0).max(100).nullable().default(null),
  validUntil: IsoDateTime.nullable().default(null),
  description: z.string().max(2000).nullable().default(null),
  source: z.string().max(200).nullable().default(null),
});
export type IndicatorItem = z.infer<typeof IndicatorItem>;

/** The most indicators one shared batch holds (fewer when their JSON would not fit one federation message). */
export const INDICATOR_BATCH_MAX = 2000;

export const IndicatorSetContent = z.strictObject({
  name: z.string().trim().min(1).max(200),
  indicators: z.array(IndicatorItem).min(1).max(INDICATOR_BATCH_MAX),
});
export type IndicatorSetContent = z.infer<typeof IndicatorSetContent>;

export const INDICATOR_ORIGINS = ["own", "received"] as const;
export const INDICATOR_STATES = ["active", "withdrawn"] as const;

export const IndicatorView = z.object({
  id: IndicatorId,
  kind: IndicatorKind,
  value: z.string(),
  qualifier: z.string(),
  firstSeen: z.string().nullable(),
  lastSeen: z.string().nullable(),
  confidence: z.number().nullable(),
  validUntil: z.string().nullable(),
  description: z.string().nullable(),
  source: z.string().nullable(),
  origin: z.enum(INDICATOR_ORIGINS),
  ownerNode: z.string(),
  state: z.enum(INDICATOR_STATES),
  marking: Marking,
  /** The shared batch (shared object) that carries it to peers; null while not shared. */
  setId: z.string().nullable(),
  createdAt: z.string(),
});
export type IndicatorView = z.infer<typeof IndicatorView>;

export const IndicatorQuery = z.strictObject({
  kind: IndicatorKind.optional(),
  origin: z.enum(INDICATOR_ORIGINS).optional(),
  state: z.enum(INDICATOR_STATES).optional(),
  q: z.string().trim().max(300).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: IndicatorId.optional(),
});
export type IndicatorQuery = z.infer<typeof IndicatorQuery>;

export const IndicatorPage = z.object({ items: z.array(IndicatorView), nextCursor: z.string().nullable() });

export const IMPORT_FORMATS = ["csv", "stix"] as const;
export const ImportFormat = z.enum(IMPORT_FORMATS);
export type ImportFormat = z.infer<typeof ImportFormat>;

/** One refused row: a CSV line number or a STIX object id, and why. */
export const ImportProblem = z.object({
  line: z.number().int().nullable(),
  objectId: z.string().nullable(),
  code: z.string(),
  /** In English; with `key` and `params` where it is one of our parametrised texts (issue-keys.ts). */
  issue: z.string(),
  key: z.string().optional(),
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});
export type ImportProblem = z.infer<typeof ImportProblem>;

export const ImportReport = z.object({
  id: z.string(),
  format: ImportFormat,
  fileName: z.string().nullable(),
  state: z.enum(["running", "done", "failed"]),
  /** Rows or objects read. */
  read: z.number().int(),
  added: z.number().int(),
  /** Already held (same kind and value in the unit): importing a file twice adds nothing. */
  duplicates: z.number().int(),
  rejected: z.number().int(),
  /** STIX objects kept beside the indicators (malware, threat actors, identities, relationships…). */
  objectsKept: z.number().int(),
  /** The first problems (at most 1,000), each with its line or object id. */
  problems: z.array(ImportProblem),
  bytes: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type ImportReport = z.infer<typeof ImportReport>;

export const ImportQuery = z.strictObject({
  format: ImportFormat.optional(),
  fileName: z.string().trim().min(1).max(200).optional(),
  tlp: TlpLevel.default("AMBER"),
});

export const ShareIndicatorsBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  /** The indicators to share; omitted: every active own indicator of the unit not yet shared. */
  ids: z.array(IndicatorId).min(1).max(100_000).optional(),
  importId: z.string().max(64).optional(),
  marking: Marking,
  recipients: z.array(NodeId).min(1).max(50),
});
export type ShareIndicatorsBody = z.infer<typeof ShareIndicatorsBody>;

export const ShareIndicatorsResult = z.object({ batches: z.array(z.string()), indicators: z.number().int() });

export const IndicatorSearchQuery = z.strictObject({ q: z.string().trim().min(1).max(4096) });
