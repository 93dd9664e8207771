import { SHARED_MSG } from "@crossline/schemas";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { z } from "zod";
import { type EnvelopeHeader, sealEnvelope, verifyReceipt } from "../../src/crypto/envelope.js";
import { uuidv7 } from "../../src/crypto/ids.js";
import type { GeneratedKey, PublicKeyJwk } from "../../src/crypto/keys.js";
import { auditLog, inbox, outbox, sharedObjects } from "../../src/db/schema/index.js";
import { defineHandler } from "../../src/modules/federation/federation.types.js";
import { startFederationWorker } from "../../src/modules/federation/federation.worker.js";
import { createTestNode, describeDb, type TestNode } from "../support/node.js";
import { pairPlayedPeer } from "../support/played-peer.js";
import { AMBER, call, indicator, publish, seen } from "../support/shared-objects-fixtures.js";

interface Result {
  status: "accepted" | "rejected";
  reason?: string;
  receipt?: string;
  original?: string;
}

const quiet = { info() {}, warn() {}, error() {} };

/**
 * A peer on a newer release (docs/decisions/0004): its payloads carry fields this release does not know. The
 * receiver ignores those fields and applies the message instead of refusing it for good, names them in its log,
 * metrics and audit, and still refuses a known field of the wrong type and anything it does not understand in a
 * marking. The test plays the paired peer "ZZ-NEW" with real keys and posts sealed envelopes over the
 * receiver's federation endpoint.
 */
describeDb("federation: fields from a peer on a newer release", () => {
  let b: TestNode;
  let sig: GeneratedKey;
  let bEnc: PublicKeyJwk;
  let bKeys: PublicKeyJwk[];
  let seq = 0;

  beforeAll(async () => {
    b = await createTestNode({ id: "US-DOJ", timeZone: "UTC" });
    ({
      sig,
      nodeEnc: bEnc,
      nodeKeys: bKeys,
    } = await pairPlayedPeer(b, {
      id: "ZZ-NEW",
      name: "Peer on a newer release",
      recipient: "US-DOJ",
    }));
  });
  afterAll(() => b?.close());

  /** Posts one sealed envelope; its result. */
  const post = async (jwe: string): Promise<Result> => {
    const res = await b.rt.app.inject({
      method: "POST",
      url: "/federation/v1/envelopes",
      payload: { envelopes: [jwe] },
    });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { results: Result[] }).results[0];
  };

  /** Seals and posts one message with the next sequence number; its result, id, sequence number and envelope. */
  const send = async (
    type: string,
    payload: unknown,
    schemaVersion = 1,
  ): Promise<Result & { msgId: string; seq: number; jwe: string }> => {
    const header: EnvelopeHeader = {
      msgId: uuidv7(),
      sender: "ZZ-NEW",
      recipient: "US-DOJ",
      seq: ++seq,
      created: new Date().toISOString(),
      type,
      schemaVersion,
    };
    const jwe = await sealEnvelope({
      header,
      payload,
      signingKey: { kid: sig.kid, privateJwk: sig.privateJwk },
      recipientEncKey: bEnc,
    });
    return { ...(await post(jwe)), msgId: header.msgId, seq: header.seq, jwe };
  };
  const inboxRow = async (msgId: string) =>
    (
      await b.rt.services.db
        .select({ status: inbox.status, reason: inbox.reason })
        .from(inbox)
        .where(and(eq(inbox.peerId, "ZZ-NEW"), eq(inbox.msgId, msgId)))
    )[0];

  const summary = (extra: Record<string, unknown> = {}) => ({
    reference: "ZZ-2026-0042",
    title: { lang: "en", text: "Ransomware against a regional hospital" },
    category: "ransomware",
    status: "open",
    priority: true,
    ...extra,
  });
  const put = (id: string, content: unknown, marking: Record<string, unknown> = { tlp: "GREEN" }) => ({
    ownerNode: "ZZ-NEW",
    id,
    type: "case.summary",
    typeVersion: 1,
    version: 1,
    marking,
    content,
    path: ["ZZ-NEW"],
    ownerUpdatedAt: new Date().toISOString(),
  });

  it("applies a notice with fields this release does not know, and counts it in /metrics", async () => {
    const r = await send("federation.notice", {
      text: "Maintenance window on Saturday",
      language: "en",
      severity: "routine",
      audience: { roles: ["node_admin"] },
    });
    expect(r.status).toBe("accepted");
    expect(await inboxRow(r.msgId)).toEqual({ status: "applied", reason: null });
    const m = await b.rt.app.inject({ method: "GET", url: "/metrics" });
    expect(m.body).toMatch(/crossline_federation_fields_ignored_total\{type="federation.notice"\} 1\b/);
  });

  it("still refuses a known field of the wrong type, unknown fields beside it or not", async () => {
    const r = await send("federation.notice", { text: 42, language: "en", severity: "routine" });
    expect(r).toMatchObject({ status: "rejected", reason: "SCHEMA_INVALID" });
    expect(await inboxRow(r.msgId)).toEqual({ status: "rejected", reason: "SCHEMA_INVALID" });
  });

  it("keeps a shared case summary without the new fields, and names them in the audit", async () => {
    const id = `so_${uuidv7()}`;
    const r = await send(
      SHARED_MSG.put,
      put(
        id,
        summary({
          lossEstimate: { amount: 120000, currency: "EUR" },
          title: { lang: "en", text: "Ransomware against a regional hospital", script: "Latn" },
        }),
      ),
    );
    expect(r.status).toBe("accepted");
    expect(await inboxRow(r.msgId)).toEqual({ status: "applied", reason: null });
    const [row] = await b.rt.services.db
      .select({ content: sharedObjects.content, direction: sharedObjects.direction })
      .from(sharedObjects)
      .where(eq(sharedObjects.id, id));
    expect(row).toEqual({ direction: "received", content: summary() });
    const [entry] = await b.rt.services.db
      .select({ details: auditLog.details })
      .from(auditLog)
      .where(and(eq(auditLog.targetId, id), eq(auditLog.action, "shared_object.received")));
    expect(entry.details).toMatchObject({ ignoredFields: ["title.script", "lossEstimate"] });
  });

  it("refuses a shared object whose marking carries a restriction this release does not know", async () => {
    const id = `so_${uuidv7()}`;
    const r = await send(SHARED_MSG.put, put(id, summary(), { tlp: "GREEN", embargoUntil: "2027-01-01" }));
    expect(r).toMatchObject({ status: "rejected", reason: "SCHEMA_INVALID" });
    const held = await b.rt.services.db.select().from(sharedObjects).where(eq(sharedObjects.id, id));
    expect(held).toEqual([]);
  });

  it("refuses a payload that adds a marking where this release has none", async () => {
    const r = await send("federation.notice", {
      text: "Red notice",
      language: "en",
      marking: { tlp: "RED" },
    });
    expect(r).toMatchObject({ status: "rejected", reason: "SCHEMA_INVALID" });
  });

  it("keeps a later schemaVersion of a type until this node reads it; the link goes on", async () => {
    const r = await send("federation.notice", { text: "Version 2 notice", language: "en" }, 2);
    // accepted, so the sender takes it as delivered; DEFERRED (in the signed receipt too) says it waits here
    expect(r).toMatchObject({ status: "accepted", reason: "DEFERRED" });
    expect(await verifyReceipt(r.receipt ?? "", bKeys)).toMatchObject({
      status: "accepted",
      reason: "DEFERRED",
      msgId: r.msgId,
    });
    expect(await inboxRow(r.msgId)).toEqual({ status: "deferred", reason: "DEFERRED" });
    const [entry] = await b.rt.services.db
      .select({ details: auditLog.details })
      .from(auditLog)
      .where(and(eq(auditLog.targetId, r.msgId), eq(auditLog.action, "federation.inbox.deferred")));
    expect(entry.details).toMatchObject({
      seq: r.seq,
      schemaVersion: 2,
      detail: expect.stringContaining("schemaVersion 2 of federation.notice: this node reads up to 1"),
    });
    // the link goes on: the next message applies
    const next = await send("federation.notice", { text: "Back to version 1", language: "en" });
    expect(await inboxRow(next.msgId)).toEqual({ status: "applied", reason: null });
    const m = await b.rt.app.inject({ method: "GET", url: "/metrics" });
    expect(m.body).toMatch(/crossline_federation_deferred_messages\{peer="ZZ-NEW"\} 1\b/);
    expect(m.body).not.toMatch(/crossline_federation_held_messages\{peer="ZZ-NEW"\}/);
    // the administrator sees it among the messages kept here, and retrying it now changes nothing
    const admin = await b.as("admin");
    const listed = await admin.req<{ items: Record<string, unknown>[] }>(
      "GET",
      "/api/v1/peers/ZZ-NEW/inbox?status=deferred",
    );
    expect(listed.body.items).toEqual([
      expect.objectContaining({
        msgId: r.msgId,
        status: "deferred",
        reason: "DEFERRED",
        schemaVersion: 2,
        readsUpTo: 1,
        lastError: expect.stringContaining("the sender runs a newer release"),
      }),
    ]);
    const retry = await admin.req("POST", `/api/v1/peers/ZZ-NEW/inbox/${r.msgId}/retry`);
    expect(retry.body).toMatchObject({ msgId: r.msgId, applied: false });
    expect(await inboxRow(r.msgId)).toEqual({ status: "deferred", reason: "DEFERRED" });
    // the same envelope again is a replay, answered with the first receipt as it was
    const again = await post(r.jwe);
    expect(again).toMatchObject({ status: "rejected", reason: "REPLAYED" });
    expect(await verifyReceipt(again.original ?? "", bKeys)).toMatchObject({
      status: "accepted",
      reason: "DEFERRED",
    });
  });

  it("applies a message of a type it did not know once a release that reads it starts", async () => {
    const survey = { question: "Which contact points changed this quarter?", due: "2027-01-15" };
    const r = await send("zz.survey", survey);
    expect(r).toMatchObject({ status: "accepted", reason: "DEFERRED" });
    const refused = await send("zz.survey", { question: 42 });
    expect(await inboxRow(refused.msgId)).toEqual({ status: "deferred", reason: "DEFERRED" });
    const admin = await b.as("admin");
    const listed = await admin.req<{ items: Record<string, unknown>[] }>(
      "GET",
      "/api/v1/peers/ZZ-NEW/inbox?type=zz.survey",
    );
    expect(listed.body.items.map((i) => [i.seq, i.status, i.schemaVersion, i.readsUpTo])).toEqual([
      [r.seq, "deferred", 1, null],
      [refused.seq, "deferred", 1, null],
    ]);
    const after = await send("federation.notice", { text: "Behind the survey", language: "en" });
    expect(await inboxRow(after.msgId)).toEqual({ status: "applied", reason: null });

    // The upgrade: this release's code reads zz.survey (a handler registered at start), and its worker starts.
    const seen: unknown[] = [];
    b.rt.services.federationService.registerHandler(
      defineHandler(
        "zz.survey",
        z.strictObject({ question: z.string(), due: z.string() }),
        async (_tx, msg) => {
          seen.push(msg.payload);
        },
      ),
    );
    const worker = startFederationWorker(b.rt.services.federationService, b.rt.config, quiet);
    try {
      await expect.poll(async () => (await inboxRow(r.msgId))?.status).toBe("applied");
    } finally {
      await worker.stop();
    }
    expect(seen).toEqual([survey]);
    // the one its schema refuses now is rejected for good, and the sender told why
    expect(await inboxRow(refused.msgId)).toEqual({ status: "rejected", reason: "HANDLER_REJECTED" });
    const told = await b.rt.services.db
      .select({ payload: outbox.payload })
      .from(outbox)
      .where(and(eq(outbox.peerId, "ZZ-NEW"), eq(outbox.type, "federation.rejected")));
    expect(told.map((t) => t.payload)).toEqual([
      expect.objectContaining({ msgId: refused.msgId, seq: refused.seq, code: "SCHEMA_INVALID" }),
    ]);
    const [entry] = await b.rt.services.db
      .select({ details: auditLog.details })
      .from(auditLog)
      .where(and(eq(auditLog.targetId, "ZZ-NEW"), eq(auditLog.action, "federation.inbox.deferredApplied")));
    expect(entry.details).toEqual({ applied: [r.seq], rejected: [refused.seq], failed: [] });
  });

  it("lets the administrator give up on a deferred message: rejected for good, the sender told", async () => {
    const r = await send("zz.poll", { question: "Still there?" });
    expect(await inboxRow(r.msgId)).toEqual({ status: "deferred", reason: "DEFERRED" });
    const admin = await b.as("admin");
    const skip = await admin.req("POST", `/api/v1/peers/ZZ-NEW/inbox/${r.msgId}/skip`, {
      note: "we will not upgrade before the spring",
    });
    expect(skip.status, JSON.stringify(skip.body)).toBe(200);
    expect(await inboxRow(r.msgId)).toEqual({ status: "rejected", reason: "SKIPPED_BY_OPERATOR" });
    const told = await b.rt.services.db
      .select({ payload: outbox.payload })
      .from(outbox)
      .where(and(eq(outbox.peerId, "ZZ-NEW"), eq(outbox.type, "federation.rejected")));
    expect(told.map((t) => t.payload)).toContainEqual(
      expect.objectContaining({ msgId: r.msgId, code: "SKIPPED_BY_OPERATOR" }),
    );
    // and it is no longer there to skip or retry
    const again = await admin.req("POST", `/api/v1/peers/ZZ-NEW/inbox/${r.msgId}/retry`);
    expect(again.status).toBe(409);
  });

  it("keeps a shared object of a type, or type version, only a newer release declares; stores it once one does", async () => {
    const id = `so_${uuidv7()}`;
    const bulletin = { title: "Contact points for the first quarter", body: "Unchanged since October." };
    const r = await send(SHARED_MSG.put, { ...put(id, bulletin), type: "zz.bulletin" });
    expect(r).toMatchObject({ status: "accepted", reason: "DEFERRED" });
    expect(await inboxRow(r.msgId)).toEqual({ status: "deferred", reason: "DEFERRED" });
    const v2 = `so_${uuidv7()}`;
    const later = await send(SHARED_MSG.put, { ...put(v2, summary()), typeVersion: 2 });
    expect(later).toMatchObject({ status: "accepted", reason: "DEFERRED" });
    const admin = await b.as("admin");
    const listed = await admin.req<{ items: Record<string, unknown>[] }>(
      "GET",
      `/api/v1/peers/ZZ-NEW/inbox?status=deferred&type=${SHARED_MSG.put}`,
    );
    expect(listed.body.items.map((i) => [i.seq, i.attempts, i.readsUpTo, i.lastError])).toEqual([
      [r.seq, 0, 1, "shared object type zz.bulletin: not a type this node's release declares"],
      [later.seq, 0, 1, "shared object type case.summary version 2: this node reads up to version 1"],
    ]);
    // nothing held, and nothing refused to the owner (which would stop it sending the object here)
    const held = await b.rt.services.db
      .select({ id: sharedObjects.id })
      .from(sharedObjects)
      .where(inArray(sharedObjects.id, [id, v2]));
    expect(held).toEqual([]);
    const refusals = await b.rt.services.db
      .select({ payload: outbox.payload })
      .from(outbox)
      .where(and(eq(outbox.peerId, "ZZ-NEW"), eq(outbox.type, SHARED_MSG.refused)));
    expect(refusals.map((o) => (o.payload as { id: string }).id)).not.toContain(id);

    // The upgrade: this release declares zz.bulletin; its start applies what it now reads.
    b.rt.services.sharedObjects.types.register({
      type: "zz.bulletin",
      version: 1,
      schema: z.strictObject({ title: z.string(), body: z.string() }),
    });
    expect(await b.rt.services.federationService.applyDeferred()).toBe(1);
    expect(await inboxRow(r.msgId)).toEqual({ status: "applied", reason: "DEFERRED" });
    const [copy] = await b.rt.services.db
      .select({
        type: sharedObjects.type,
        content: sharedObjects.content,
        direction: sharedObjects.direction,
      })
      .from(sharedObjects)
      .where(eq(sharedObjects.id, id));
    expect(copy).toEqual({ type: "zz.bulletin", content: bulletin, direction: "received" });
    // version 2 of the case summary is still beyond this release
    expect(await inboxRow(later.msgId)).toEqual({ status: "deferred", reason: "DEFERRED" });
  });

  it("stops sending a shared object where the peer set its copy aside; the withdrawal still goes, and it may be shared again", async () => {
    await b.user("officer.sharing", ["case_officer"]);
    const officer = await b.as("officer.sharing");
    const o = await publish(officer, indicator("203.0.113.77", AMBER, ["ZZ-NEW"]));
    /** This node's messages about the object to the peer, as `type version`, and the last one's id and number. */
    const sentToPeer = async () => {
      const rows = await b.rt.services.db
        .select({ msgId: outbox.msgId, seq: outbox.seq, type: outbox.type, payload: outbox.payload })
        .from(outbox)
        .where(and(eq(outbox.peerId, "ZZ-NEW"), inArray(outbox.type, [SHARED_MSG.put, SHARED_MSG.withdraw])))
        .orderBy(outbox.seq);
      const mine = rows.filter((r) => (r.payload as { id: string }).id === o.id);
      return mine.map((r) => ({
        msgId: r.msgId,
        seq: r.seq,
        is: `${r.type.replace("shared.object.", "")} v${(r.payload as { version: number }).version}`,
      }));
    };
    const holder = async () => (await seen(officer, o.id))?.holders.find((h) => h.nodeId === "ZZ-NEW");
    const reject = async (m: { msgId: string; seq: number }, code: string) =>
      expect(
        await send("federation.rejected", { msgId: m.msgId, seq: m.seq, code, detail: "technical text" }),
      ).toMatchObject({ status: "accepted" });
    const [first] = await sentToPeer();
    expect(first.is).toBe("put v1");

    // The peer's release could not read the copy and its operator skipped it: the owner stops sending versions.
    await reject(first, "SKIPPED_BY_OPERATOR");
    expect(await holder()).toMatchObject({ state: "refused", refusal: "SKIPPED_BY_OPERATOR" });
    const [entry] = await b.rt.services.db
      .select({ details: auditLog.details })
      .from(auditLog)
      .where(and(eq(auditLog.targetId, o.id), eq(auditLog.action, "shared_object.refused_by_peer")));
    expect(entry.details).toEqual({ peer: "ZZ-NEW", version: 1, reason: "SKIPPED_BY_OPERATOR" });
    await call(officer, "PATCH", `/api/v1/shared-objects/${o.id}`, {
      version: 1,
      content: { kind: "ipv4", value: "203.0.113.78" },
    });
    expect((await sentToPeer()).map((m) => m.is)).toEqual(["put v1"]);

    // Once the peer has upgraded, the owner may share it again: the current version goes.
    await call(officer, "POST", `/api/v1/shared-objects/${o.id}/share`, { recipients: ["ZZ-NEW"] });
    expect(await holder()).toMatchObject({ state: "active", refusal: null, version: 2 });
    await call(officer, "PATCH", `/api/v1/shared-objects/${o.id}`, {
      version: 2,
      content: { kind: "ipv4", value: "203.0.113.79" },
    });
    const [, v2, v3] = await sentToPeer();
    expect([v2.is, v3.is]).toEqual(["put v2", "put v3"]);
    // A rejection of a version older than the last one sent stops nothing: the later one may be taken.
    await reject(v2, "SCHEMA_INVALID");
    expect(await holder()).toMatchObject({ state: "active", version: 3 });
    // The last one rejected for good by the peer's handler: refused, yet the withdrawal still goes there (the
    // peer may hold an earlier version).
    await reject(v3, "SCHEMA_INVALID");
    expect(await holder()).toMatchObject({ state: "refused", refusal: "REJECTED_BY_PEER" });
    await call(officer, "POST", `/api/v1/shared-objects/${o.id}/withdraw`, {});
    expect((await sentToPeer()).map((m) => m.is)).toEqual(["put v1", "put v2", "put v3", "withdraw v4"]);
    expect(await holder()).toMatchObject({ state: "withdrawn" });
  });
});
