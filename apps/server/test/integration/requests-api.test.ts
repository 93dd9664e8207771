import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { label } from "@crossline/schemas";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { rowsOf } from "../../src/db/client.js";
import { peers } from "../../src/db/schema/index.js";
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

describeDb("requests API: bad input, roster in local time, live notifications, reports", () => {
  let t: TwoNodes;
  let officer: Agent;
  let supervisor: Agent;
  let dutyId: string;

  beforeAll(async () => {
    t = await twoNodes();
    await t.cn.user("wang.fang", ["case_officer"], t.cnUnit);
    await t.cn.user("li.qiang", ["supervisor"], t.cnUnit);
    await t.us.user("r.chen", ["supervisor"]);
    dutyId = (await t.us.user("j.miller", ["duty_officer"])).id;
    officer = await t.cn.as("wang.fang");
    supervisor = await t.cn.as("li.qiang");
  });
  afterAll(() => t?.close());

  const fields = (r: { body: ApiError }) => r.body.error.details.map((d) => d.field);

  it("names the offending field of an invalid form, in the language asked for", async () => {
    const form = emergencyPreservationForm() as Record<string, unknown> & {
      details: Record<string, unknown>;
    };
    delete form.details.whyPreservationNeeded;
    form.details.preservationDays = 30;
    const r = await officer.req<ApiError>(
      "POST",
      "/api/v1/requests",
      { peerId: "US-DOJ", form },
      {
        "accept-language": "zh-CN",
      },
    );
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("VALIDATION_FAILED");
    expect((r.body as unknown as { error: { message: string } }).error.message).toBe("请求无效。");
    expect(fields(r)).toEqual(
      expect.arrayContaining([
        "body.form.details.whyPreservationNeeded",
        "body.form.details.preservationDays",
      ]),
    );

    const emergency = { ...emergencyPreservationForm(), type: "emergency_disclosure", urgency: "urgent" };
    const e = await officer.req<ApiError>("POST", "/api/v1/requests", { form: emergency });
    expect(e.status).toBe(400);
    expect(fields(e)).toContain("body.form.details.riskToLife");

    const badId = await officer.req<ApiError>("POST", "/api/v1/requests", {
      form: { ...routineSubscriberForm(), identifiers: [{ type: "ipv4", value: "300.1.1.1" }] },
    });
    expect(fields(badId)).toEqual(["body.form.identifiers.0.value"]);

    const unknown = await officer.req<ApiError>("POST", "/api/v1/requests", {
      form: routineSubscriberForm(),
      extra: 1,
    });
    expect(fields(unknown)).toEqual(["body.extra"]);

    const peer = await officer.req<ApiError>("POST", "/api/v1/requests", {
      peerId: "us doj",
      form: routineSubscriberForm(),
    });
    expect(fields(peer)).toEqual(["body.peerId"]);

    const tooLong = await officer.req<ApiError>("POST", "/api/v1/requests", {
      form: { ...routineSubscriberForm(), facts: { lang: "en", text: "x".repeat(20_001) } },
    });
    expect(fields(tooLong)).toEqual(["body.form.facts.text"]);

    const board = await officer.req<ApiError>("GET", "/api/v1/requests?urgency=panic");
    expect(fields(board)).toEqual(["querystring.urgency"]);

    const d = await draft(officer, routineSubscriberForm());
    const noAnswer = await act(officer, d.id, {
      event: "answer",
      answer: { outcome: "declined", summary: { lang: "en", text: "No" } },
    });
    expect(noAnswer.status).toBe(400);
    expect(noAnswer.body.error.details.map((x) => x.field)).toEqual(["body.answer.grounds"]);
    const wrongEvent = await act(officer, d.id, { event: "teleport" });
    expect(wrongEvent.status).toBe(400);
    expect(wrongEvent.body.error.details[0].field).toBe("body.event");
    // The responder's event on the requester's side: refused, naming what is allowed.
    const ack = await act(supervisor, d.id, { event: "acknowledge" });
    expect(ack.status).toBe(409);
    expect(ack.body.error.details[0].allowed).toEqual(["submit_for_approval", "withdraw"]);
    // ... as a message key with parameters, worded in the reader's language from them (no English re-worded).
    const ackZh = await supervisor.req<{
      error: { details: { issue: string; key?: string; params?: Record<string, unknown> }[] };
    }>("POST", `/api/v1/requests/${d.id}/actions`, { event: "acknowledge" }, { "accept-language": "zh-CN" });
    expect(ackZh.body.error.details[0]).toMatchObject({
      key: "transition.wrongSide",
      params: { event: "acknowledge", side: "responder", side2: "requester" },
      issue: `“${label("requestEvent", "acknowledge", "zh-CN")}”由${label("side", "responder", "zh-CN")}执行；本节点是${label("side", "requester", "zh-CN")}`,
    });
    const check = await supervisor.req<ApiError>("PUT", `/api/v1/requests/${d.id}/second-check`, {
      method: "carrier_pigeon",
      namedContact: { name: "" },
      result: "confirmed",
    });
    expect(check.status).toBe(400);
    expect(fields(check).sort()).toEqual(["body.method", "body.namedContact.name"]);
    const notFound = await officer.req<ApiError>(
      "GET",
      "/api/v1/requests/0190a0c0-0000-7000-8000-000000000000",
    );
    expect(notFound.status).toBe(404);
  });

  it("keeps the duty roster in local time and finds who is on duty", async () => {
    const sup = await t.us.as("r.chen");
    const units = await sup.req<{ items: { id: string }[] }>("GET", "/api/v1/units");
    const unitId = units.body.items[0].id;
    // A night shift in Washington, across the end of daylight saving time (1 November 2026).
    const r = await sup.req<{ items: { startsAt: string; endsAt: string; startLocal: string }[] }>(
      "POST",
      "/api/v1/hotline/roster",
      {
        unitId,
        userId: dutyId,
        start: "2026-10-31T20:00",
        end: "2026-11-01T08:00",
        timeZone: "America/New_York",
        repeat: { times: 2, everyDays: 7 },
      },
    );
    expect(r.status).toBe(201);
    expect(r.body.items.map((s) => [s.startsAt, s.endsAt])).toEqual([
      ["2026-11-01T00:00:00.000Z", "2026-11-01T13:00:00.000Z"],
      ["2026-11-08T01:00:00.000Z", "2026-11-08T13:00:00.000Z"],
      ["2026-11-15T01:00:00.000Z", "2026-11-15T13:00:00.000Z"],
    ]);
    expect(r.body.items[1].startLocal).toBe("2026-11-07T20:00:00-05:00");
    const onDuty = await sup.req<{ shifts: { userId: string }[] }>(
      "GET",
      `/api/v1/hotline/on-duty?at=${encodeURIComponent("2026-11-08T05:00:00Z")}`,
    );
    expect(onDuty.body.shifts.map((s) => s.userId)).toEqual([dutyId]);
    const nobody = await sup.req<{ shifts: unknown[] }>(
      "GET",
      "/api/v1/hotline/on-duty?at=2026-11-08T15:00:00Z",
    );
    expect(nobody.body.shifts).toEqual([]);
    // The roster names the hours nobody covers: here, the days around the night shift of 7 November.
    const week = await sup.req<{ gaps: { from: string; to: string }[] }>(
      "GET",
      "/api/v1/hotline/roster?from=2026-11-07T00:00:00Z&to=2026-11-09T00:00:00Z",
    );
    expect(week.body.gaps).toEqual([
      { from: "2026-11-07T00:00:00.000Z", to: "2026-11-08T01:00:00.000Z" },
      { from: "2026-11-08T13:00:00.000Z", to: "2026-11-09T00:00:00.000Z" },
    ]);
    const bad = await sup.req<ApiError>("POST", "/api/v1/hotline/roster", {
      unitId,
      userId: dutyId,
      start: "2026-11-01T08:00",
      end: "2026-11-01T07:00",
      timeZone: "Mars/Olympus",
    });
    expect(fields(bad)).toEqual(["body.timeZone"]);
    const backwards = await sup.req<ApiError>("POST", "/api/v1/hotline/roster", {
      unitId,
      userId: dutyId,
      start: "2026-11-01T08:00",
      end: "2026-11-01T07:00",
      timeZone: "America/New_York",
    });
    expect(fields(backwards)).toEqual(["body.end"]);
  });

  it("alerts only the officer on duty, live over Server-Sent Events", async () => {
    await t.us.user("k.off", ["duty_officer"]);
    // The roster says j.miller is on duty now.
    const sup = await t.us.as("r.chen");
    const unitId = (await sup.req<{ items: { id: string }[] }>("GET", "/api/v1/units")).body.items[0].id;
    const now = new Date(t.clock.t);
    const local = (d: Date) => d.toISOString().slice(0, 16);
    await sup.req("POST", "/api/v1/hotline/roster", {
      unitId,
      userId: dutyId,
      start: local(new Date(now.getTime() - 3600_000)),
      end: local(new Date(now.getTime() + 8 * 3600_000)),
      timeZone: "UTC",
    });
    const duty = await t.us.as("j.miller");
    const address = await t.us.rt.app.listen({ host: "127.0.0.1", port: 0 });
    const controller = new AbortController();
    const res = await fetch(`${address}/api/v1/notifications/stream`, {
      headers: { cookie: duty.cookie as string },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    const readUntil = async (needle: string) => {
      const until = Date.now() + 10_000;
      while (!text.includes(needle) && Date.now() < until) {
        const chunk = await reader.read();
        if (chunk.done) break;
        text += decoder.decode(chunk.value);
      }
    };
    await readUntil("event: ready");

    const d = await draft(officer, emergencyPreservationForm());
    await act(officer, d.id, { event: "submit_for_approval" });
    await act(supervisor, d.id, { event: "approve" });
    await t.hub.flush();
    await readUntil(d.reference);
    controller.abort();
    const event = text.split("\n\n").find((e) => e.includes("event: notification"));
    const data = JSON.parse(
      (event as string)
        .split("\n")
        .find((l) => l.startsWith("data: "))
        ?.slice(6) ?? "{}",
    );
    // the event id: the notification's id, then where the stream stands (what a reconnect resumes from)
    expect(event).toMatch(new RegExp(`^id: ${data.id}\\.[0-9a-z.]+$`, "m"));
    expect(data).toMatchObject({ kind: "request_received", severity: "emergency", requestId: d.id });
    expect(data.title["zh-CN"]).toContain("紧急");

    // Polling sees the same; the duty officer not on the roster got nothing.
    const poll = await duty.req<{ items: { id: string }[]; unreadCount: number }>(
      "GET",
      `/api/v1/notifications?unread=true`,
    );
    expect(poll.body.unreadCount).toBeGreaterThan(0);
    const off = await t.us.as("k.off");
    expect((await off.req<{ items: unknown[] }>("GET", "/api/v1/notifications")).body.items).toEqual([]);
    const marked = await duty.req<{ marked: number }>("POST", "/api/v1/notifications/read", { all: true });
    expect(marked.body.marked).toBe(poll.body.unreadCount);
  });

  it("reports timeliness as JSON, CSV and PDF in both languages", async () => {
    const duty = await t.us.as("j.miller");
    const board = await duty.req<{ items: { id: string }[] }>("GET", "/api/v1/requests?direction=incoming");
    const id = board.body.items[0].id;
    t.clock.advance(20 * 60_000);
    await act(duty, id, { event: "acknowledge" });
    await duty.req("PUT", `/api/v1/requests/${id}/second-check`, {
      method: "phone_callback",
      namedContact: { name: "Wang Fang" },
      result: "failed",
    });
    const notDeclined = await act(duty, id, {
      event: "answer",
      answer: { outcome: "fulfilled", summary: { lang: "en", text: "Here." } },
    });
    expect(notDeclined.status).toBe(400);
    expect(notDeclined.body.error.details[0].field).toBe("body.answer.outcome");
    t.clock.advance(60 * 60_000);
    await act(duty, id, {
      event: "answer",
      answer: {
        outcome: "declined",
        summary: { lang: "en", text: "Not verified." },
        grounds: { code: "verification_failed", explanation: { lang: "en", text: "Call-back failed." } },
      },
    });
    await t.hub.flush();

    const sup = await t.cn.as("li.qiang");
    const json = await sup.req<{
      report: {
        rows: {
          type: string;
          side: string;
          sent: number;
          answered: number;
          medianMinutesToAcknowledge: number;
          outcomes: { declined: number };
          answeredInTime: number;
        }[];
      };
    }>("GET", "/api/v1/reports/timeliness?period=month");
    expect(json.status).toBe(200);
    const row = json.body.report.rows.find((r) => r.type === "preservation" && r.side === "requester");
    expect(row).toMatchObject({
      sent: 1,
      answered: 1,
      answeredInTime: 1,
      medianMinutesToAcknowledge: 20,
      outcomes: { declined: 1 },
    });

    const csv = await sup.req("GET", "/api/v1/reports/timeliness.csv?lang=zh-CN");
    expect(csv.status).toBe(200);
    const csvText = String(
      (
        await t.cn.rt.app.inject({
          method: "GET",
          url: "/api/v1/reports/timeliness.csv?lang=zh-CN",
          headers: { cookie: sup.cookie as string },
        })
      ).body,
    );
    expect(csvText.split("\r\n")[0]).toContain("按时答复率");
    expect(csvText).toContain("快速保全已存储数据");

    for (const lang of ["en", "zh-CN"]) {
      const pdf = await t.cn.rt.app.inject({
        method: "GET",
        url: `/api/v1/reports/timeliness.pdf?lang=${lang}`,
        headers: { cookie: sup.cookie as string },
      });
      expect(pdf.statusCode).toBe(200);
      expect(pdf.headers["content-type"]).toBe("application/pdf");
      const bytes = pdf.rawPayload;
      expect(bytes.subarray(0, 5).toString()).toBe("%PDF-");
      // The text layer reads back (pdftotext from poppler-utils, when installed).
      const dir = mkdtempSync(path.join(os.tmpdir(), "crossline-pdf-"));
      try {
        writeFileSync(path.join(dir, "r.pdf"), bytes);
        let text: string | null = null;
        try {
          text = execFileSync("pdftotext", [path.join(dir, "r.pdf"), "-"]).toString();
        } catch {
          text = null;
        }
        if (text !== null)
          expect(text).toContain(lang === "en" ? "timeliness and quality" : "答复的及时性与质量");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it("finds requests on the board by the start of their reference or words of their title", async () => {
    const form = routineSubscriberForm();
    const a = await draft(officer, {
      ...form,
      offence: { ...form.offence, description: { lang: "en", text: "Romance scam 100% guaranteed_returns" } },
    });
    const b = await draft(officer, {
      ...form,
      offence: { ...form.offence, description: { lang: "zh-CN", text: "冒充客服诈骗" } },
    });
    type Page = { items: { id: string; reference: string }[] };
    const ids = async (q: string) =>
      (await officer.req<Page>("GET", `/api/v1/requests?q=${encodeURIComponent(q)}`)).body.items.map(
        (r) => r.id,
      );
    expect(await ids("romance SCAM")).toEqual([a.id]);
    expect(await ids("客服")).toEqual([b.id]);
    expect(await ids(b.reference.toLowerCase())).toEqual([b.id]);
    // % and _ are the officer's characters, not wildcards
    expect(await ids("100% guaranteed_")).toEqual([a.id]);
    expect(await ids("1_0")).toEqual([]);
    // the end of a reference is not its start
    expect(await ids(b.reference.slice(-6))).toEqual([]);
    const short = await officer.req<ApiError>("GET", "/api/v1/requests?q=x");
    expect(fields(short)).toEqual(["querystring.q"]);
  });

  it("searches titles through the trigram index (pg_trgm), on either database", async () => {
    // This table is small enough that the planner would read it whole; forbidding plain scans shows that a
    // title's ILIKE '%words%' can be answered from the trigram index (the extension is loaded on PGlite too),
    // as the board's search is at 100,000 requests (bench/requests-board.bench.ts prints that plan).
    const plan = await t.cn.rt.services.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      await tx.execute(sql`set local enable_indexscan = off`);
      return rowsOf<{ "QUERY PLAN": string }>(
        await tx.execute(sql`explain select id from requests where title ilike '%romance scam%'`),
      );
    });
    expect(plan.map((r) => r["QUERY PLAN"]).join("\n")).toMatch(
      /Bitmap Index Scan on requests_title_trgm\s+\(.*\)\s+Index Cond: \(title ~~\* '%romance scam%'/,
    );
  });

  it("offers the drafter the active peers as recipients, without the link's details", async () => {
    type Recipients = { items: Record<string, unknown>[] };
    const before = await officer.req<Recipients>("GET", "/api/v1/requests/recipients");
    expect(before.status).toBe(200);
    expect(before.body.items).toEqual([{ id: "US-DOJ", name: expect.any(String), nameZh: null }]);
    await t.cn.rt.services.db.update(peers).set({ state: "suspended" }).where(eq(peers.id, "US-DOJ"));
    try {
      const after = await officer.req<Recipients>("GET", "/api/v1/requests/recipients");
      expect(after.body.items).toEqual([]);
    } finally {
      await t.cn.rt.services.db.update(peers).set({ state: "active" }).where(eq(peers.id, "US-DOJ"));
    }
  });

  it("accepts emergency requests only from an active peer", async () => {
    await t.us.rt.services.db.update(peers).set({ state: "suspended" }).where(eq(peers.id, "CN-MPS"));
    try {
      const d = await draft(officer, emergencyPreservationForm());
      await act(officer, d.id, { event: "submit_for_approval" });
      await act(supervisor, d.id, { event: "approve" });
      await t.hub.flush();
      const duty = await t.us.as("j.miller");
      expect((await duty.req("GET", `/api/v1/requests/${d.id}`)).status).toBe(404);
      const log = await duty.req<{ items: { kind: string; requestId: string }[] }>(
        "GET",
        "/api/v1/hotline/log",
      );
      expect(log.body.items.find((e) => e.requestId === d.id)?.kind).toBe("emergency_refused");
      // A routine request from the same peer is not an emergency: it goes through.
      const r = await draft(officer, routineSubscriberForm());
      await act(officer, r.id, { event: "submit_for_approval" });
      await act(supervisor, r.id, { event: "approve" });
      await t.hub.flush();
      expect((await duty.req("GET", `/api/v1/requests/${r.id}`)).status).toBe(200);
    } finally {
      await t.us.rt.services.db.update(peers).set({ state: "active" }).where(eq(peers.id, "CN-MPS"));
    }
  });
});
