import { afterAll, beforeAll, expect, it } from "vitest";
import {
  type FederationWorker,
  startFederationWorker,
} from "../../src/modules/federation/federation.worker.js";
import { cliActor } from "../../src/modules/node/node.service.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";
import { freePort } from "../support/pg-cluster.js";
import {
  act,
  type Detail,
  draft,
  emergencyPreservationForm,
  setEmail,
  startSmtp,
} from "../support/requests-fixtures.js";
import { waitFor } from "../support/wait.js";

async function listeningNode(id: string, timeZone: string, extra: Record<string, unknown> = {}) {
  const port = await freePort();
  const node = await createTestNode({
    id,
    timeZone,
    settings: {
      publicUrl: `http://127.0.0.1:${port}`,
      fedPollMs: 25,
      fedBackoffBaseMs: 50,
      fedBackoffMaxMs: 400,
      ...extra,
    },
  });
  await node.rt.app.listen({ host: "127.0.0.1", port });
  return node;
}

const statusOf = async (a: Agent, id: string) => {
  const r = await a.req<Detail>("GET", `/api/v1/requests/${id}`);
  return r.status === 200 ? r.body.request.status : null;
};

describeDb("the emergency preservation story on two real nodes (signed envelopes over HTTP)", () => {
  let cn: TestNode;
  let us: TestNode;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  const workers: FederationWorker[] = [];
  const silent = { info() {}, warn() {}, error() {} };

  beforeAll(async () => {
    smtp = await startSmtp();
    cn = await listeningNode("CN-MPS", "Asia/Shanghai");
    us = await listeningNode("US-DOJ", "America/New_York", { smtpUrl: `smtp://127.0.0.1:${smtp.port}` });
    for (const n of [cn, us])
      workers.push(startFederationWorker(n.rt.services.federationService, n.rt.config, silent));
    const inv = await cn
      .bearer(cn.rt.controlToken)
      .req<{ invitation: string }>("POST", "/api/v1/peers/invitations");
    const acc = await us
      .bearer(us.rt.controlToken)
      .req("POST", "/api/v1/peers/accept", { invitation: inv.body.invitation });
    expect(acc.status, JSON.stringify(acc.body)).toBe(201);
    const cnUnit = await cn.unit("Cybersecurity Bureau");
    await cn.user("wang.fang", ["case_officer"], cnUnit);
    await cn.user("li.qiang", ["supervisor"], cnUnit);
    const duty = await us.user("j.miller", ["duty_officer"]);
    await setEmail(us, duty.id, "j.miller@doj.example");
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await cn?.close();
    await us?.close();
    await smtp?.close();
  });

  it("drafts, approves, alerts, acknowledges, checks, answers; both nodes agree and audit every step", async () => {
    const officer = await cn.as("wang.fang");
    const supervisor = await cn.as("li.qiang");
    const duty = await us.as("j.miller");

    const d = await draft(officer, emergencyPreservationForm());
    await act(officer, d.id, { event: "submit_for_approval" });
    expect((await act(supervisor, d.id, { event: "approve" })).body.request.status).toBe("sent");

    // The signed envelope arrives; US-DOJ marks it delivered and CN-MPS learns of it.
    await waitFor("delivery on CN-MPS", async () => (await statusOf(officer, d.id)) === "delivered");
    const alert = await waitFor("the duty officer's alert", async () => {
      const n = await duty.req<{ items: { kind: string; severity: string; requestId: string }[] }>(
        "GET",
        "/api/v1/notifications",
      );
      return n.body.items.find((x) => x.requestId === d.id);
    });
    expect(alert).toMatchObject({ kind: "request_received", severity: "emergency" });
    await us.rt.services.notifications.drainMail();
    await waitFor("the e-mail", async () => smtp.mails.find((m) => m.raw.includes(d.reference)));

    expect((await act(duty, d.id, { event: "acknowledge" })).status).toBe(200);
    const check = await duty.req("PUT", `/api/v1/requests/${d.id}/second-check`, {
      method: "phone_callback",
      namedContact: { name: "Wang Fang", organisation: "MPS" },
      result: "confirmed",
    });
    expect(check.status).toBe(200);
    const answered = await act(duty, d.id, {
      event: "answer",
      answer: { outcome: "fulfilled", summary: { lang: "en", text: "Preserved for 90 days." } },
    });
    expect(answered.body.request.status).toBe("answered");

    await waitFor("the answer on CN-MPS", async () => (await statusOf(officer, d.id)) === "answered");
    const seen = (await officer.req<Detail>("GET", `/api/v1/requests/${d.id}`)).body
      .request as Detail["request"] & {
      answer: { summary: { text: string } };
      secondCheck: { result: string };
    };
    expect(seen.answer.summary.text).toBe("Preserved for 90 days.");
    expect(seen.secondCheck.result).toBe("confirmed");
    const events = (r: Detail["request"]) => r.timeline.map((e) => `${e.event}@${e.nodeId}`);
    const usView = (await duty.req<Detail>("GET", `/api/v1/requests/${d.id}`)).body.request;
    expect(events(seen)).toEqual(events(usView));
    expect(events(seen)).toEqual([
      "create@CN-MPS",
      "submit_for_approval@CN-MPS",
      "approve@CN-MPS",
      "mark_delivered@US-DOJ",
      "acknowledge@US-DOJ",
      "second_check@US-DOJ",
      "answer@US-DOJ",
    ]);

    // An attachment crosses with its message, chunked and bound by its SHA-256, and downloads on the other side.
    const bytes = Buffer.from("扫描件 / scanned court order — demo bytes");
    const up = await officer.req<{ attachment: { id: string; name: string; sha256: string; size: number } }>(
      "POST",
      "/api/v1/requests/attachments",
      { name: "court-order.pdf", contentBase64: bytes.toString("base64") },
    );
    expect(up.status).toBe(201);
    const msg = await officer.req("POST", `/api/v1/requests/${d.id}/messages`, {
      body: { lang: "zh-CN", text: "附法院令。" },
      attachments: [up.body.attachment],
    });
    expect(msg.status).toBe(201);
    const url = `/api/v1/requests/${d.id}/attachments/${up.body.attachment.id}`;
    await waitFor("the attachment on US-DOJ", async () => (await duty.req("GET", url)).status === 200);
    const got = await us.rt.app.inject({ method: "GET", url, headers: { cookie: duty.cookie as string } });
    expect(got.rawPayload.equals(bytes)).toBe(true);
    expect(got.headers["x-content-sha256"]).toBe(up.body.attachment.sha256);
    expect(got.headers["cache-control"]).toBe("private, no-store"); // evidence is never cached

    const actions = async (n: TestNode) =>
      (
        await n.rt.services.audit.list({ actor: cliActor("t"), ip: null, requestId: null }, { limit: 500 })
      ).items
        .filter((e) => e.targetId === d.id)
        .map((e) => e.action)
        .reverse();
    expect(await actions(cn)).toEqual([
      "request.create",
      "request.submit_for_approval",
      "request.approve",
      "request.remote.mark_delivered",
      "request.remote.acknowledge",
      "request.remote.second_check",
      "request.remote.answer",
      "request.message",
    ]);
    expect(await actions(us)).toEqual([
      "request.received",
      "request.acknowledge",
      "request.second_check",
      "request.answer",
      "request.remote.message",
    ]);
  });
});
