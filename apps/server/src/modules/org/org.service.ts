import type { Agency, Unit } from "@crossline/schemas";
import { uuidv7 } from "../../crypto/ids.js";
import { type Db, type DbOrTx, inTransaction } from "../../db/client.js";
import { uniqueConflicts } from "../../db/errors.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { AppError, assertThat, taken } from "../../lib/errors.js";
import type { AuditService } from "../audit/audit.service.js";
import * as repo from "./org.repo.js";

export function createOrgService(deps: { db: Db; audit: AuditService }) {
  const { db, audit } = deps;

  async function listAgencies(_ctx: Ctx): Promise<Agency[]> {
    return repo.listAgencies(db);
  }

  async function listUnits(_ctx: Ctx): Promise<Unit[]> {
    return repo.listUnits(db);
  }

  /** One unit by id, for other modules (e.g. requests routing an item to a unit's desk). */
  async function findUnit(id: string): Promise<Unit | undefined> {
    return repo.findUnit(db, id);
  }

  async function createUnit(
    ctx: Ctx,
    input: { agencyId: string; name: string; nameZh?: string },
  ): Promise<Unit> {
    requirePermission(ctx.actor, "org:manage");
    const agency = await repo.findAgency(db, input.agencyId);
    assertThat(agency, new AppError("VALIDATION_FAILED", [{ field: "agencyId", issue: "no such agency" }]));
    // Unit names are unique on the node, whatever the agency (the index units_name): a unit is known by its
    // name alone in the CLI (`users create --unit`), the routing and hotline logs and the demo.
    const clash = await repo.findUnitByName(db, input.name);
    assertThat(!clash, taken("units_name"));
    const unit = { id: uuidv7(), agencyId: input.agencyId, name: input.name, nameZh: input.nameZh ?? null };
    await inTransaction(db, async (tx) => {
      await repo.insertUnit(tx, unit);
      await audit.record(tx, ctx, {
        action: "unit.create",
        targetType: "unit",
        targetId: unit.id,
        details: input,
      });
    }).catch(uniqueConflicts({ units_name: () => taken("units_name") }));
    return unit;
  }

  /** Units by id, read in the caller's transaction (correlation names whom to ask). */
  async function unitsByIds(dbx: DbOrTx, ids: string[]): Promise<Unit[]> {
    return repo.unitsByIds(dbx, ids);
  }

  /** The node's oldest unit, read in the caller's transaction (where requests land by default). */
  async function firstUnitId(dbx: DbOrTx): Promise<string | undefined> {
    return repo.firstUnitId(dbx);
  }

  return { listAgencies, listUnits, findUnit, createUnit, unitsByIds, firstUnitId };
}

export type OrgService = ReturnType<typeof createOrgService>;
