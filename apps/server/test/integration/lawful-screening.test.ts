import type { FlagView, LawfulStatus, TimelinessReport } from "@crossline/schemas";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Db } from "../../src/db/client.js";
import { auditHead, auditLog, lawfulFlags, lawfulRefusals } from "../../src/db/schema/index.js";
import { DEFAULT_REQUEST_POLICY } from "../../src/modules/requests/requests.policy.js";
import { queuedBehind } from "../support/lock-queue.js";
import { type Agent, describeDb } from "../support/node.js";
import {
  type ApiError,
  act,
  draft,
  emergencyPreservationForm,
  routineSubscriberForm,
  type TwoNodes,
  twoNodes,
} from "../support/requests-fixtures.js";

type Flag = { flag: FlagView };
type Refused = { refusal: { direction: string } };
type Status = { status: LawfulStatus };

/**
 * `call` made twice at once on the request `id` (a double submit). On PostgreSQL another transaction holds the
 * head of the audit chain, which every change appends to last in its transaction: each call has done its reads
 * and writes before it waits there, so without a lock taken before the check (lawful.repo.ts lockScreening)
 * both would find nothing recorded and both would be stored. With it, the second waits for the first at that
 * lock and then sees it: one is recorded (201); the other is answered 409 with `issue`.
 */
async function twiceAtOnce(db: Db, call: () => Promise<{ status: number; body: ApiError }>, issue: string) {
  const answers = await queuedBehind(
    db,
    sql`select 1 from ${auditHead} where id = 1 for update`,
    [call, call],
    { together: true },
  );
  expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
  expect(answers.find((a) => a.status === 409)?.body.error.details[0]?.issue).toBe(issue);
}

describeDb("personal data: screening for lawful use", () => {
  let t: TwoNodes;
  let officer: Agent;
  let reviewer: Agent;
  let other: Agent;
  let usDuty: Agent;

  beforeAll(async () => {
    t = await twoNodes();
    await t.cn.user("li.ming", ["case_officer"], t.cnUnit);
    await t.cn.user("zhao.lei", ["legal_reviewer"]);
    await t.cn.user("other.officer", ["case_officer"], await t.cn.unit("Other unit"));
    await t.us.user("us.duty", ["duty_officer"]);
    officer = await t.cn.as("li.ming");
    reviewer = await t.cn.as("zhao.lei");
    other = await t.cn.as("other.officer");
    usDuty = await t.us.as("us.duty");
    const p = { ...DEFAULT_REQUEST_POLICY, fourEyes: { ...DEFAULT_REQUEST_POLICY.fourEyes } };
    for (const k of Object.keys(p.fourEyes)) p.fourEyes[k as "preservation"] = false;
    expect((await (await t.cn.as("admin")).req("PUT", "/api/v1/policy/requests", p)).status).toBe(200);
  }, 600_000);
  afterAll(() => t?.close());

  it("holds a flagged request back until a legal reviewer clears it with a written ground", async () => {
    const r = await draft(officer, routineSubscriberForm());
    const flagged = await officer.req<Flag>("POST", "/api/v1/lawful/flags", {
      kind: "request",
      recordId: r.id,
      characters: ["political", "political"],
      note: "The suspect is a member of an opposition party abroad",
    });
    expect(flagged.status).toBe(201);
    expect(flagged.body.flag).toMatchObject({
      state: "flagged",
      characters: ["political"],
      flaggedBy: "li.ming",
    });

    // Another unit's officer cannot flag or see it; a second open flag is refused.
    const body = { kind: "request", recordId: r.id, characters: ["racial"], note: "x" };
    expect((await other.req("POST", "/api/v1/lawful/flags", body)).status).toBe(404);
    expect((await officer.req("POST", "/api/v1/lawful/flags", body)).status).toBe(409);
    const bad = await officer.req<ApiError>("POST", "/api/v1/lawful/flags", {
      ...body,
      characters: ["cultural"],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe("body.characters.0");

    const refused = await act(officer, r.id, { event: "send" });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("LAWFUL_REVIEW_PENDING");
    expect((await officer.req<Detail>("GET", `/api/v1/requests/${r.id}`)).body.request.status).toBe("draft");
    expect(t.hub.pending()).toBe(0);

    // The queue is the legal reviewer's alone.
    expect((await officer.req("GET", "/api/v1/lawful/flags")).status).toBe(403);
    const queue = await reviewer.req<{ items: FlagView[] }>("GET", "/api/v1/lawful/flags");
    const item = queue.body.items.find((f) => f.recordId === r.id);
    expect(item?.title).toContain(r.reference);
    const officerDecides = await officer.req("POST", `/api/v1/lawful/flags/${item?.id}/decision`, {
      decision: "clear",
      ground: "ordinary_law_crime",
      text: "Fraud",
    });
    expect(officerDecides.status).toBe(403);
    const noText = await reviewer.req<ApiError>("POST", `/api/v1/lawful/flags/${item?.id}/decision`, {
      decision: "clear",
      ground: "ordinary_law_crime",
    });
    expect(noText.status).toBe(400);
    expect(noText.body.error.details[0].field).toBe("body.text");
    const cleared = await reviewer.req<Flag>("POST", `/api/v1/lawful/flags/${item?.id}/decision`, {
      decision: "clear",
      ground: "predominantly_ordinary_crime",
      text: "A business e-mail compromise; the party membership plays no part in the facts.",
    });
    expect(cleared.status).toBe(200);
    expect(cleared.body.flag).toMatchObject({ state: "cleared", decidedBy: "zhao.lei" });
    const twice = await reviewer.req("POST", `/api/v1/lawful/flags/${item?.id}/decision`, {
      decision: "block",
      ground: "political_character",
      text: "changed my mind",
    });
    expect(twice.status).toBe(409);

    expect((await act(officer, r.id, { event: "send" })).status).toBe(200);
    const s = await officer.req<Status>("GET", `/api/v1/lawful/records/request/${r.id}`);
    expect(s.body.status.releasable).toBe(true);
    expect(s.body.status.flags[0]).toMatchObject({
      state: "cleared",
      ground: "predominantly_ordinary_crime",
    });
  });

  it("never sends a blocked request; the reviewer may flag too", async () => {
    const r = await draft(officer, emergencyPreservationForm());
    const f = await reviewer.req<Flag>("POST", "/api/v1/lawful/flags", {
      kind: "request",
      recordId: r.id,
      characters: ["religious"],
      note: "The facts describe a religious gathering",
    });
    expect(f.status).toBe(201);
    const blocked = await reviewer.req<Flag>("POST", `/api/v1/lawful/flags/${f.body.flag.id}/decision`, {
      decision: "block",
      ground: "religious_character",
      text: "The request concerns participation in a religious gathering only.",
    });
    expect(blocked.status).toBe(200);
    const send = await act(officer, r.id, { event: "send" });
    expect(send.status).toBe(409);
    expect(send.body.error.code).toBe("LAWFUL_REVIEW_BLOCKED");
    const again = await officer.req("POST", "/api/v1/lawful/flags", {
      kind: "request",
      recordId: r.id,
      characters: ["religious"],
      note: "again",
    });
    expect(again.status).toBe(409);
  });

  it("refuses an incoming request on stated grounds; the refusal travels back and shows on the sender's side", async () => {
    const r = await draft(officer, routineSubscriberForm(), "US-DOJ");
    expect((await act(officer, r.id, { event: "send" })).status).toBe(200);
    await t.hub.flush();
    // The requester cannot "refuse" its own outgoing request.
    const own = await officer.req("POST", "/api/v1/lawful/refusals", {
      kind: "request",
      recordId: r.id,
      ground: "political_character",
      text: "x",
    });
    expect(own.status).toBe(409);
    const refusal = await usDuty.req<{ refusal: { direction: string; peerId: string } }>(
      "POST",
      "/api/v1/lawful/refusals",
      {
        kind: "request",
        recordId: r.id,
        ground: "political_character",
        text: "The conduct described is the expression of a political opinion.",
      },
    );
    expect(refusal.status).toBe(201);
    expect(refusal.body.refusal).toMatchObject({ direction: "sent", peerId: "CN-MPS" });
    expect(
      (
        await usDuty.req("POST", "/api/v1/lawful/refusals", {
          kind: "request",
          recordId: r.id,
          ground: "other",
          text: "twice",
        })
      ).status,
    ).toBe(409);
    await t.hub.flush();
    expect(t.hub.delivered.some((d) => d.type === "lawful.refused" && d.to === "CN-MPS")).toBe(true);
    const s = await officer.req<Status>("GET", `/api/v1/lawful/records/request/${r.id}`);
    expect(s.body.status.refusals).toEqual([
      expect.objectContaining({
        direction: "received",
        peerId: "US-DOJ",
        ground: "political_character",
        text: "The conduct described is the expression of a political opinion.",
        by: "us.duty (US-DOJ)",
      }),
    ]);
  });

  it("counts the grounds in the reports (JSON and CSV, both languages)", async () => {
    const rep = await reviewer.req<{ report: TimelinessReport }>(
      "GET",
      "/api/v1/reports/timeliness?period=year",
    );
    expect(rep.status).toBe(200);
    const rows = rep.body.report.screening?.rows ?? [];
    expect(rows.find((x) => x.ground === "predominantly_ordinary_crime")?.cleared).toBe(1);
    expect(rows.find((x) => x.ground === "religious_character")?.blocked).toBe(1);
    expect(rows.find((x) => x.ground === "political_character")?.refusedReceived).toBe(1);
    const usRep = await usDuty.req<{ report: TimelinessReport }>(
      "GET",
      "/api/v1/reports/timeliness?period=year",
    );
    expect(
      usRep.body.report.screening?.rows.find((x) => x.ground === "political_character")?.refusedSent,
    ).toBe(1);
    const csvOf = async (lang: string) =>
      (
        await t.cn.rt.app.inject({
          method: "GET",
          url: `/api/v1/reports/timeliness.csv?lang=${lang}`,
          headers: { cookie: reviewer.cookie as string },
        })
      ).body;
    expect(await csvOf("zh-CN")).toContain("具有宗教性质,0,1,0,0");
    expect(await csvOf("en")).toContain("Ordinary-law elements predominate,1,0,0,0");
  });

  it("a flag or a refusal sent twice at once (a double submit) is recorded once; the other answer is 409", async () => {
    const r = await draft(officer, routineSubscriberForm());
    const body = { kind: "request", recordId: r.id, characters: ["political"], note: "Sent twice" };
    await twiceAtOnce(
      t.cn.rt.services.db,
      () => officer.req<Flag & ApiError>("POST", "/api/v1/lawful/flags", body),
      "the item is already flagged",
    );
    const cn = t.cn.rt.services.db;
    const rows = await cn.select().from(lawfulFlags).where(eq(lawfulFlags.recordId, r.id));
    expect(rows.map((f) => f.state)).toEqual(["flagged"]);
    const audits = await cn
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetId, r.id), eq(auditLog.action, "lawful.flag")));
    expect(audits).toHaveLength(1);

    // A peer's request refused twice at once: one refusal stored, audited and sent back.
    const incoming = await draft(officer, routineSubscriberForm(), "US-DOJ");
    expect((await act(officer, incoming.id, { event: "send" })).status).toBe(200);
    await t.hub.flush();
    const sentBack = () => t.hub.delivered.filter((d) => d.type === "lawful.refused").length;
    const before = sentBack();
    const refusal = {
      kind: "request",
      recordId: incoming.id,
      ground: "political_character",
      text: "The conduct described is the expression of a political opinion.",
    };
    await twiceAtOnce(
      t.us.rt.services.db,
      () => usDuty.req<Refused & ApiError>("POST", "/api/v1/lawful/refusals", refusal),
      "the item is already refused",
    );
    const us = t.us.rt.services.db;
    expect(
      await us.select().from(lawfulRefusals).where(eq(lawfulRefusals.recordId, incoming.id)),
    ).toHaveLength(1);
    await t.hub.flush();
    expect(sentBack() - before).toBe(1);
  });

  it("a flag the lock does not see (another writer's, committed while it waits) is a 409 from the unique index", async () => {
    const r = await draft(officer, routineSubscriberForm());
    const cn = t.cn.rt.services.db;
    // Another transaction records an open flag on the item without the lock (as older code did) and commits
    // while the flag below waits on the index for it: the index refuses the second open flag.
    const [answer] = await queuedBehind(
      cn,
      sql`insert into lawful_flags (id, kind, record_id, state, characters, note, flagged_by_label, flagged_at)
          values (gen_random_uuid(), 'request', ${r.id}, 'flagged', '["military"]'::jsonb, 'other writer', 'x', now())`,
      [
        () =>
          officer.req<ApiError>("POST", "/api/v1/lawful/flags", {
            kind: "request",
            recordId: r.id,
            characters: ["political"],
            note: "Mine",
          }),
      ],
    );
    expect(answer?.status, JSON.stringify(answer?.body)).toBe(409);
    expect(answer?.body.error.details[0]?.issue).toBe("the item is already flagged");
    const rows = await cn.select().from(lawfulFlags).where(eq(lawfulFlags.recordId, r.id));
    expect(rows.map((f) => f.note)).toEqual(["other writer"]);
  });

  /** A request of CN-MPS sent to US-DOJ and refused there (the refusal not yet delivered back). */
  async function refusedByPeer(text: string) {
    const r = await draft(officer, routineSubscriberForm(), "US-DOJ");
    expect((await act(officer, r.id, { event: "send" })).status).toBe(200);
    await t.hub.flush();
    const refused = await usDuty.req("POST", "/api/v1/lawful/refusals", {
      kind: "request",
      recordId: r.id,
      ground: "political_character",
      text,
    });
    expect(refused.status).toBe(201);
    return r.id;
  }

  const receivedOf = (id: string) =>
    t.cn.rt.services.db
      .select()
      .from(lawfulRefusals)
      .where(and(eq(lawfulRefusals.recordId, id), eq(lawfulRefusals.direction, "received")));
  const ignoredOf = (id: string) =>
    t.cn.rt.services.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetId, id), eq(auditLog.action, "lawful.refusal_ignored")));

  it("a peer's refusal arriving again (a second message) is stored once; the second is audited and ignored", async () => {
    const id = await refusedByPeer("The conduct described is the expression of a political opinion.");
    await t.hub.flush();
    // The peer sends the refusal of the same item again (e.g. its node restored from a backup), on other grounds.
    await t.us.rt.services.federation.enqueue(null as never, null as never, {
      peerId: "CN-MPS",
      type: "lawful.refused",
      conversation: id,
      payload: {
        kind: "request",
        recordId: id,
        ground: "other",
        text: "Again",
        by: "us.duty",
        at: new Date().toISOString(),
        refusingNode: "US-DOJ",
      },
    });
    await t.hub.flush();
    expect((await receivedOf(id)).map((r) => [r.ground, r.peerId])).toEqual([
      ["political_character", "US-DOJ"],
    ]);
    const ignored = await ignoredOf(id);
    expect(ignored.map((a) => [a.outcome, a.details])).toEqual([
      ["rejected", expect.objectContaining({ peerId: "US-DOJ", reason: "ALREADY_REFUSED", ground: "other" })],
    ]);
    const s = await officer.req<Status>("GET", `/api/v1/lawful/records/request/${id}`);
    expect(s.body.status.refusals).toHaveLength(1);
  });

  it("a peer's refusal stored by another process while the message is applied: kept once, no error", async () => {
    const id = await refusedByPeer("Refused while another process stores the same refusal.");
    // On PostgreSQL another transaction stores the peer's refusal of the item and holds it uncommitted while the
    // message is applied: the insert waits on the unique index for it, then gives way (old code: a second row).
    await queuedBehind(
      t.cn.rt.services.db,
      sql`insert into lawful_refusals (id, kind, record_id, direction, peer_id, ground, text, by_label, at)
          values (gen_random_uuid(), 'request', ${id}, 'received', 'US-DOJ', 'political_character',
                  'other process', 'us.duty (US-DOJ)', now())`,
      [() => t.hub.flush()],
    );
    expect((await receivedOf(id)).map((r) => r.text)).toEqual(["other process"]);
    expect(await ignoredOf(id)).toHaveLength(1);
  });

  it("holds a flagged shared object back from new recipients until cleared (the generic hook)", async () => {
    await t.cn.user("wang.fang", ["case_officer"]);
    const so = await t.cn.as("wang.fang");
    const pub = await so.req<{ object: { id: string } }>("POST", "/api/v1/shared-objects", {
      type: "indicator",
      marking: { tlp: "AMBER" },
      content: { kind: "email", value: "night.owl@example.com" },
    });
    expect(pub.status).toBe(201);
    const id = pub.body.object.id;
    const f = await so.req<Flag>("POST", "/api/v1/lawful/flags", {
      kind: "shared_object",
      recordId: id,
      characters: ["military"],
      note: "The address belongs to a military unit",
    });
    expect(f.status).toBe(201);
    const share = await so.req<ApiError>("POST", `/api/v1/shared-objects/${id}/share`, {
      recipients: ["US-DOJ"],
    });
    expect(share.status).toBe(409);
    expect(share.body.error.code).toBe("LAWFUL_REVIEW_PENDING");
    expect(
      (
        await reviewer.req("POST", `/api/v1/lawful/flags/${f.body.flag.id}/decision`, {
          decision: "clear",
          ground: "ordinary_law_crime",
          text: "Phishing from the address; no military matter.",
        })
      ).status,
    ).toBe(200);
    expect(
      (await so.req("POST", `/api/v1/shared-objects/${id}/share`, { recipients: ["US-DOJ"] })).status,
    ).toBe(200);
  });
});

type Detail = { request: { status: string } };
