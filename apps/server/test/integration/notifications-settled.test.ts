import type { RequestDraftInputRaw } from "@crossline/schemas";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Agent, describeDb } from "../support/node.js";
import { addProvider, noticeForm, providerStaff } from "../support/providers-fixtures.js";
import {
  act,
  draft,
  emergencyPreservationForm,
  type TwoNodes,
  twoNodes,
} from "../support/requests-fixtures.js";

type Notes = {
  items: { kind: string; requestId: string | null; params: Record<string, unknown>; readAt: string | null }[];
  unreadCount: number;
};

/** A routine preservation: four eyes applies, no second check before the answer. */
function routinePreservation(): RequestDraftInputRaw {
  return { ...emergencyPreservationForm(), urgency: "routine", urgencyReason: undefined };
}

async function notes(agent: Agent): Promise<Notes> {
  const r = await agent.req<Notes>("GET", "/api/v1/notifications?limit=100");
  expect(r.status).toBe(200);
  return r.body;
}

/** Whether `agent` still has an unread notification of `kind` about `requestId`. */
async function unread(agent: Agent, kind: string, requestId: string): Promise<boolean> {
  return (await notes(agent)).items.some((n) => n.kind === kind && n.requestId === requestId && !n.readAt);
}

/** Whether `agent` still has an unread notification of `kind` about the notice `reference`. */
async function unreadAbout(agent: Agent, kind: string, reference: string): Promise<boolean> {
  return (await notes(agent)).items.some(
    (n) => n.kind === kind && n.params.reference === reference && !n.readAt,
  );
}

/** An open SSE stream read as text until what the test waits for has arrived. */
async function openStream(url: string, cookie: string) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { cookie }, signal: controller.signal });
  expect(res.status).toBe(200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  return {
    async readUntil(needle: string) {
      const until = Date.now() + 15_000;
      while (!text.includes(needle)) {
        if (Date.now() > until) throw new Error(`stream: no "${needle}" in ${JSON.stringify(text)}`);
        const chunk = await reader.read();
        if (chunk.done) throw new Error("stream ended");
        text += decoder.decode(chunk.value, { stream: true });
      }
      return text;
    },
    close: () => controller.abort(),
  };
}

/**
 * Issue 9 point 18: a notification that asks for something is done once that thing is done, for everyone it
 * asked (whoever did it, here or on the peer's node): approving settles the approval asked of every supervisor,
 * acknowledging settles the alert of every duty officer, deciding a preservation extension settles its asking,
 * asking one settles the expiry warning. Notifications about other requests, and those that only inform, stay
 * unread. An open stream is told the new unread count (`event: unread`), so the console's badge drops.
 */
describeDb("notifications are settled when what they asked for is done", () => {
  let t: TwoNodes;
  let officer: Agent;
  let supA: Agent;
  let supB: Agent;
  let dutyA: Agent;
  let dutyB: Agent;
  let base: string;

  beforeAll(async () => {
    t = await twoNodes();
    await t.cn.user("wang.fang", ["case_officer"], t.cnUnit);
    await t.cn.user("li.qiang", ["supervisor"], t.cnUnit);
    await t.cn.user("zhao.min", ["supervisor"], t.cnUnit);
    await t.us.user("j.miller", ["duty_officer"]);
    await t.us.user("a.khan", ["duty_officer"]);
    officer = await t.cn.as("wang.fang");
    supA = await t.cn.as("li.qiang");
    supB = await t.cn.as("zhao.min");
    dutyA = await t.us.as("j.miller");
    dutyB = await t.us.as("a.khan");
    base = await t.us.rt.app.listen({ host: "127.0.0.1", port: 0 });
  });
  afterAll(() => t?.close());

  it("settles approvals, take-up alerts and extension asks for every reader, and tells open streams", async () => {
    const a = await draft(officer, routinePreservation());
    const b = await draft(officer, routinePreservation());
    for (const d of [a, b])
      expect((await act(officer, d.id, { event: "submit_for_approval" })).status).toBe(200);
    for (const sup of [supA, supB]) {
      expect(await unread(sup, "approval_needed", a.id)).toBe(true);
      expect(await unread(sup, "approval_needed", b.id)).toBe(true);
    }
    const before = (await notes(supB)).unreadCount;

    // One supervisor approves A: the ask is done for both of them; B's stays.
    expect((await act(supA, a.id, { event: "approve" })).status).toBe(200);
    for (const sup of [supA, supB]) {
      expect(await unread(sup, "approval_needed", a.id)).toBe(false);
      expect(await unread(sup, "approval_needed", b.id)).toBe(true);
    }
    expect((await notes(supB)).unreadCount).toBe(before - 1);

    // US-DOJ: both duty officers are alerted; one acknowledges; the other's open stream hears the count drop.
    await t.hub.flush();
    for (const duty of [dutyA, dutyB]) expect(await unread(duty, "request_received", a.id)).toBe(true);
    const countB = (await notes(dutyB)).unreadCount;
    const stream = await openStream(`${base}/api/v1/notifications/stream`, dutyB.cookie as string);
    try {
      await stream.readUntil("event: ready");
      expect((await act(dutyA, a.id, { event: "acknowledge" })).status).toBe(200);
      const text = await stream.readUntil("event: unread");
      expect(text).toContain(`data: {"unreadCount":${countB - 1}}`);
    } finally {
      stream.close();
    }
    for (const duty of [dutyA, dutyB]) expect(await unread(duty, "request_received", a.id)).toBe(false);

    // The preservation is confirmed (answered); the CN officer is told, which asks nothing and stays unread.
    const answered = await act(dutyA, a.id, {
      event: "answer",
      answer: { outcome: "fulfilled", summary: { lang: "en", text: "Preserved for 90 days." } },
    });
    expect(answered.status).toBe(200);
    await t.hub.flush();
    expect(await unread(officer, "request_answer", a.id)).toBe(true);

    // An extension asked on CN-MPS reaches the US desk; deciding it settles the ask for every duty officer.
    const asked = await officer.req("POST", `/api/v1/requests/${a.id}/preservation/extensions`, {
      days: 30,
      reason: { lang: "en", text: "The court hearing moved to January." },
    });
    expect(asked.status).toBe(201);
    await t.hub.flush();
    const askedOf = await Promise.all([dutyA, dutyB].map((d) => unread(d, "extension_requested", a.id)));
    expect(askedOf).toContain(true);
    const detail = await dutyA.req<{ request: { extensions: { id: string }[] } }>(
      "GET",
      `/api/v1/requests/${a.id}`,
    );
    const ext = detail.body.request.extensions[0].id;
    const decided = await dutyA.req(
      "POST",
      `/api/v1/requests/${a.id}/preservation/extensions/${ext}/decision`,
      { grant: true },
    );
    expect(decided.status).toBe(200);
    for (const duty of [dutyA, dutyB]) expect(await unread(duty, "extension_requested", a.id)).toBe(false);
    expect(await unread(officer, "request_answer", a.id)).toBe(true);

    // B, returned by the other supervisor, settles its approval ask too; the officer's "returned" stays until
    // the draft is submitted again.
    const back = await act(supB, b.id, {
      event: "reject_approval",
      reason: { lang: "en", text: "Name the data to preserve." },
    });
    expect(back.status).toBe(200);
    for (const sup of [supA, supB]) expect(await unread(sup, "approval_needed", b.id)).toBe(false);
    expect(await unread(officer, "approval_rejected", b.id)).toBe(true);
    expect((await act(officer, b.id, { event: "submit_for_approval" })).status).toBe(200);
    expect(await unread(officer, "approval_rejected", b.id)).toBe(false);
    // The new submission asks again.
    for (const sup of [supA, supB]) expect(await unread(sup, "approval_needed", b.id)).toBe(true);
  });

  it("settles a provider notice's approval ask when a colleague approves it, and the provider's when it takes it up", async () => {
    for (const u of ["comp.a", "comp.b", "comp.c"]) await t.cn.user(u, ["provider_compliance"], t.cnUnit);
    const [drafter, approver, bystander] = await Promise.all(
      ["comp.a", "comp.b", "comp.c"].map((u) => t.cn.as(u)),
    );
    const provider = await addProvider(drafter, "Example Weibo");
    const staff = await providerStaff(t.cn, drafter, provider, "staff.zhou");
    const made = await drafter.req<{ notice: { id: string; reference: string } }>(
      "POST",
      "/api/v1/notices",
      noticeForm(provider),
    );
    expect(made.status).toBe(201);
    const { id, reference } = made.body.notice;
    const submitted = await drafter.req("POST", `/api/v1/notices/${id}/actions`, {
      event: "submit_for_approval",
    });
    expect(submitted.status).toBe(200);
    for (const o of [approver, bystander])
      expect(await unreadAbout(o, "provider.notice_approval_needed", reference)).toBe(true);

    const approved = await approver.req("POST", `/api/v1/notices/${id}/actions`, { event: "approve" });
    expect(approved.status).toBe(200);
    for (const o of [approver, bystander])
      expect(await unreadAbout(o, "provider.notice_approval_needed", reference)).toBe(false);

    // Sent: the provider's staff are told; confirming receipt in the portal settles it.
    expect(await unreadAbout(staff.agent, "provider.notice_arrived", reference)).toBe(true);
    const received = await staff.agent.req("POST", `/api/v1/portal/notices/${id}/actions`, {
      event: "receive",
    });
    expect(received.status).toBe(200);
    expect(await unreadAbout(staff.agent, "provider.notice_arrived", reference)).toBe(false);
  });
});
