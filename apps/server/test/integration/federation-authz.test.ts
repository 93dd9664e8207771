import { createHash } from "node:crypto";
import type { Role } from "@crossline/schemas";
import { afterAll, beforeAll, expect, it } from "vitest";
import { uuidv7 } from "../../src/crypto/ids.js";
import { blobChunks, blobs, inbox, outSeq, peers } from "../../src/db/schema/index.js";
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
import { createTestNode, describeDb, type TestNode } from "../support/node.js";

const READ: Role[] = ["duty_officer", "supervisor", "liaison", "auditor", "admin"];
const PING: Role[] = ["duty_officer", "admin"];
const MANAGE: Role[] = ["admin"];

/**
 * Peers are the node's, not a unit's: the targets are a peer this node is paired with ("own") and a node it
 * is not paired with ("other": another node's peer). Without the permission 403; an unknown peer 404.
 */
const onPeer =
  (gate: Role[], ok: number) =>
  (r: Role, t: Target): number =>
    !gate.includes(r) ? 403 : t === "other" ? 404 : ok;

const PEER = "CN-MPS";
/** Paired only to be revoked by the revoke case (a revocation is final). */
const SPARE = "XX-SPARE";
const STRANGER = "ZZ-NOBODY";
const peerFor = (t: Target) => (t === "other" ? STRANGER : PEER);

describeDb("authorization matrix of peers and node keys: role × paired peer / another node's peer", () => {
  let node: TestNode;
  let fx: MatrixFixtures;
  let noticeAttachment = "";
  let requestAttachment = "";

  /** What an envelope received from CN-MPS leaves in the inbox (content included, as the handlers need it). */
  async function received(type: string, payload: unknown, attachment?: { id: string; bytes: Buffer }) {
    const db = node.rt.services.db;
    const seq = (await db.select().from(inbox)).length + 1;
    const msgId = uuidv7();
    const att = attachment && {
      id: attachment.id,
      sha256: createHash("sha256").update(attachment.bytes).digest("hex"),
      size: attachment.bytes.length,
      name: "list.txt",
    };
    if (attachment && att) {
      await db.insert(blobs).values({
        origin: PEER,
        id: att.id,
        sha256: att.sha256,
        size: att.size,
        name: att.name,
        chunkSize: 4096,
        completedAt: new Date(),
      });
      await db.insert(blobChunks).values({ origin: PEER, blobId: att.id, idx: 0, data: attachment.bytes });
    }
    const header = {
      msgId,
      sender: PEER,
      recipient: "US-DOJ",
      seq,
      created: new Date().toISOString(),
      type,
      schemaVersion: 1,
      ...(att ? { attachments: [att] } : {}),
    };
    await db.insert(inbox).values({
      peerId: PEER,
      msgId,
      seq,
      type,
      header,
      payload,
      jws: "eyJhbGciOiJFZERTQSJ9.e30.c2ln",
      envelopeSha256: "0".repeat(64),
      status: "applied",
      receivedAt: new Date(),
      appliedAt: new Date(),
    });
    return msgId;
  }

  beforeAll(async () => {
    node = await createTestNode({
      id: "US-DOJ",
      settings: { signIn: { maxFailures: 5, lockMinutes: 15, perIpPerMinute: 10_000 } },
    });
    fx = await matrixFixtures(node);
    for (const id of [PEER, SPARE]) {
      await node.rt.services.db.insert(peers).values({
        id,
        name: id,
        baseUrl: `http://${id.toLowerCase()}.invalid`,
        state: "active",
        publicKeys: [],
        fingerprint: "TEST0-TEST0-TEST0-TEST0",
      });
      await node.rt.services.db.insert(outSeq).values({ peerId: id });
    }
    noticeAttachment = uuidv7();
    await received(
      "federation.notice",
      { text: "New hotline numbers", language: "en" },
      {
        id: noticeAttachment,
        bytes: Buffer.from("+86 10 0000 0000"),
      },
    );
    requestAttachment = uuidv7();
    await received(
      "request.submitted",
      { form: { facts: { lang: "zh-CN", text: "Confidential facts of the case" } } },
      { id: requestAttachment, bytes: Buffer.from("evidence") },
    );
  });
  afterAll(() => node?.close());

  const cases: MatrixCase[] = [
    endpoint("GET", "/api/v1/peers", only(READ, 200)),
    onRecord("GET", "/api/v1/peers/:id", onPeer(READ, 200), { prepare: async (t) => peerFor(t) }),
    endpoint("POST", "/api/v1/peers/invitations", only(MANAGE, 201)),
    // A forged invitation: the administrator reaches the check of its contents, no one else gets that far.
    endpoint("POST", "/api/v1/peers/accept", only(MANAGE, 400), () => ({ invitation: "not-an-invitation" })),
    onRecord("POST", "/api/v1/peers/:id/suspend", onPeer(MANAGE, 200), { prepare: async (t) => peerFor(t) }),
    onRecord("POST", "/api/v1/peers/:id/resume", onPeer(MANAGE, 200), { prepare: async (t) => peerFor(t) }),
    onRecord("PUT", "/api/v1/peers/:id/tls-pin", onPeer(MANAGE, 200), {
      prepare: async (t) => peerFor(t),
      body: () => ({ tlsPin: null }),
    }),
    onRecord("POST", "/api/v1/peers/:id/ping", onPeer(PING, 201), {
      prepare: async (t) => peerFor(t),
      body: () => ({ count: 1 }),
    }),
    onRecord("GET", "/api/v1/peers/:id/pings", onPeer(READ, 200), { prepare: async (t) => peerFor(t) }),
    onRecord("GET", "/api/v1/peers/:id/outbox", onPeer(READ, 200), { prepare: async (t) => peerFor(t) }),
    onRecord("GET", "/api/v1/peers/:id/inbox", onPeer(READ, 200), { prepare: async (t) => peerFor(t) }),
    onRecord("POST", "/api/v1/peers/:id/cancel", onPeer(MANAGE, 200), {
      name: "POST /peers/:peerId/outbox/:msgId/cancel",
      prepare: async (t) => {
        if (t === "other") return `${STRANGER}/outbox/${FAKE_ID}`;
        const admin = fx.agents.get("admin");
        const r = await admin?.req<{ pings: { msgId: string }[] }>("POST", `/api/v1/peers/${PEER}/ping`, {});
        return `${PEER}/outbox/${r?.body.pings[0].msgId}`;
      },
    }),
    onRecord("POST", "/api/v1/peers/:id/notices", onPeer(MANAGE, 201), {
      prepare: async (t) => peerFor(t),
      body: () => ({ text: "Hotline test on Monday", language: "en" }),
    }),
    onRecord("GET", "/api/v1/peers/:id", onPeer(MANAGE, 200), {
      name: "GET /peers/:peerId/attachments/:id",
      label: "a notice's attachment",
      prepare: async (t) => `${peerFor(t)}/attachments/${noticeAttachment}`,
    }),
    onRecord("POST", "/api/v1/peers/:id/revoke", onPeer(MANAGE, 200), {
      prepare: async (t) => (t === "other" ? STRANGER : SPARE),
    }),
  ];

  for (const c of cases) {
    it(c.name, async () => {
      expect(await runMatrix(c, fx)).toEqual([]);
    });
  }

  it("answers 401 to anonymous callers", async () => {
    expect(
      await anonymousMismatches(cases, fx, (c) =>
        c.name.includes("/attachments/")
          ? `${PEER}/attachments/${FAKE_ID}`
          : c.name.includes("/outbox/")
            ? `${PEER}/outbox/${FAKE_ID}`
            : PEER,
      ),
    ).toEqual([]);
  });

  it("shows transport metadata only: no payload, header or signed content in the inbox or outbox", async () => {
    // An auditor of an unrelated unit may watch the link, not read what travels on it.
    const auditor = fx.agents.get("auditor");
    const list = await auditor?.req<{ items: Record<string, unknown>[] }>(
      "GET",
      `/api/v1/peers/${PEER}/inbox`,
    );
    expect(list?.status).toBe(200);
    const submitted = list?.body.items.find((i) => i.type === "request.submitted");
    expect(submitted).toMatchObject({
      type: "request.submitted",
      status: "applied",
      size: expect.any(Number),
    });
    expect(Object.keys(submitted ?? {}).sort()).toEqual(
      [
        "attempts",
        "lastError",
        "msgId",
        "reason",
        "receivedAt",
        "appliedAt",
        "readsUpTo",
        "schemaVersion",
        "seq",
        "size",
        "status",
        "type",
      ].sort(),
    );
    expect(JSON.stringify(list?.body)).not.toContain("Confidential facts");
    const out = await fx.agents
      .get("admin")
      ?.req<{ items: Record<string, unknown>[] }>("GET", `/api/v1/peers/${PEER}/outbox`);
    expect(out?.body.items.length).toBeGreaterThan(0);
    for (const item of out?.body.items ?? []) {
      expect(item).not.toHaveProperty("payload");
      expect(item).not.toHaveProperty("envelope");
    }
  });

  it("does not hand out a request's attachment through the transport view, even to the administrator", async () => {
    // A request's attachments are reached through the request, under its unit's need to know.
    for (const role of READ) {
      const r = await fx.agents
        .get(role)
        ?.req("GET", `/api/v1/peers/${PEER}/attachments/${requestAttachment}`);
      expect(r?.status, role).toBe(role === "admin" ? 404 : 403);
    }
  });
});
