import type { Role } from "@crossline/schemas";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { requests } from "../../src/db/schema/index.js";
import { DEFAULT_RETENTION_POLICY } from "../../src/modules/lawful/lawful.types.js";
import { DEFAULT_REQUEST_POLICY } from "../../src/modules/requests/requests.policy.js";
import {
  anonymousMismatches,
  endpoint,
  type MatrixCase,
  type MatrixFixtures,
  matrixFixtures,
  only,
  onRecord,
  runMatrix,
  type Target,
} from "../support/matrix.js";
import { type Agent, describeDb } from "../support/node.js";
import { act, draft, routineSubscriberForm, type TwoNodes, twoNodes } from "../support/requests-fixtures.js";

const READ: Role[] = [
  "duty_officer",
  "case_officer",
  "supervisor",
  "liaison",
  "fugitive_asset",
  "provider_compliance",
];
const DRAFT: Role[] = ["case_officer", "supervisor", "fugitive_asset"];
const ANSWER: Role[] = ["duty_officer", "case_officer", "supervisor"];

/**
 * Legal reviewers act node-wide (any unit's record); a unit's users need the kind's permission (403 without)
 * and see only their unit's records (another unit's is 404).
 */
const lawfulRecord =
  (gate: Role[], ok: number) =>
  (r: Role, t: Target): number => {
    if (r === "legal_reviewer") return ok;
    if (!gate.includes(r)) return 403;
    return t === "other" ? 404 : ok;
  };

describeDb("authorization matrix of personal data (legal basis, retention, screening)", () => {
  let t: TwoNodes;
  let fx: MatrixFixtures;
  let drafter: { own: Agent; other: Agent };
  let cnOfficer: Agent;
  // The record the last `prepare` made: bodies that name the record (flags, refusals) read it.
  let lastId = "";

  beforeAll(async () => {
    t = await twoNodes({
      usSettings: { signIn: { maxFailures: 5, lockMinutes: 15, perIpPerMinute: 10_000 } },
    });
    fx = await matrixFixtures(t.us);
    await t.us.user("own.drafter", ["case_officer"], fx.ownUnit);
    await t.us.user("other.drafter", ["case_officer"], fx.otherUnit);
    drafter = { own: await t.us.as("own.drafter"), other: await t.us.as("other.drafter") };
    await t.cn.user("cn.officer", ["case_officer"], t.cnUnit);
    cnOfficer = await t.cn.as("cn.officer");
    // Sent at once, without a second officer's approval, so the peer receives it.
    const p = { ...DEFAULT_REQUEST_POLICY, fourEyes: { ...DEFAULT_REQUEST_POLICY.fourEyes } };
    for (const k of Object.keys(p.fourEyes)) p.fourEyes[k as "preservation"] = false;
    expect((await (await t.cn.as("admin")).req("PUT", "/api/v1/policy/requests", p)).status).toBe(200);
  }, 600_000);
  afterAll(() => t?.close());

  const unitOf = (target: Target) => (target === "other" ? fx.otherUnit : fx.ownUnit);
  const usDraft = async (target: Target) => {
    lastId = (
      await draft(target === "other" ? drafter.other : drafter.own, routineSubscriberForm(), "CN-MPS")
    ).id;
    return lastId;
  };
  const flagged = async (target: Target) => {
    const id = await usDraft(target);
    const res = await (target === "other" ? drafter.other : drafter.own).req<{ flag: { id: string } }>(
      "POST",
      "/api/v1/lawful/flags",
      { kind: "request", recordId: id, characters: ["political"], note: "to be reviewed" },
    );
    return res.body.flag.id;
  };
  /** An incoming request from CN-MPS, delivered and routed to the target unit. */
  const incoming = async (target: Target) => {
    const d = await draft(cnOfficer, routineSubscriberForm(), "US-DOJ");
    await act(cnOfficer, d.id, { event: "send" });
    await t.hub.flush();
    await t.us.rt.services.db
      .update(requests)
      .set({ ownerUnitId: unitOf(target) })
      .where(eq(requests.id, d.id));
    lastId = d.id;
    return d.id;
  };

  const cases: MatrixCase[] = [
    onRecord("GET", "/api/v1/lawful/records/request/:id", lawfulRecord(READ, 200), { prepare: usDraft }),
    onRecord("POST", "/api/v1/lawful/records/request/:id/review", only(["legal_reviewer"], 200), {
      prepare: usDraft,
      body: () => ({}),
    }),
    onRecord("POST", "/api/v1/lawful/records/request/:id/erase", only(["legal_reviewer"], 409), {
      label: "not due yet",
      prepare: usDraft,
      body: () => ({}),
    }),
    endpoint("GET", "/api/v1/lawful/retention", only(["legal_reviewer"], 200)),
    endpoint("GET", "/api/v1/lawful/policy", only(["legal_reviewer", "admin"], 200)),
    endpoint("PUT", "/api/v1/lawful/policy", only(["admin"], 200), () => DEFAULT_RETENTION_POLICY),
    onRecord("POST", "/api/v1/lawful/flags", lawfulRecord(DRAFT, 201), {
      prepare: usDraft,
      body: () => ({ kind: "request", recordId: lastId, characters: ["military"], note: "a military unit" }),
    }),
    endpoint("GET", "/api/v1/lawful/flags", only(["legal_reviewer"], 200)),
    onRecord("POST", "/api/v1/lawful/flags/:id/decision", only(["legal_reviewer"], 200), {
      prepare: flagged,
      body: () => ({ decision: "clear", ground: "ordinary_law_crime", text: "Fraud, nothing political." }),
    }),
    onRecord("POST", "/api/v1/lawful/refusals", lawfulRecord(ANSWER, 201), {
      prepare: incoming,
      body: () => ({ kind: "request", recordId: lastId, ground: "political_character", text: "Political." }),
    }),
  ];

  for (const c of cases) {
    it(c.name, async () => {
      expect(await runMatrix(c, fx)).toEqual([]);
    }, 900_000);
  }

  it("answers 401 to anonymous callers", async () => {
    expect(await anonymousMismatches(cases, fx)).toEqual([]);
  });
});
