import type { Role } from "@crossline/schemas";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { requests } from "../../src/db/schema/index.js";
import { DEFAULT_REQUEST_POLICY } from "../../src/modules/requests/requests.policy.js";
import {
  type MatrixCase,
  type MatrixFixtures,
  matrixFixtures,
  runMatrix,
  type Target,
} from "../support/matrix.js";
import { Agent, describeDb } from "../support/node.js";
import {
  act,
  draft,
  emergencyPreservationForm,
  routineSubscriberForm,
  type TwoNodes,
  twoNodes,
} from "../support/requests-fixtures.js";

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
const DUTY: Role[] = ["duty_officer", "supervisor"];
const DESK: Role[] = ["duty_officer", "supervisor", "admin"];

/** Record endpoints: no permission → 403; another unit's record → 404; own record → ok (or 403 without the action's permission). */
const record =
  (gate: Role[], act: Role[], ok: number) =>
  (r: Role, t: Target): number => {
    if (!gate.includes(r)) return 403;
    if (t === "other") return 404;
    return act.includes(r) ? ok : 403;
  };
const only = (roles: Role[], ok: number) => (r: Role) => (roles.includes(r) ? ok : 403);

describeDb("authorization matrix of requests, hotline, notifications, policy and reports", () => {
  let t: TwoNodes;
  let fx: MatrixFixtures;
  let drafter: { own: Agent; other: Agent };
  let cnOfficer: Agent;
  let cnDuty: Agent;

  beforeAll(async () => {
    t = await twoNodes({
      usSettings: { signIn: { maxFailures: 5, lockMinutes: 15, perIpPerMinute: 10_000 } },
    });
    fx = await matrixFixtures(t.us);
    await t.us.user("own.drafter", ["case_officer"], fx.ownUnit);
    await t.us.user("other.drafter", ["case_officer"], fx.otherUnit);
    drafter = { own: await t.us.as("own.drafter"), other: await t.us.as("other.drafter") };
    await t.cn.user("cn.officer", ["case_officer"], t.cnUnit);
    await t.cn.user("cn.duty", ["duty_officer"]);
    cnOfficer = await t.cn.as("cn.officer");
    cnDuty = await t.cn.as("cn.duty");
    const noFourEyes = { ...DEFAULT_REQUEST_POLICY, fourEyes: { ...DEFAULT_REQUEST_POLICY.fourEyes } };
    for (const k of Object.keys(noFourEyes.fourEyes)) noFourEyes.fourEyes[k as "preservation"] = false;
    expect((await (await t.cn.as("admin")).req("PUT", "/api/v1/policy/requests", noFourEyes)).status).toBe(
      200,
    );
    expect((await (await t.us.as("admin")).req("PUT", "/api/v1/policy/requests", noFourEyes)).status).toBe(
      200,
    );
  });
  afterAll(() => t?.close());

  let lastUser = "";
  const unitOf = (target: Target) => (target === "other" ? fx.otherUnit : fx.ownUnit);
  /** An outgoing draft of the US node in the target unit. */
  const usDraft = async (target: Target) =>
    (await draft(target === "other" ? drafter.other : drafter.own, routineSubscriberForm(), "CN-MPS")).id;
  /** An outgoing request of the US node, sent to CN-MPS and delivered. */
  const usSent = async (target: Target, form = routineSubscriberForm()) => {
    const d = await draft(target === "other" ? drafter.other : drafter.own, form, "CN-MPS");
    await act(target === "other" ? drafter.other : drafter.own, d.id, { event: "send" });
    await t.hub.flush();
    return d.id;
  };
  /** An incoming request from CN-MPS, delivered and routed to the target unit. */
  const incoming = async (target: Target, form = emergencyPreservationForm()) => {
    const d = await draft(cnOfficer, form, "US-DOJ");
    await act(cnOfficer, d.id, { event: "send" });
    await t.hub.flush();
    await t.us.rt.services.db
      .update(requests)
      .set({ ownerUnitId: unitOf(target) })
      .where(eq(requests.id, d.id));
    return d.id;
  };

  const cases: (MatrixCase & { prepare?: (t: Target) => Promise<string> })[] = [
    {
      name: "GET /requests",
      method: "GET",
      targets: ["none"],
      request: () => ({ url: "/api/v1/requests?limit=5" }),
      expect: only(READ, 200),
    },
    {
      name: "POST /requests",
      method: "POST",
      targets: ["none"],
      request: () => ({ url: "/api/v1/requests", body: { peerId: "CN-MPS", form: routineSubscriberForm() } }),
      expect: only(DRAFT, 201),
    },
    {
      name: "POST /requests/attachments",
      method: "POST",
      targets: ["none"],
      request: () => ({
        url: "/api/v1/requests/attachments",
        body: { name: "note.txt", contentBase64: Buffer.from("hello").toString("base64") },
      }),
      expect: only([...new Set([...DRAFT, ...ANSWER])], 201),
    },
    {
      name: "GET /requests/:id",
      method: "GET",
      targets: ["own", "other"],
      prepare: usDraft,
      request: () => ({ url: "/api/v1/requests/:id" }),
      expect: record(READ, READ, 200),
    },
    {
      name: "PUT /requests/:id",
      method: "PUT",
      targets: ["own", "other"],
      prepare: usDraft,
      request: () => ({
        url: "/api/v1/requests/:id",
        body: { peerId: "CN-MPS", form: routineSubscriberForm() },
      }),
      expect: (r, tg) => (DRAFT.includes(r) ? (tg === "own" ? 200 : 404) : 403),
    },
    {
      name: "POST /requests/:id/actions (send, requester)",
      method: "POST",
      targets: ["own", "other"],
      prepare: usDraft,
      request: () => ({ url: "/api/v1/requests/:id/actions", body: { event: "send" } }),
      expect: record(READ, DRAFT, 200),
    },
    {
      name: "POST /requests/:id/actions (acknowledge, responder)",
      method: "POST",
      targets: ["own", "other"],
      prepare: (tg) => incoming(tg),
      request: () => ({ url: "/api/v1/requests/:id/actions", body: { event: "acknowledge" } }),
      expect: record(READ, ANSWER, 200),
    },
    {
      name: "PUT /requests/:id/second-check",
      method: "PUT",
      targets: ["own", "other"],
      prepare: (tg) => incoming(tg),
      request: () => ({
        url: "/api/v1/requests/:id/second-check",
        body: { method: "phone_callback", namedContact: { name: "Wang Fang" }, result: "confirmed" },
      }),
      expect: (r, tg) => (ANSWER.includes(r) ? (tg === "own" ? 200 : 404) : 403),
    },
    {
      name: "POST /requests/:id/assign",
      method: "POST",
      targets: ["own", "other"],
      prepare: (tg) => incoming(tg, routineSubscriberForm()),
      request: (_tg, f) => ({ url: "/api/v1/requests/:id/assign", body: { unitId: f.ownUnit } }),
      expect: (r, tg) => (DUTY.includes(r) ? (tg === "own" ? 200 : 404) : 403),
    },
    {
      name: "GET /requests/:id/messages",
      method: "GET",
      targets: ["own", "other"],
      prepare: (tg) => usSent(tg),
      request: () => ({ url: "/api/v1/requests/:id/messages" }),
      expect: record(READ, READ, 200),
    },
    {
      name: "POST /requests/:id/messages",
      method: "POST",
      targets: ["own", "other"],
      prepare: (tg) => usSent(tg),
      request: () => ({
        url: "/api/v1/requests/:id/messages",
        body: { body: { lang: "en", text: "Any news?" } },
      }),
      expect: (r, tg) => ([...DRAFT, ...ANSWER].includes(r) ? (tg === "own" ? 201 : 404) : 403),
    },
    {
      name: "GET /requests/:id/attachments/:attachmentId",
      method: "GET",
      targets: ["own", "other"],
      prepare: async (tg) => {
        const id = await usSent(tg);
        const who = tg === "other" ? drafter.other : drafter.own;
        const up = await who.req<{ attachment: { id: string; name: string; sha256: string; size: number } }>(
          "POST",
          "/api/v1/requests/attachments",
          { name: "a.txt", contentBase64: Buffer.from("evidence").toString("base64") },
        );
        await who.req("POST", `/api/v1/requests/${id}/messages`, {
          body: { lang: "en", text: "Attached." },
          attachments: [up.body.attachment],
        });
        return `${id}/attachments/${up.body.attachment.id}`;
      },
      request: () => ({ url: "/api/v1/requests/:id" }),
      expect: record(READ, READ, 200),
    },
    {
      name: "POST /requests/:id/messages/read",
      method: "POST",
      targets: ["own", "other"],
      prepare: (tg) => usSent(tg),
      request: () => ({ url: "/api/v1/requests/:id/messages/read", body: {} }),
      expect: record(READ, READ, 200),
    },
    {
      name: "POST /requests/:id/preservation/extensions",
      method: "POST",
      targets: ["own", "other"],
      prepare: async (tg) => {
        const form = {
          ...emergencyPreservationForm(),
          urgency: "routine" as const,
          urgencyReason: undefined,
        };
        const id = await usSent(tg, form);
        await act(cnDuty, id, { event: "acknowledge" });
        await act(cnDuty, id, {
          event: "answer",
          answer: { outcome: "fulfilled", summary: { lang: "en", text: "Preserved." } },
        });
        await t.hub.flush();
        return id;
      },
      request: () => ({
        url: "/api/v1/requests/:id/preservation/extensions",
        body: { days: 30, reason: { lang: "en", text: "Court pending" } },
      }),
      expect: (r, tg) => (DRAFT.includes(r) ? (tg === "own" ? 201 : 404) : 403),
    },
    {
      name: "POST /requests/:id/preservation/extensions/:extensionId/decision",
      method: "POST",
      targets: ["own", "other"],
      prepare: async (tg) => {
        const form = {
          ...emergencyPreservationForm(),
          urgency: "routine" as const,
          urgencyReason: undefined,
        };
        const d = await draft(cnOfficer, form, "US-DOJ");
        await act(cnOfficer, d.id, { event: "send" });
        await t.hub.flush();
        await t.us.rt.services.db
          .update(requests)
          .set({ ownerUnitId: fx.ownUnit })
          .where(eq(requests.id, d.id));
        const us = t.us.rt.services.requests;
        const dutyCtx = await ctxOf("m.duty-officer");
        await us.act(dutyCtx, d.id, { event: "acknowledge" });
        await us.act(dutyCtx, d.id, {
          event: "answer",
          answer: { outcome: "fulfilled", summary: { lang: "en", text: "Preserved." }, attachments: [] },
        });
        await t.hub.flush();
        const cn = await cnOfficer.req<{ request: { extensions: { id: string }[] } }>(
          "POST",
          `/api/v1/requests/${d.id}/preservation/extensions`,
          { days: 30, reason: { lang: "en", text: "Court pending" } },
        );
        expect(cn.status).toBe(201);
        await t.hub.flush();
        await t.us.rt.services.db
          .update(requests)
          .set({ ownerUnitId: unitOf(tg) })
          .where(eq(requests.id, d.id));
        return `${d.id}/preservation/extensions/${cn.body.request.extensions[0].id}`;
      },
      request: () => ({ url: "/api/v1/requests/:id/decision", body: { grant: true } }),
      expect: (r, tg) => (ANSWER.includes(r) ? (tg === "own" ? 200 : 404) : 403),
    },
    {
      name: "GET /policy/requests",
      method: "GET",
      targets: ["none"],
      request: () => ({ url: "/api/v1/policy/requests" }),
      expect: only([...READ, "admin"], 200),
    },
    {
      name: "PUT /policy/requests",
      method: "PUT",
      targets: ["none"],
      request: () => ({ url: "/api/v1/policy/requests", body: DEFAULT_REQUEST_POLICY }),
      expect: only(["admin"], 200),
    },
    {
      name: "GET /hotline/roster",
      method: "GET",
      targets: ["own", "other"],
      prepare: async (tg) => unitOf(tg),
      request: () => ({ url: "/api/v1/hotline/roster?unitId=:id" }),
      expect: (r, tg) => (DESK.includes(r) ? (tg === "own" || r === "admin" ? 200 : 404) : 403),
    },
    {
      name: "POST /hotline/roster",
      method: "POST",
      targets: ["own", "other"],
      prepare: async (tg) => {
        lastUser = (
          await t.us.user(`duty.${Math.random().toString(36).slice(2, 8)}`, ["duty_officer"], unitOf(tg))
        ).id;
        return lastUser;
      },
      request: (tg) => ({
        url: "/api/v1/hotline/roster",
        body: {
          unitId: unitOf(tg),
          userId: lastUser,
          start: "2026-11-21T08:00",
          end: "2026-11-21T20:00",
          timeZone: "America/New_York",
        },
      }),
      expect: (r, tg) => (r === "admin" ? 201 : r === "supervisor" ? (tg === "own" ? 201 : 404) : 403),
    },
    {
      name: "DELETE /hotline/roster/:id",
      method: "DELETE",
      targets: ["own", "other"],
      prepare: async (tg) => {
        const user = await t.us.user(
          `duty.${Math.random().toString(36).slice(2, 8)}`,
          ["duty_officer"],
          unitOf(tg),
        );
        const admin = await t.us.as("admin");
        const res = await admin.req<{ items: { id: string }[] }>("POST", "/api/v1/hotline/roster", {
          unitId: unitOf(tg),
          userId: user.id,
          start: "2026-11-22T08:00",
          end: "2026-11-22T20:00",
          timeZone: "America/New_York",
        });
        return res.body.items[0].id;
      },
      request: () => ({ url: "/api/v1/hotline/roster/:id" }),
      expect: (r, tg) => (r === "admin" ? 204 : r === "supervisor" ? (tg === "own" ? 204 : 404) : 403),
    },
    {
      name: "GET /hotline/on-duty",
      method: "GET",
      targets: ["none"],
      request: () => ({ url: "/api/v1/hotline/on-duty" }),
      expect: only(DESK, 200),
    },
    {
      name: "GET /hotline/log",
      method: "GET",
      targets: ["none"],
      request: () => ({ url: "/api/v1/hotline/log" }),
      expect: only(DESK, 200),
    },
    {
      name: "GET /notifications",
      method: "GET",
      targets: ["none"],
      request: () => ({ url: "/api/v1/notifications" }),
      expect: () => 200,
    },
    {
      name: "POST /notifications/read",
      method: "POST",
      targets: ["none"],
      request: () => ({ url: "/api/v1/notifications/read", body: { all: true } }),
      expect: () => 200,
    },
    {
      name: "GET /reports/timeliness",
      method: "GET",
      targets: ["none"],
      request: () => ({ url: "/api/v1/reports/timeliness" }),
      expect: () => 200,
    },
    {
      name: "GET /reports/timeliness.csv",
      method: "GET",
      targets: ["none"],
      request: () => ({ url: "/api/v1/reports/timeliness.csv?lang=zh-CN" }),
      expect: () => 200,
    },
  ];

  async function ctxOf(username: string) {
    const session = await (await t.us.as(username)).req<{ user: { id: string } }>(
      "GET",
      "/api/v1/auth/session",
    );
    const { makeActor } = await import("../../src/lib/actor.js");
    const roles: Role[] = ["duty_officer"];
    return {
      actor: makeActor({
        type: "user",
        id: session.body.user.id,
        label: username,
        userId: session.body.user.id,
        unitId: fx.ownUnit,
        agencyId: null,
        roles,
      }),
      ip: null,
      requestId: null,
    };
  }

  for (const c of cases) {
    it(c.name, async () => {
      expect(await runMatrix(c, fx, c.prepare)).toEqual([]);
    });
  }

  it("answers 401 to anonymous callers, the live stream included", async () => {
    const anon = new Agent(t.us.rt);
    const bad: string[] = [];
    const fake = "0190a0c0-0000-7000-8000-000000000000";
    for (const c of cases) {
      const { url, body } = c.request("none", fx);
      const id = c.name.endsWith("/decision")
        ? `${fake}/preservation/extensions/${fake}`
        : c.name.includes("/attachments/")
          ? `${fake}/attachments/${fake}`
          : fake;
      const res = await anon.req(c.method, url.replace(":id", id), body);
      if (res.status !== 401) bad.push(`${c.name}: ${res.status}`);
    }
    const stream = await anon.req("GET", "/api/v1/notifications/stream");
    if (stream.status !== 401) bad.push(`stream: ${stream.status}`);
    expect(bad).toEqual([]);
  });
});
