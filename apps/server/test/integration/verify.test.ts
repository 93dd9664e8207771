import { writeFileSync } from "node:fs";
import path from "node:path";
import type { SignedNoticeFile, VerifyView } from "@crossline/schemas";
import { makeVerificationCode, normaliseVerificationCode } from "@crossline/schemas";
import { eq } from "drizzle-orm";
import { exportJWK, generateKeyPair } from "jose";
import { afterAll, beforeAll, expect, it } from "vitest";
import { auditLog, rateLimits } from "../../src/db/schema/index.js";
import { signStatement } from "../../src/modules/federation/federation.signing.js";
import { NOTICE_JWS_TYP } from "../../src/modules/providers/notices.signing.js";
import { runCliAsync } from "../support/cli.js";
import { Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";
import { type ApiError, addProvider, noticeForm, sentNotice } from "../support/providers-fixtures.js";

/**
 * Proof of authenticity: anyone, without an account, checks a notice by its code or by its signed file; forged,
 * altered and replayed notices are named as such; failures are audited, slowed down, then refused.
 */
describeDb("verifying a notice (public /verify and the CLI)", () => {
  let node: TestNode;
  let anon: Agent;
  let officer: Agent;
  let approver: Agent;
  let provider: string;
  let other: string;
  let genuine: { id: string; code: string; file: SignedNoticeFile };
  let second: { id: string; code: string; file: SignedNoticeFile };
  let url = "";

  async function issue(providerId: string) {
    const n = await sentNotice(officer, approver, noticeForm(providerId));
    const file = await officer.req<SignedNoticeFile>("GET", `/api/v1/notices/${n.id}/signed`);
    return { id: n.id, code: String(n.verificationCode), file: file.body };
  }
  const check = (body: unknown) => anon.req<VerifyView & ApiError>("POST", "/api/v1/verify", body);

  beforeAll(async () => {
    node = await createTestNode({ id: "CN-MPS" });
    await node.user("wang.compliance", ["provider_compliance"]);
    await node.user("li.compliance", ["provider_compliance"]);
    officer = await node.as("wang.compliance");
    approver = await node.as("li.compliance");
    provider = await addProvider(officer, "Example Weibo");
    other = await addProvider(officer, "Example Cloud");
    genuine = await issue(provider);
    second = await issue(provider);
    anon = new Agent(node.rt);
    url = await node.rt.app.listen({ port: 0, host: "127.0.0.1" });
  }, 120_000);
  afterAll(() => node?.close());

  it("says who sent a genuine notice, when, and that it is in force, by its code however typed", async () => {
    const r = await check({ code: genuine.code.toLowerCase().replace(/-/g, " ") });
    expect(r.status).toBe(200);
    expect(r.body.result).toBe("valid");
    expect(r.body.notice).toMatchObject({
      node: "CN-MPS",
      agency: "Test agency",
      officer: "wang.compliance",
      approvedBy: "li.compliance",
      provider: "Example Weibo",
      kind: "remove_content",
      inForce: true,
      withdrawnAt: null,
    });
    const byFile = await check({ document: genuine.file });
    expect(byFile.body.result).toBe("valid");
  });

  it("names forged, altered and replayed notices, and mistyped or guessed codes", async () => {
    // One symbol changed: the check symbol catches it before any lookup.
    const typo = `${genuine.code[0] === "A" ? "B" : "A"}${genuine.code.slice(1)}`;
    expect((await check({ code: typo })).body.result).toBe("malformed");
    // A well-formed code nobody issued.
    const guessed = makeVerificationCode(Array.from({ length: 20 }, (_, i) => (i * 7) % 32));
    expect(normaliseVerificationCode(guessed)).not.toBeNull();
    expect((await check({ code: guessed })).body.result).toBe("unknown");
    // Altered: the readable content no longer matches what was signed.
    const altered = structuredClone(genuine.file);
    altered.notice.reason = { lang: "en", text: "Remove every post of the account at once." };
    expect((await check({ document: altered })).body.result).toBe("altered");
    // Forged: signed by a key that is not the node's (even claiming the node's key id).
    const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    const jwk = await exportJWK(privateKey);
    const kid = JSON.parse(Buffer.from(genuine.file.signature.split(".")[0], "base64url").toString()).kid;
    const forged: SignedNoticeFile = {
      ...genuine.file,
      signature: await signStatement(
        NOTICE_JWS_TYP,
        { code: genuine.file.code, notice: genuine.file.notice },
        { kid, privateJwk: jwk as never },
      ),
    };
    const f = await check({ document: forged });
    expect(f.body.result).toBe("forged");
    expect(f.body.notice).toBeNull();
    // Replayed: a genuine signed notice presented with another notice's code, or by another addressee.
    expect((await check({ document: { ...genuine.file, code: second.code } })).body.result).toBe("replayed");
    expect((await check({ document: genuine.file, addressee: other })).body.result).toBe("replayed");
    expect((await check({ code: genuine.code, addressee: other })).body.result).toBe("replayed");
    expect((await check({ document: genuine.file, addressee: provider })).body.result).toBe("valid");
    const failed = await node.rt.services.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, "notice.verify_failed"));
    expect(failed.map((a) => (a.details as { result: string }).result).sort()).toEqual(
      ["altered", "forged", "malformed", "replayed", "replayed", "replayed", "unknown"].sort(),
    );
    expect(failed.every((a) => a.actorType === "anonymous" && a.outcome === "failure")).toBe(true);
  });

  it("shows a withdrawn notice as genuine but withdrawn, no longer in force", async () => {
    await officer.req("POST", `/api/v1/notices/${second.id}/actions`, {
      event: "withdraw",
      reason: "Sent in error.",
    });
    const r = await check({ code: second.code });
    expect(r.body.result).toBe("withdrawn");
    expect(r.body.notice?.inForce).toBe(false);
    expect(r.body.notice?.withdrawnAt).not.toBeNull();
  });

  it("checks from the command line against the issuing node, by code or by file", async () => {
    const ok = await runCliAsync(["notices", "verify", genuine.code, "--node", url]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("Genuine and in force");
    expect(ok.stdout).toContain("wang.compliance");
    const dir = node.dataDir;
    const file = path.join(dir, "forged-notice.json");
    const altered = structuredClone(genuine.file);
    altered.notice.actBy = "2030-01-01T00:00:00.000Z";
    writeFileSync(file, JSON.stringify(altered));
    const bad = await runCliAsync(["notices", "verify", file, "--node", url, "--json"]);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).result).toBe("altered");
  }, 60_000);

  it("slows repeated failures down, then refuses them, and audits the refusal", async () => {
    const key = "verify:bad:127.0.0.1";
    const db = node.rt.services.db;
    const [row] = await db.select().from(rateLimits).where(eq(rateLimits.key, key));
    // The failures count in fixed 15-minute windows; the tests above may have failed in the window before this
    // one (the run crossed a quarter hour), so the counts are set in the window of now.
    const thisWindow = () => new Date(Math.floor(Date.now() / 900_000) * 900_000);
    // Ten failures already in this window: the next costs (11 - 5) × 250 ms.
    await db
      .update(rateLimits)
      .set({ count: 10, windowStart: thisWindow() })
      .where(eq(rateLimits.key, row.key));
    const t0 = Date.now();
    expect((await check({ code: "0000-0000-0000-0000-0000-1" })).body.result).toBe("malformed");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
    await db
      .update(rateLimits)
      .set({ count: 30, windowStart: thisWindow() })
      .where(eq(rateLimits.key, row.key));
    const refused = await check({ code: genuine.code });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("RATE_LIMITED");
    const audited = await db.select().from(auditLog).where(eq(auditLog.action, "notice.verify_refused"));
    expect(audited).toHaveLength(1);
  });
});
