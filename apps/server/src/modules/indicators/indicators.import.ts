import {
  type ImportFormat,
  type ImportProblem,
  INDICATOR_KINDS,
  type IndicatorKind,
  issue,
  type KeyedIssue,
  type Marking,
  nestedIssue,
  normaliseIndicator,
  type TlpLevel,
} from "@crossline/schemas";
import { uuidv7 } from "../../crypto/ids.js";
import { copyIn, copyLine, type Db, inTransaction, type Tx } from "../../db/client.js";
import type { Clock } from "../../lib/clock.js";
import { AppError } from "../../lib/errors.js";
import { csvRecords, stixBundleObjects } from "./import-streams.js";
import {
  ADDED_TABLE,
  type IndicatorInsert,
  indicatorsRepo as repo,
  STAGING_COLUMNS,
  STAGING_TABLE,
} from "./indicators.repo.js";
import {
  parsePattern,
  type StixObject,
  stixIdOf,
  stixValidator,
  tlpOfRefs,
  uuidv5,
} from "./indicators.stix.js";

/**
 * Bulk import, streamed: records are read one at a time from the file's chunks, checked and normalised in
 * this process (bad rows are reported with their line or STIX object id and kept out; good rows stay), and
 * written in batches of BATCH rows. A batch is one transaction: its rows are streamed with COPY into a
 * temporary staging table, moved into the indicators with one INSERT ... SELECT (`on conflict do nothing`: a
 * second import of the same file adds nothing) and indexed by correlation with one more set-based statement
 * from the rows that were new. No row travels as a parameter or a JSON document.
 */

const BATCH = 20_000;
const MAX_PROBLEMS = 1000;
const YIELD_EVERY = 500;

export interface ImportProgress {
  bytes: number;
  read: number;
  added: number;
  duplicates: number;
  rejected: number;
}

export interface ImportTally extends ImportProgress {
  objectsKept: number;
  problems: ImportProblem[];
}

export interface ImportRun {
  db: Db;
  unitId: string;
  ownerNode: string;
  importId: string;
  tlp: TlpLevel;
  now: Date;
  /** The time of each batch's date added (the feed's clock keeps it later than any committed before). */
  clock: Clock;
  onProgress?: (p: ImportProgress) => void;
  /**
   * Correlation: `entryOf` gives each row's index entry (computed here, staged beside the row), and
   * `indexFrom` indexes a batch's new rows from the relation the import filled, in the batch's transaction.
   */
  correlation?: {
    entryOf(kind: string, value: string): { kind: string; host: string | null; net: string | null };
    indexFrom(tx: Tx, recordType: string, relation: string): Promise<number>;
  };
}

/**
 * Text PostgreSQL cannot store or that shows the file was not valid UTF-8: NUL, an unpaired surrogate (a
 * STIX string escaping half a character), or U+FFFD (what the decoder puts for bytes that are not UTF-8).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is the character looked for
const BAD_TEXT = /[\u0000\uFFFD]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const KIND_ALIASES: Record<string, { kind: IndicatorKind; qualifier?: string }> = {
  ipv4: { kind: "ip" },
  ipv6: { kind: "ip" },
  "ipv4-addr": { kind: "ip" },
  "ipv6-addr": { kind: "ip" },
  cidr: { kind: "ip" },
  "domain-name": { kind: "domain" },
  hostname: { kind: "domain" },
  "email-addr": { kind: "email" },
  "e-mail": { kind: "email" },
  hash: { kind: "file_hash" },
  md5: { kind: "file_hash", qualifier: "md5" },
  sha1: { kind: "file_hash", qualifier: "sha1" },
  "sha-1": { kind: "file_hash", qualifier: "sha1" },
  sha256: { kind: "file_hash", qualifier: "sha256" },
  "sha-256": { kind: "file_hash", qualifier: "sha256" },
  wallet: { kind: "crypto_wallet" },
};

function kindOf(raw: string): { kind: IndicatorKind; qualifier?: string } | null {
  const k = raw.trim().toLowerCase();
  if ((INDICATOR_KINDS as readonly string[]).includes(k)) return { kind: k as IndicatorKind };
  return KIND_ALIASES[k] ?? null;
}

const CSV_COLUMNS = [
  "kind",
  "value",
  "qualifier",
  "first_seen",
  "last_seen",
  "confidence",
  "valid_until",
  "description",
  "source",
  "tlp",
] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number];
const COLUMN_ALIASES: Record<string, CsvColumn> = {
  type: "kind",
  indicator: "value",
  network: "qualifier",
  algorithm: "qualifier",
};

/** Candidate fields of one record, before checks. */
interface Candidate {
  line: number | null;
  objectId: string | null;
  stixId?: string;
  kind: string;
  value: string;
  qualifier?: string;
  firstSeen?: string;
  lastSeen?: string;
  confidence?: string | number;
  validUntil?: string;
  description?: string;
  source?: string;
  tlp?: string;
}

function dateOf(
  v: string | undefined,
  field: string,
): { ok: true; v: string | null } | { ok: false; issue: KeyedIssue } {
  if (v === undefined || v.trim() === "") return { ok: true, v: null };
  const t = Date.parse(v.trim());
  if (!/^\d{4}-\d{2}-\d{2}/.test(v.trim()) || Number.isNaN(t))
    return { ok: false, issue: issue("import.notDate", { field }) };
  return { ok: true, v: new Date(t).toISOString() };
}

/** Checks and normalises one candidate: the row to insert, or the problem. */
function check(c: Candidate, run: ImportRun): IndicatorInsert | ImportProblem {
  const bad = (code: string, issue: string | KeyedIssue): ImportProblem => ({
    line: c.line,
    objectId: c.objectId,
    code,
    ...(typeof issue === "string" ? { issue } : issue),
  });
  for (const [field, v] of [
    ["kind", c.kind],
    ["value", c.value],
    ["qualifier", c.qualifier],
    ["description", c.description],
    ["source", c.source],
    ["tlp", c.tlp],
    ["id", c.stixId],
  ] as const) {
    if (v !== undefined && BAD_TEXT.test(v)) return bad("TEXT_INVALID", issue("import.badText", { field }));
  }
  const k = kindOf(c.kind);
  if (!k)
    return bad(
      "UNKNOWN_KIND",
      issue("import.unknownKind", { kind: c.kind.slice(0, 40), kinds: INDICATOR_KINDS.join(", ") }),
    );
  if (!c.value.trim()) return bad("VALUE_MISSING", "value: empty");
  if (c.value.length > 4096) return bad("VALUE_TOO_LONG", "value: longer than 4096 characters");
  const n = normaliseIndicator(k.kind, c.value, c.qualifier?.trim() || k.qualifier);
  if (!n.ok)
    return bad("VALUE_INVALID", issue("import.fieldIssue", { field: n.field ?? "value", issue: n.issue }));
  const dates: Record<string, string | null> = {};
  for (const [f, v] of [
    ["first_seen", c.firstSeen],
    ["last_seen", c.lastSeen],
    ["valid_until", c.validUntil],
  ] as const) {
    const d = dateOf(v, f);
    if (!d.ok) return bad("DATE_INVALID", d.issue);
    dates[f] = d.v;
  }
  let confidence: number | null = null;
  if (c.confidence !== undefined && String(c.confidence).trim() !== "") {
    confidence = Number(c.confidence);
    if (!Number.isInteger(confidence) || confidence < 0 || confidence > 100)
      return bad("CONFIDENCE_INVALID", "confidence: a whole number from 0 to 100");
  }
  const description = c.description?.trim() || null;
  if (description && description.length > 2000)
    return bad("DESCRIPTION_TOO_LONG", "description: over 2000 characters");
  const source = c.source?.trim() || null;
  if (source && source.length > 200) return bad("SOURCE_TOO_LONG", "source: over 200 characters");
  let tlp = run.tlp;
  if (c.tlp?.trim()) {
    const t = c.tlp.trim().toUpperCase().replace(/^TLP:/, "");
    // RED names its recipients: a bulk store readable by the unit and its TAXII clients cannot hold it.
    if (t === "RED")
      return bad("MARKING_FORBIDS", "TLP:RED: for named recipients only, not kept in the indicator store");
    if (!["CLEAR", "GREEN", "AMBER", "AMBER+STRICT"].includes(t))
      return bad("TLP_INVALID", "tlp: CLEAR, GREEN, AMBER or AMBER+STRICT");
    tlp = t as TlpLevel;
  }
  const marking: Marking = { tlp, handling: [] };
  const id = `ind_${uuidv7()}`;
  return {
    id,
    stixId: c.stixId ?? stixIdOf(id),
    unitId: run.unitId,
    origin: "own",
    ownerNode: run.ownerNode,
    setId: null,
    kind: n.indicator.kind,
    qualifier: n.indicator.qualifier,
    value: n.indicator.value,
    net: n.indicator.net,
    firstSeen: dates.first_seen,
    lastSeen: dates.last_seen,
    confidence,
    validUntil: dates.valid_until,
    description,
    source,
    tlp,
    marking,
    importId: run.importId,
    createdAt: run.now.toISOString(),
  };
}

/** Counts bytes as they pass, for progress. */
async function* counted(src: AsyncIterable<Buffer | string>, tally: { bytes: number }) {
  for await (const chunk of src) {
    tally.bytes += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
    yield chunk;
  }
}

export async function runImport(
  run: ImportRun,
  format: ImportFormat,
  source: AsyncIterable<Buffer | string>,
): Promise<ImportTally> {
  const t: ImportTally = {
    bytes: 0,
    read: 0,
    added: 0,
    duplicates: 0,
    rejected: 0,
    objectsKept: 0,
    problems: [],
  };
  // A batch is its rows as COPY text lines for the staging table (a few MB at most: memory stays flat).
  let batch: string[] = [];
  let kept: StixObject[] = [];
  const problem = (p: ImportProblem) => {
    t.rejected++;
    if (t.problems.length < MAX_PROBLEMS) t.problems.push(p);
  };
  // One transaction per batch: its indicators, their correlation entries and the STIX objects kept beside
  // them are stored together (never an indicator that correlation has not seen), one commit per BATCH rows.
  // One batch is written while the next is read and checked (at most one in flight: memory stays flat).
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    await writing;
    const lines = batch;
    const objs = kept;
    batch = [];
    kept = [];
    writing = write(lines, objs);
    // Awaited at the next flush or at the end; this only keeps a failure from counting as unhandled meanwhile.
    writing.catch(() => {});
  };
  const write = async (lines: string[], objs: StixObject[]) => {
    if (lines.length || objs.length) {
      await inTransaction(run.db, async (tx) => {
        if (lines.length) {
          await repo.createStaging(tx);
          await copyIn(tx, STAGING_TABLE, [...STAGING_COLUMNS], lines.join(""));
          // Each batch's date added from the feed's clock in its own transaction, not the import's start: a
          // batch committing after another import's was behind a TAXII client that had paged past that one.
          const added = await repo.insertFromStaging(tx, {
            unitId: run.unitId,
            ownerNode: run.ownerNode,
            importId: run.importId,
            createdAt: await repo.feedDateAdded(tx, run.clock.now()),
          });
          t.added += added;
          t.duplicates += lines.length - added;
          if (added && run.correlation) await run.correlation.indexFrom(tx, "indicator", ADDED_TABLE);
        }
        if (objs.length)
          t.objectsKept += await repo.insertStixObjects(
            tx,
            objs.map((o) => ({
              unitId: run.unitId,
              stixId: o.id,
              type: o.type,
              modified: String(o.modified ?? o.created ?? ""),
              object: o,
              importId: run.importId,
              createdAt: run.now,
            })),
          );
      });
    }
    run.onProgress?.({
      bytes: t.bytes,
      read: t.read,
      added: t.added,
      duplicates: t.duplicates,
      rejected: t.rejected,
    });
  };
  const entryOf = run.correlation?.entryOf;
  const stage = (r: IndicatorInsert): string => {
    const e = entryOf ? entryOf(r.kind, r.value) : null;
    return copyLine([
      r.id,
      r.stixId,
      r.kind,
      r.qualifier,
      r.value,
      r.net,
      r.firstSeen,
      r.lastSeen,
      r.confidence,
      r.validUntil,
      r.description,
      r.source,
      r.tlp,
      e?.kind,
      e?.host,
      e?.net,
    ]);
  };
  let sinceYield = 0;
  const add = async (c: Candidate) => {
    const r = check(c, run);
    if ("code" in r) problem(r);
    else batch.push(stage(r));
    if (batch.length >= BATCH) await flush();
    // Records are read and checked in microtasks, between which the database's replies (socket events) wait:
    // left alone, the batch in flight would advance one statement per file chunk read (~0.1 s each) and the
    // server would sit idle meanwhile. A turn of the event loop every YIELD_EVERY records lets it go on.
    else if (++sinceYield >= YIELD_EVERY) {
      sinceYield = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };

  try {
    if (format === "csv") await readCsv(counted(source, t), t, add, problem);
    else
      await readStix(counted(source, t), t, add, problem, async (o) => {
        kept.push(o);
        if (kept.length >= BATCH) await flush();
      });
  } catch (err) {
    // A file refused as a whole: the batch in flight lands (or fails) before the caller reports.
    await writing.catch(() => {});
    throw err;
  }
  await flush();
  await writing;
  return t;
}

async function readCsv(
  src: AsyncIterable<Buffer | string>,
  t: ImportTally,
  add: (c: Candidate) => Promise<void>,
  problem: (p: ImportProblem) => void,
) {
  let columns: (CsvColumn | null)[] | null = null;
  for await (const rec of csvRecords(src)) {
    if (!columns) {
      if ("error" in rec)
        throw new AppError("VALIDATION_FAILED", [
          { field: "file", ...issue("import.lineIssue", { line: rec.line, issue: rec.error }) },
        ]);
      columns = rec.fields.map((h) => {
        const n = h
          .trim()
          .toLowerCase()
          .replace(/^\uFEFF/, "")
          .replace(/[\s-]+/g, "_");
        return (CSV_COLUMNS as readonly string[]).includes(n)
          ? (n as CsvColumn)
          : (COLUMN_ALIASES[n] ?? null);
      });
      const unknown = rec.fields.filter((_, i) => columns?.[i] === null);
      if (unknown.length || !columns.includes("kind") || !columns.includes("value")) {
        throw new AppError("VALIDATION_FAILED", [
          {
            field: "file",
            ...(unknown.length
              ? issue("import.unknownColumns", {
                  columns: unknown.map((u) => JSON.stringify(u.slice(0, 40))).join(", "),
                  allowed: CSV_COLUMNS.join(", "),
                })
              : issue("import.headerColumns", { optional: CSV_COLUMNS.slice(2).join(", ") })),
          },
        ]);
      }
      continue;
    }
    t.read++;
    if ("error" in rec) {
      problem({ line: rec.line, objectId: null, code: "CSV_SYNTAX", issue: rec.error });
      continue;
    }
    if (rec.fields.length !== columns.length) {
      problem({
        line: rec.line,
        objectId: null,
        code: "CSV_FIELD_COUNT",
        ...issue("import.fieldCount", { count: rec.fields.length, columns: columns.length }),
      });
      continue;
    }
    const v: Partial<Record<CsvColumn, string>> = {};
    columns.forEach((c, i) => {
      if (c) v[c] = rec.fields[i];
    });
    await add({
      line: rec.line,
      objectId: null,
      kind: v.kind ?? "",
      value: v.value ?? "",
      qualifier: v.qualifier,
      firstSeen: v.first_seen,
      lastSeen: v.last_seen,
      confidence: v.confidence,
      validUntil: v.valid_until,
      description: v.description,
      source: v.source,
      tlp: v.tlp,
    });
  }
  if (!columns)
    throw new AppError("VALIDATION_FAILED", [{ field: "file", issue: "the file is empty (no header line)" }]);
}

async function readStix(
  src: AsyncIterable<Buffer | string>,
  t: ImportTally,
  add: (c: Candidate) => Promise<void>,
  problem: (p: ImportProblem) => void,
  keep: (o: StixObject) => Promise<void>,
) {
  const validator = stixValidator();
  let sawBundle = false;
  for await (const item of stixBundleObjects(src)) {
    if ("bundle" in item) {
      sawBundle = true;
      if (item.bundle.type !== "bundle")
        problem({
          line: null,
          objectId: null,
          code: "BUNDLE_INVALID",
          issue: 'the file\'s "type" is not "bundle"',
        });
      continue;
    }
    if ("error" in item) {
      if (t.read === 0 && item.index === null && !sawBundle) {
        throw new AppError("VALIDATION_FAILED", [
          { field: "file", ...issue("import.notBundle", nestedIssue(item.error)) },
        ]);
      }
      problem({
        line: null,
        objectId: item.index !== null ? `objects[${item.index}]` : null,
        code: "BUNDLE_SYNTAX",
        ...issue("import.stoppedReading", nestedIssue(item.error)),
      });
      return;
    }
    t.read++;
    let o: StixObject;
    try {
      o = JSON.parse(item.text) as StixObject;
    } catch {
      problem({
        line: null,
        objectId: `objects[${item.index}]`,
        code: "JSON_INVALID",
        issue: "not valid JSON",
      });
      continue;
    }
    const objectId = typeof o.id === "string" ? o.id.slice(0, 200) : `objects[${item.index}]`;
    if (typeof o.type !== "string" || !validator.types.has(o.type)) {
      problem({
        line: null,
        objectId,
        code: "UNSUPPORTED_TYPE",
        ...issue("import.unsupportedType", { type: JSON.stringify(String(o.type).slice(0, 60)) }),
      });
      continue;
    }
    const invalid = validator.object(o);
    if (invalid) {
      problem({ line: null, objectId, code: "SCHEMA_INVALID", issue: invalid.slice(0, 500) });
      continue;
    }
    if (o.revoked === true) {
      problem({ line: null, objectId, code: "REVOKED", issue: "revoked by its producer (not imported)" });
      continue;
    }
    const terms =
      o.type === "indicator" && o.pattern_type === "stix" ? parsePattern(String(o.pattern)) : null;
    if (!terms) {
      await keep(o);
      continue;
    }
    const common = {
      line: null,
      objectId,
      firstSeen: typeof o.valid_from === "string" ? o.valid_from : undefined,
      validUntil: typeof o.valid_until === "string" ? o.valid_until : undefined,
      confidence: typeof o.confidence === "number" ? o.confidence : undefined,
      description:
        typeof o.description === "string"
          ? o.description.slice(0, 2000)
          : typeof o.name === "string"
            ? o.name
            : undefined,
      source: typeof o.created_by_ref === "string" ? o.created_by_ref : undefined,
      tlp: tlpOfRefs(o.object_marking_refs) ?? undefined,
    };
    // One comparison: the indicator keeps its producer's id. Several (OR): one indicator each, and the
    // original object is kept too, so a re-export can still name it.
    if (terms.length > 1) await keep(o);
    for (const term of terms) {
      await add({
        ...common,
        kind: term.kind,
        value: term.value,
        qualifier: term.qualifier,
        stixId:
          terms.length === 1 ? o.id : `indicator--${uuidv5(o.id.slice(11), `${term.kind}:${term.value}`)}`,
      });
    }
  }
}
