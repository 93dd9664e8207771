import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { LawfulStatus, RetentionDueList, SharedObjectView } from "@crossline/schemas";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lawfulRecords } from "../../src/db/schema/index.js";
import { type Agent, describeDb } from "../support/node.js";
import {
  act,
  type Detail,
  draft,
  emergencyPreservationForm,
  noFourEyes,
  routineSubscriberForm,
  type TwoNodes,
  twoNodes,
} from "../support/requests-fixtures.js";
import { call, indicator, type ThreeNodes, threeNodes } from "../support/shared-objects-fixtures.js";

const DAY = 86_400_000;
const YEAR = 365 * DAY;
type Status = { status: LawfulStatus };
type Audit = { items: { action: string; targetId: string | null; details: Record<string, unknown> }[] };

describeDb("personal data: legal basis and retention", () => {
  describe("requests", () => {
    let t: TwoNodes;
    let officer: Agent;
    let reviewer: Agent;
    let admin: Agent;
    let auditor: Agent;

    beforeAll(async () => {
      t = await twoNodes();
      await t.cn.user("li.ming", ["case_officer"], t.cnUnit);
      await t.cn.user("zhao.lei", ["legal_reviewer"]);
      await t.cn.user("sun.audit", ["auditor"]);
      officer = await t.cn.as("li.ming");
      reviewer = await t.cn.as("zhao.lei");
      auditor = await t.cn.as("sun.audit");
      admin = await t.cn.as("admin");
      await noFourEyes(admin);
    }, 600_000);
    afterAll(() => t?.close());

    it("records the basis of a new draft, its purpose, owner unit and review date; the peer records its own", async () => {
      const r = await draft(officer, emergencyPreservationForm());
      const s = await officer.req<Status>("GET", `/api/v1/lawful/records/request/${r.id}`);
      expect(s.status).toBe(200);
      const rec = s.body.status.record;
      expect(rec?.basis).toEqual({ instrument: "budapest_convention", article: "29" });
      expect(rec?.purpose).toMatch(/^Request for assistance \(preservation\)/);
      expect(rec?.ownerUnitId).toBe(t.cnUnit);
      expect(rec?.pendingReview).toBe(false);
      expect(Date.parse(rec?.reviewAt ?? "") - t.clock.t).toBeGreaterThan(360 * DAY);
      expect(rec?.retainUntil).toBeNull();
      expect(s.body.status.releasable).toBe(true);

      // An edit restates the basis.
      const form = {
        ...emergencyPreservationForm(),
        legalBasis: { instrument: "untoc" as const, article: "18" },
      };
      expect((await officer.req("PUT", `/api/v1/requests/${r.id}`, { form })).status).toBe(200);
      const edited = await officer.req<Status>("GET", `/api/v1/lawful/records/request/${r.id}`);
      expect(edited.body.status.record?.basis).toEqual({ instrument: "untoc", article: "18" });

      expect((await act(officer, r.id, { event: "send" })).status).toBe(200);
      await t.hub.flush();
      // The peer's copy is its own record, with the requester's stated basis.
      await t.us.user("us.duty", ["duty_officer"]);
      const usDuty = await t.us.as("us.duty");
      const there = await usDuty.req<Status>("GET", `/api/v1/lawful/records/request/${r.id}`);
      expect(there.status).toBe(200);
      expect(there.body.status.record?.basis?.instrument).toBe("untoc");

      // Another unit's request does not exist for its officers; a role without the kind's permission is refused.
      await t.cn.user("other.officer", ["case_officer"], await t.cn.unit("Other unit"));
      const other = await t.cn.as("other.officer");
      expect((await other.req("GET", `/api/v1/lawful/records/request/${r.id}`)).status).toBe(404);
      expect((await admin.req("GET", `/api/v1/lawful/records/request/${r.id}`)).status).toBe(403);
      expect((await reviewer.req("GET", `/api/v1/lawful/records/request/${r.id}`)).status).toBe(200);
    });

    it("starts the retention at withdrawal, lists it when due, and anonymises it (statistics kept), audited", async () => {
      const r = await draft(officer, routineSubscriberForm());
      expect((await act(officer, r.id, { event: "send" })).status).toBe(200);
      const withdrawn = await act(officer, r.id, {
        event: "withdraw",
        reason: { lang: "en", text: "Resolved locally" },
      });
      expect(withdrawn.status).toBe(200);
      await t.hub.flush();
      const lawful = t.cn.rt.services.lawful;

      const run = await lawful.runDailyJob({ force: true });
      expect(run).toMatchObject({ ran: true });
      expect(run.ran && run.started).toBeGreaterThanOrEqual(1);
      // Within the day, a second run (another process, or the next tick) does nothing.
      expect(await lawful.runDailyJob()).toEqual({ ran: false, reason: "recent" });

      const s = await reviewer.req<Status>("GET", `/api/v1/lawful/records/request/${r.id}`);
      const start = Date.parse(s.body.status.record?.retentionStart ?? "");
      expect(start).toBe(t.clock.t);
      expect(Date.parse(s.body.status.record?.retainUntil ?? "")).toBe(
        Date.UTC(
          new Date(start).getUTCFullYear() + 5,
          new Date(start).getUTCMonth(),
          new Date(start).getUTCDate(),
          2,
        ),
      );
      // Not due yet: erasure is refused, nothing changes.
      const early = await reviewer.req<{ error: { code: string } }>(
        "POST",
        `/api/v1/lawful/records/request/${r.id}/erase`,
        {},
      );
      expect(early.status).toBe(409);

      t.clock.advance(5 * YEAR + 2 * DAY);
      // Sessions do not last years: sign in again on the moved clock.
      reviewer = await t.cn.as("zhao.lei");
      officer = await t.cn.as("li.ming");
      auditor = await t.cn.as("sun.audit");
      admin = await t.cn.as("admin");
      expect(await lawful.runDailyJob()).toMatchObject({ ran: true });
      const due = await reviewer.req<RetentionDueList>("GET", "/api/v1/lawful/retention?due=deletion");
      expect(due.status).toBe(200);
      const item = due.body.items.find((i) => i.recordId === r.id);
      expect(item).toMatchObject({ kind: "request", due: "deletion", action: "anonymise" });
      expect(item?.title).toContain(r.reference);
      // The officer who drafted it does not run the dashboard.
      expect((await officer.req("GET", "/api/v1/lawful/retention")).status).toBe(403);

      const erased = await reviewer.req("POST", `/api/v1/lawful/records/request/${r.id}/erase`, {
        note: "Retention ended",
      });
      expect(erased.status).toBe(200);
      const after = await officer.req<Detail>("GET", `/api/v1/requests/${r.id}`);
      expect(after.body.request.title).toBe(r.reference);
      expect(after.body.request.type).toBe("subscriber_info");
      expect(after.body.request.status).toBe("withdrawn");
      expect(JSON.stringify(after.body.request)).not.toContain("invoice-example.com");
      expect(JSON.stringify(after.body.request)).not.toContain("Li Qiang");
      expect(JSON.stringify(after.body.request)).not.toContain("Resolved locally");
      const report = await officer.req<{ report: { totals: { sent: number } } }>(
        "GET",
        "/api/v1/reports/timeliness?period=year",
      );
      expect(report.body.report.totals.sent).toBeGreaterThanOrEqual(2);

      const again = await reviewer.req("POST", `/api/v1/lawful/records/request/${r.id}/erase`, {});
      expect(again.status).toBe(409);
      const audit = await auditor.req<Audit>("GET", "/api/v1/audit?action=lawful.anonymise");
      expect(audit.body.items.find((e) => e.targetId === r.id)?.details).toMatchObject({
        action: "anonymise",
        note: "Retention ended",
      });
      const list = await reviewer.req<RetentionDueList>("GET", "/api/v1/lawful/retention");
      expect(list.body.items.some((i) => i.recordId === r.id)).toBe(false);
    });

    it("gives requests from before the mechanism a pending-review basis (the migration), and a reviewer confirms it", async () => {
      const r = await draft(officer, routineSubscriberForm());
      const db = t.cn.rt.services.db;
      await db
        .delete(lawfulRecords)
        .where(and(eq(lawfulRecords.kind, "request"), eq(lawfulRecords.recordId, r.id)));
      // The data part of the migration, as it ran on nodes that had requests already.
      const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../drizzle");
      const name = readdirSync(dir).find((f) => /^\d{4}_lawful\.sql$/.test(f)) ?? "";
      const file = readFileSync(path.join(dir, name), "utf8");
      const insert = file.slice(file.lastIndexOf('INSERT INTO "lawful_records"'));
      await db.execute(sql.raw(insert));
      const s = await reviewer.req<Status>("GET", `/api/v1/lawful/records/request/${r.id}`);
      expect(s.body.status.record).toMatchObject({
        pendingReview: true,
        purpose: "Pre-existing, to be reviewed",
        basis: { instrument: "bilateral_mlaa", reference: "PRC-US MLAA 2000" },
      });
      const due = await reviewer.req<RetentionDueList>("GET", "/api/v1/lawful/retention?due=review");
      expect(due.body.items.find((i) => i.recordId === r.id)).toMatchObject({ pendingReview: true });

      const bad = await reviewer.req<{ error: { details: { field: string }[] } }>(
        "POST",
        `/api/v1/lawful/records/request/${r.id}/review`,
        { basis: { instrument: "no_such_treaty" } },
      );
      expect(bad.status).toBe(400);
      expect(bad.body.error.details[0].field).toBe("body.basis.instrument");
      const past = await reviewer.req("POST", `/api/v1/lawful/records/request/${r.id}/review`, {
        reviewAt: new Date(t.clock.t - DAY).toISOString(),
      });
      expect(past.status).toBe(400);
      const ok = await reviewer.req<Status>("POST", `/api/v1/lawful/records/request/${r.id}/review`, {
        purpose: "Identify the registrant of a domain used in a business e-mail compromise",
      });
      expect(ok.status).toBe(200);
      expect(ok.body.status.record?.pendingReview).toBe(false);
      expect(Date.parse(ok.body.status.record?.reviewAt ?? "")).toBeGreaterThan(t.clock.t + 300 * DAY);
      expect((await officer.req("POST", `/api/v1/lawful/records/request/${r.id}/review`, {})).status).toBe(
        403,
      );
    });

    it("takes the retention period from the node's policy, and recomputes started periods when it changes", async () => {
      const got = await admin.req<{ policy: { kinds: Record<string, { retentionYears: number }> } }>(
        "GET",
        "/api/v1/lawful/policy",
      );
      expect(got.body.policy.kinds.request?.retentionYears).toBe(5);
      const bad = await admin.req("PUT", "/api/v1/lawful/policy", {
        kinds: { request: { retentionYears: -1, reviewMonths: 12, action: "anonymise" } },
        sharedTypes: {},
      });
      expect(bad.status).toBe(400);
      const r = await draft(officer, routineSubscriberForm());
      expect((await act(officer, r.id, { event: "send" })).status).toBe(200);
      expect(
        (await act(officer, r.id, { event: "withdraw", reason: { lang: "en", text: "Duplicate" } })).status,
      ).toBe(200);
      await t.cn.rt.services.lawful.runDailyJob({ force: true });
      const put = await admin.req("PUT", "/api/v1/lawful/policy", {
        kinds: {
          request: { retentionYears: 10, reviewMonths: 24, action: "anonymise" },
          shared_object: { retentionYears: 2, reviewMonths: 12, action: "delete" },
        },
        sharedTypes: { indicator: 1 },
      });
      expect(put.status).toBe(200);
      const body = (put.body as { policy: unknown }).policy;
      expect((await reviewer.req("PUT", "/api/v1/lawful/policy", body)).status).toBe(403);
      const s = await reviewer.req<Status>("GET", `/api/v1/lawful/records/request/${r.id}`);
      const start = new Date(s.body.status.record?.retentionStart ?? "");
      expect(new Date(s.body.status.record?.retainUntil ?? "").getUTCFullYear()).toBe(
        start.getUTCFullYear() + 10,
      );
    });
  });

  describe("shared objects: deletion travels to the peers holding a copy as a withdrawal", () => {
    let n: ThreeNodes;
    let reviewer: Agent;

    beforeAll(async () => {
      n = await threeNodes();
      await n.nodes["CN-MPS"].user("zhao.lei", ["legal_reviewer"]);
      reviewer = await n.nodes["CN-MPS"].as("zhao.lei");
      await n.nodes["US-DOJ"].user("us.reviewer", ["legal_reviewer"]);
      await n.nodes["CN-MPS"].user("cn.audit", ["auditor"]);
    }, 600_000);
    afterAll(() => n?.close());

    it("erases an object whose retention ended: the tombstone deletes both copies; a received copy is erased where it is", async () => {
      const cnAdmin = await n.nodes["CN-MPS"].as("admin");
      const put = await cnAdmin.req("PUT", "/api/v1/lawful/policy", {
        kinds: { shared_object: { retentionYears: 2, reviewMonths: 12, action: "delete" } },
        sharedTypes: { indicator: 1 },
      });
      expect(put.status).toBe(200);
      const { object } = await call(
        n.officers["CN-MPS"],
        "POST",
        "/api/v1/shared-objects",
        indicator("203.0.113.77", { tlp: "AMBER" }, ["US-DOJ", "NX-NPA"]),
        201,
      );
      await n.hub.flush();
      for (const id of ["US-DOJ", "NX-NPA"] as const) {
        const copy = await call<{ object: SharedObjectView }>(
          n.officers[id],
          "GET",
          `/api/v1/shared-objects/${object.id}`,
        );
        expect(copy.object.content).not.toBeNull();
      }
      // Not due: a year from publication (the policy for indicators).
      expect(
        (await reviewer.req("POST", `/api/v1/lawful/records/shared_object/${object.id}/erase`, {})).status,
      ).toBe(409);

      n.clocks["CN-MPS"].advance(YEAR + DAY);
      reviewer = await n.nodes["CN-MPS"].as("zhao.lei");
      n.officers["CN-MPS"] = await n.nodes["CN-MPS"].as("officer.cn-mps");
      const due = await reviewer.req<RetentionDueList>("GET", "/api/v1/lawful/retention?due=deletion");
      expect(due.body.items.find((i) => i.recordId === object.id)).toMatchObject({
        kind: "shared_object",
        action: "delete",
      });
      const erased = await reviewer.req(
        "POST",
        `/api/v1/lawful/records/shared_object/${object.id}/erase`,
        {},
      );
      expect(erased.status).toBe(200);
      const before = n.hub.delivered.length;
      await n.hub.flush();
      const withdrawals = n.hub.delivered
        .slice(before)
        .filter((d) => d.type === "shared.object.withdraw")
        .map((d) => d.to)
        .sort();
      expect(withdrawals).toEqual(["NX-NPA", "US-DOJ"]);
      for (const id of ["US-DOJ", "NX-NPA"] as const) {
        const copy = await call<{ object: SharedObjectView }>(
          n.officers[id],
          "GET",
          `/api/v1/shared-objects/${object.id}`,
        );
        expect(copy.object).toMatchObject({ state: "withdrawn", content: null });
      }
      const own = await call<{ object: SharedObjectView }>(
        n.officers["CN-MPS"],
        "GET",
        `/api/v1/shared-objects/${object.id}`,
      );
      expect(own.object.holders.map((h) => [h.nodeId, h.state])).toEqual([
        ["NX-NPA", "withdrawn"],
        ["US-DOJ", "withdrawn"],
      ]);
      const audit = await (await n.nodes["CN-MPS"].as("cn.audit")).req<Audit>(
        "GET",
        "/api/v1/audit?action=lawful.delete",
      );
      expect(audit.body.items.find((e) => e.targetId === object.id)?.details).toMatchObject({
        withdrawn: true,
        holders: ["NX-NPA", "US-DOJ"],
      });
    });

    it("erases a received copy at the receiver when its own retention ends (the owner's copy stays)", async () => {
      const { object } = await call(
        n.officers["CN-MPS"],
        "POST",
        "/api/v1/shared-objects",
        indicator("198.51.100.23", { tlp: "GREEN" }, ["US-DOJ"]),
        201,
      );
      await n.hub.flush();
      n.clocks["US-DOJ"].advance(2 * YEAR + DAY);
      n.officers["US-DOJ"] = await n.nodes["US-DOJ"].as("officer.us-doj");
      const usReviewer = await n.nodes["US-DOJ"].as("us.reviewer");
      const due = await usReviewer.req<RetentionDueList>("GET", "/api/v1/lawful/retention?due=deletion");
      expect(due.body.items.some((i) => i.recordId === object.id)).toBe(true);
      expect(
        (await usReviewer.req("POST", `/api/v1/lawful/records/shared_object/${object.id}/erase`, {})).status,
      ).toBe(200);
      const copy = await call<{ object: SharedObjectView }>(
        n.officers["US-DOJ"],
        "GET",
        `/api/v1/shared-objects/${object.id}`,
      );
      expect(copy.object.content).toBeNull();
      const own = await call<{ object: SharedObjectView }>(
        n.officers["CN-MPS"],
        "GET",
        `/api/v1/shared-objects/${object.id}`,
      );
      expect(own.object.content).not.toBeNull();
    });
  });
});
