import {
  DEFAULT_REPATRIATION_POLICY,
  deadlineState,
  type RepatriationCaseView,
  type RepatriationPending,
  RepatriationPolicy,
} from "@crossline/schemas";
import type { Db, DbOrTx, Tx } from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { assertThat, notFound } from "../../lib/errors.js";
import type { AccessLogPort } from "../access-log/access-log.service.js";
import type { AuditService } from "../audit/audit.service.js";
import type { BlobPort, BlobRef } from "../federation/federation.directory.js";
import type { LawfulPort } from "../lawful/lawful.types.js";
import type { SettingsPort } from "../node/node.settings.js";
import type { NotifyInput } from "../notifications/notifications.service.js";
import type { PersonsPort } from "../persons/persons.port.js";
import type { SharedObjectsService } from "../shared-objects/shared-objects.service.js";
import { type CaseRow, repatriationRepo as repo } from "./repatriation.repo.js";

const POLICY_KEY = "repatriation";

/** What the repatriation module needs from the rest of the node: narrow ports, never another module's tables. */
export interface RepatriationDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  nodeId: (dbx: DbOrTx) => Promise<string>;
  /** The node's time zone (the months of the figures are the node's). */
  nodeZone: () => Promise<string>;
  persons: Pick<PersonsPort, "findOrCreate" | "link">;
  accessLog: AccessLogPort;
  lawful: LawfulPort;
  settings: SettingsPort;
  /** Whether the caller may see this request of the node and it is an identity check for repatriation. */
  identityCheckRequest: (ctx: Ctx, id: string) => Promise<boolean>;
  /** The state of a peer (`active`, …), undefined when it is not a peer. */
  peerState: (dbx: DbOrTx, id: string) => Promise<string | undefined>;
  sharedObjects: Pick<SharedObjectsService, "domainPort">;
  blobs: BlobPort & { putAttachment: (tx: Tx, bytes: Buffer, name?: string) => Promise<BlobRef> };
  notify: (tx: Tx, n: NotifyInput) => Promise<number>;
  recipientsInUnit: (tx: DbOrTx, unitId: string, roles: readonly string[]) => Promise<string[]>;
}

/**
 * A change to an own case, to the peer as its shared object's next version, in the change's transaction, unless
 * the object was withdrawn (through the shared-objects API, or erased at the end of its retention): then the case
 * goes on here and nothing is sent (the peer's copy is gone). The object's state is read under its lock, taken
 * after the case's, the order every change of a case takes. Returns whether a version was sent.
 */
export async function sendNextVersion(
  so: RepatriationDeps["sharedObjects"]["domainPort"],
  tx: Tx,
  ctx: Ctx,
  sharedObjectId: string | null,
  update: Parameters<RepatriationDeps["sharedObjects"]["domainPort"]["updateIn"]>[3],
): Promise<boolean> {
  if (!sharedObjectId || (await so.lockIn(tx, sharedObjectId)).state !== "active") return false;
  await so.updateIn(tx, ctx, sharedObjectId, update);
  return true;
}

/** The step a case waits for and its deadline, or nothing. */
export function pendingOf(r: CaseRow): { pending: RepatriationPending; since: string; dueAt: Date } | null {
  const steps = r.content.steps;
  if (r.status === "awaiting_verification" && r.verificationDueAt) {
    const since = steps.find((s) => s.kind === "verification_requested")?.at ?? r.createdAt.toISOString();
    return { pending: "verification", since, dueAt: r.verificationDueAt };
  }
  if (r.status === "awaiting_document" && r.documentDueAt) {
    const since = steps.find((s) => s.kind === "verification_answered")?.at ?? r.updatedAt.toISOString();
    return { pending: "document", since, dueAt: r.documentDueAt };
  }
  return null;
}

export function createRepatriationContext(deps: RepatriationDeps) {
  const { db, clock } = deps;

  /** Need to know: the owning unit (received cases: the intake unit); anyone else is told there is no such case. */
  function canSee(ctx: Ctx, row: CaseRow | undefined): row is CaseRow {
    return !!row && !!ctx.actor.unitId && row.unitId === ctx.actor.unitId;
  }

  async function load(ctx: Ctx, id: string, dbx: DbOrTx = db): Promise<CaseRow> {
    const row = await repo.find(dbx, id);
    assertThat(canSee(ctx, row), notFound("repatriation case"));
    return row;
  }

  async function lock(tx: Tx, ctx: Ctx, id: string): Promise<CaseRow> {
    const row = await repo.lock(tx, id);
    assertThat(canSee(ctx, row), notFound("repatriation case"));
    return row;
  }

  const policy = (dbx: DbOrTx = db) =>
    deps.settings.read(dbx, POLICY_KEY, RepatriationPolicy, DEFAULT_REPATRIATION_POLICY);
  const putPolicy = (tx: Tx, value: RepatriationPolicy) => deps.settings.write(tx, POLICY_KEY, value);

  function view(r: CaseRow, now = clock.now()): RepatriationCaseView {
    const p = pendingOf(r);
    return {
      ...r.content,
      id: r.id,
      direction: r.direction,
      ownerNode: r.ownerNode,
      peer: r.peer,
      unitId: r.unitId,
      personId: r.personId,
      requestId: r.requestId,
      sharedObjectId: r.sharedObjectId,
      version: r.version,
      pending: p?.pending ?? null,
      dueAt: p ? p.dueAt.toISOString() : null,
      deadlineState: p ? deadlineState(now, p.dueAt, new Date(p.since)) : null,
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
    };
  }

  /** Reads of repatriation cases are reads of personal data: the access log, one INSERT. */
  async function logReads(dbx: DbOrTx, ctx: Ctx, rows: CaseRow[], action: "read" | "list") {
    await deps.accessLog.record(
      dbx,
      ctx,
      rows.map((r) => ({
        action,
        recordType: "repatriation",
        recordId: r.id,
        recordUnitId: r.unitId,
        personId: r.personId,
      })),
    );
  }

  return { deps, db, canSee, load, lock, policy, putPolicy, view, logReads };
}

export type RepatriationContext = ReturnType<typeof createRepatriationContext>;
