import { hash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { IndicatorKind, Marking, TlpLevel } from "@crossline/schemas";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsImport from "ajv-formats";
import { serverPath } from "../../lib/paths.js";
import { firstAdded, type IndicatorRow, revokedStub, type StixObjectRow } from "./indicators.repo.js";

/**
 * STIX 2.1 for the indicators domain: the OASIS JSON schemas (validation of every imported object and, in the
 * tests, of every export), patterns to and from indicators, deterministic ids, TLP 2.0 marking definitions.
 */

export type StixObject = Record<string, unknown> & { type: string; id: string };

/** The OASIS cti-stix2-json-schemas (BSD-3-Clause, LICENSE beside them), shipped with the server. */
export const STIX_SCHEMA_DIR = serverPath("stix2-json-schemas", "schemas");

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = ((addFormatsImport as unknown as { default?: unknown }).default ?? addFormatsImport) as (
  ajv: Ajv2020,
) => Ajv2020;

function loadSchemas(dir: string): { id: string; file: string; schema: Record<string, unknown> }[] {
  const out: { id: string; file: string; schema: Record<string, unknown> }[] = [];
  for (const sub of readdirSync(dir)) {
    for (const f of readdirSync(path.join(dir, sub))) {
      if (!f.endsWith(".json")) continue;
      const schema = JSON.parse(readFileSync(path.join(dir, sub, f), "utf8")) as Record<string, unknown>;
      out.push({ id: String(schema.$id), file: `${sub}/${f}`, schema });
    }
  }
  return out;
}

export interface StixValidator {
  /** The STIX types with a schema here: the objects an import keeps. */
  types: ReadonlySet<string>;
  /** null when valid; else the first issues, worded with their JSON path. */
  object(o: unknown): string | null;
  bundle(b: unknown): string | null;
}

let cached: StixValidator | null = null;

/** Compiles the OASIS schemas once per process (about a second), then validates objects and bundles. */
export function stixValidator(): StixValidator {
  if (cached) return cached;
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true, unicodeRegExp: false });
  addFormats(ajv);
  const schemas = loadSchemas(STIX_SCHEMA_DIR);
  for (const s of schemas) ajv.addSchema(s.schema);
  const byType = new Map<string, ValidateFunction>();
  for (const s of schemas) {
    if (!/^(sdos|sros|observables)\//.test(s.file) && s.file !== "common/marking-definition.json") continue;
    const type = s.file.split("/")[1].replace(/\.json$/, "");
    byType.set(type, ajv.getSchema(s.id) as ValidateFunction);
  }
  const bundleFn = ajv.getSchema(
    schemas.find((s) => s.file === "common/bundle.json")?.id ?? "",
  ) as ValidateFunction;
  const words = (fn: ValidateFunction) =>
    (fn.errors ?? [])
      .slice(0, 3)
      .map((e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"}`)
      .join("; ");
  cached = {
    types: new Set(byType.keys()),
    object(o) {
      const type = (o as { type?: unknown } | null)?.type;
      const fn = typeof type === "string" ? byType.get(type) : undefined;
      if (!fn) return `no schema for type ${String(type)}`;
      return fn(o) ? null : words(fn);
    },
    bundle(b) {
      return bundleFn(b) ? null : words(bundleFn);
    },
  };
  return cached;
}

// ---------------------------------------------------------------------------------------------------
// Ids

const NAMESPACE_BYTES = new Map<string, Buffer>();

/** RFC 4122 UUIDv5 (SHA-1, name-based): the STIX schemas accept UUID versions 1 to 5 only, not our v7. */
export function uuidv5(namespace: string, name: string): string {
  let ns = NAMESPACE_BYTES.get(namespace);
  if (!ns) {
    ns = Buffer.from(namespace.replace(/-/g, ""), "hex");
    NAMESPACE_BYTES.set(namespace, ns);
  }
  // One-shot hash (no Hash object per call): an import mints one id per row.
  const h = hash("sha1", Buffer.concat([ns, Buffer.from(name, "utf8")]), "buffer");
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** The STIX 2.1 namespace for deterministic SCO ids (spec, section 2.9). */
const SCO_NAMESPACE = "00abedb4-aa42-466c-9c01-fed23315a9b7";
/** Crossline's own namespace for the STIX ids of its indicators and identities (fixed, arbitrary). */
const CROSSLINE_NAMESPACE = "6f1d3c1e-2b8a-4c57-9d0e-5a4b3c2d1e0f";

/** The STIX id of an indicator held here: the same on every node for the same Crossline id. */
export const stixIdOf = (indicatorId: string) => `indicator--${uuidv5(CROSSLINE_NAMESPACE, indicatorId)}`;
export const identityIdOf = (nodeId: string) => `identity--${uuidv5(CROSSLINE_NAMESPACE, `node:${nodeId}`)}`;

// ---------------------------------------------------------------------------------------------------
// TLP 2.0

/** The official TLP 2.0 marking definitions (STIX 2.1 TLP 2.0 extension, FIRST / OASIS). */
const TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";
export const TLP2_IDS: Record<TlpLevel, string> = {
  CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
  GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
  AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
  "AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
  RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
};
/** TLP 1.0 definitions some producers still send, mapped to their 2.0 level on import. */
const TLP1_IDS: Record<string, TlpLevel> = {
  "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "CLEAR",
  "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "GREEN",
  "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "AMBER",
  "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "RED",
};

export function tlpMarkingDefinition(tlp: TlpLevel): StixObject {
  return {
    type: "marking-definition",
    spec_version: "2.1",
    id: TLP2_IDS[tlp],
    created: "2022-10-01T00:00:00.000Z",
    name: `TLP:${tlp}`,
    extensions: {
      [TLP2_EXTENSION]: { extension_type: "property-extension", tlp_2_0: tlp.toLowerCase() },
    },
  };
}

/** The strictest TLP among an object's marking refs, or null when none is a TLP definition. */
export function tlpOfRefs(refs: unknown): TlpLevel | null {
  if (!Array.isArray(refs)) return null;
  const order: TlpLevel[] = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"];
  let best: TlpLevel | null = null;
  for (const r of refs) {
    const l =
      (Object.entries(TLP2_IDS).find(([, id]) => id === r)?.[0] as TlpLevel | undefined) ??
      TLP1_IDS[String(r)];
    if (l && (!best || order.indexOf(l) > order.indexOf(best))) best = l;
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------
// Patterns

const HASH_KEYS: Record<string, string> = {
  md5: "md5",
  "sha-1": "sha1",
  sha1: "sha1",
  "sha-256": "sha256",
  sha256: "sha256",
};

/** One comparison of a pattern that maps to an indicator here. */
export interface PatternTerm {
  kind: IndicatorKind;
  value: string;
  qualifier?: string;
}

const TERM =
  /^(ipv4-addr|ipv6-addr|domain-name|url|email-addr):value\s*=\s*'((?:[^'\\]|\\.)*)'$|^file:hashes\.(?:'([^']+)'|([A-Za-z0-9-]+))\s*=\s*'((?:[^'\\]|\\.)*)'$/;

/**
 * The comparisons of a simple STIX pattern (`[a = 'x']`, `[a = 'x' OR b = 'y']`, `[a] OR [b]`) that name an
 * address, domain, URL, e-mail address or file hash; null for any other pattern (AND, FOLLOWEDBY, qualifiers,
 * other object paths), which the import keeps as a STIX object instead.
 */
export function parsePattern(pattern: string): PatternTerm[] | null {
  const body = pattern.trim();
  if (!body.startsWith("[") || !body.endsWith("]")) return null;
  const parts = body
    .slice(1, -1)
    .split(/\s*\]\s+OR\s+\[\s*|\s+OR\s+/)
    .map((p) => p.trim());
  const out: PatternTerm[] = [];
  for (const p of parts) {
    const m = TERM.exec(p);
    if (!m) return null;
    const unq = (s: string) => s.replace(/\\(.)/g, "$1");
    if (m[1]) {
      const kind: IndicatorKind =
        m[1] === "domain-name" ? "domain" : m[1] === "email-addr" ? "email" : m[1] === "url" ? "url" : "ip";
      out.push({ kind, value: unq(m[2]) });
    } else {
      const alg = HASH_KEYS[(m[3] ?? m[4]).toLowerCase()];
      if (!alg) return null;
      out.push({ kind: "file_hash", value: unq(m[5]), qualifier: alg });
    }
  }
  return out;
}

const q = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

/**
 * The pattern and the SCO of one indicator (wallets and phones have no STIX SCO: a custom pattern path). A
 * revoked stub (`revokedStub`: its value erased) names no observable, only the object (a custom `x-` type).
 */
function patternOf(row: IndicatorRow): { pattern: string; sco: StixObject | null } {
  if (revokedStub(row)) return { pattern: `[x-crossline-withdrawn:id = ${q(row.stixId)}]`, sco: null };
  const sco = (type: string, props: Record<string, unknown>, idKey: string) => ({
    type,
    spec_version: "2.1",
    id: `${type}--${uuidv5(SCO_NAMESPACE, JSON.stringify({ [idKey]: props[idKey] }))}`,
    ...props,
  });
  switch (row.kind) {
    case "ip": {
      const t = row.value.includes(":") ? "ipv6-addr" : "ipv4-addr";
      return { pattern: `[${t}:value = ${q(row.value)}]`, sco: sco(t, { value: row.value }, "value") };
    }
    case "domain":
      return {
        pattern: `[domain-name:value = ${q(row.value)}]`,
        sco: sco("domain-name", { value: row.value }, "value"),
      };
    case "url":
      return { pattern: `[url:value = ${q(row.value)}]`, sco: sco("url", { value: row.value }, "value") };
    case "email":
      return {
        pattern: `[email-addr:value = ${q(row.value)}]`,
        sco: sco("email-addr", { value: row.value }, "value"),
      };
    case "file_hash": {
      const key = row.qualifier === "md5" ? "MD5" : row.qualifier === "sha1" ? "SHA-1" : "SHA-256";
      const hashes = { [key]: row.value };
      return {
        pattern: `[file:hashes.'${key}' = ${q(row.value)}]`,
        sco: {
          type: "file",
          spec_version: "2.1",
          id: `file--${uuidv5(SCO_NAMESPACE, JSON.stringify({ hashes }))}`,
          hashes,
        },
      };
    }
    case "crypto_wallet":
      return {
        pattern: `[x-crossline-crypto-wallet:value = ${q(row.value)} AND x-crossline-crypto-wallet:network = ${q(row.qualifier)}]`,
        sco: null,
      };
    default:
      return { pattern: `[x-crossline-phone:value = ${q(row.value)}]`, sco: null };
  }
}

const iso = (d: Date | null) => (d ? d.toISOString() : undefined);

/** The STIX indicator object of one indicator held here (its pattern, validity, confidence and TLP). */
export function stixIndicator(r: IndicatorRow): StixObject {
  const { pattern } = patternOf(r);
  const created = firstAdded(r).toISOString();
  return {
    type: "indicator",
    spec_version: "2.1",
    id: r.stixId,
    created,
    modified: r.updatedAt.toISOString(),
    created_by_ref: identityIdOf(r.ownerNode),
    name: (revokedStub(r) ? `${r.kind} (withdrawn)` : `${r.kind} ${r.value}`).slice(0, 250),
    ...(r.description ? { description: r.description } : {}),
    indicator_types: ["malicious-activity"],
    pattern,
    pattern_type: "stix",
    pattern_version: "2.1",
    valid_from: iso(r.firstSeen) ?? created,
    ...(r.validUntil && r.validUntil > (r.firstSeen ?? firstAdded(r))
      ? { valid_until: r.validUntil.toISOString() }
      : {}),
    ...(r.confidence !== null ? { confidence: r.confidence } : {}),
    ...(r.source ? { external_references: [{ source_name: "crossline", description: r.source }] } : {}),
    object_marking_refs: [TLP2_IDS[r.tlp as TlpLevel]],
    // Withdrawn by its owner: this is the revoked version (STIX 2.1 §3.2), the last one it will have.
    ...(r.state === "withdrawn" ? { revoked: true } : {}),
  };
}

/**
 * A bundle of indicators (each with its SCO and a `related-to` relationship), the identity of the owning
 * node(s), the TLP 2.0 marking definitions used, and any kept STIX objects (malware, threat actors…) given.
 */
export function indicatorsBundle(
  rows: IndicatorRow[],
  opts: { nodeNames?: Record<string, string>; extra?: StixObjectRow[]; now: Date },
): StixObject {
  const objects: StixObject[] = [];
  const seen = new Set<string>();
  const push = (o: StixObject) => {
    if (!seen.has(o.id)) {
      seen.add(o.id);
      objects.push(o);
    }
  };
  for (const tlp of new Set(rows.map((r) => r.tlp as TlpLevel))) push(tlpMarkingDefinition(tlp));
  for (const owner of new Set(rows.map((r) => r.ownerNode))) {
    push({
      type: "identity",
      spec_version: "2.1",
      id: identityIdOf(owner),
      created: "2026-01-01T00:00:00.000Z",
      modified: "2026-01-01T00:00:00.000Z",
      name: opts.nodeNames?.[owner] ?? owner,
      identity_class: "organization",
      sectors: ["government"],
    });
  }
  for (const r of rows) {
    const ind = stixIndicator(r);
    const { sco } = patternOf(r);
    const id = ind.id;
    const marks = [TLP2_IDS[r.tlp as TlpLevel]];
    const created = firstAdded(r).toISOString();
    const modified = r.updatedAt.toISOString();
    push(ind);
    if (sco) {
      push({ ...sco, object_marking_refs: marks });
      push({
        type: "relationship",
        spec_version: "2.1",
        id: `relationship--${uuidv5(CROSSLINE_NAMESPACE, `${id}>${sco.id}`)}`,
        created,
        modified,
        relationship_type: "based-on",
        source_ref: id,
        target_ref: sco.id,
        object_marking_refs: marks,
      });
    }
  }
  for (const o of opts.extra ?? []) push(o.object as StixObject);
  return {
    type: "bundle",
    id: `bundle--${uuidv5(CROSSLINE_NAMESPACE, `bundle:${opts.now.toISOString()}:${objects.length}`)}`,
    objects,
  };
}

/** The STIX `report` for a case summary, for the cases domain to call (its objects are referenced by id). */
export function caseSummaryReport(input: {
  caseId: string;
  ownerNode: string;
  title: string;
  description?: string;
  published: Date;
  modified: Date;
  marking: Marking;
  objectRefs: string[];
}): StixObject {
  return {
    type: "report",
    spec_version: "2.1",
    id: `report--${uuidv5(CROSSLINE_NAMESPACE, `case:${input.ownerNode}:${input.caseId}`)}`,
    created: input.published.toISOString(),
    modified: input.modified.toISOString(),
    created_by_ref: identityIdOf(input.ownerNode),
    name: input.title,
    ...(input.description ? { description: input.description } : {}),
    report_types: ["threat-report"],
    published: input.published.toISOString(),
    // A report must reference at least one object: the owner's identity stands in for an empty case.
    object_refs: input.objectRefs.length ? input.objectRefs : [identityIdOf(input.ownerNode)],
    object_marking_refs: [TLP2_IDS[input.marking.tlp]],
  };
}
