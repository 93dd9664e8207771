import {
  type AmountView,
  type AssetDetail,
  type AssetSummary,
  fromMinor,
  precisionOf,
} from "@crossline/schemas";
import type { Db, DbOrTx, Tx } from "../../db/client.js";
import type { StoredAssetFields } from "../../db/schema/assets.js";
import type { Ctx } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { assertThat, notFound } from "../../lib/errors.js";
import type { AccessLogPort } from "../access-log/access-log.service.js";
import type { AuditService } from "../audit/audit.service.js";
import type { LawfulPort } from "../lawful/lawful.types.js";
import type { SharedObjectsService } from "../shared-objects/shared-objects.service.js";
import { type AssetRow, assetsRepo as repo, type StageRow } from "./assets.repo.js";
import type { AssetRequestsPort } from "./assets.requests.js";

/** What the assets module needs from the rest of the node: narrow ports, never another module's tables. */
export interface AssetsDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  nodeId: (dbx: DbOrTx) => Promise<string>;
  /** The caller's time zone (their profile's, else the node's): the calendar the dates they type are on. */
  readerZone: (ctx: Ctx) => Promise<string>;
  accessLog: AccessLogPort;
  lawful: LawfulPort;
  /** Whether the caller may see a fugitive / a case of this node (the fugitives and cases modules decide). */
  linkable: {
    fugitiveVisible: (ctx: Ctx, id: string) => Promise<boolean>;
    caseVisible: (ctx: Ctx, id: string) => Promise<boolean>;
  };
  /** The references of fugitive records (CN-MPS-F-2015-0001), for what a peer learns of an asset. */
  fugitiveReferences: (dbx: DbOrTx, ids: string[]) => Promise<string[]>;
  sharedObjects: Pick<SharedObjectsService, "domainPort">;
  /** The requests module drafts the requests started from an asset. */
  requests: AssetRequestsPort;
}

/** An amount in minor units (digits) as the API shows it, in the currency's places. */
export function amountView(minor: string | null, currency: string): AmountView | null {
  if (minor === null) return null;
  return { minor, amount: fromMinor(minor, precisionOf(currency) ?? 0), currency };
}

export function fieldsOf(r: AssetRow): StoredAssetFields {
  const valueMinor = r.valueMinor;
  return {
    kind: r.kind,
    description: r.description,
    ...(r.location ? { location: r.location } : {}),
    jurisdiction: r.jurisdiction,
    ...(r.holder ? { holder: r.holder } : {}),
    currency: r.currency,
    ...(valueMinor !== null ? { value: fromMinor(valueMinor, precisionOf(r.currency) ?? 0) } : {}),
    fugitiveIds: r.fugitiveIds,
    caseIds: r.caseIds,
  };
}

export function createAssetsContext(deps: AssetsDeps) {
  const { db } = deps;

  /** Need to know: the owning unit only; anyone else is told there is no such asset. */
  function canSee(ctx: Ctx, row: AssetRow | undefined): row is AssetRow {
    return !!row && !!ctx.actor.unitId && row.unitId === ctx.actor.unitId;
  }

  async function load(ctx: Ctx, id: string, dbx: DbOrTx = db): Promise<AssetRow> {
    const row = await repo.find(dbx, id);
    assertThat(canSee(ctx, row), notFound("asset"));
    return row;
  }

  async function lock(tx: Tx, ctx: Ctx, id: string): Promise<AssetRow> {
    const row = await repo.lock(tx, id);
    assertThat(canSee(ctx, row), notFound("asset"));
    return row;
  }

  function summary(r: AssetRow): AssetSummary {
    return {
      id: r.id,
      reference: r.reference,
      kind: r.kind,
      description: r.description,
      jurisdiction: r.jurisdiction,
      currency: r.currency,
      value: amountView(r.valueMinor, r.currency),
      stage: r.stage,
      holder: r.holder ?? null,
      fugitiveIds: r.fugitiveIds,
      caseIds: r.caseIds,
      unitId: r.unitId,
      version: r.version,
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
    };
  }

  /**
   * The detail as a reader sees it now. The sharing shows as withdrawn once the shared object is, also when it
   * was withdrawn through the shared-objects API or erased at the end of its retention (the asset's own flag is
   * set only by the asset's withdrawal: setting it from the object's side would lock the asset after the object,
   * the reverse of the order every asset change takes).
   */
  async function detailOf(dbx: DbOrTx, r: AssetRow): Promise<AssetDetail> {
    const d = detail(r, await repo.stages(dbx, r.id));
    if (d.sharing.withdrawn || !r.sharedObjectId) return d;
    const state = await deps.sharedObjects.domainPort.stateOf(dbx, r.sharedObjectId);
    return state === "active" ? d : { ...d, sharing: { ...d.sharing, withdrawn: true } };
  }

  function detail(r: AssetRow, stages: StageRow[]): AssetDetail {
    return {
      ...summary(r),
      location: r.location ?? null,
      stages: stages.map((s) => ({
        seq: s.seq,
        stage: s.stage,
        date: s.date,
        authority: s.authority,
        orderReference: s.orderReference ?? null,
        amount: amountView(s.amountMinor, r.currency),
        note: s.note ?? null,
        recordedAt: s.recordedAt.toISOString(),
        recordedBy: s.recordedBy,
      })),
      sharing: {
        sharedObjectId: r.sharedObjectId ?? null,
        recipients: r.recipients,
        marking: r.marking ?? null,
        withdrawn: r.sharingWithdrawn,
      },
      requestIds: r.requestIds,
    };
  }

  /** Reads of assets go to the access log: an asset of a fugitive (its holder) is personal data. */
  async function logReads(dbx: DbOrTx, ctx: Ctx, rows: AssetRow[], action: "read" | "list") {
    await deps.accessLog.record(
      dbx,
      ctx,
      rows.map((r) => ({ action, recordType: "asset", recordId: r.id, recordUnitId: r.unitId })),
    );
  }

  return { deps, db, canSee, load, lock, summary, detailOf, logReads };
}

export type AssetsContext = ReturnType<typeof createAssetsContext>;
