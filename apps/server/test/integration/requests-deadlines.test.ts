import { DEFAULT_DEADLINE_POLICY } from "@crossline/schemas";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Agent } from "../support/node.js";
import { describeDb } from "../support/node.js";
import {
  act,
  type Detail,
  draft,
  emergencyPreservationForm,
  routineSubscriberForm,
  type TwoNodes,
  twoNodes,
} from "../support/requests-fixtures.js";

const MIN = 60_000;
type Board = {
  items: { id: string; deadlineState: string | null; overdue: boolean; escalationLevel: number }[];
};

describeDb("deadlines, escalation and preservation under a controllable clock", () => {
  let t: TwoNodes;
  let officer: Agent;
  let cnSup: Agent;
  let duty: Agent;
  let usSup: Agent;

  beforeAll(async () => {
    t = await twoNodes({ start: "2026-11-20T02:00:00Z" });
    await t.cn.user("wang.fang", ["case_officer"], t.cnUnit);
    await t.cn.user("li.qiang", ["supervisor"], t.cnUnit);
    await t.us.user("j.miller", ["duty_officer"]);
    await t.us.user("r.chen", ["supervisor"]);
    officer = await t.cn.as("wang.fang");
    cnSup = await t.cn.as("li.qiang");
    duty = await t.us.as("j.miller");
    usSup = await t.us.as("r.chen");
    // CN-MPS's administrator: emergency preservations need no second signature and must be
    // acknowledged within 30 minutes; escalate to the peer 60 minutes after that.
    const cnAdmin = await t.cn.as("admin");
    const policy = await cnAdmin.req<{ policy: Record<string, unknown> }>("GET", "/api/v1/policy/requests");
    const next = structuredClone(policy.body.policy) as {
      deadlines: typeof DEFAULT_DEADLINE_POLICY;
      fourEyes: Record<string, boolean>;
      escalation: { peerAfterMinutes: number; contact: unknown };
    };
    expect(next.deadlines).toEqual(DEFAULT_DEADLINE_POLICY);
    next.deadlines.preservation.emergency = { acknowledgeMinutes: 30, answerMinutes: 12 * 60 };
    next.fourEyes.preservation = false;
    next.fourEyes.subscriber_info = false;
    next.escalation = { peerAfterMinutes: 60, contact: { name: "MPS 24/7 desk", phone: "+86 10 6620 1234" } };
    const put = await cnAdmin.req("PUT", "/api/v1/policy/requests", next);
    expect(put.status).toBe(200);
  });
  afterAll(() => t?.close());

  it("computes deadlines from the edited policy, flags overdue items and escalates once per level", async () => {
    const urgent = await draft(officer, emergencyPreservationForm());
    const routine = await draft(officer, routineSubscriberForm());
    const sent = await act(officer, urgent.id, { event: "send" });
    expect(sent.status).toBe(200);
    const deadlines = sent.body.request.deadlines as {
      acknowledgeBy: { at: string };
      answerBy: { at: string };
    };
    expect(Date.parse(deadlines.acknowledgeBy.at) - t.clock.t).toBe(30 * MIN);
    expect(Date.parse(deadlines.answerBy.at) - t.clock.t).toBe(12 * 60 * MIN);
    expect((await act(officer, routine.id, { event: "send" })).status).toBe(200);
    await t.hub.flush();

    const states = async (a: Agent, q = "") =>
      Object.fromEntries(
        (await a.req<Board>("GET", `/api/v1/requests?status=sent,delivered${q}`)).body.items.map((i) => [
          i.id,
          i.deadlineState,
        ]),
      );
    expect(await states(duty)).toEqual({ [urgent.id]: "due_soon", [routine.id]: "ok" });

    // 31 minutes on: the emergency is overdue on both nodes; the routine one is not.
    t.clock.advance(31 * MIN);
    const overdue = await duty.req<Board>("GET", "/api/v1/requests?deadline=overdue");
    expect(overdue.body.items.map((i) => [i.id, i.overdue])).toEqual([[urgent.id, true]]);
    expect(
      (await officer.req<Board>("GET", "/api/v1/requests?deadline=overdue")).body.items.map((i) => i.id),
    ).toEqual([urgent.id]);
    expect(
      (await officer.req<Board>("GET", "/api/v1/requests?deadline=ok")).body.items.map((i) => i.id),
    ).toEqual([routine.id]);

    // Level 1: the supervisors on each side, exactly once even when sweeps run concurrently.
    const [a, b] = await Promise.all([
      t.us.rt.services.requests.sweepEscalations(),
      t.us.rt.services.requests.sweepEscalations(),
    ]);
    expect(a.level1 + b.level1).toBe(1);
    expect((await t.cn.rt.services.requests.sweepEscalations()).level1).toBe(1);
    expect((await t.cn.rt.services.requests.sweepEscalations()).level1).toBe(0);
    const usSupNotes = await usSup.req<{ items: { kind: string; requestId: string }[] }>(
      "GET",
      "/api/v1/notifications",
    );
    expect(usSupNotes.body.items.filter((n) => n.kind === "escalation").map((n) => n.requestId)).toEqual([
      urgent.id,
    ]);
    const cnSupNotes = await cnSup.req<{ items: { kind: string }[] }>("GET", "/api/v1/notifications");
    expect(cnSupNotes.body.items.map((n) => n.kind)).toContain("escalation");
    expect(t.hub.pending()).toBe(0);

    // Level 2, an hour later: a signed hotline.escalation from CN-MPS to US-DOJ's escalation contact.
    t.clock.advance(60 * MIN);
    expect(await t.us.rt.services.requests.sweepEscalations()).toEqual({ level1: 0, level2: 0 });
    expect(await t.cn.rt.services.requests.sweepEscalations()).toEqual({ level1: 0, level2: 1 });
    expect(t.hub.pending()).toBe(1);
    await t.hub.flush();
    expect(t.hub.delivered.at(-1)?.type).toBe("hotline.escalation");
    const received = await usSup.req<{ items: { kind: string; severity: string; body: { en: string } }[] }>(
      "GET",
      "/api/v1/notifications",
    );
    const esc = received.body.items.find((n) => n.kind === "escalation_received");
    expect(esc?.severity).toBe("emergency");
    expect(esc?.body.en).toContain("MPS 24/7 desk +8610");
    const log = await duty.req<{ items: { kind: string }[] }>(
      "GET",
      `/api/v1/hotline/log?requestId=${urgent.id}`,
    );
    expect(log.body.items.map((e) => e.kind)).toContain("escalation_received");

    // A late acknowledgement stops the escalation; the answer deadline now runs.
    expect((await act(duty, urgent.id, { event: "acknowledge" })).status).toBe(200);
    await t.hub.flush();
    const cnView = await officer.req<Detail>("GET", `/api/v1/requests/${urgent.id}`);
    expect(cnView.body.request.status).toBe("acknowledged");
    expect((cnView.body.request.nextDue as { kind: string }).kind).toBe("answer");
    expect(cnView.body.request.deadlineState).toBe("ok");
  });

  it("runs the more-information loop, then preservation expiry and an extension", async () => {
    const d = await draft(officer, emergencyPreservationForm());
    await act(officer, d.id, { event: "send" });
    await t.hub.flush();
    await act(duty, d.id, { event: "acknowledge" });
    const ask = await act(duty, d.id, {
      event: "request_more_info",
      question: { lang: "en", text: "Which time zone are the dates in?" },
    });
    expect(ask.body.request.status).toBe("more_info_requested");
    await t.hub.flush();
    const reply = await act(officer, d.id, {
      event: "provide_more_info",
      information: { lang: "en", text: "China Standard Time (UTC+8)." },
    });
    expect(reply.body.request.status).toBe("in_progress");
    await t.hub.flush();
    await duty.req("PUT", `/api/v1/requests/${d.id}/second-check`, {
      method: "phone_callback",
      namedContact: { name: "Wang Fang" },
      result: "confirmed",
    });
    const answeredAt = t.clock.t;
    await act(duty, d.id, {
      event: "answer",
      answer: { outcome: "fulfilled", summary: { lang: "en", text: "Preserved for 90 days." } },
    });
    await t.hub.flush();
    const view = await officer.req<Detail>("GET", `/api/v1/requests/${d.id}`);
    const expiry = view.body.request.preservationExpiresAt as {
      at: string;
      requester: string;
      responder: string;
    };
    expect(Date.parse(expiry.at)).toBe(answeredAt + 90 * 24 * 60 * MIN);
    expect(expiry.requester).toMatch(/\+08:00$/);
    expect(expiry.responder).toMatch(/-05:00$/);

    t.clock.advance(80 * 24 * 60 * MIN);
    // Sessions last hours, not months: sign in again.
    officer = await t.cn.as("wang.fang");
    duty = await t.us.as("j.miller");
    const ext = await officer.req<Detail>("POST", `/api/v1/requests/${d.id}/preservation/extensions`, {
      days: 60,
      reason: { lang: "en", text: "The mutual-assistance request is with the court." },
    });
    expect(ext.status).toBe(201);
    await t.hub.flush();
    const usView = await duty.req<Detail>("GET", `/api/v1/requests/${d.id}`);
    const exts = usView.body.request.extensions as { id: string; status: string }[];
    expect(exts.map((e) => e.status)).toEqual(["requested"]);
    const granted = await duty.req<Detail>(
      "POST",
      `/api/v1/requests/${d.id}/preservation/extensions/${exts[0].id}/decision`,
      { grant: true },
    );
    expect(granted.status).toBe(200);
    await t.hub.flush();
    const after = await officer.req<Detail>("GET", `/api/v1/requests/${d.id}`);
    expect(Date.parse((after.body.request.preservationExpiresAt as { at: string }).at)).toBe(
      answeredAt + 150 * 24 * 60 * MIN,
    );
    expect((after.body.request.extensions as { status: string }[]).map((e) => e.status)).toEqual(["granted"]);
    expect(after.body.request.timeline.map((e) => e.event)).toEqual([
      "create",
      "send",
      "mark_delivered",
      "acknowledge",
      "request_more_info",
      "provide_more_info",
      "second_check",
      "answer",
      "extension_requested",
      "extension_granted",
    ]);

    // A follow-up links to the original.
    const follow = await draft(officer, { ...routineSubscriberForm(), followUpOf: d.id });
    expect(follow.followUpOf).toBe(d.id);
    const orig = await officer.req<Detail>("GET", `/api/v1/requests/${d.id}`);
    expect((orig.body.request.followUps as { id: string }[]).map((f) => f.id)).toEqual([follow.id]);
  });

  it("withdraws before closing; an answer crossing a withdrawal is kept in the timeline, not applied", async () => {
    const d = await draft(officer, routineSubscriberForm());
    await act(officer, d.id, { event: "send" });
    await t.hub.flush();
    await act(duty, d.id, { event: "acknowledge" });
    await t.hub.flush();
    // Both sides act before either hears of the other.
    const w = await act(officer, d.id, {
      event: "withdraw",
      reason: { lang: "en", text: "Suspect identified." },
    });
    expect(w.body.request.status).toBe("withdrawn");
    await act(duty, d.id, {
      event: "answer",
      answer: { outcome: "fulfilled", summary: { lang: "en", text: "Subscriber details attached." } },
    });
    await t.hub.flush();
    const cn = await officer.req<Detail>("GET", `/api/v1/requests/${d.id}`);
    expect(cn.body.request.status).toBe("withdrawn");
    const last = cn.body.request.timeline.at(-1) as unknown as {
      event: string;
      data: { notApplied?: string };
    };
    expect(last.event).toBe("answer");
    expect(last.data.notApplied).toMatch(/does not apply in status withdrawn/);
    // Nothing is allowed after withdrawal.
    const again = await act(officer, d.id, { event: "close" });
    expect(again.status).toBe(409);
    expect(again.body.error.details[0].allowed).toEqual([]);
  });

  it("carries the thread both ways with attachment references and read receipts", async () => {
    const d = await draft(officer, routineSubscriberForm());
    await act(officer, d.id, { event: "send" });
    await t.hub.flush();
    // A reference to bytes this node does not hold travels in the payload only (it cannot hold up the link).
    const dangling = {
      id: "0190a0c0-0000-7000-8000-00000000a001",
      name: "elsewhere.pdf",
      sha256: "b".repeat(64),
      size: 1,
    };
    await officer.req("POST", `/api/v1/requests/${d.id}/messages`, {
      body: { lang: "en", text: "See the file on the shared drive." },
      attachments: [dangling],
    });
    await t.hub.flush();
    expect(t.hub.delivered.at(-1)?.attachments).toBeUndefined();
    await duty.req("POST", `/api/v1/requests/${d.id}/messages/read`, {});
    await t.hub.flush();
    const up = await officer.req<{ attachment: { id: string; name: string; sha256: string; size: number } }>(
      "POST",
      "/api/v1/requests/attachments",
      { name: "invoice.pdf", contentBase64: Buffer.from("%PDF-1.4 demo invoice").toString("base64") },
    );
    expect(up.status).toBe(201);
    const attachment = up.body.attachment;
    expect(attachment.size).toBe(21);
    const badUpload = await officer.req<{ error: { details: { field: string }[] } }>(
      "POST",
      "/api/v1/requests/attachments",
      {
        name: "x",
        contentBase64: "not base64!",
      },
    );
    expect(badUpload.body.error.details[0].field).toBe("body.contentBase64");
    const posted = await officer.req<{ message: { mine: boolean; readAt: string | null } }>(
      "POST",
      `/api/v1/requests/${d.id}/messages`,
      { body: { lang: "zh-CN", text: "附上发票扫描件。" }, attachments: [attachment] },
    );
    expect(posted.status).toBe(201);
    expect(posted.body.message).toMatchObject({ mine: true, readAt: null });
    await t.hub.flush();
    expect(t.hub.delivered.at(-1)).toMatchObject({
      type: "request.message",
      attachments: [{ id: attachment.id, sha256: attachment.sha256, size: 21, name: "invoice.pdf" }],
    });
    type Thread = {
      items: {
        side: string;
        mine: boolean;
        body: { text: string };
        attachments: { sha256: string }[];
        readAt: string | null;
        readBy: string | null;
      }[];
    };
    const usThread = await duty.req<Thread>("GET", `/api/v1/requests/${d.id}/messages`);
    expect(usThread.body.items).toHaveLength(2);
    expect(usThread.body.items[1]).toMatchObject({ side: "requester", mine: false, readAt: null });
    expect(usThread.body.items[1].attachments[0].sha256).toBe(attachment.sha256);
    const read = await duty.req<{ marked: number }>("POST", `/api/v1/requests/${d.id}/messages/read`, {});
    expect(read.body.marked).toBe(1);
    await duty.req("POST", `/api/v1/requests/${d.id}/messages`, {
      body: { lang: "en", text: "Received, thank you." },
    });
    await t.hub.flush();
    const cnThread = await officer.req<Thread>("GET", `/api/v1/requests/${d.id}/messages`);
    expect(cnThread.body.items.map((m) => [m.side, m.mine, m.readBy !== null])).toEqual([
      ["requester", true, true],
      ["requester", true, true],
      ["responder", false, false],
    ]);
    expect(cnThread.body.items[1].readBy).toContain("US-DOJ");
    // Marking read again sends nothing new.
    expect(
      (await duty.req<{ marked: number }>("POST", `/api/v1/requests/${d.id}/messages/read`, {})).body.marked,
    ).toBe(0);
  });
});
