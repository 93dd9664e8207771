import { SHARED_MSG } from "@crossline/schemas";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type EnvelopeHeader, sealEnvelope } from "../../src/crypto/envelope.js";
import { uuidv7 } from "../../src/crypto/ids.js";
import type { GeneratedKey, PublicKeyJwk } from "../../src/crypto/keys.js";
import { auditLog, inbox, sharedObjects } from "../../src/db/schema/index.js";
import { createTestNode, describeDb, type TestNode } from "../support/node.js";
import { pairPlayedPeer } from "../support/played-peer.js";

interface Result {
  status: "accepted" | "rejected";
  reason?: string;
}

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
  let seq = 0;

  beforeAll(async () => {
    b = await createTestNode({ id: "US-DOJ", timeZone: "UTC" });
    ({ sig, nodeEnc: bEnc } = await pairPlayedPeer(b, {
      id: "ZZ-NEW",
      name: "Peer on a newer release",
      recipient: "US-DOJ",
    }));
  });
  afterAll(() => b?.close());

  /** Seals and posts one message with the next sequence number; its result and id. */
  const send = async (
    type: string,
    payload: unknown,
    schemaVersion = 1,
  ): Promise<Result & { msgId: string }> => {
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
    const res = await b.rt.app.inject({
      method: "POST",
      url: "/federation/v1/envelopes",
      payload: { envelopes: [jwe] },
    });
    expect(res.statusCode, res.body).toBe(200);
    return { ...(res.json() as { results: Result[] }).results[0], msgId: header.msgId };
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

  it("refuses a later schemaVersion of a type, a change a newer sender says must not be ignored", async () => {
    const r = await send("federation.notice", { text: "Version 2 notice", language: "en" }, 2);
    expect(r).toMatchObject({ status: "rejected", reason: "SCHEMA_INVALID" });
    const [entry] = await b.rt.services.db
      .select({ details: auditLog.details })
      .from(auditLog)
      .where(and(eq(auditLog.targetId, r.msgId), eq(auditLog.action, "federation.envelope.rejected")));
    expect(entry.details).toMatchObject({
      reason: "SCHEMA_INVALID",
      detail: expect.stringContaining("schemaVersion 2 of federation.notice: this node reads up to 1"),
    });
    // the link goes on: the next message applies
    const next = await send("federation.notice", { text: "Back to version 1", language: "en" });
    expect(await inboxRow(next.msgId)).toEqual({ status: "applied", reason: null });
  });
});
