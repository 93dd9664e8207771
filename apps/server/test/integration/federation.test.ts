import { readFileSync } from "node:fs";
import { and, asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { sha256Hex } from "../../src/crypto/hash.js";
import { uuidv7 } from "../../src/crypto/ids.js";
import { generateSigningKey } from "../../src/crypto/keys.js";
import { blobChunks, blobs } from "../../src/db/schema/index.js";
import { CHUNK_TYP } from "../../src/modules/federation/federation.service.js";
import { signStatement } from "../../src/modules/federation/federation.signing.js";
import {
  type FederationWorker,
  startFederationWorker,
} from "../../src/modules/federation/federation.worker.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";
import { freePort } from "../support/pg-cluster.js";

/** The release a node tells its peers: the server package's version. */
const RELEASE_OF_PACKAGE = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

interface Peer {
  id: string;
  state: string;
  fingerprint: string;
  release: string | null;
  keys: { kid: string; use: string; status: string }[];
  health: Record<string, unknown> & { outboxDepth: number; pingRttMs: number | null; delivered: number };
}

async function listeningNode(id: string, timeZone: string, extra: Record<string, unknown> = {}) {
  const port = await freePort();
  const node = await createTestNode({
    id,
    timeZone,
    settings: {
      publicUrl: `http://127.0.0.1:${port}`,
      fedPollMs: 50,
      fedBackoffBaseMs: 50,
      fedBackoffMaxMs: 400,
      fedChunkBytes: 4096,
      ...extra,
    },
  });
  await node.rt.app.listen({ host: "127.0.0.1", port });
  const admin = node.bearer(node.rt.controlToken);
  return { node, admin, port };
}

const waitFor = async <T>(fn: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> => {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
};

describeDb("federation between two in-process nodes", () => {
  let a: { node: TestNode; admin: Agent; port: number };
  let b: { node: TestNode; admin: Agent; port: number };
  const workers: FederationWorker[] = [];
  const silent = { info() {}, warn() {}, error() {} };

  beforeAll(async () => {
    // a link-down alert threshold of 3 s, so the alert can be seen in a test
    a = await listeningNode("CN-MPS", "Asia/Shanghai", { fedLinkDownAlertMinutes: 0.05 });
    b = await listeningNode("US-DOJ", "America/New_York");
    for (const n of [a, b])
      workers.push(startFederationWorker(n.node.rt.services.federationService, n.node.rt.config, silent));
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await a?.node.close();
    await b?.node.close();
  });

  const peerOf = async (n: { admin: Agent }, id: string) =>
    (await n.admin.req<{ peer: Peer }>("GET", `/api/v1/peers/${id}`)).body.peer;

  it("pairs with a single-use invitation; both sides show the same fingerprint", async () => {
    const inv = await a.admin.req<{ invitation: string }>("POST", "/api/v1/peers/invitations");
    expect(inv.status).toBe(201);
    expect(inv.body.invitation).toMatch(/^CLINV1\./);
    const acc = await b.admin.req<{ peer: Peer; fingerprint: string }>("POST", "/api/v1/peers/accept", {
      invitation: inv.body.invitation,
    });
    expect(acc.status, JSON.stringify(acc.body)).toBe(201);
    expect(acc.body.peer.state).toBe("active");
    const onA = await peerOf(a, "US-DOJ");
    expect(onA.state).toBe("active");
    expect(onA.fingerprint).toBe(acc.body.fingerprint);
    expect(acc.body.fingerprint).toMatch(/^[A-Z2-7]{5}(-[A-Z2-7]{5}){3}$/);
    // single use: a second node cannot reuse it
    const c = await listeningNode("XX-TEST", "UTC");
    try {
      const again = await c.admin.req<{ error: { code: string; details: { issue: string }[] } }>(
        "POST",
        "/api/v1/peers/accept",
        { invitation: inv.body.invitation },
      );
      expect(again.status).toBe(409);
      expect(again.body.error.details[0].issue).toBe(
        "the inviting node refused the pairing (FORBIDDEN): the invitation has already been used",
      );
      // the inviting node's reason in the reader's language, not as it said it in English
      const zh = await c.admin.req<{ error: { details: { issue: string }[] } }>(
        "POST",
        "/api/v1/peers/accept",
        { invitation: inv.body.invitation },
        { "accept-language": "zh-CN" },
      );
      expect(zh.body.error.details[0].issue).toBe("邀请方节点拒绝了配对（FORBIDDEN）：邀请已被使用");
      // an invitation from a node that does not answer: what went wrong, in each language, with the cause
      const down = await createTestNode({
        id: "XX-DOWN",
        settings: { publicUrl: `http://127.0.0.1:${await freePort()}` },
      });
      try {
        const silent = await down
          .bearer(down.rt.controlToken)
          .req<{ invitation: string }>("POST", "/api/v1/peers/invitations");
        const unreachable = async (lang: string) => {
          const r = await c.admin.req<{ error: { code: string; details: { issue: string }[] } }>(
            "POST",
            "/api/v1/peers/accept",
            { invitation: silent.body.invitation },
            { "accept-language": lang },
          );
          expect(r.body.error.code).toBe("NODE_BUSY");
          return r.body.error.details[0].issue;
        };
        expect(await unreachable("en")).toMatch(
          /^cannot reach http:\/\/127\.0\.0\.1:\d+: Connection refused: nothing answers at the peer's address \(fetch failed: ECONNREFUSED: .+\); the peer stays pending, accept again later$/,
        );
        expect(await unreachable("zh-CN")).toMatch(
          /^无法连接 http:\/\/127\.0\.0\.1:\d+：连接被拒绝：对方地址上没有服务应答（fetch failed: ECONNREFUSED: .+）；该对端节点仍为待定状态，请稍后再次接受$/,
        );
      } finally {
        await down.close();
      }
    } finally {
      await c.node.close();
    }
  });

  it("answers a ping automatically, both ways, and records the round-trip time", async () => {
    for (const [from, to] of [
      [a, "US-DOJ"],
      [b, "CN-MPS"],
    ] as const) {
      const r = await from.admin.req<{ pings: { pingId: string }[] }>("POST", `/api/v1/peers/${to}/ping`, {
        count: 3,
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      const ids = r.body.pings.map((p) => p.pingId).join(",");
      const answered = await waitFor(async () => {
        const l = await from.admin.req<{ items: { rttMs: number | null }[] }>(
          "GET",
          `/api/v1/peers/${to}/pings?ids=${ids}`,
        );
        return l.body.items.length === 3 && l.body.items.every((p) => p.rttMs !== null) && l.body.items;
      });
      expect(answered.every((p) => (p.rttMs ?? -1) >= 0)).toBe(true);
      const peer = await peerOf(from, to);
      expect(peer.health.pingRttMs).not.toBeNull();
      // the ping and its pong told each side the other's release
      expect(peer.release).toBe(RELEASE_OF_PACKAGE);
    }
  });

  const pingAndWait = async (from: { admin: Agent }, to: string, count = 1) => {
    const r = await from.admin.req<{ pings: { pingId: string }[] }>("POST", `/api/v1/peers/${to}/ping`, {
      count,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const ids = r.body.pings.map((p) => p.pingId).join(",");
    return waitFor(async () => {
      const l = await from.admin.req<{ items: { rttMs: number | null }[] }>(
        "GET",
        `/api/v1/peers/${to}/pings?ids=${ids}`,
      );
      return l.body.items.every((p) => p.rttMs !== null) && l.body.items;
    });
  };

  it("holds traffic to a suspended peer and delivers it on resume", async () => {
    const s = await b.admin.req<{ peer: Peer }>("POST", "/api/v1/peers/CN-MPS/suspend");
    expect(s.body.peer.state).toBe("suspended");
    const r = await a.admin.req<{ pings: { pingId: string }[] }>("POST", "/api/v1/peers/US-DOJ/ping", {
      count: 2,
    });
    // A's envelopes reach B but B refuses them (PEER_SUSPENDED): they stay queued on A
    await waitFor(async () =>
      (await peerOf(a, "US-DOJ")).health.lastError?.toString().includes("PEER_SUSPENDED"),
    );
    expect((await peerOf(a, "US-DOJ")).health.outboxDepth).toBeGreaterThan(0);
    await b.admin.req("POST", "/api/v1/peers/CN-MPS/resume");
    const ids = r.body.pings.map((p) => p.pingId).join(",");
    await waitFor(async () => {
      const l = await a.admin.req<{ items: { rttMs: number | null }[] }>(
        "GET",
        `/api/v1/peers/US-DOJ/pings?ids=${ids}`,
      );
      return l.body.items.every((p) => p.rttMs !== null);
    });
    const audit = await b.admin.req<{ items: { action: string; details: { reason?: string } }[] }>(
      "GET",
      "/api/v1/audit?limit=200&action=federation.envelope.rejected",
    );
    expect(audit.body.items.some((e) => e.details.reason === "PEER_SUSPENDED")).toBe(true);
  });

  it("alerts admins and duty officers when a link stays down; a cancelled message travels as a tombstone", async () => {
    await a.node.user("duty.a", ["duty_officer"]);
    await b.admin.req("POST", "/api/v1/peers/CN-MPS/suspend");
    const sent = await a.admin.req<{ pings: { msgId: string; seq: number }[] }>(
      "POST",
      "/api/v1/peers/US-DOJ/ping",
      {
        count: 1,
      },
    );
    const down = await waitFor(async () => {
      const p = await peerOf(a, "US-DOJ");
      return p.health.linkAlertAt ? p : null;
    });
    expect(down.health.linkDown).toBe(true);
    const audit = await a.admin.req<{ items: { outcome: string; targetId: string }[] }>(
      "GET",
      "/api/v1/audit?limit=10&action=federation.link.down",
    );
    expect(audit.body.items[0]).toMatchObject({ outcome: "failure", targetId: "US-DOJ" });
    const duty = await a.node.as("duty.a");
    const notes = await duty.req<{
      items: { kind: string; severity: string; body: { en: string; "zh-CN": string } }[];
    }>("GET", "/api/v1/notifications");
    expect(notes.body.items).toContainEqual(
      expect.objectContaining({ kind: "federation.link_down", severity: "urgent" }),
    );
    // why, in each reader's language (the refusal's reason by its label, with its code), not B's English text
    const alert = notes.body.items.find((n) => n.kind === "federation.link_down");
    expect(alert?.body.en).toContain(
      "Last error: Refused by the peer: the peer has suspended its link with this node (PEER_SUSPENDED).",
    );
    expect(alert?.body["zh-CN"]).toContain(
      "最近错误：被对方拒收：对方已暂停与本节点的链路（PEER_SUSPENDED）。",
    );

    // the administrator gives up on that ping: it still fills its sequence number, as a federation.void
    const { msgId, seq } = sent.body.pings[0];
    await waitFor(async () => {
      const r = await a.admin.req("POST", `/api/v1/peers/US-DOJ/outbox/${msgId}/cancel`);
      return r.status === 200;
    });
    await b.admin.req("POST", "/api/v1/peers/CN-MPS/resume");
    const tomb = await waitFor(async () => {
      const l = await b.admin.req<{ items: { msgId: string; seq: number; type: string; status: string }[] }>(
        "GET",
        `/api/v1/peers/CN-MPS/inbox?afterSeq=${seq - 1}&limit=1`,
      );
      return l.body.items[0]?.status === "applied" && l.body.items[0];
    });
    expect(tomb).toMatchObject({ msgId, seq, type: "federation.void" });
    await waitFor(async () => (await peerOf(a, "US-DOJ")).health.linkAlertAt === null);
    // traffic after the tombstone flows
    await pingAndWait(a, "US-DOJ");
  });

  it("transfers an attachment in chunks, verified by the SHA-256 in the signed envelope", async () => {
    const bytes = Buffer.alloc(20_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + 7) % 251;
    const r = await a.admin.req<{ msgId: string; attachment: { id: string; sha256: string } }>(
      "POST",
      "/api/v1/peers/US-DOJ/notices",
      {
        text: "Contact list for the hotline, updated",
        language: "en",
        attachment: { name: "contacts.bin", contentBase64: bytes.toString("base64") },
      },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const item = await waitFor(async () => {
      const l = await b.admin.req<{ items: { msgId: string; status: string }[] }>(
        "GET",
        "/api/v1/peers/CN-MPS/inbox?type=federation.notice",
      );
      return l.body.items.find((m) => m.msgId === r.body.msgId && m.status === "applied");
    });
    expect(item).toBeTruthy();
    const dl = await b.node.rt.app.inject({
      method: "GET",
      url: `/api/v1/peers/CN-MPS/attachments/${r.body.attachment.id}`,
      headers: { authorization: `Bearer ${b.node.rt.controlToken}` },
    });
    expect(dl.statusCode).toBe(200);
    expect(dl.rawPayload.equals(bytes)).toBe(true);
    expect(dl.headers["x-content-sha256"]).toBe(r.body.attachment.sha256);
  });

  it("resumes an interrupted attachment upload and refuses chunks that do not match", async () => {
    const aKeys = await a.node.rt.services.node.keys();
    const fedB = b.node.rt.services.federationService;
    const data = Buffer.from("evidence bytes ".repeat(1000)); // 15,000 bytes: 4 chunks of 4,096
    const chunkSize = 4096;
    const id = uuidv7();
    const sha256 = sha256Hex(data);
    const chunk = (i: number) => data.subarray(i * chunkSize, (i + 1) * chunkSize);
    const auth = (op: "put" | "status", idx = 0, bytes = chunk(idx), claimed = sha256) =>
      signStatement(
        CHUNK_TYP,
        {
          sender: "CN-MPS",
          recipient: "US-DOJ",
          attachmentId: id,
          op,
          idx,
          chunkSha256: sha256Hex(bytes),
          sha256: claimed,
          size: data.length,
          chunkSize,
          name: "evidence.bin",
        },
        aKeys.signing,
      );
    // the first two chunks arrive, then the link drops
    for (const i of [0, 1])
      expect(await fedB.putChunk("CN-MPS", id, i, chunk(i), await auth("put", i))).toEqual({
        complete: false,
      });
    // on resume, the receiver says what it has; only the rest is sent
    expect(await fedB.chunkStatus("CN-MPS", id, await auth("status"))).toEqual({
      complete: false,
      chunks: [0, 1],
    });
    // a chunk that differs from its signed description, or is signed by someone else, is refused
    const bad = Buffer.from(chunk(2));
    bad[0] ^= 1;
    await expect(fedB.putChunk("CN-MPS", id, 2, bad, await auth("put", 2))).rejects.toThrow();
    const stranger = generateSigningKey();
    const forged = await signStatement(
      CHUNK_TYP,
      { sender: "CN-MPS", recipient: "US-DOJ", attachmentId: id, op: "put" },
      stranger,
    );
    await expect(fedB.putChunk("CN-MPS", id, 2, chunk(2), forged)).rejects.toThrow();
    expect(await fedB.putChunk("CN-MPS", id, 2, chunk(2), await auth("put", 2))).toEqual({ complete: false });
    expect(await fedB.putChunk("CN-MPS", id, 3, chunk(3), await auth("put", 3))).toEqual({ complete: true });
    // Stored whole (read from the tables: only a notice's attachment has a download route of its own).
    const db = b.node.rt.services.db;
    const [blob] = await db
      .select()
      .from(blobs)
      .where(and(eq(blobs.origin, "CN-MPS"), eq(blobs.id, id)));
    const stored = await db
      .select()
      .from(blobChunks)
      .where(and(eq(blobChunks.origin, "CN-MPS"), eq(blobChunks.blobId, id)))
      .orderBy(asc(blobChunks.idx));
    expect(blob.completedAt).not.toBeNull();
    expect(Buffer.concat(stored.map((c) => Buffer.from(c.data))).equals(data)).toBe(true);
    expect(blob.sha256).toBe(sha256);

    // chunks that each match their description but not the announced SHA-256 are dropped once complete
    const id2 = uuidv7();
    const wrong = "0".repeat(64);
    const auth2 = (i: number) =>
      signStatement(
        CHUNK_TYP,
        {
          sender: "CN-MPS",
          recipient: "US-DOJ",
          attachmentId: id2,
          op: "put",
          idx: i,
          chunkSha256: sha256Hex(chunk(i)),
          sha256: wrong,
          size: data.length,
          chunkSize,
        },
        aKeys.signing,
      );
    for (const i of [0, 1, 2]) await fedB.putChunk("CN-MPS", id2, i, chunk(i), await auth2(i));
    await expect(fedB.putChunk("CN-MPS", id2, 3, chunk(3), await auth2(3))).rejects.toThrow(
      /SHA-256|conflicts/i,
    );
    const statusAuth = await signStatement(
      CHUNK_TYP,
      { sender: "CN-MPS", recipient: "US-DOJ", attachmentId: id2, op: "status" },
      aKeys.signing,
    );
    expect(await fedB.chunkStatus("CN-MPS", id2, statusAuth)).toEqual({ complete: false, chunks: [] });
  });

  it("rotates keys with an overlap, keeps traffic flowing, then retires the old keys", async () => {
    const before = (await peerOf(b, "CN-MPS")).keys.map((k) => k.kid);
    const rot = await a.admin.req<{ added: string[] }>("POST", "/api/v1/node/keys/rotate");
    expect(rot.status, JSON.stringify(rot.body)).toBe(200);
    await waitFor(async () => {
      const kids = (await peerOf(b, "CN-MPS")).keys.map((k) => k.kid);
      return rot.body.added.every((k) => kids.includes(k)) && before.every((k) => kids.includes(k));
    });
    await pingAndWait(a, "US-DOJ");
    await pingAndWait(b, "CN-MPS");
    const ret = await a.admin.req<{ retired: string[] }>("POST", "/api/v1/node/keys/retire", {});
    expect(ret.status, JSON.stringify(ret.body)).toBe(200);
    expect(ret.body.retired.sort()).toEqual(before.sort());
    await waitFor(async () => {
      const kids = (await peerOf(b, "CN-MPS")).keys.map((k) => k.kid);
      return kids.length === 2 && rot.body.added.every((k) => kids.includes(k));
    });
    // signed with the new key, encrypted to the new key: still flows both ways
    await pingAndWait(a, "US-DOJ");
    await pingAndWait(b, "CN-MPS");
  });

  it("exports link health on /metrics", async () => {
    const m = await a.node.rt.app.inject({ method: "GET", url: "/metrics" });
    expect(m.body).toMatch(/crossline_federation_delivered_total\{peer="US-DOJ"\} [1-9]/);
    expect(m.body).toMatch(/crossline_federation_outbox_depth\{peer="US-DOJ"\} \d+/);
    expect(m.body).toMatch(/crossline_federation_ping_rtt_ms\{peer="US-DOJ"\} \d+/);
    expect(m.body).toContain(`crossline_build_info{release="${RELEASE_OF_PACKAGE}"} 1`);
    const ready = await a.node.rt.app.inject({ method: "GET", url: "/readyz" });
    expect(ready.json()).toEqual({ status: "ready", node: "CN-MPS", release: RELEASE_OF_PACKAGE });
  });

  it("revoking a peer stops traffic both ways at once", async () => {
    const r = await a.admin.req<{ peer: Peer }>("POST", "/api/v1/peers/US-DOJ/revoke");
    expect(r.body.peer.state).toBe("revoked");
    await waitFor(async () => (await peerOf(b, "CN-MPS")).state === "revoked");
    const p1 = await a.admin.req("POST", "/api/v1/peers/US-DOJ/ping", { count: 1 });
    expect(p1.status).toBe(409);
    const p2 = await b.admin.req("POST", "/api/v1/peers/CN-MPS/ping", { count: 1 });
    expect(p2.status).toBe(409);
  });
});
