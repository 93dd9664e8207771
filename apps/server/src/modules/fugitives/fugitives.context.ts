import type {
  FugitiveFields,
  FugitiveReportView,
  FugitiveSummary,
  ReportEvidence,
  StoredFugitiveFields,
} from "@crossline/schemas";
import type { Db, DbOrTx, Tx } from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { assertThat, notFound } from "../../lib/errors.js";
import type { AccessLogPort } from "../access-log/access-log.service.js";
import type { AuditService } from "../audit/audit.service.js";
import type { BlobPort, BlobRef } from "../federation/federation.directory.js";
import type { FederationPort } from "../federation/federation.types.js";
import type { LawfulPort } from "../lawful/lawful.types.js";
import type { PersonsPort } from "../persons/persons.port.js";
import type { SharedObjectsService } from "../shared-objects/shared-objects.service.js";
import {
  type EvidenceRow,
  type FugitiveRow,
  type ReportRow,
  fugitivesRepo as repo,
} from "./fugitives.repo.js";
import type { FugitiveRequestsPort } from "./fugitives.requests.js";

/** What the fugitives module needs from the rest of the node: narrow ports, never another module's tables. */
export interface FugitivesDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  nodeId: (dbx: DbOrTx) => Promise<string>;
  /** The node's time zone: a list's statistics count returns up to today on its calendar by default. */
  nodeZone: () => Promise<string>;
  /** The caller's time zone (their profile's, else the node's): the calendar the dates they type are on. */
  readerZone: (ctx: Ctx) => Promise<string>;
  persons: Pick<PersonsPort, "findOrCreate" | "link">;
  accessLog: AccessLogPort;
  lawful: LawfulPort;
  /** How long an evidence file uploaded for a report may wait for one before the sweep removes it. */
  evidenceUnsentHours: number;
  /** Whether the caller may see a case / a request of this node (the cases and requests modules decide). */
  linkable: {
    caseVisible: (ctx: Ctx, id: string) => Promise<boolean>;
    requestVisible: (ctx: Ctx, id: string) => Promise<boolean>;
  };
  sharedObjects: Pick<SharedObjectsService, "domainPort" | "intakeUnitId">;
  federation: FederationPort;
  /** Requests drafted from a record, and their lives (the requests module's port). */
  requests: FugitiveRequestsPort;
  /** Photos and evidence files are federation blobs (the one store of files): written, read, erased through its port. */
  blobs: Pick<BlobPort, "findBlob" | "eraseBlobs"> & {
    putAttachment: (tx: Tx, bytes: Buffer, name?: string) => Promise<BlobRef>;
  };
}

/** The record as stored, with the linking fields the API shows. */
export function fieldsOf(r: FugitiveRow): FugitiveFields {
  return r.fields as FugitiveFields;
}

/** An evidence file as a report shows it (and carries it in its message). */
export const evidenceView = (e: EvidenceRow): ReportEvidence => ({
  id: e.id,
  name: e.name,
  contentType: e.contentType,
  sha256: e.sha256,
  size: e.size,
});

/** A report with the evidence files among `evidence` that belong to it. */
export function reportView(r: ReportRow, evidence: EvidenceRow[] = []): FugitiveReportView {
  return {
    id: r.id,
    evidence: evidence.filter((e) => e.reportId === r.id).map(evidenceView),
    kind: r.kind,
    date: r.date,
    ...(r.place ? { place: r.place } : {}),
    text: r.text,
    fromNode: r.fromNode,
    fugitiveId: r.fugitiveId ?? null,
    entryId: r.entryId,
    createdAt: r.createdAt.toISOString(),
  };
}

/** The earliest day a partial date (YYYY, YYYY-MM, YYYY-MM-DD) may mean. */
export function earliest(d: string): string {
  return d.length === 4 ? `${d}-01-01` : d.length === 7 ? `${d}-01` : d;
}

/** The latest day a partial date may mean. */
export function latest(d: string): string {
  if (d.length === 4) return `${d}-12-31`;
  if (d.length === 7) {
    const [y, m] = d.split("-").map(Number);
    return `${d}-${String(new Date(Date.UTC(y as number, m as number, 0)).getUTCDate()).padStart(2, "0")}`;
  }
  return d;
}

/** Dates that cannot all be true: a birth after a warrant or after the flight. */
export function dateIssues(f: StoredFugitiveFields, field: string): { field: string; issue: string }[] {
  const out: { field: string; issue: string }[] = [];
  if (f.dateOfBirth) {
    const born = earliest(f.dateOfBirth);
    f.warrants.forEach((w, i) => {
      if (w.date < born)
        out.push({ field: `${field}.warrants.${i}.date`, issue: "before the date of birth" });
    });
    if (f.flightDate && latest(f.flightDate) < born)
      out.push({ field: `${field}.flightDate`, issue: "before the date of birth" });
  }
  return out;
}

export function createFugitivesContext(deps: FugitivesDeps) {
  const { db } = deps;

  /** Need to know: the owning unit only; anyone else is told there is no such record. */
  function canSee(ctx: Ctx, row: FugitiveRow | undefined): row is FugitiveRow {
    return !!row && !!ctx.actor.unitId && row.unitId === ctx.actor.unitId;
  }

  async function load(ctx: Ctx, id: string, dbx: DbOrTx = db): Promise<FugitiveRow> {
    const row = await repo.find(dbx, id);
    assertThat(canSee(ctx, row), notFound("fugitive"));
    return row;
  }

  async function lock(tx: Tx, ctx: Ctx, id: string): Promise<FugitiveRow> {
    const row = await repo.lock(tx, id);
    assertThat(canSee(ctx, row), notFound("fugitive"));
    return row;
  }

  function summary(r: FugitiveRow): FugitiveSummary {
    const main = r.fields.names[0] ?? { original: "" };
    return {
      id: r.id,
      reference: r.reference,
      name: main,
      dateOfBirth: r.fields.dateOfBirth ?? null,
      nationalities: r.fields.nationalities,
      status: r.status,
      personId: r.personId,
      unitId: r.unitId,
      version: r.version,
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
    };
  }

  /** Logs reads of fugitive records (personal data): one INSERT. */
  async function logReads(dbx: DbOrTx, ctx: Ctx, rows: FugitiveRow[], action: "read" | "list" | "download") {
    await deps.accessLog.record(
      dbx,
      ctx,
      rows.map((r) => ({
        action,
        recordType: "fugitive",
        recordId: r.id,
        recordUnitId: r.unitId,
        personId: r.personId,
      })),
    );
  }

  return { deps, db, canSee, load, lock, summary, logReads };
}

export type FugitivesContext = ReturnType<typeof createFugitivesContext>;
