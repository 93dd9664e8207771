import { DEFAULT_DEADLINE_POLICY } from "@crossline/schemas";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { auditLog } from "../../src/db/schema/index.js";
import { cliActor } from "../../src/modules/node/node.service.js";
import type { Agent, TestNode } from "../support/node.js";
import { describeDb } from "../support/node.js";
import {
  act,
  type Detail,
  draft,
  emergencyPreservationForm,
  routineSubscriberForm,
  setEmail,
  startSmtp,
  type TwoNodes,
  twoNodes,
} from "../support/requests-fixtures.js";

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
type Notes = {
  items: {
    kind: string;
    requestId: string | null;
    severity: string;
    body: { en: string; "zh-CN": string };
  }[];
};
type Smtp = Awaited<ReturnType<typeof startSmtp>>;

async function auditFor(node: TestNode, action: string, targetId: string) {
  const ctx = { actor: cliActor("test"), ip: null, requestId: null };
  const page = await node.rt.services.audit.list(ctx, { limit: 200, action });
  return page.items.filter((e) => e.targetId === targetId);
}

/** The text of the mails to an address, with quoted-printable soft line breaks undone. */
function mailsTo(smtp: Smtp, address: string): string[] {
  return smtp.mails.filter((m) => m.to.includes(address)).map((m) => m.raw.replace(/=\r?\n/g, ""));
}

type Board = {
  items: { id: string; deadlineState: string | null; overdue: boolean; escalationLevel: number }[];
};

describeDb("deadlines, escalation and preservation under a controllable clock", () => {
  let t: TwoNodes;
  let officer: Agent;
  let cnSup: Agent;
  let duty: Agent;
  let usSup: Agent;
  let usSmtp: Smtp;
  let cnSmtp: Smtp;

  beforeAll(async () => {
    usSmtp = await startSmtp();
    cnSmtp = await startSmtp();
    t = await twoNodes({
      start: "2026-11-20T02:00:00Z",
      usSettings: { smtpUrl: `smtp://127.0.0.1:${usSmtp.port}`, mailFrom: "hotline@doj.example" },
      cnSettings: { smtpUrl: `smtp://127.0.0.1:${cnSmtp.port}`, mailFrom: "hotline@mps.example.cn" },
    });
    const wang = await t.cn.user("wang.fang", ["case_officer"], t.cnUnit);
    await setEmail(t.cn, wang.id, "wang.fang@mps.example.cn");
    const li = await t.cn.user("li.qiang", ["supervisor"], t.cnUnit);
    await setEmail(t.cn, li.id, "li.qiang@mps.example.cn");
    const miller = await t.us.user("j.miller", ["duty_officer"]);
    await setEmail(t.us, miller.id, "j.miller@doj.example");
    const chen = await t.us.user("r.chen", ["supervisor"]);
    await setEmail(t.us, chen.id, "r.chen@doj.example");
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
  afterAll(async () => {
    await t?.close();
    await usSmtp?.close();
    await cnSmtp?.close();
  });

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
    // How late travels as a number, for the reader's language: what CN-MPS recorded when it escalated.
    const lateOf = async (who: typeof duty, event: string) =>
      (await who.req<Detail>("GET", `/api/v1/requests/${urgent.id}`)).body.request.timeline
        .filter((e) => e.event === event)
        .map((e) => (e as { data?: { minutesLate?: number } }).data?.minutesLate);
    const cnLate = await lateOf(officer, "escalated");
    expect(cnLate).toEqual([expect.any(Number), expect.any(Number)]);
    expect(cnLate[1]).toBeGreaterThanOrEqual(60);
    expect(await lateOf(duty, "escalation_received")).toEqual([cnLate[1]]);

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
    // The peer's decision arriving again, as a refusal (another message: the peer restored from a backup): the
    // extension keeps its grant and the expiry, no second event; audited. (It was refused and in the timeline.)
    await t.us.rt.services.federation.enqueue(null as never, null as never, {
      peerId: "CN-MPS",
      type: "request.extension_decision",
      conversation: d.id,
      payload: {
        requestId: d.id,
        extensionId: exts[0].id,
        grant: false,
        newExpiresAt: null,
        at: new Date(t.clock.t).toISOString(),
        by: "j.miller",
      },
    });
    await t.hub.flush();
    const again = await officer.req<Detail>("GET", `/api/v1/requests/${d.id}`);
    expect((again.body.request.extensions as { status: string }[]).map((e) => e.status)).toEqual(["granted"]);
    expect(again.body.request.preservationExpiresAt).toEqual(after.body.request.preservationExpiresAt);
    const ignored = await t.cn.rt.services.db
      .select()
      .from(auditLog)
      .where(
        and(eq(auditLog.targetId, d.id), eq(auditLog.action, "request.remote.extension_decision_ignored")),
      );
    expect(ignored.map((a) => a.details)).toEqual([
      expect.objectContaining({
        extensionId: exts[0].id,
        grant: false,
        reason: "ALREADY_DECIDED",
        status: "granted",
      }),
    ]);
    expect(again.body.request.timeline.map((e) => e.event)).toEqual([
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

  it("tells both sides once when an acknowledged request's answer deadline passes unanswered", async () => {
    // Earlier tests moved the clock by months: sign in again, and let older requests have their notices.
    officer = await t.cn.as("wang.fang");
    cnSup = await t.cn.as("li.qiang");
    duty = await t.us.as("j.miller");
    usSup = await t.us.as("r.chen");
    await t.us.rt.services.requests.sweepDeadlineNotices();
    await t.cn.rt.services.requests.sweepDeadlineNotices();

    const late = await draft(officer, routineSubscriberForm());
    const onTime = await draft(officer, routineSubscriberForm());
    const sent = await act(officer, late.id, { event: "send" });
    const answerBy = Date.parse((sent.body.request.deadlines as { answerBy: { at: string } }).answerBy.at);
    await act(officer, onTime.id, { event: "send" });
    await t.hub.flush();
    for (const id of [late.id, onTime.id])
      expect((await act(duty, id, { event: "acknowledge" })).status).toBe(200);
    await t.hub.flush();
    // One is answered in time: it never gets a notice.
    const answered = await act(duty, onTime.id, {
      event: "answer",
      answer: { outcome: "fulfilled", summary: { lang: "en", text: "Registrant details attached." } },
    });
    expect(answered.body.request.status).toBe("answered");
    await t.hub.flush();

    const overdueEvents = async (a: Agent, id: string) =>
      (await a.req<Detail>("GET", `/api/v1/requests/${id}`)).body.request.timeline.filter(
        (e) => e.event === "answer_overdue",
      );
    const notesFor = async (a: Agent, id: string) =>
      (await a.req<Notes>("GET", "/api/v1/notifications")).body.items.filter(
        (n) => n.kind === "answer_overdue" && n.requestId === id,
      );

    // A minute before the deadline: nothing.
    t.clock.advance(answerBy - t.clock.t - MIN);
    officer = await t.cn.as("wang.fang");
    cnSup = await t.cn.as("li.qiang");
    duty = await t.us.as("j.miller");
    usSup = await t.us.as("r.chen");
    expect(await t.us.rt.services.requests.sweepDeadlineNotices()).toMatchObject({ answerOverdue: 0 });
    expect(await t.cn.rt.services.requests.sweepDeadlineNotices()).toMatchObject({ answerOverdue: 0 });
    expect(await overdueEvents(duty, late.id)).toEqual([]);
    expect(await notesFor(usSup, late.id)).toEqual([]);

    // A minute after: exactly one notice on each side, even with concurrent sweeps.
    t.clock.advance(2 * MIN);
    const [a, b] = await Promise.all([
      t.us.rt.services.requests.sweepDeadlineNotices(),
      t.us.rt.services.requests.sweepDeadlineNotices(),
    ]);
    expect(a.answerOverdue + b.answerOverdue).toBe(1);
    expect((await t.cn.rt.services.requests.sweepDeadlineNotices()).answerOverdue).toBe(1);
    // And never again.
    expect((await t.us.rt.services.requests.sweepDeadlineNotices()).answerOverdue).toBe(0);
    expect((await t.cn.rt.services.requests.sweepDeadlineNotices()).answerOverdue).toBe(0);

    // The answering side: the supervisor and the duty officer (nobody rostered: every duty officer).
    const usEvents = await overdueEvents(duty, late.id);
    expect(usEvents).toHaveLength(1);
    expect(usEvents[0]).toMatchObject({ side: "responder", nodeId: "US-DOJ", actor: "system" });
    const [usNote] = await notesFor(usSup, late.id);
    expect(usNote.severity).toBe("urgent");
    // read on the desk's clock (New York) with the lateness in words, in both languages
    expect(usNote.body.en).toMatch(
      /Our answer was due \d{4}-\d{2}-\d{2} \d{2}:\d{2} \(UTC-0[45]:00\) \((\d+ (d|h|min) ?)+ late\)/,
    );
    expect(usNote.body["zh-CN"]).toMatch(
      /我方答复期限 .* \(UTC-0[45]:00\)，已逾期 (\d+ (天|小时|分钟) ?)+。/,
    );
    expect(await notesFor(duty, late.id)).toHaveLength(1);
    expect(await auditFor(t.us, "request.answer_overdue", late.id)).toHaveLength(1);
    const usLog = await duty.req<{ items: { kind: string }[] }>(
      "GET",
      `/api/v1/hotline/log?requestId=${late.id}`,
    );
    expect(usLog.body.items.filter((e) => e.kind === "answer_overdue")).toHaveLength(1);

    // The requesting side: the drafter and the supervisors of the unit, told that the peer is late.
    const cnEvents = await overdueEvents(officer, late.id);
    expect(cnEvents).toHaveLength(1);
    expect(cnEvents[0]).toMatchObject({ side: "requester", nodeId: "CN-MPS" });
    expect((await notesFor(officer, late.id))[0].body.en).toContain("US-DOJ's answer was due");
    expect(await notesFor(cnSup, late.id)).toHaveLength(1);
    expect(await auditFor(t.cn, "request.answer_overdue", late.id)).toHaveLength(1);

    // Nothing for the request answered in time, on either side.
    expect(await overdueEvents(duty, onTime.id)).toEqual([]);
    expect(await overdueEvents(officer, onTime.id)).toEqual([]);
    expect(await auditFor(t.us, "request.answer_overdue", onTime.id)).toEqual([]);

    // By e-mail, through the real SMTP servers.
    await t.us.rt.services.notifications.drainMail();
    await t.cn.rt.services.notifications.drainMail();
    for (const [smtp, to] of [
      [usSmtp, "r.chen@doj.example"],
      [usSmtp, "j.miller@doj.example"],
      [cnSmtp, "wang.fang@mps.example.cn"],
      [cnSmtp, "li.qiang@mps.example.cn"],
    ] as const) {
      const mails = mailsTo(smtp, to).filter((m) => m.includes(`Answer overdue: ${late.reference}`));
      expect(mails, to).toHaveLength(1);
    }
    expect(mailsTo(usSmtp, "r.chen@doj.example").some((m) => m.includes(onTime.reference))).toBe(false);

    // Answering late changes nothing more.
    await act(duty, late.id, {
      event: "answer",
      answer: { outcome: "fulfilled", summary: { lang: "en", text: "Late, sorry." } },
    });
    await t.hub.flush();
    t.clock.advance(MIN);
    expect((await t.us.rt.services.requests.sweepDeadlineNotices()).answerOverdue).toBe(0);
    expect(await overdueEvents(officer, late.id)).toHaveLength(1);
  });

  it("warns the requesting unit a week before a preservation expires, once per expiry", async () => {
    const d = await draft(officer, emergencyPreservationForm());
    await act(officer, d.id, { event: "send" });
    await t.hub.flush();
    await act(duty, d.id, { event: "acknowledge" });
    await duty.req("PUT", `/api/v1/requests/${d.id}/second-check`, {
      method: "phone_callback",
      namedContact: { name: "Wang Fang" },
      result: "confirmed",
    });
    await act(duty, d.id, {
      event: "answer",
      answer: { outcome: "fulfilled", summary: { lang: "en", text: "Preserved for 90 days." } },
    });
    await t.hub.flush();
    const expiresAt = async () =>
      Date.parse(
        (
          (await officer.req<Detail>("GET", `/api/v1/requests/${d.id}`)).body.request
            .preservationExpiresAt as {
            at: string;
          }
        ).at,
      );
    const expiry = await expiresAt();
    const warnings = async () =>
      (await officer.req<Detail>("GET", `/api/v1/requests/${d.id}`)).body.request.timeline.filter(
        (e) => e.event === "preservation_expiring",
      ).length;
    const signIn = async () => {
      officer = await t.cn.as("wang.fang");
      cnSup = await t.cn.as("li.qiang");
      duty = await t.us.as("j.miller");
    };

    // Eight days before: not yet.
    t.clock.advance(expiry - t.clock.t - 8 * DAY);
    await signIn();
    await t.cn.rt.services.requests.sweepDeadlineNotices();
    expect(await warnings()).toBe(0);

    // Six days before: once, on the requesting side only.
    t.clock.advance(2 * DAY);
    await signIn();
    const [a, b] = await Promise.all([
      t.cn.rt.services.requests.sweepDeadlineNotices(),
      t.cn.rt.services.requests.sweepDeadlineNotices(),
    ]);
    expect(a.preservationExpiring + b.preservationExpiring).toBe(1);
    expect((await t.cn.rt.services.requests.sweepDeadlineNotices()).preservationExpiring).toBe(0);
    expect((await t.us.rt.services.requests.sweepDeadlineNotices()).preservationExpiring).toBe(0);
    expect(await warnings()).toBe(1);
    const note = (await cnSup.req<Notes>("GET", "/api/v1/notifications")).body.items.find(
      (n) => n.kind === "preservation_expiring" && n.requestId === d.id,
    );
    expect(note?.body.en).toContain("ask an extension");
    expect(
      (await officer.req<Notes>("GET", "/api/v1/notifications")).body.items.filter(
        (n) => n.kind === "preservation_expiring" && n.requestId === d.id,
      ),
    ).toHaveLength(1);
    expect(await auditFor(t.cn, "request.preservation_expiring", d.id)).toHaveLength(1);
    const usView = await duty.req<Detail>("GET", `/api/v1/requests/${d.id}`);
    expect(usView.body.request.timeline.filter((e) => e.event === "preservation_expiring")).toEqual([]);
    await t.cn.rt.services.notifications.drainMail();
    expect(
      mailsTo(cnSmtp, "wang.fang@mps.example.cn").filter((m) =>
        m.includes(`Preservation expires soon: ${d.reference}`),
      ),
    ).toHaveLength(1);

    // An extension gives the new expiry its own warning, a week before it.
    const ext = await officer.req<Detail>("POST", `/api/v1/requests/${d.id}/preservation/extensions`, {
      days: 30,
      reason: { lang: "en", text: "The mutual-assistance request is with the court." },
    });
    expect(ext.status).toBe(201);
    await t.hub.flush();
    const pending = (await duty.req<Detail>("GET", `/api/v1/requests/${d.id}`)).body.request.extensions as {
      id: string;
    }[];
    await duty.req("POST", `/api/v1/requests/${d.id}/preservation/extensions/${pending[0].id}/decision`, {
      grant: true,
    });
    await t.hub.flush();
    expect(await expiresAt()).toBe(expiry + 30 * DAY);
    expect((await t.cn.rt.services.requests.sweepDeadlineNotices()).preservationExpiring).toBe(0);
    t.clock.advance(30 * DAY);
    await signIn();
    expect((await t.cn.rt.services.requests.sweepDeadlineNotices()).preservationExpiring).toBe(1);
    expect(await warnings()).toBe(2);
  });
});
