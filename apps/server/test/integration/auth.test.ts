import { afterAll, beforeAll, expect, it } from "vitest";
import { Agent, createTestNode, describeDb, TEST_PASSWORD, type TestNode } from "../support/node.js";

describeDb("sign-in, sessions and CSRF", () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await createTestNode({
      settings: { signIn: { maxFailures: 3, lockMinutes: 15, perIpPerMinute: 1000 } },
    });
    await node.user("officer.a", ["case_officer"]);
    await node.user("locked.b", ["case_officer"]);
    await node.user("burst.c", ["case_officer"]);
  });
  afterAll(() => node?.close());

  it("signs in, reads the session, and signs out", async () => {
    const a = new Agent(node.rt);
    const res = await a.signIn("officer.a");
    expect(res.status).toBe(200);
    expect(res.headers["set-cookie"]).toMatch(/HttpOnly/);
    expect(res.headers["set-cookie"]).toMatch(/SameSite=Strict/);
    const s = await a.req<{ user: { username: string; roles: string[] } }>("GET", "/api/v1/auth/session");
    expect(s.status).toBe(200);
    expect(s.body.user.username).toBe("officer.a");
    expect((await a.req("POST", "/api/v1/auth/sign-out")).status).toBe(204);
    expect((await a.req("GET", "/api/v1/auth/session")).status).toBe(401);
  });

  it("answers the console's session probe with 204 when nobody is signed in (no logged 401), 401 without it", async () => {
    const a = new Agent(node.rt);
    expect((await a.req("GET", "/api/v1/auth/session?probe=true")).status).toBe(204);
    expect((await a.req("GET", "/api/v1/auth/session")).status).toBe(401);
    expect((await a.req("GET", "/api/v1/auth/session?probe=yes")).status).toBe(400);
    await a.signIn("officer.a");
    const s = await a.req<{ user: { username: string } }>("GET", "/api/v1/auth/session?probe=true");
    expect(s.status).toBe(200);
    expect(s.body.user.username).toBe("officer.a");
    // the node tells the sign-in page its language (English unless configured)
    const info = await a.req<{ node: { language: string; agency: string; agencyZh: string | null } }>(
      "GET",
      "/api/v1/node",
    );
    expect(info.body.node.language).toBe("en");
    // the agency in both languages: the dashboard shows the reader's
    expect(info.body.node).toMatchObject({ agency: "Test agency", agencyZh: "测试机构" });
  });

  it("names the user's unit in English and, when it has one, in Chinese", async () => {
    const admin = await node.as("admin");
    const agencies = await admin.req<{ items: { id: string }[] }>("GET", "/api/v1/agencies");
    const unit = await admin.req<{ unit: { id: string; nameZh: string | null } }>("POST", "/api/v1/units", {
      agencyId: agencies.body.items[0].id,
      name: "Cybercrime Hotline",
      nameZh: "网络犯罪热线处",
    });
    expect(unit.status).toBe(201);
    expect(unit.body.unit.nameZh).toBe("网络犯罪热线处");
    await node.user("hotline.c", ["duty_officer"], unit.body.unit.id);
    type Session = { user: { unitName: string; unitNameZh: string | null } };
    const s = await (await node.as("hotline.c")).req<Session>("GET", "/api/v1/auth/session");
    expect(s.body.user).toMatchObject({ unitName: "Cybercrime Hotline", unitNameZh: "网络犯罪热线处" });
    // A unit without a Chinese name: null, not a guess.
    await node.user("plain.d", ["case_officer"], await node.unit("Liaison"));
    const plain = await (await node.as("plain.d")).req<Session>("GET", "/api/v1/auth/session");
    expect(plain.body.user.unitNameZh).toBeNull();
    const prefs = await (await node.as("hotline.c")).req<{ user: Session["user"] }>(
      "PUT",
      "/api/v1/me/preferences",
      { language: "zh-CN" },
    );
    expect(prefs.body.user.unitNameZh).toBe("网络犯罪热线处");
  });

  it("refuses a mutating request without the CSRF token", async () => {
    const a = await node.as("officer.a");
    a.csrf = null;
    const r = await a.req<{ error: { code: string } }>("PUT", "/api/v1/me/preferences", {
      language: "zh-CN",
    });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("CSRF_FAILED");
  });

  it("locks the account after repeated failures and audits every attempt", async () => {
    const a = new Agent(node.rt);
    for (let i = 0; i < 2; i++) {
      const r = await a.signIn("locked.b", "wrong-password-000");
      expect(r.status).toBe(401);
    }
    const third = await a.signIn("locked.b", "wrong-password-000");
    expect(third.status).toBe(423);
    const correct = await a.signIn("locked.b", TEST_PASSWORD);
    expect(correct.status).toBe(423);
    const auditor = await node.as("admin");
    // The admin is not an auditor: the audit trail is not theirs to read.
    expect((await auditor.req("GET", "/api/v1/audit")).status).toBe(403);
    const entries = await node.rt.services.audit.list(
      {
        actor: { ...(await import("../../src/modules/node/node.service.js")).cliActor("test") },
        ip: null,
        requestId: null,
      },
      { limit: 50, action: "auth.sign_in" },
    );
    const forB = entries.items.filter((e) => e.details.username === "locked.b");
    expect(forB.map((e) => e.details.reason)).toEqual([
      "locked",
      "bad_password",
      "bad_password",
      "bad_password",
    ]);
    expect(forB.every((e) => e.outcome === "failure")).toBe(true);
  });

  it("counts wrong passwords sent in parallel, each one: the account locks, and the right one in the burst is refused", async () => {
    // All of them read the account before any wrote: counting from what each read made six failures count as
    // one, and the lockout could be walked around by guessing in parallel.
    const a = new Agent(node.rt);
    const burst = await Promise.all([
      ...Array.from({ length: 6 }, () => a.signIn("burst.c", "wrong-password-000")),
      a.signIn("burst.c", TEST_PASSWORD),
    ]);
    expect(burst.slice(0, 6).every((r) => r.status === 401 || r.status === 423)).toBe(true);
    expect(burst.slice(0, 6).filter((r) => r.status === 423).length).toBeGreaterThanOrEqual(1);
    expect((await a.signIn("burst.c", TEST_PASSWORD)).status).toBe(423);
  });

  it("answers an unknown user exactly like a wrong password", async () => {
    const a = new Agent(node.rt);
    const r = await a.signIn("nobody.here", "whatever-password");
    expect(r.status).toBe(401);
    expect((r.body as unknown as { error: { code: string } }).error.code).toBe("INVALID_CREDENTIALS");
  });
});
