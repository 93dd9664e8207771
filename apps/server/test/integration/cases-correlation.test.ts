import type { CaseDetail, CorrelationSearchResult, HitView } from "@crossline/schemas";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { notifications, users } from "../../src/db/schema/index.js";
import { upload } from "../support/indicators-fixtures.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";
import { routineSubscriberForm } from "../support/requests-fixtures.js";

type One = { case: CaseDetail };

/**
 * A case's identifiers in the correlation index: added to a case they are normalised and indexed in the same
 * transaction, so an indicator or a request identifier of another unit matching one is a hit for both owning
 * units (each told, neither shown the other's record), and the search finds the case for whoever may look.
 */
describeDb("cases: identifiers correlated with indicators and requests", () => {
  let node: TestNode;
  let caseOfficer: Agent;
  let cyber: Agent;
  let caseUnit: string;
  let cyberUnit: string;
  let caseId: string;

  beforeAll(async () => {
    node = await createTestNode({ id: "CN-MPS" });
    caseUnit = await node.unit("Economic crime unit");
    cyberUnit = await node.unit("Cyber intelligence unit");
    await node.user("ec.officer", ["case_officer"], caseUnit);
    await node.user("ci.officer", ["case_officer"], cyberUnit);
    caseOfficer = await node.as("ec.officer");
    cyber = await node.as("ci.officer");
    const c = await caseOfficer.req<One>("POST", "/api/v1/cases", {
      title: { lang: "zh-CN", text: "发票诈骗案" },
      category: "email_web_fraud",
    });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    caseId = c.body.case.id;
  }, 180_000);
  afterAll(() => node?.close());

  const hitsOf = async (a: Agent) =>
    (await a.req<{ items: HitView[] }>("GET", "/api/v1/correlation/hits?limit=100")).body.items;
  const addIdentifier = (identifier: object) =>
    caseOfficer.req<One>("POST", `/api/v1/cases/${caseId}/identifiers`, { identifier });
  const toldUnits = async () => {
    const rows = await node.rt.services.db
      .select({ unitId: users.unitId })
      .from(notifications)
      .innerJoin(users, eq(users.id, notifications.userId))
      .where(and(eq(notifications.messageKey, "correlation_hit")));
    return new Set(rows.map((r) => r.unitId));
  };

  it("a case identifier inside a network another unit imported is a hit for both units", async () => {
    const imp = await upload(cyber, "kind,value,description\nip,203.0.113.0/24,Bulletproof hosting\n");
    expect(imp.body.import.added).toBe(1);
    // defanged on input, as threat reports carry it: stored and indexed by its canonical value
    const added = await addIdentifier({ type: "ipv4", value: "203.0.113[.]9" });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect(added.body.case.identifiers[0]?.identifier).toMatchObject({ type: "ipv4", value: "203.0.113.9" });

    const mine = await hitsOf(caseOfficer);
    expect(
      mine.map((h) => [h.value, h.match, h.mine.recordType, h.mine.recordId, h.other.recordType]),
    ).toEqual([["203.0.113.9", "network", "case", caseId, "indicator"]]);
    // whom to ask, not the other unit's record
    expect(mine[0]?.other).toMatchObject({ recordId: null, unit: { id: cyberUnit } });
    const theirs = await hitsOf(cyber);
    expect(theirs.map((h) => [h.mine.recordType, h.other.recordType, h.other.recordId])).toEqual([
      ["indicator", "case", null],
    ]);
    expect(theirs[0]?.other.unit.id).toBe(caseUnit);
    expect(await toldUnits()).toEqual(new Set([caseUnit, cyberUnit]));
  });

  it("an indicator imported after the case holds the identifier is a hit too (either order)", async () => {
    await addIdentifier({ type: "email", value: "Refunds@Invoice-Example.com" });
    const imp = await upload(cyber, "kind,value\nemail,refunds@invoice-example.com\n");
    expect(imp.body.import.added).toBe(1);
    const mine = await hitsOf(caseOfficer);
    expect(mine.filter((h) => h.kind === "email").map((h) => [h.value, h.match, h.other.recordType])).toEqual(
      [["refunds@invoice-example.com", "exact", "indicator"]],
    );
  });

  it("a request of another unit naming the case's domain is a hit for both owners", async () => {
    await addIdentifier({ type: "domain", value: "INVOICE-example[.]com" });
    const r = await cyber.req<{ request: { id: string } }>("POST", "/api/v1/requests", {
      form: routineSubscriberForm(),
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const theirs = (await hitsOf(cyber)).filter((h) => h.mine.recordType === "request");
    expect(
      theirs.map((h) => [h.value, h.match, h.mine.recordId, h.other.recordType, h.other.recordId]),
    ).toEqual([["invoice-example.com", "exact", r.body.request.id, "case", null]]);
    const mine = (await hitsOf(caseOfficer)).filter((h) => h.other.recordType === "request");
    expect(mine.map((h) => [h.value, h.mine.recordId, h.other.unit.id])).toEqual([
      ["invoice-example.com", caseId, cyberUnit],
    ]);
  });

  it("searches and hit lists at once pull a changed request into the index once: its hit stays", async () => {
    // Each of them pulls the requests changed since the cursor: side by side, the second's forget used to
    // remove the hit the first had just recorded, for good.
    const r = await cyber.req<{ request: { id: string } }>("POST", "/api/v1/requests", {
      form: routineSubscriberForm(),
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    await Promise.all(Array.from({ length: 6 }, () => hitsOf(cyber)));
    const theirs = (await hitsOf(cyber)).filter((h) => h.mine.recordId === r.body.request.id);
    // the case, and the request of the test before naming the same domain
    expect(theirs.map((h) => [h.value, h.other.recordType]).sort()).toEqual([
      ["invoice-example.com", "case"],
      ["invoice-example.com", "request"],
    ]);
  });

  it("the search finds the case: its own unit sees the record, another unit whom to ask", async () => {
    const own = (
      await caseOfficer.req<CorrelationSearchResult>("GET", "/api/v1/correlation/search?q=203.0.113.9")
    ).body;
    expect(own.mine).toEqual([{ recordType: "case", recordId: caseId, kind: "ip", value: "203.0.113.9" }]);
    const other = (
      await cyber.req<CorrelationSearchResult>("GET", "/api/v1/correlation/search?q=invoice-example.com")
    ).body;
    expect(other.elsewhere).toContainEqual({
      recordType: "case",
      unit: expect.objectContaining({ id: caseUnit }),
      count: 2,
    });
    expect(JSON.stringify(other)).not.toContain(caseId);
  });

  it("a duplicate identifier is refused whole: nothing more is indexed", async () => {
    const before = await hitsOf(cyber);
    const dup = await addIdentifier({ type: "ipv4", value: "203.0.113.9" });
    expect(dup.status).toBe(409);
    expect(await hitsOf(cyber)).toEqual(before);
  });
});
