import { generate } from "otplib";
import { afterAll, beforeAll, expect, it } from "vitest";
import { systemCtx } from "../../src/lib/actor.js";
import { Agent, createTestNode, describeDb, TEST_PASSWORD, type TestNode } from "../support/node.js";

type Err = { error: { code: string } };

describeDb("MFA, passwords, sessions and API tokens", () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await createTestNode({ settings: { mfaRequired: true } });
  });
  afterAll(() => node?.close());

  it("walks a new user through the one-time password and the required MFA enrolment", async () => {
    const created = await node.rt.services.users.create(
      {
        actor: (await import("../../src/modules/node/node.service.js")).cliActor("test"),
        ip: null,
        requestId: null,
      },
      {
        username: "new.officer",
        displayName: "New",
        unitId: (await node.rt.services.org.listUnits(systemCtx()))[0].id,
        roles: ["case_officer"],
        language: "en",
      },
    );
    const otp = created.oneTimePassword as string;
    const a = new Agent(node.rt);
    const first = await a.signIn("new.officer", otp);
    expect(first.status).toBe(200);
    expect((first.body as unknown as { user: { mustChangePassword: boolean } }).user.mustChangePassword).toBe(
      true,
    );
    // Nothing else is allowed before the password changes.
    expect(((await a.req<Err>("GET", "/api/v1/tokens")).body as Err).error.code).toBe(
      "PASSWORD_CHANGE_REQUIRED",
    );
    const weak = await a.req<{ error: { details: { field: string }[] } }>("POST", "/api/v1/auth/password", {
      currentPassword: otp,
      newPassword: "short",
    });
    expect(weak.status).toBe(400);
    expect(weak.body.error.details[0].field).toBe("body.newPassword");
    expect(
      (await a.req("POST", "/api/v1/auth/password", { currentPassword: otp, newPassword: TEST_PASSWORD }))
        .status,
    ).toBe(204);
    // Then MFA enrolment is required.
    expect(((await a.req<Err>("GET", "/api/v1/tokens")).body as Err).error.code).toBe(
      "MFA_ENROLMENT_REQUIRED",
    );
    const enrol = await a.req<{ secret: string; otpauthUrl: string; qrDataUrl: string }>(
      "POST",
      "/api/v1/auth/mfa/enrol",
      {},
    );
    expect(enrol.body.qrDataUrl).toMatch(/^data:image\/png;base64,/);
    expect(enrol.body.otpauthUrl).toContain("otpauth://totp/");
    const wrong = await a.req<Err>("POST", "/api/v1/auth/mfa/confirm", { code: "000000" });
    expect(wrong.status).toBe(401);
    const code = await generate({ secret: enrol.body.secret });
    const ok = await a.req<{ user: { mfaEnrolled: boolean } }>("POST", "/api/v1/auth/mfa/confirm", { code });
    expect(ok.status).toBe(200);
    expect(ok.body.user.mfaEnrolled).toBe(true);
    expect((await a.req("GET", "/api/v1/tokens")).status).toBe(200);

    // Signing in now needs the code, and the code just used cannot be replayed.
    const b = new Agent(node.rt);
    expect(((await b.signIn("new.officer")).body as unknown as Err).error.code).toBe("MFA_REQUIRED");
    expect(((await b.signIn("new.officer", TEST_PASSWORD, code)).body as unknown as Err).error.code).toBe(
      "MFA_INVALID",
    );
    const next = await generate({ secret: enrol.body.secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    // The next code in two sign-ins at once (both read the account before either wrote): one gets in.
    const c = new Agent(node.rt);
    const twice = await Promise.all([
      b.signIn("new.officer", TEST_PASSWORD, next),
      c.signIn("new.officer", TEST_PASSWORD, next),
    ]);
    expect(twice.map((r) => r.status).sort()).toEqual([200, 401]);
    expect(twice.map((r) => (r.body as unknown as Partial<Err>).error?.code ?? "ok").sort()).toEqual([
      "MFA_INVALID",
      "ok",
    ]);
    const signedIn = twice[0].status === 200 ? b : c;

    // Sign out everywhere ends both sessions.
    expect((await signedIn.req("POST", "/api/v1/auth/sign-out-everywhere", {})).status).toBe(204);
    expect((await a.req("GET", "/api/v1/auth/session")).status).toBe(401);
  });
});

describeDb("API tokens", () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await createTestNode();
  });
  afterAll(() => node?.close());

  it("stores API tokens hashed, shows the secret once, and honours expiry and revocation", async () => {
    await node.user("machine.owner", ["auditor"]);
    const a = await node.as("machine.owner");
    const created = await a.req<{ token: { id: string; prefix: string }; secret: string }>(
      "POST",
      "/api/v1/tokens",
      {
        name: "nightly export",
        expiresInDays: 1,
      },
    );
    expect(created.status).toBe(201);
    const { secret, token } = created.body;
    const rows = (await node.rt.services.db.execute(
      (
        await import("drizzle-orm")
      ).sql`select secret_hash from api_tokens where id = ${token.id}`,
    )) as unknown as { rows: { secret_hash: string }[] };
    expect(rows.rows[0].secret_hash).not.toContain(secret.slice(4));
    const listed = await a.req<{ items: Record<string, unknown>[] }>("GET", "/api/v1/tokens");
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    const bot = node.bearer(secret);
    expect((await bot.req("GET", "/api/v1/audit")).status).toBe(200);
    // what the token does is recorded as its user's and the token's, in no language (the type is beside it)
    expect(await node.rt.services.tokens.resolve(secret)).toMatchObject({
      type: "token",
      label: "machine.owner · nightly export",
    });
    expect((await a.req("DELETE", `/api/v1/tokens/${token.id}`, {})).status).toBe(204);
    const after = await bot.req<Err>("GET", "/api/v1/audit");
    expect(after.status).toBe(401);
    expect((await node.bearer("clt_not-a-real-token").req("GET", "/api/v1/audit")).status).toBe(401);
  });
});
