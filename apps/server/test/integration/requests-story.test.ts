import { afterAll, beforeAll, expect, it } from "vitest";
import { systemCtx } from "../../src/lib/actor.js";
import { cliActor } from "../../src/modules/node/node.service.js";
import { describeDb, type TestNode } from "../support/node.js";
import {
  type ApiError,
  act,
  type Detail,
  draft,
  emergencyPreservationForm,
  setEmail,
  startSmtp,
  type TwoNodes,
  twoNodes,
} from "../support/requests-fixtures.js";

async function auditActions(node: TestNode, targetId: string) {
  const ctx = { actor: cliActor("test"), ip: null, requestId: null };
  const page = await node.rt.services.audit.list(ctx, { limit: 200 });
  return page.items
    .filter((e) => e.targetId === targetId)
    .sort((a, b) => a.seq - b.seq)
    .map((e) => `${e.action}:${e.actorLabel}`);
}

describeDb("the emergency preservation story on two nodes", () => {
  let t: TwoNodes;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;

  beforeAll(async () => {
    smtp = await startSmtp();
    t = await twoNodes({
      usSettings: { smtpUrl: `smtp://127.0.0.1:${smtp.port}`, mailFrom: "hotline@doj.example" },
    });
    await t.cn.user("wang.fang", ["case_officer"], t.cnUnit);
    await t.cn.user("li.qiang", ["supervisor"], t.cnUnit);
    const duty = await t.us.user("j.miller", ["duty_officer"]);
    await setEmail(t.us, duty.id, "j.miller@doj.example");
    await t.us.user("r.chen", ["supervisor"]);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  it("runs from draft to answer, both nodes showing the same state, every step audited on both", async () => {
    const officer = await t.cn.as("wang.fang");
    const supervisor = await t.cn.as("li.qiang");
    const duty = await t.us.as("j.miller");

    // CN-MPS: the case officer drafts and submits; four eyes is on by default.
    const d = await draft(officer, emergencyPreservationForm());
    expect(d.status).toBe("draft");
    expect(d.allowedActions).toEqual(["submit_for_approval", "withdraw"]);
    const form = d.form as { identifiers: { value: string; raw: string }[] };
    expect(form.identifiers[0]).toMatchObject({
      value: "night.owl@example.com",
      raw: "Night.Owl@Example.com",
    });
    const direct = await act(officer, d.id, { event: "send" });
    expect(direct.status).toBe(409);
    expect(direct.body.error.code).toBe("INVALID_TRANSITION");
    expect(direct.body.error.details[0].allowed).toEqual(["submit_for_approval", "withdraw"]);
    expect((await act(officer, d.id, { event: "submit_for_approval" })).body.request.status).toBe(
      "pending_approval",
    );
    // The drafter may not approve (and lacks the permission anyway).
    expect((await act(officer, d.id, { event: "approve" })).status).toBe(403);
    const approved = await act(supervisor, d.id, { event: "approve", note: { lang: "zh-CN", text: "同意" } });
    expect(approved.status).toBe(200);
    expect(approved.body.request.status).toBe("sent");
    const sent = approved.body.request as Detail["request"] & {
      deadlines: { acknowledgeBy: { at: string; requester: string } };
    };
    // Emergency preservation: acknowledge within 1 h of sending.
    expect(Date.parse(sent.deadlines.acknowledgeBy.at) - t.clock.t).toBe(60 * 60_000);
    expect(sent.deadlines.acknowledgeBy.requester).toMatch(/\+08:00$/);

    // The envelope crosses; US-DOJ marks it delivered and says so.
    t.clock.advance(2 * 60_000);
    expect(await t.hub.flush()).toBe(2);
    const cnAfterDelivery = await officer.req<Detail>("GET", `/api/v1/requests/${d.id}`);
    expect(cnAfterDelivery.body.request.status).toBe("delivered");
    const tz = cnAfterDelivery.body.request.timeZones as { requester: string; responder: string };
    expect(tz).toMatchObject({ requester: "Asia/Shanghai", responder: "America/New_York" });

    // US-DOJ: the duty officer is alerted in the console and by e-mail.
    const notes = await duty.req<{ items: { kind: string; severity: string; requestId: string }[] }>(
      "GET",
      "/api/v1/notifications?unread=true",
    );
    expect(notes.body.items[0]).toMatchObject({
      kind: "request_received",
      severity: "emergency",
      requestId: d.id,
    });
    const drained = await t.us.rt.services.notifications.drainMail();
    expect(drained.sent).toBeGreaterThanOrEqual(1);
    const mail = smtp.mails.find((m) => m.to.includes("j.miller@doj.example"));
    expect(mail?.raw).toContain(d.reference);
    const board = await duty.req<{ items: { id: string; direction: string; deadlineState: string }[] }>(
      "GET",
      "/api/v1/requests?direction=incoming&urgency=emergency",
    );
    expect(board.body.items.map((i) => i.id)).toEqual([d.id]);
    expect(board.body.items[0].deadlineState).toBe("due_soon");

    // Acknowledge; answering before the second check is refused and names what is allowed.
    expect((await act(duty, d.id, { event: "acknowledge" })).body.request.status).toBe("acknowledged");
    const early = await act(duty, d.id, {
      event: "answer",
      answer: { outcome: "fulfilled", summary: { lang: "en", text: "Preserved." } },
    });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe("INVALID_TRANSITION");
    expect(early.body.error.details[0].issue).toMatch(/second check/);
    expect(early.body.error.details[0].allowed).toEqual(["start_work", "request_more_info"]);

    t.clock.advance(10 * 60_000);
    const check = await duty.req<Detail & ApiError>("PUT", `/api/v1/requests/${d.id}/second-check`, {
      method: "phone_callback",
      namedContact: {
        name: "Wang Fang",
        organisation: "MPS Cybersecurity Bureau",
        phone: "+86 10 6620 0000",
      },
      result: "confirmed",
      notes: {
        lang: "en",
        text: "Called the MPS 24/7 desk number from our liaison list, not the number in the request.",
      },
    });
    expect(check.status).toBe(200);
    expect(check.body.request.allowedActions).toContain("answer");

    const answered = await act(duty, d.id, {
      event: "answer",
      answer: {
        outcome: "fulfilled",
        summary: {
          lang: "en",
          text: "The provider confirmed preservation of the account's data for 90 days.",
        },
      },
    });
    expect(answered.body.request.status).toBe("answered");
    expect(await t.hub.flush()).toBe(3);

    // CN-MPS sees the answer, the second check and the preservation expiry.
    const seen = await officer.req<Detail>("GET", `/api/v1/requests/${d.id}`);
    const r = seen.body.request as Detail["request"] & {
      answer: { summary: { text: string } };
      secondCheck: { result: string; namedContact: { name: string } };
      outcome: string;
      preservationExpiresAt: { at: string } | null;
    };
    expect(r.status).toBe("answered");
    expect(r.outcome).toBe("fulfilled");
    expect(r.answer.summary.text).toMatch(/confirmed preservation/);
    expect(r.secondCheck).toMatchObject({ result: "confirmed", namedContact: { name: "Wang Fang" } });
    expect(r.preservationExpiresAt).not.toBeNull();
    const cnNotes = await officer.req<{ items: { kind: string }[] }>("GET", "/api/v1/notifications");
    expect(cnNotes.body.items.map((n) => n.kind)).toContain("request_answer");
    // Same timeline on both nodes (the US side adds nothing CN does not know of).
    const events = (x: Detail) => x.request.timeline.map((e) => `${e.event}@${e.nodeId}`);
    const us = await duty.req<Detail>("GET", `/api/v1/requests/${d.id}`);
    expect(events(seen.body)).toEqual([
      "create@CN-MPS",
      "submit_for_approval@CN-MPS",
      "approve@CN-MPS",
      "mark_delivered@US-DOJ",
      "acknowledge@US-DOJ",
      "second_check@US-DOJ",
      "answer@US-DOJ",
    ]);
    expect(events(us.body)).toEqual(events(seen.body));
    expect(us.body.request.status).toBe("answered");

    // Both audit logs show every step.
    expect(await auditActions(t.cn, d.id)).toEqual([
      "request.create:wang.fang",
      "request.submit_for_approval:wang.fang",
      "request.approve:li.qiang",
      "request.remote.mark_delivered:peer:US-DOJ",
      "request.remote.acknowledge:peer:US-DOJ",
      "request.remote.second_check:peer:US-DOJ",
      "request.remote.answer:peer:US-DOJ",
    ]);
    expect(await auditActions(t.us, d.id)).toEqual([
      "request.received:peer:CN-MPS",
      "request.acknowledge:j.miller",
      "request.second_check:j.miller",
      "request.answer:j.miller",
    ]);

    // The hotline log of the US desk tells what came in and what was done.
    const log = await duty.req<{ items: { kind: string }[] }>("GET", "/api/v1/hotline/log");
    expect(log.body.items.map((e) => e.kind).reverse()).toEqual([
      "request_received",
      "alerted",
      "acknowledge",
      "second_check",
      "answer",
    ]);

    // CN closes; the US side follows.
    expect((await act(officer, d.id, { event: "close" })).body.request.status).toBe("closed");
    await t.hub.flush();
    expect((await duty.req<Detail>("GET", `/api/v1/requests/${d.id}`)).body.request.status).toBe("closed");
    expect(t.hub.rejected).toEqual([]);

    // Each desk's hotline log has the whole exchange: what went out, what came in, who did it.
    type LogEntry = { kind: string; direction: string; actor: string };
    const logOf = async (agent: typeof duty) =>
      (await agent.req<{ items: LogEntry[] }>("GET", `/api/v1/hotline/log?requestId=${d.id}`)).body.items
        .map((e) => `${e.direction} ${e.kind} ${e.actor}`)
        .reverse();
    expect(await logOf(supervisor)).toEqual([
      "outgoing request_sent li.qiang",
      "incoming mark_delivered system (US-DOJ)",
      "incoming acknowledge j.miller (US-DOJ)",
      "incoming second_check j.miller (US-DOJ)",
      "incoming answer j.miller (US-DOJ)",
      "outgoing close wang.fang",
    ]);
    expect((await logOf(duty)).slice(-1)).toEqual(["incoming close wang.fang (CN-MPS)"]);
    void systemCtx;
  });
});
