import { createHash, randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { auditLog, notices, requests } from "../../src/db/schema/index.js";
import {
  type FederationWorker,
  startFederationWorker,
} from "../../src/modules/federation/federation.worker.js";
import { queuedBehind } from "../support/lock-queue.js";
import { type Agent, createTestNode, DB_KIND, describeDb, type TestNode } from "../support/node.js";
import { freePort } from "../support/pg-cluster.js";
import {
  type ApiError,
  addProvider,
  noticeForm,
  providerStaff,
  sentNotice,
} from "../support/providers-fixtures.js";
import { startSmtp } from "../support/requests-fixtures.js";
import { waitFor } from "../support/wait.js";

type Link = {
  kind: string;
  requestId: string;
  peerId: string | null;
  reference: string | null;
  status: string;
  evidence: { id: string; name: string; sha256: string; size: number }[];
};
type Detail = {
  notice: {
    id: string;
    reference: string;
    status: string;
    kind: string;
    urgency: string;
    timeToActionMinutes: number | null;
    timeline: { event: string; side: string }[];
    links: Link[];
    locators: { identifier: { type: string; value: string }; from?: string; to?: string }[];
    answer: { outcome: string; text: { text: string }; answeredBy: string } | null;
  };
};
type RequestView = {
  request: {
    id: string;
    reference: string;
    status: string;
    type: string;
    answer?: { outcome: string; summary: { text: string }; attachments: { name: string; sha256: string }[] };
    timeline: { event: string; nodeId: string }[];
  };
};

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
      signIn: { maxFailures: 5, lockMinutes: 15, perIpPerMinute: 10_000 },
      ...extra,
    },
  });
  await node.rt.app.listen({ host: "127.0.0.1", port });
  return node;
}

const LAW_US = { law: "Stored Communications Act, 18 U.S.C.", article: "§ 2703(f)" };

/**
 * Issue 15, point 5, on two real nodes (signed envelopes over HTTP): a notice from CN-MPS to a provider in the
 * United States leaves as a request for assistance to US-DOJ; US-DOJ's compliance officer turns it into its own
 * notice to the provider, whose staff are told by e-mail (a real SMTP server) and answer in the portal; the
 * answer and its evidence travel back as the request's answer and close CN-MPS's notice. Both sides see the
 * chain; a withdrawal at the source withdraws the notice at the provider.
 */
describeDb("notices across the border on two real nodes", () => {
  let cn: TestNode;
  let us: TestNode;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  const workers: FederationWorker[] = [];
  const silent = { info() {}, warn() {}, error() {} };
  let cnOfficer: Agent;
  let cnApprover: Agent;
  let usOfficer: Agent;
  let usApprover: Agent;
  let staff: Agent;
  let cnProvider: string;
  let usProvider: string;

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
    await cn.user("wang.compliance", ["provider_compliance"]);
    await cn.user("li.compliance", ["provider_compliance"]);
    await us.user("r.smith", ["provider_compliance"]);
    await us.user("k.jones", ["provider_compliance"]);
    cnOfficer = await cn.as("wang.compliance");
    cnApprover = await cn.as("li.compliance");
    usOfficer = await us.as("r.smith");
    usApprover = await us.as("k.jones");
    // The same company on each register: CN-MPS reaches it through US-DOJ, US-DOJ directly.
    const mail = {
      country: "US",
      contacts: [{ name: "Law enforcement desk", email: "lert@examplemail.example" }],
    };
    cnProvider = await addProvider(cnOfficer, "Example Mail", { ...mail, viaPeerId: "US-DOJ" });
    usProvider = await addProvider(usOfficer, "Example Mail", mail);
    staff = (
      await providerStaff(us, usOfficer, usProvider, "pat.mail", {
        email: "pat@examplemail.example",
        timeZone: "America/Los_Angeles",
      })
    ).agent;
  }, 180_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await cn?.close();
    await us?.close();
    await smtp?.close();
  });

  const noticeOn = async (a: Agent, id: string) =>
    (await a.req<Detail>("GET", `/api/v1/notices/${id}`)).body.notice;
  const requestOn = async (a: Agent, id: string) => {
    const r = await a.req<RequestView>("GET", `/api/v1/requests/${id}`);
    return r.status === 200 ? r.body.request : null;
  };

  /** CN-MPS sends a notice to the US provider (four eyes); it leaves as a request to US-DOJ. */
  async function relayed(kind: string) {
    const form = noticeForm(cnProvider, {
      kind: kind as "preserve_data",
      urgency: "routine",
      locators: [
        {
          identifier: { type: "email", value: "Flood.Relief.2026@ExampleMail.example" },
          from: "2026-11-01T00:00:00Z",
          to: "2026-11-20T00:00:00Z",
        },
      ],
    });
    const n = (await sentNotice(cnOfficer, cnApprover, form)) as unknown as Detail["notice"];
    const out = n.links.find((l) => l.kind === "request_out");
    if (!out) throw new Error(`no request behind ${n.reference}`);
    // It reaches US-DOJ's intake unit, where its compliance officer reads it.
    await waitFor("the request on US-DOJ", () => requestOn(usOfficer, out.requestId));
    return { notice: n, out };
  }

  it("relays, turns into the peer's own notice, and brings the provider's answer and evidence back", async () => {
    const { notice: n, out } = await relayed("preserve_data");
    expect(n.status).toBe("sent");
    expect(out).toMatchObject({ peerId: "US-DOJ", status: "sent" });
    expect(out.reference).toMatch(/^CN-MPS-2\d{3}-/);
    expect(n.timeline.map((e) => e.event)).toEqual(["create", "submit_for_approval", "approve", "relayed"]);
    const asked = await requestOn(cnOfficer, out.requestId);
    expect(asked?.type).toBe("preservation");

    // US-DOJ: the incoming request becomes a draft notice to its own provider, under its own law.
    const made = await usOfficer.req<Detail>("POST", "/api/v1/notices/from-request", {
      requestId: out.requestId,
      providerId: usProvider,
      legalBasis: LAW_US,
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const d = made.body.notice;
    expect(d).toMatchObject({ status: "draft", kind: "preserve_data", urgency: "routine" });
    expect(d.locators).toEqual([
      {
        identifier: expect.objectContaining({
          type: "email",
          value: "flood.relief.2026@examplemail.example",
        }),
        from: "2026-11-01T00:00:00Z",
        to: "2026-11-20T00:00:00Z",
      },
    ]);
    expect(d.links).toEqual([
      {
        kind: "request_in",
        requestId: out.requestId,
        peerId: "CN-MPS",
        reference: out.reference,
        status: "delivered",
        evidence: [],
      },
    ]);
    // Once only; and a request this unit does not hold is named as the field.
    const again = await usOfficer.req<ApiError>("POST", "/api/v1/notices/from-request", {
      requestId: out.requestId,
      providerId: usProvider,
      legalBasis: LAW_US,
    });
    expect(again.status).toBe(409);
    const unknown = await usOfficer.req<ApiError>("POST", "/api/v1/notices/from-request", {
      requestId: "0190a0c0-0000-7000-8000-00000000beef",
      providerId: usProvider,
      legalBasis: LAW_US,
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0].field).toBe("body.requestId");

    // Four eyes at US-DOJ; sending tells the provider (a link, never the content) and starts the request.
    await usOfficer.req("POST", `/api/v1/notices/${d.id}/actions`, { event: "submit_for_approval" });
    const sent = await usApprover.req<Detail>("POST", `/api/v1/notices/${d.id}/actions`, {
      event: "approve",
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect(sent.body.notice.links[0].status).toBe("in_progress");
    await us.rt.services.notifications.drainMail();
    const mail = await waitFor("the provider's e-mail", async () =>
      smtp.mails.find(
        (m) => m.to.includes("pat@examplemail.example") && m.raw.includes(sent.body.notice.reference),
      ),
    );
    expect(mail.raw).not.toContain("flood.relief.2026");
    await waitFor(
      "CN-MPS's notice in progress",
      async () => (await noticeOn(cnOfficer, n.id)).status === "in_progress",
    );

    // The provider answers in the portal with evidence; the answer travels back as the request's answer.
    const bytes = Buffer.from("preservation certificate: mailbox frozen 2026-12-02 (demo)");
    const up = await staff.req<{ attachment: { id: string; sha256: string } }>(
      "POST",
      `/api/v1/portal/notices/${d.id}/evidence`,
      { name: "certificate.txt", contentBase64: bytes.toString("base64") },
    );
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    const answered = await staff.req<Detail>("POST", `/api/v1/portal/notices/${d.id}/answer`, {
      outcome: "done",
      text: { lang: "en", text: "The mailbox and its logs are preserved for 90 days." },
      attachmentIds: [up.body.attachment.id],
    });
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    expect((await requestOn(usOfficer, out.requestId))?.status).toBe("answered");

    const back = await waitFor("the answer on CN-MPS", async () => {
      const x = await noticeOn(cnOfficer, n.id);
      return x.status === "done" ? x : null;
    });
    expect(back.answer).toMatchObject({
      outcome: "done",
      text: { text: "The mailbox and its logs are preserved for 90 days." },
    });
    expect(back.timeToActionMinutes).not.toBeNull();
    expect(back.timeline.map((e) => `${e.event}:${e.side}`)).toEqual([
      "create:authority",
      "submit_for_approval:authority",
      "approve:authority",
      "relayed:authority",
      "receive:provider",
      "start_work:provider",
      "answer:provider",
    ]);
    // Both sides see the chain: the request between the two notices, answered on both nodes, with the evidence.
    const evidence = {
      id: expect.any(String),
      name: "certificate.txt",
      sha256: up.body.attachment.sha256,
      size: bytes.length,
    };
    expect(back.links).toEqual([
      {
        kind: "request_out",
        requestId: out.requestId,
        peerId: "US-DOJ",
        reference: out.reference,
        status: "answered",
        evidence: [evidence],
      },
    ]);
    // The provider's file itself came across: CN-MPS's officer downloads it from the chain, byte for byte.
    const file = await waitFor("the evidence on CN-MPS", async () => {
      const res = await cn.rt.app.inject({
        method: "GET",
        url: `/api/v1/requests/${out.requestId}/attachments/${back.links[0]?.evidence[0]?.id}`,
        headers: { cookie: cnOfficer.cookie ?? "" },
      });
      return res.statusCode === 200 ? res.rawPayload : null;
    });
    expect(createHash("sha256").update(file).digest("hex")).toBe(up.body.attachment.sha256);
    expect(file.equals(bytes)).toBe(true);
    const cnRequest = await requestOn(cnOfficer, out.requestId);
    expect(cnRequest?.answer?.outcome).toBe("fulfilled");
    expect(cnRequest?.answer?.attachments.map((a) => [a.name, a.sha256])).toEqual([
      ["certificate.txt", up.body.attachment.sha256],
    ]);
    const usNotice = await noticeOn(usOfficer, d.id);
    expect(usNotice.links[0]).toMatchObject({
      reference: out.reference,
      status: "answered",
      evidence: [evidence],
    });
    // The provider's staff see their notice, not the requests behind it.
    expect((await noticeOn(staff, d.id)).links).toEqual([]);

    const actions = async (node: TestNode) =>
      (await node.rt.services.db.select().from(auditLog)).map((a) => a.action);
    expect(await actions(cn)).toEqual(
      expect.arrayContaining(["notice.relay", "notice.remote", "request.send"]),
    );
    expect(await actions(us)).toEqual(
      expect.arrayContaining(["notice.create_from_request", "request.answer"]),
    );
  }, 120_000);

  it("two notices made of one request at once (a double click): one notice, one audit entry; the other is a 409 naming it", async () => {
    const { out } = await relayed("disclose_subscriber");
    const body = { requestId: out.requestId, providerId: usProvider, legalBasis: LAW_US };
    const res = await Promise.all([
      usOfficer.req<Detail & ApiError>("POST", "/api/v1/notices/from-request", body),
      usOfficer.req<Detail & ApiError>("POST", "/api/v1/notices/from-request", body),
    ]);
    expect(res.map((r) => r.status).sort()).toEqual([201, 409]);
    const made = res.find((r) => r.status === 201)?.body.notice;
    expect(res.find((r) => r.status === 409)?.body.error.details).toEqual([
      expect.objectContaining({
        field: "body.requestId",
        issue: `notice ${made?.reference} was made of it`,
        key: "notice.madeOfRequest",
      }),
    ]);
    const db = us.rt.services.db;
    const linked = await db.select().from(notices).where(eq(notices.inRequestId, out.requestId));
    expect(linked.map((n) => n.id)).toEqual([made?.id]);
    const audits = await db.select().from(auditLog).where(eq(auditLog.action, "notice.create_from_request"));
    expect(
      audits.filter((a) => (a.details as { requestId?: string }).requestId === out.requestId),
    ).toHaveLength(1);
    // Once it is withdrawn, the request may be made into another notice.
    const w = await usOfficer.req("POST", `/api/v1/notices/${made?.id}/actions`, {
      event: "withdraw",
      reason: "Made for the wrong provider.",
    });
    expect(w.status, JSON.stringify(w.body)).toBe(200);
    const next = await usOfficer.req<Detail>("POST", "/api/v1/notices/from-request", body);
    expect(next.status, JSON.stringify(next.body)).toBe(201);
    const again = await usOfficer.req<ApiError>("POST", "/api/v1/notices/from-request", body);
    expect(again.body.error.details[0].issue).toBe(`notice ${next.body.notice.reference} was made of it`);
  });

  it.runIf(DB_KIND === "postgres")(
    "a live notice of the request committed while the insert waits is found by the unique index: a 409 naming it",
    async () => {
      const { out } = await relayed("disclose_subscriber");
      const db = us.rt.services.db;
      // Another writer that takes no lock (none does today: the index holds even then) inserts a live notice of
      // the request and keeps its transaction open; the API call checks, finds none yet, and its insert waits.
      const [held] = await db.select().from(requests).where(eq(requests.id, out.requestId));
      const now = new Date();
      const other = {
        id: randomUUID(),
        reference: "US-DOJ-N-OTHER",
        providerId: usProvider,
        ownerUnitId: held.ownerUnitId,
        kind: "disclose_subscriber",
        urgency: "routine",
        legalBasis: LAW_US,
        locators: [],
        reason: { lang: "en" as const, text: "Made elsewhere." },
        status: "draft",
        createdByLabel: "another writer",
        inRequestId: out.requestId,
        createdAt: now,
        updatedAt: now,
      };
      const [res] = await queuedBehind(
        db,
        (tx) => tx.insert(notices).values(other),
        [
          () =>
            usOfficer.req<ApiError>("POST", "/api/v1/notices/from-request", {
              requestId: out.requestId,
              providerId: usProvider,
              legalBasis: LAW_US,
            }),
        ],
        { mustWait: true, ms: 20_000 },
      );
      expect(res.status, JSON.stringify(res.body)).toBe(409);
      expect(res.body.error.details[0]).toMatchObject({
        field: "body.requestId",
        issue: "notice US-DOJ-N-OTHER was made of it",
      });
      const linked = await db.select().from(notices).where(eq(notices.inRequestId, out.requestId));
      expect(linked.map((n) => n.id)).toEqual([other.id]);
    },
  );

  it("a withdrawal at the source withdraws the peer's notice; the provider can no longer answer", async () => {
    const { notice: n, out } = await relayed("remove_content");
    expect((await requestOn(cnOfficer, out.requestId))?.type).toBe("takedown");
    const made = await usOfficer.req<Detail>("POST", "/api/v1/notices/from-request", {
      requestId: out.requestId,
      providerId: usProvider,
      legalBasis: LAW_US,
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.notice.kind).toBe("remove_content");
    const id = made.body.notice.id;
    await usOfficer.req("POST", `/api/v1/notices/${id}/actions`, { event: "submit_for_approval" });
    await usApprover.req("POST", `/api/v1/notices/${id}/actions`, { event: "approve" });
    // No wait for the peer's "work started" to arrive: a withdrawal racing it is the next two tests' subject.

    const w = await cnOfficer.req<Detail>("POST", `/api/v1/notices/${n.id}/actions`, {
      event: "withdraw",
      reason: "The posts were removed by their author.",
    });
    expect(w.status, JSON.stringify(w.body)).toBe(200);
    expect(w.body.notice.links[0].status).toBe("withdrawn");
    await waitFor(
      "the peer's notice withdrawn",
      async () => (await noticeOn(usOfficer, id)).status === "withdrawn",
    );
    expect((await requestOn(usOfficer, out.requestId))?.status).toBe("withdrawn");
    const late = await staff.req<ApiError>("POST", `/api/v1/portal/notices/${id}/answer`, {
      outcome: "done",
      text: { lang: "en", text: "Removed." },
    });
    expect(late.status).toBe(409);
    expect((await noticeOn(usOfficer, id)).answer).toBeNull();
    // The request is withdrawn: no new notice can be made of it (its notice being withdrawn leaves no live one).
    const again = await usOfficer.req<ApiError>("POST", "/api/v1/notices/from-request", {
      requestId: out.requestId,
      providerId: usProvider,
      legalBasis: LAW_US,
    });
    expect(again.status, JSON.stringify(again.body)).toBe(409);
    expect(again.body.error.details[0]).toMatchObject({
      field: "body.requestId",
      issue: "the request is withdrawn: no notice can be made of it",
      key: "notice.requestEnded",
    });
  }, 120_000);

  /** The peer's notice made of `out`, sent to its provider (four eyes): its "received, work started" leave. */
  async function madeAndApprove(out: Link) {
    const made = await usOfficer.req<Detail>("POST", "/api/v1/notices/from-request", {
      requestId: out.requestId,
      providerId: usProvider,
      legalBasis: LAW_US,
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const id = made.body.notice.id;
    await usOfficer.req("POST", `/api/v1/notices/${id}/actions`, { event: "submit_for_approval" });
    return {
      id,
      approve: async () =>
        (await usApprover.req("POST", `/api/v1/notices/${id}/actions`, { event: "approve" })).status,
    };
  }

  const withdraw = (id: string) =>
    cnOfficer.req<Detail>("POST", `/api/v1/notices/${id}/actions`, {
      event: "withdraw",
      reason: "Withdrawn while the peer was starting work.",
    });

  async function settled(noticeId: string, peerNoticeId: string, requestId: string) {
    await waitFor(
      "the peer's notice withdrawn",
      async () => (await noticeOn(usOfficer, peerNoticeId)).status === "withdrawn",
    );
    expect((await requestOn(usOfficer, requestId))?.status).toBe("withdrawn");
    const mine = await noticeOn(cnOfficer, noticeId);
    expect(mine.status).toBe("withdrawn");
    expect(mine.links[0].status).toBe("withdrawn");
  }

  /**
   * Forces the interleaving that failed: another transaction holds the request's row on `node` while `arrive`
   * makes that node's inbox wait for it (applying the peer's message), then `act` waits for it too; then it
   * lets go. The inbox holds the request and then locks the notice; every change of a notice linked to a
   * request locks the request first (providers.context.ts lockVisible), so the two queue; before, `act` held
   * the notice and the inbox the request, and PostgreSQL's deadlock detector failed `act` with a 500.
   */
  async function behindInbox<T>(
    node: TestNode,
    requestId: string,
    arrive: () => Promise<unknown>,
    act: () => Promise<T>,
  ): Promise<T> {
    const [, acted] = await queuedBehind(
      node.rt.services.db,
      (tx) => tx.select({ id: requests.id }).from(requests).where(eq(requests.id, requestId)).for("update"),
      [arrive, act],
      { mustWait: true, ms: 20_000 },
    );
    return acted;
  }

  it.runIf(DB_KIND === "postgres")(
    "a withdrawal queued behind the inbox applying the peer's work started succeeds",
    async () => {
      const { notice: n, out } = await relayed("stop_spread");
      const peer = await madeAndApprove(out);
      const res = await behindInbox(
        cn,
        out.requestId,
        async () => expect(await peer.approve()).toBe(200),
        () => withdraw(n.id),
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.notice.status).toBe("withdrawn");
      // The peer's events were applied first, then the withdrawal, from where the notice then stood.
      expect(res.body.notice.timeline.map((e) => e.event)).toEqual([
        "create",
        "submit_for_approval",
        "approve",
        "relayed",
        "receive",
        "start_work",
        "withdraw",
      ]);
      await settled(n.id, peer.id, out.requestId);
    },
    120_000,
  );

  it.runIf(DB_KIND === "postgres")(
    "a provider's answer queued behind the inbox applying the withdrawal is refused, not failed",
    async () => {
      const { notice: n, out } = await relayed("remove_content");
      const peer = await madeAndApprove(out);
      expect(await peer.approve()).toBe(200);
      await waitFor(
        "work started on CN-MPS",
        async () => (await noticeOn(cnOfficer, n.id)).status === "in_progress",
      );
      const res = await behindInbox(
        us,
        out.requestId,
        async () => expect((await withdraw(n.id)).status).toBe(200),
        () =>
          staff.req<ApiError>("POST", `/api/v1/portal/notices/${peer.id}/answer`, {
            outcome: "done",
            text: { lang: "en", text: "Removed." },
          }),
      );
      expect(res.status, JSON.stringify(res.body)).toBe(409);
      expect(res.body.error.code).toBe("INVALID_TRANSITION");
      await settled(n.id, peer.id, out.requestId);
      expect((await noticeOn(usOfficer, peer.id)).answer).toBeNull();
    },
    120_000,
  );

  it("withdrawals racing the peer's messages never fail", async () => {
    // Each withdrawal leaves a little later after the peer starts work: before, during or after its messages.
    for (const delay of [0, 20, 60, 150]) {
      const { notice: n, out } = await relayed("remove_content");
      const peer = await madeAndApprove(out);
      const approving = peer.approve();
      await new Promise((r) => setTimeout(r, delay));
      const res = await withdraw(n.id);
      expect(res.status, `${delay} ms: ${JSON.stringify(res.body)}`).toBe(200);
      // The withdrawal may reach the peer before its approval commits: then that approval is refused, cleanly.
      expect([200, 409]).toContain(await approving);
      await settled(n.id, peer.id, out.requestId);
    }
  }, 240_000);
});
