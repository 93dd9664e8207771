import {
  type AddStageBody,
  type AssetDetail,
  type AssetFields,
  type AssetQuery,
  type AssetStage,
  type AssetTotals,
  type CreateAssetBody,
  issue,
  precisionFault,
  precisionIssue,
  precisionOf,
  STAGE_RANK,
  STAGES_WITH_ORDER,
  toMinor,
  type UpdateAssetBody,
  zonedToday,
} from "@crossline/schemas";
import { uuidv7 } from "../../crypto/ids.js";
import { type DbOrTx, inTransaction } from "../../db/client.js";
import type { StoredAssetFields } from "../../db/schema/assets.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { mergeChange } from "../../lib/change.js";
import { AppError, assertThat } from "../../lib/errors.js";
import { type AssetsDeps, amountView, createAssetsContext, fieldsOf } from "./assets.context.js";
import { type AssetRow, assetsRepo as repo } from "./assets.repo.js";
import { createAssetRequests } from "./assets.requests.js";
import { createAssetSharing } from "./assets.sharing.js";

const MAX_PAGE = 200;
const CURSOR = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
type Issue = { field: string; issue: string };

/** Stages after which nothing more is recorded: a release ends the road. */
const FINAL: readonly AssetStage[] = ["released"];

/**
 * Asset recovery: assets of one unit (need to know: another unit's is 404), linked to fugitives and cases of
 * this node (asked through ports), versioned (every version kept), every read in the access log, every change
 * audited in its own transaction, the legal basis declared to the lawful module. Stages only go forward; all
 * amounts are in the asset's currency, exact (minor units, numeric). Sharing with peers: assets.sharing.ts.
 */
export function createAssetsService(deps: AssetsDeps) {
  const c = createAssetsContext(deps);
  const { db, clock, audit } = deps;
  const sharing = createAssetSharing(c);
  const requests = createAssetRequests(c, deps.requests);

  /** Today on the caller's calendar: a date they type is in the future only after it. */
  const today = async (ctx: Ctx) => zonedToday(await deps.readerZone(ctx), clock.now());

  /** The links must name fugitives and cases the caller may see; every issue names its field. */
  async function linkIssues(ctx: Ctx, f: AssetFields, field: string): Promise<Issue[]> {
    const issues: Issue[] = [];
    for (const [i, id] of f.fugitiveIds.entries()) {
      if (!(await deps.linkable.fugitiveVisible(ctx, id)))
        issues.push({ field: `${field}.fugitiveIds.${i}`, issue: "no such fugitive" });
    }
    for (const [i, id] of f.caseIds.entries()) {
      if (!(await deps.linkable.caseVisible(ctx, id)))
        issues.push({ field: `${field}.caseIds.${i}`, issue: "no such case" });
    }
    return issues;
  }

  function stored(f: AssetFields): StoredAssetFields {
    return {
      kind: f.kind,
      description: f.description,
      ...(f.location ? { location: f.location } : {}),
      jurisdiction: f.jurisdiction,
      ...(f.holder ? { holder: f.holder } : {}),
      currency: f.currency,
      ...(f.value !== undefined ? { value: f.value } : {}),
      fugitiveIds: [...new Set(f.fugitiveIds)],
      caseIds: [...new Set(f.caseIds)],
    };
  }

  /** The columns of the record's fields (the value in minor units of its currency). */
  function columns(f: StoredAssetFields) {
    return {
      kind: f.kind,
      description: f.description,
      location: f.location ?? null,
      jurisdiction: f.jurisdiction,
      holder: f.holder ?? null,
      currency: f.currency,
      valueMinor: f.value !== undefined ? toMinor(f.value, precisionOf(f.currency) ?? 0) : null,
      fugitiveIds: f.fugitiveIds,
      caseIds: f.caseIds,
    };
  }

  async function view(dbx: DbOrTx, r: AssetRow): Promise<AssetDetail> {
    return c.detailOf(dbx, r);
  }

  async function list(ctx: Ctx, q: AssetQuery) {
    requirePermission(ctx.actor, "fugitives:read");
    if (q.cursor !== undefined && !CURSOR.test(q.cursor))
      throw new AppError("VALIDATION_FAILED", [
        { field: "querystring.cursor", issue: "not a cursor of this list" },
      ]);
    if (!ctx.actor.unitId) return { items: [], nextCursor: null };
    const limit = Math.min(q.limit, MAX_PAGE);
    const rows = await repo.page(db, {
      unitId: ctx.actor.unitId,
      kind: q.kind,
      stage: q.stage,
      currency: q.currency,
      fugitiveId: q.fugitiveId,
      caseId: q.caseId,
      afterId: q.cursor,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    await c.logReads(db, ctx, page, "list");
    return {
      items: page.map(c.summary),
      nextCursor: rows.length > limit ? (page[page.length - 1] as AssetRow).id : null,
    };
  }

  async function get(ctx: Ctx, id: string): Promise<AssetDetail> {
    requirePermission(ctx.actor, "fugitives:read");
    const row = await c.load(ctx, id);
    await c.logReads(db, ctx, [row], "read");
    return view(db, row);
  }

  async function history(ctx: Ctx, id: string) {
    requirePermission(ctx.actor, "fugitives:read");
    const row = await c.load(ctx, id);
    await c.logReads(db, ctx, [row], "read");
    const versions = await repo.versions(db, row.id);
    return {
      items: versions.map((v) => ({
        version: v.version,
        fields: v.fields as unknown as Record<string, unknown>,
        stage: v.stage,
        changedAt: v.changedAt.toISOString(),
        changedBy: v.changedBy,
        reason: v.reason ?? null,
      })),
    };
  }

  async function create(ctx: Ctx, body: CreateAssetBody): Promise<AssetDetail> {
    requirePermission(ctx.actor, "fugitives:write");
    const unitId = ctx.actor.unitId;
    assertThat(
      unitId,
      new AppError("FORBIDDEN", [{ issue: "only an officer of a unit keeps asset records" }]),
    );
    const { legalBasis, purpose, identifiedOn, identifiedBy, ...fields } = body;
    const issues = await linkIssues(ctx, fields, "body");
    if (identifiedOn > (await today(ctx)))
      issues.push({ field: "body.identifiedOn", issue: "in the future" });
    if (issues.length) throw new AppError("VALIDATION_FAILED", issues);
    const f = stored(fields);
    const now = clock.now();
    const id = uuidv7();
    const node = await deps.nodeId(db);
    const row = await inTransaction(db, async (tx) => {
      const year = now.getUTCFullYear();
      const seq = await repo.nextSeq(tx, year);
      const r = await repo.insert(tx, {
        id,
        reference: `${node}-A-${year}-${String(seq).padStart(4, "0")}`,
        year,
        seq,
        unitId,
        ...columns(f),
        stage: "identified",
        requestIds: [],
        recipients: [],
        version: 1,
        createdBy: ctx.actor.userId,
        createdAt: now,
        updatedAt: now,
      });
      await repo.insertStage(tx, {
        assetId: id,
        seq: 1,
        stage: "identified",
        date: identifiedOn,
        authority: identifiedBy,
        orderReference: null,
        amountMinor: r.valueMinor,
        note: null,
        recordedAt: now,
        recordedBy: ctx.actor.label,
      });
      await repo.insertVersion(tx, {
        assetId: id,
        version: 1,
        fields: f,
        stage: "identified",
        changedAt: now,
        changedBy: ctx.actor.label,
        reason: null,
      });
      await deps.lawful.declare(tx, {
        kind: "asset",
        recordId: id,
        basis: legalBasis,
        purpose: purpose ?? `Asset recovery: ${r.reference}`,
        ownerUnitId: unitId,
      });
      await audit.record(tx, ctx, {
        action: "asset.create",
        targetType: "asset",
        targetId: id,
        details: { reference: r.reference, kind: f.kind, currency: f.currency },
      });
      return r;
    });
    return view(db, row);
  }

  function staleCheck(before: AssetRow, version: number) {
    if (version !== before.version)
      throw new AppError("CONFLICT", [
        {
          field: "body.version",
          ...issue("record.staleVersion", { what: "asset", version: before.version }),
        },
      ]);
  }

  async function update(ctx: Ctx, id: string, body: UpdateAssetBody): Promise<AssetDetail> {
    requirePermission(ctx.actor, "fugitives:write");
    // A field left out keeps the record's value, null clears it; read before the transaction, the
    // version check below makes sure the record merged with is the one changed.
    const current = await c.load(ctx, id);
    const fields = mergeChange<AssetFields>(body.fields, fieldsOf(current));
    const issues = await linkIssues(ctx, fields, "body.fields");
    // The value in the currency it will have (a currency changed alone: the record's value in it).
    const fault = fields.value !== undefined ? precisionFault(fields.value, fields.currency) : null;
    if (fault)
      issues.push(
        body.fields.value !== undefined
          ? { field: "body.fields.value", ...issue("assets.precision", fault) }
          : { field: "body.fields.currency", ...issue("assets.precisionCurrency", fault) },
      );
    if (fields.fugitiveIds.length === 0 && fields.caseIds.length === 0)
      issues.push({ field: "body.fields.fugitiveIds", issue: "link the asset to a fugitive or a case" });
    if (issues.length) throw new AppError("VALIDATION_FAILED", issues);
    const f = stored(fields);
    const row = await inTransaction(db, async (tx) => {
      const before = await c.lock(tx, ctx, id);
      staleCheck(before, body.version);
      if (f.currency !== before.currency) {
        const stages = await repo.stages(tx, id);
        if (stages.some((s) => s.amountMinor !== null))
          throw new AppError("CONFLICT", [
            {
              field: "body.fields.currency",
              ...issue("assets.currencyStays", { currency: before.currency }),
            },
          ]);
      }
      const now = clock.now();
      const after = await repo.update(tx, id, {
        ...columns(f),
        version: before.version + 1,
        updatedAt: now,
      });
      await repo.insertVersion(tx, {
        assetId: id,
        version: after.version,
        fields: f,
        stage: after.stage,
        changedAt: now,
        changedBy: ctx.actor.label,
        reason: body.reason ?? null,
      });
      await sharing.sync(tx, ctx, after);
      await audit.record(tx, ctx, {
        action: "asset.update",
        targetType: "asset",
        targetId: id,
        details: { version: after.version, ...(body.reason ? { reason: body.reason } : {}) },
      });
      return after;
    });
    return view(db, row);
  }

  /** What is wrong with a new stage entry for an asset at `current`, whose last entry is dated `lastDate`. */
  function stageIssues(
    a: AssetRow,
    body: AddStageBody,
    lastDate: string | undefined,
    today: string,
  ): Issue[] {
    const out: Issue[] = [];
    const current = a.stage;
    if (FINAL.includes(current))
      out.push({ field: "body.stage", ...issue("assets.stageFinal", { stage: current }) });
    else if (STAGE_RANK[body.stage] < STAGE_RANK[current])
      out.push({
        field: "body.stage",
        ...issue("assets.stageBack", { stage: current, next: body.stage }),
      });
    if (lastDate && body.date < lastDate)
      out.push({ field: "body.date", ...issue("assets.beforePreviousStage", { date: lastDate }) });
    if (body.date > today) out.push({ field: "body.date", issue: "in the future" });
    if (STAGES_WITH_ORDER.includes(body.stage) && !body.orderReference)
      out.push({ field: "body.orderReference", ...issue("assets.stageNamesOrder", { stage: body.stage }) });
    if (body.amount !== undefined) {
      const p = precisionIssue(body.amount, a.currency);
      if (p) out.push({ field: "body.amount", ...p });
    }
    return out;
  }

  async function addStage(ctx: Ctx, id: string, body: AddStageBody): Promise<AssetDetail> {
    requirePermission(ctx.actor, "fugitives:write");
    const todayThere = await today(ctx);
    const row = await inTransaction(db, async (tx) => {
      const before = await c.lock(tx, ctx, id);
      staleCheck(before, body.version);
      const stages = await repo.stages(tx, id);
      const last = stages[stages.length - 1];
      const issues = stageIssues(before, body, last?.date, todayThere);
      if (issues.length) throw new AppError("VALIDATION_FAILED", issues);
      const now = clock.now();
      const amountMinor =
        body.amount !== undefined ? toMinor(body.amount, precisionOf(before.currency) ?? 0) : null;
      await repo.insertStage(tx, {
        assetId: id,
        seq: (last?.seq ?? 0) + 1,
        stage: body.stage,
        date: body.date,
        authority: body.authority,
        orderReference: body.orderReference ?? null,
        amountMinor,
        note: body.note ?? null,
        recordedAt: now,
        recordedBy: ctx.actor.label,
      });
      const closes = body.stage === "returned" || body.stage === "released";
      const after = await repo.update(tx, id, {
        stage: body.stage,
        version: before.version + 1,
        updatedAt: now,
        ...(closes && !before.closedAt ? { closedAt: now } : {}),
      });
      await repo.insertVersion(tx, {
        assetId: id,
        version: after.version,
        fields: fieldsOf(after),
        stage: body.stage,
        changedAt: now,
        changedBy: ctx.actor.label,
        reason: `stage: ${body.stage}`,
      });
      await sharing.sync(tx, ctx, after);
      await audit.record(tx, ctx, {
        action: "asset.stage",
        targetType: "asset",
        targetId: id,
        details: {
          version: after.version,
          stage: body.stage,
          date: body.date,
          ...(amountMinor !== null ? { amountMinor, currency: before.currency } : {}),
        },
      });
      return after;
    });
    return view(db, row);
  }

  async function totals(ctx: Ctx, q: { fugitiveId?: string; caseId?: string }): Promise<AssetTotals> {
    requirePermission(ctx.actor, "fugitives:read");
    if (!ctx.actor.unitId) return { rows: [], values: [] };
    const filter = { unitId: ctx.actor.unitId, fugitiveId: q.fugitiveId, caseId: q.caseId };
    const [stageRows, valueRows] = await Promise.all([
      repo.stageTotals(db, filter),
      repo.valueTotals(db, filter),
    ]);
    return {
      rows: stageRows
        .map((r) => ({
          currency: r.currency,
          stage: r.stage,
          assets: r.assets,
          amount: amountView(r.minor, r.currency) as NonNullable<ReturnType<typeof amountView>>,
        }))
        .sort((a, b) =>
          a.currency === b.currency
            ? STAGE_RANK[a.stage] - STAGE_RANK[b.stage] || a.stage.localeCompare(b.stage)
            : a.currency.localeCompare(b.currency),
        ),
      values: valueRows.map((r) => ({
        currency: r.currency,
        assets: r.assets,
        value: amountView(r.minor, r.currency) as NonNullable<ReturnType<typeof amountView>>,
      })),
    };
  }

  return {
    list,
    get,
    history,
    create,
    update,
    addStage,
    totals,
    requestPrefill: requests.prefill,
    draftRequest: requests.draft,
    share: sharing.share,
    withdrawSharing: sharing.withdraw,
    received: sharing.received,
    onReceived: sharing.onReceived,
    returnedWithPeer: sharing.returnedWithPeer,
  };
}

export type AssetsService = ReturnType<typeof createAssetsService>;
