import type { Agency, Unit } from "@crossline/schemas";
import { asc, eq, inArray } from "drizzle-orm";
import { uuidv7 } from "../../crypto/ids.js";
import { type Db, type DbOrTx, inTransaction } from "../../db/client.js";
import { uniqueConflicts } from "../../db/errors.js";
import { agencies, units } from "../../db/schema/index.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import { AppError, assertThat, taken } from "../../lib/errors.js";
import type { AuditService } from "../audit/audit.service.js";

export function createOrgService(deps: { db: Db; audit: AuditService }) {
  const { db, audit } = deps;

  async function listAgencies(_ctx: Ctx): Promise<Agency[]> {
    return db.select({ id: agencies.id, name: agencies.name, nameZh: agencies.nameZh }).from(agencies);
  }

  async function listUnits(_ctx: Ctx): Promise<Unit[]> {
    return db
      .select({ id: units.id, agencyId: units.agencyId, name: units.name, nameZh: units.nameZh })
      .from(units)
      .orderBy(asc(units.name));
  }

  /** One unit by id, for other modules (e.g. requests routing an item to a unit's desk). */
  async function findUnit(id: string): Promise<Unit | undefined> {
    const [u] = await db
      .select({ id: units.id, agencyId: units.agencyId, name: units.name, nameZh: units.nameZh })
      .from(units)
      .where(eq(units.id, id));
    return u;
  }

  async function createUnit(
    ctx: Ctx,
    input: { agencyId: string; name: string; nameZh?: string },
  ): Promise<Unit> {
    requirePermission(ctx.actor, "org:manage");
    const [agency] = await db.select().from(agencies).where(eq(agencies.id, input.agencyId));
    assertThat(agency, new AppError("VALIDATION_FAILED", [{ field: "agencyId", issue: "no such agency" }]));
    // Unit names are unique on the node, whatever the agency (the index units_name): a unit is known by its
    // name alone in the CLI (`users create --unit`), the routing and hotline logs and the demo.
    const [clash] = await db.select().from(units).where(eq(units.name, input.name));
    assertThat(!clash, taken("units_name"));
    const unit = { id: uuidv7(), agencyId: input.agencyId, name: input.name, nameZh: input.nameZh ?? null };
    await inTransaction(db, async (tx) => {
      await tx.insert(units).values(unit);
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
    if (!ids.length) return [];
    return dbx
      .select({ id: units.id, agencyId: units.agencyId, name: units.name, nameZh: units.nameZh })
      .from(units)
      .where(inArray(units.id, ids));
  }

  /** The node's oldest unit, read in the caller's transaction (where requests land by default). */
  async function firstUnitId(dbx: DbOrTx): Promise<string | undefined> {
    const [u] = await dbx
      .select({ id: units.id })
      .from(units)
      .orderBy(asc(units.createdAt), asc(units.id))
      .limit(1);
    return u?.id;
  }

  return { listAgencies, listUnits, findUnit, createUnit, unitsByIds, firstUnitId };
}

export type OrgService = ReturnType<typeof createOrgService>;
