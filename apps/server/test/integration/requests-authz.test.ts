import { OUTSIDE_ROLES, ROLES, type Role } from "@crossline/schemas";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { requests } from "../../src/db/schema/index.js";
import { DEFAULT_REQUEST_POLICY } from "../../src/modules/requests/requests.policy.js";
import {
  anonymousMismatches,
  endpoint,
  FAKE_ID,
  type MatrixCase,
  type MatrixFixtures,
  matrixFixtures,
  only,
  onRecord,
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
const WRITE: Role[] = [...DRAFT, ...ANSWER];
/** Everyone of the agency reads the timeliness report; provider staff on the portal do not. */
const REPORTS: Role[] = ROLES.filter((r) => !OUTSIDE_ROLES.includes(r));

/** Record endpoints: no permission → 403; another unit's record → 404; own record → ok (or 403 without the action's permission). */
const record =
  (gate: Role[], act: Role[], ok: number) =>
  (r: Role, t: Target): number => {
    if (!gate.includes(r)) return 403;
    if (t === "other") return 404;
    return act.includes(r) ? ok : 403;
  };
/** Roster endpoints: the admin anywhere, a supervisor in their own unit (another unit's → 404), no one else. */
const supervisorOwn = (ok: number) => (r: Role, t: Target) =>
  r === "admin" ? ok : r === "supervisor" ? (t === "own" ? ok : 404) : 403;

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

  const cases: MatrixCase[] = [
    endpoint("GET", "/api/v1/requests?limit=5", only(READ, 200)),
    endpoint("GET", "/api/v1/requests/recipients", only(DRAFT, 200)),
    endpoint("POST", "/api/v1/requests", only(DRAFT, 201), () => ({
      peerId: "CN-MPS",
      form: routineSubscriberForm(),
    })),
    endpoint("POST", "/api/v1/requests/attachments", only([...new Set([...DRAFT, ...ANSWER])], 201), () => ({
      name: "note.txt",
      contentBase64: Buffer.from("hello").toString("base64"),
    })),
    onRecord("GET", "/api/v1/requests/:id", record(READ, READ, 200), { prepare: usDraft }),
    onRecord("PUT", "/api/v1/requests/:id", record(DRAFT, DRAFT, 200), {
      prepare: usDraft,
      body: () => ({ peerId: "CN-MPS", form: routineSubscriberForm() }),
    }),
    onRecord("POST", "/api/v1/requests/:id/actions", record(READ, DRAFT, 200), {
      label: "send, requester",
      prepare: usDraft,
      body: () => ({ event: "send" }),
    }),
    onRecord("POST", "/api/v1/requests/:id/actions", record(READ, ANSWER, 200), {
      label: "acknowledge, responder",
      prepare: (tg) => incoming(tg),
      body: () => ({ event: "acknowledge" }),
    }),
    onRecord("PUT", "/api/v1/requests/:id/second-check", record(ANSWER, ANSWER, 200), {
      prepare: (tg) => incoming(tg),
      body: () => ({
        method: "phone_callback",
        namedContact: { name: "Wang Fang" },
        result: "confirmed",
      }),
    }),
    onRecord("POST", "/api/v1/requests/:id/assign", record(DUTY, DUTY, 200), {
      prepare: (tg) => incoming(tg, routineSubscriberForm()),
      body: (f) => ({ unitId: f.ownUnit }),
    }),
    onRecord("GET", "/api/v1/requests/:id/messages", record(READ, READ, 200), {
      prepare: (tg) => usSent(tg),
    }),
    onRecord("POST", "/api/v1/requests/:id/messages", record(WRITE, WRITE, 201), {
      prepare: (tg) => usSent(tg),
      body: () => ({ body: { lang: "en", text: "Any news?" } }),
    }),
    onRecord("GET", "/api/v1/requests/:id", record(READ, READ, 200), {
      name: "GET /requests/:id/attachments/:attachmentId",
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
    }),
    onRecord("POST", "/api/v1/requests/:id/messages/read", record(READ, READ, 200), {
      prepare: (tg) => usSent(tg),
      body: () => ({}),
    }),
    onRecord("POST", "/api/v1/requests/:id/preservation/extensions", record(DRAFT, DRAFT, 201), {
      body: () => ({ days: 30, reason: { lang: "en", text: "Court pending" } }),
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
    }),
    onRecord("POST", "/api/v1/requests/:id/decision", record(ANSWER, ANSWER, 200), {
      name: "POST /requests/:id/preservation/extensions/:extensionId/decision",
      body: () => ({ grant: true }),
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
    }),
    endpoint("GET", "/api/v1/policy/requests", only([...READ, "admin"], 200)),
    endpoint("PUT", "/api/v1/policy/requests", only(["admin"], 200), () => DEFAULT_REQUEST_POLICY),
    onRecord(
      "GET",
      "/api/v1/hotline/roster?unitId=:id",
      (r, tg) => (DESK.includes(r) ? (tg === "own" || r === "admin" ? 200 : 404) : 403),
      { prepare: async (tg) => unitOf(tg) },
    ),
    onRecord("POST", "/api/v1/hotline/roster", supervisorOwn(201), {
      prepare: async (tg) => {
        lastUser = (
          await t.us.user(`duty.${Math.random().toString(36).slice(2, 8)}`, ["duty_officer"], unitOf(tg))
        ).id;
        return lastUser;
      },
      body: (_f, tg) => ({
        unitId: unitOf(tg),
        userId: lastUser,
        start: "2026-11-21T08:00",
        end: "2026-11-21T20:00",
        timeZone: "America/New_York",
      }),
    }),
    onRecord("DELETE", "/api/v1/hotline/roster/:id", supervisorOwn(204), {
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
    }),
    endpoint("GET", "/api/v1/hotline/on-duty", only(DESK, 200)),
    endpoint("GET", "/api/v1/hotline/log", only(DESK, 200)),
    endpoint("GET", "/api/v1/notifications", () => 200),
    endpoint(
      "POST",
      "/api/v1/notifications/read",
      () => 200,
      () => ({ all: true }),
    ),
    endpoint("GET", "/api/v1/reports/timeliness", only(REPORTS, 200)),
    endpoint("GET", "/api/v1/reports/timeliness.csv?lang=zh-CN", only(REPORTS, 200)),
    endpoint("GET", "/api/v1/reports/timeliness.pdf?lang=zh-CN", only(REPORTS, 200)),
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
      expect(await runMatrix(c, fx)).toEqual([]);
    });
  }

  it("answers 401 to anonymous callers, the live stream included", async () => {
    const bad = await anonymousMismatches(cases, fx, (c) =>
      c.name.endsWith("/decision")
        ? `${FAKE_ID}/preservation/extensions/${FAKE_ID}`
        : c.name.includes("/attachments/")
          ? `${FAKE_ID}/attachments/${FAKE_ID}`
          : FAKE_ID,
    );
    const stream = await new Agent(t.us.rt).req("GET", "/api/v1/notifications/stream");
    if (stream.status !== 401) bad.push(`stream: ${stream.status}`);
    expect(bad).toEqual([]);
  });
});
