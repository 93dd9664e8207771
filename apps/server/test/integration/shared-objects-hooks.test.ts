import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { z } from "zod";
import { sharedObjects } from "../../src/db/schema/index.js";
import { type Ctx, makeActor } from "../../src/lib/actor.js";
import { indicatorType } from "../../src/modules/indicators/indicators.shared.js";
import { findNode } from "../../src/modules/node/node.repo.js";
import { createSharedObjectsService } from "../../src/modules/shared-objects/shared-objects.service.js";
import {
  createSharedTypeRegistry,
  defineSharedType,
  type PersonalDataHooks,
  type PersonalDataSubject,
} from "../../src/modules/shared-objects/shared-objects.types.js";
import { createTestNode, describeDb, type TestNode } from "../support/node.js";

/** A type with no personal data, declared the way a domain would. */
const outcomeList = defineSharedType({
  type: "dialogue.outcomes",
  version: 1,
  schema: z.strictObject({ round: z.number().int().min(1), outcomes: z.array(z.string().max(500)).max(100) }),
});

describeDb("personal-data hooks of shared objects (one place for the access log and retention)", () => {
  let node: TestNode;
  let ctx: Ctx;
  const reads: { ctx: Ctx; subjects: PersonalDataSubject[] }[] = [];
  const SIX_MONTHS = 183 * 86_400_000;
  const hooks: PersonalDataHooks = {
    async onRead(_dbx, c, subjects) {
      reads.push({ ctx: c, subjects });
    },
    retentionEnd: (s, at) => (s.fields.includes("value") ? new Date(at.getTime() + SIX_MONTHS) : null),
  };
  let service: ReturnType<typeof createSharedObjectsService>;

  beforeAll(async () => {
    node = await createTestNode({ id: "CN-MPS" });
    const s = node.rt.services;
    const types = createSharedTypeRegistry();
    types.register(indicatorType);
    types.register(outcomeList);
    service = createSharedObjectsService({
      db: s.db,
      clock: s.clock,
      audit: s.audit,
      federation: s.federation,
      types,
      nodeId: async (dbx) => (await findNode(dbx))?.id ?? "",
      intakeUnitId: (dbx) => s.requestPolicy.intakeUnitId(dbx),
      personalData: hooks,
    });
    const u = await node.user("wang.fang", ["case_officer"]);
    ctx = {
      actor: makeActor({
        type: "user",
        id: u.id,
        label: "wang.fang",
        userId: u.id,
        unitId: u.unitId,
        agencyId: null,
        roles: ["case_officer"],
      }),
      ip: null,
      requestId: "req_test",
    };
  });
  afterAll(() => node?.close());

  it("sets the retention end from the hook, and reports reads of personal data only", async () => {
    const ind = await service.publish(ctx, {
      type: "indicator",
      marking: { tlp: "AMBER", handling: [] },
      content: { kind: "email", value: "li.ming@example.com" },
    });
    const outcomes = await service.publish(ctx, {
      type: "dialogue.outcomes",
      marking: { tlp: "CLEAR", handling: [] },
      content: { round: 2, outcomes: ["Hotline tested quarterly"] },
    });
    const rowOf = async (id: string) =>
      (await node.rt.services.db.select().from(sharedObjects).where(eq(sharedObjects.id, id)))[0];
    const indRow = await rowOf(ind.id);
    expect(indRow.retainUntil?.getTime()).toBe(indRow.createdAt.getTime() + SIX_MONTHS);
    expect((await rowOf(outcomes.id)).retainUntil).toBeNull();

    reads.length = 0;
    await service.get(ctx, outcomes.id);
    expect(reads).toEqual([]);
    await service.get(ctx, ind.id);
    await service.list(ctx, { limit: 50 });
    expect(reads.map((r) => r.subjects.map((s) => [s.objectId, s.type, s.fields]))).toEqual([
      [[ind.id, "indicator", ["value"]]],
      [[ind.id, "indicator", ["value"]]],
    ]);
    expect(reads[0].ctx.actor.label).toBe("wang.fang");

    // Withdrawn: the content (and the personal data in it) is gone, so is its retention date.
    await service.withdraw(ctx, ind.id);
    expect(await rowOf(ind.id)).toMatchObject({ content: null, retainUntil: null, state: "withdrawn" });
  });
});
