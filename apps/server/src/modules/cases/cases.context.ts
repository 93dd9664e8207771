import {
  type CaseDetail,
  type CasePolicy,
  CasePolicy as CasePolicySchema,
  type CaseSummaryContent,
  type CaseSummaryRow,
  type CreateRequestBody,
  type RequestDetail,
} from "@crossline/schemas";
import type { Db, DbOrTx, Tx } from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { assertThat, notFound } from "../../lib/errors.js";
import type { AuditService } from "../audit/audit.service.js";
import type { CorrelationService } from "../correlation/correlation.service.js";
import type { BlobPort, BlobRef, PeerDirectory } from "../federation/federation.directory.js";
import type { SettingsPort } from "../node/node.settings.js";
import type { PersonsPort } from "../persons/persons.port.js";
import type { SharedObjectsService } from "../shared-objects/shared-objects.service.js";
import { type CaseRow, casesRepo as repo } from "./cases.repo.js";

/** What the cases module needs from the rest of the node: narrow ports, never another module's tables. */
export interface CasesDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  /** This node's id and time zone. */
  nodeInfo: () => Promise<{ id: string; timeZone: string }>;
  /** The unit of an enabled user, or null (users module). */
  unitOfUser: (dbx: DbOrTx, id: string) => Promise<{ unitId: string; label: string } | null>;
  /** Evidence bytes are stored as request attachments are: as federation blobs. */
  blobs: BlobPort & { putAttachment: (tx: Tx, bytes: Buffer, name?: string) => Promise<BlobRef> };
  peers: PeerDirectory;
  /** The requests module's port: draft a request linked to a case, list a case's requests. */
  requests: {
    create: (ctx: Ctx, body: CreateRequestBody, link: { caseId: string }) => Promise<RequestDetail>;
    requestsOfCase: (caseId: string) => Promise<CaseDetail["requests"]>;
  };
  sharedObjects: Pick<SharedObjectsService, "domainPort" | "list">;
  /** The node's settings (node module): the cases policy is one of them. */
  settings: SettingsPort;
  /** The correlation index's port: a case's identifiers are indexed in the transaction that adds them. */
  correlation: Pick<CorrelationService, "index">;
  /** The persons module's port: a person subject links to the node's person record (issue 11, 12). */
  persons: Pick<PersonsPort, "findOrCreate" | "link" | "linkById">;
}

const POLICY_KEY = "cases.policy";
/** Out of the box a case summary leaves only with a supervisor's approval (four eyes). */
export const DEFAULT_CASE_POLICY: CasePolicy = { shareApproval: true };

export function createCasesContext(deps: CasesDeps) {
  const { db } = deps;

  /** Need to know: the owning unit and the members it added; anyone else is told there is no such case. */
  async function canSee(dbx: DbOrTx, ctx: Ctx, row: CaseRow | undefined): Promise<boolean> {
    if (!row) return false;
    if (ctx.actor.unitId && row.unitId === ctx.actor.unitId) return true;
    return !!ctx.actor.userId && (await repo.isMember(dbx, row.id, ctx.actor.userId));
  }

  /** The case if the caller may see it, else NOT_FOUND. */
  async function load(ctx: Ctx, id: string, dbx: DbOrTx = db): Promise<CaseRow> {
    const row = await repo.find(dbx, id);
    assertThat(row && (await canSee(dbx, ctx, row)), notFound("case"));
    return row;
  }

  /** The case locked for a change in `tx`, if the caller may see it, else NOT_FOUND. */
  async function lock(tx: Tx, ctx: Ctx, id: string): Promise<CaseRow> {
    const row = await repo.lock(tx, id);
    assertThat(row && (await canSee(tx, ctx, row)), notFound("case"));
    return row;
  }

  const policy = (dbx: DbOrTx = db): Promise<CasePolicy> =>
    deps.settings.read(dbx, POLICY_KEY, CasePolicySchema, DEFAULT_CASE_POLICY);

  const putPolicy = (tx: Tx, value: CasePolicy) => deps.settings.write(tx, POLICY_KEY, value);

  /** What a peer learns of a case: its shared summary's content. */
  function summaryContent(row: CaseRow): CaseSummaryContent {
    return {
      reference: row.reference,
      title: row.title,
      category: row.category,
      status: row.status,
      ...(row.outcome ? { outcome: row.outcome } : {}),
      priority: row.priority,
      ...(row.summary ? { summary: row.summary } : {}),
      ...(row.asks ? { asks: row.asks } : {}),
    };
  }

  /**
   * After a change to a case that has a summary out there, its next version goes to every peer holding it,
   * in the same transaction as the change (the shared-objects fan-out: once each, in order).
   */
  async function syncSummary(tx: Tx, ctx: Ctx, before: CaseRow, after: CaseRow) {
    if (!after.sharedObjectId) return;
    if (JSON.stringify(summaryContent(before)) === JSON.stringify(summaryContent(after))) return;
    // The object locked before its state is read: a withdrawal committed meanwhile (the shared-objects API, the
    // lawful erasure) is seen, and the case's change goes on without it (read unlocked, the update refused the
    // change: 409 "the object is withdrawn").
    const so = await deps.sharedObjects.domainPort.lockIn(tx, after.sharedObjectId);
    if (so.state !== "active") return;
    await deps.sharedObjects.domainPort.updateIn(tx, ctx, after.sharedObjectId, {
      content: summaryContent(after),
    });
  }

  /** A change to the case file: bumps the version (a client showing an older one is stale) and the time. */
  async function touch(tx: Tx, row: CaseRow): Promise<CaseRow> {
    return repo.update(tx, row.id, { version: row.version + 1, updatedAt: deps.clock.now() });
  }

  function summaryRow(r: CaseRow): CaseSummaryRow {
    return {
      id: r.id,
      reference: r.reference,
      title: r.title,
      category: r.category,
      status: r.status,
      outcome: r.outcome ?? null,
      priority: r.priority,
      unitId: r.unitId,
      leadOfficerId: r.leadOfficerId ?? null,
      version: r.version,
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
    };
  }

  return { deps, db, canSee, load, lock, policy, putPolicy, summaryContent, syncSummary, touch, summaryRow };
}

export type CasesContext = ReturnType<typeof createCasesContext>;
