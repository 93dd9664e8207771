import { OUTSIDE_ROLES, ROLES } from "@crossline/schemas";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";
import { addProvider } from "../support/providers-fixtures.js";
import { routineSubscriberForm } from "../support/requests-fixtures.js";

type ErrorResponse = {
  error: { code: string; message: string; requestId: string; details: { field?: string; issue: string }[] };
};

describeDb("bad input", () => {
  let node: TestNode;
  let admin: Agent;
  let unitId: string;
  const count = async (table: string) =>
    Number(
      (
        (await node.rt.services.db.execute(
          sql.raw(`select count(*)::int as n from ${table}`),
        )) as unknown as { rows: { n: number }[] }
      ).rows[0].n,
    );

  beforeAll(async () => {
    node = await createTestNode({ settings: { bodyLimitBytes: 4096 } });
    admin = await node.as("admin");
    unitId = (await admin.req<{ items: { id: string }[] }>("GET", "/api/v1/units")).body.items[0].id;
  });
  afterAll(() => node?.close());

  const expectError = (
    res: { status: number; body: unknown; headers: Record<string, unknown> },
    status: number,
    code: string,
  ) => {
    expect(res.status).toBe(status);
    const body = res.body as ErrorResponse;
    expect(body.error.code).toBe(code);
    expect(body.error.requestId).toBe(res.headers["x-request-id"]);
    expect(body.error.message.length).toBeGreaterThan(0);
    return body.error;
  };

  it("malformed JSON is a 400 naming the body, and nothing is written", async () => {
    const before = await count("users");
    const res = await admin.req("POST", "/api/v1/users", '{"username": ', {
      "content-type": "application/json",
    });
    const e = expectError(res, 400, "MALFORMED_JSON");
    expect(e.details[0].field).toBe("body");
    expect(await count("users")).toBe(before);
  });

  it("wrong types name each field", async () => {
    const res = await admin.req("POST", "/api/v1/users", {
      username: 42,
      displayName: "X",
      unitId,
      roles: "admin",
    });
    const e = expectError(res, 400, "VALIDATION_FAILED");
    const fields = e.details.map((d) => d.field);
    expect(fields).toContain("body.username");
    expect(fields).toContain("body.roles");
  });

  it("unknown fields are refused by name", async () => {
    const res = await admin.req("POST", "/api/v1/users", {
      username: "someone",
      displayName: "X",
      unitId,
      roles: ["auditor"],
      isSuperuser: true,
    });
    const e = expectError(res, 400, "VALIDATION_FAILED");
    expect(e.details).toContainEqual({ field: "body.isSuperuser", issue: "unknown field" });
  });

  it("an unknown role is refused with the field named", async () => {
    const res = await admin.req("POST", "/api/v1/users", {
      username: "someone",
      displayName: "X",
      unitId,
      roles: ["root"],
    });
    const e = expectError(res, 400, "VALIDATION_FAILED");
    expect(e.details[0].field).toBe("body.roles.0");
  });

  it("an outside role comes only with a provider's staff account, which keeps it alone; an officer may hold every officer role", async () => {
    const users = await count("users");
    const outside = expectError(
      await admin.req(
        "POST",
        "/api/v1/users",
        { username: "half-staff", displayName: "X", unitId, roles: ["case_officer", "provider_user"] },
        { "accept-language": "zh-CN" },
      ),
      400,
      "VALIDATION_FAILED",
    );
    expect(outside.details[0]).toMatchObject({ field: "roles", key: "users.outsideRole" });
    expect(outside.details[0].issue).toContain("服务提供者人员");
    expect(await count("users")).toBe(users);

    const officerRoles = ROLES.filter((r) => !OUTSIDE_ROLES.includes(r));
    const made = await admin.req<{ user: { id: string; roles: string[] } }>("POST", "/api/v1/users", {
      username: "all-hats",
      displayName: "X",
      unitId,
      roles: [...officerRoles, "auditor"],
    });
    expect(made.status).toBe(201);
    expect([...made.body.user.roles].sort()).toEqual([...officerRoles].sort());
    const officer = `/api/v1/users/${made.body.user.id}`;
    const gain = expectError(
      await admin.req("PATCH", officer, { roles: ["auditor", "provider_user"] }),
      400,
      "VALIDATION_FAILED",
    );
    expect(gain.details[0]).toMatchObject({ field: "roles", key: "users.outsideRole" });

    const providerId = await addProvider(admin, "Roles Test Cloud");
    const staff = await admin.req<{ user: { id: string } }>("POST", `/api/v1/providers/${providerId}/users`, {
      username: "cloud-staff",
      displayName: "Staff",
      email: "staff@cloud.example.cn",
      timeZone: "Asia/Shanghai",
    });
    expect(staff.status, JSON.stringify(staff.body)).toBe(201);
    const account = `/api/v1/users/${staff.body.user.id}`;
    for (const roles of [["provider_user", "case_officer"], ["auditor"]]) {
      const e = expectError(await admin.req("PATCH", account, { roles }), 400, "VALIDATION_FAILED");
      expect(e.details[0]).toMatchObject({ field: "roles", key: "users.outsideAccount" });
    }
    const kept = await admin.req<{ user: { roles: string[] } }>("PATCH", account, {
      roles: ["provider_user", "provider_user"],
      displayName: "Staff member",
    });
    expect(kept.status).toBe(200);
    expect(kept.body.user.roles).toEqual(["provider_user"]);
  });

  it("an oversize body is a 413", async () => {
    const res = await admin.req("POST", "/api/v1/users", {
      username: "big",
      displayName: "x".repeat(10_000),
      unitId,
      roles: ["auditor"],
    });
    expectError(res, 413, "PAYLOAD_TOO_LARGE");
  });

  it("a non-JSON content type is a 415", async () => {
    const res = await admin.req("POST", "/api/v1/users", "username=x", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expectError(res, 415, "UNSUPPORTED_MEDIA_TYPE");
  });

  it("SQL and HTML in strings are stored as plain text, never executed", async () => {
    const name = `Robert'); DROP TABLE users;-- <script>alert(1)</script>`;
    const res = await admin.req<{ user: { id: string; displayName: string } }>("POST", "/api/v1/users", {
      username: "bobby.tables",
      displayName: name,
      unitId,
      roles: ["auditor"],
    });
    expect(res.status).toBe(201);
    const back = await admin.req<{ user: { displayName: string } }>(
      "GET",
      `/api/v1/users/${res.body.user.id}`,
    );
    expect(back.body.user.displayName).toBe(name);
    expect(await count("users")).toBeGreaterThan(1);
  });

  it("a bad path parameter names it", async () => {
    const e = expectError(await admin.req("GET", "/api/v1/users/not-a-uuid"), 400, "VALIDATION_FAILED");
    expect(e.details[0].field).toBe("params.id");
  });

  it("a bad query parameter names it", async () => {
    const e = expectError(await admin.req("GET", "/api/v1/users?limit=100000"), 400, "VALIDATION_FAILED");
    expect(e.details[0].field).toBe("querystring.limit");
  });

  it("a cursor that is not one of the list's names it, not a server error (a fuzz seed found -1e400)", async () => {
    for (const path of [
      "/api/v1/users?cursor=-1e400",
      "/api/v1/users?cursor=------------------------------------",
    ]) {
      const e = expectError(await admin.req("GET", path), 400, "VALIDATION_FAILED");
      expect(e.details[0].field).toBe("querystring.cursor");
    }
  });

  it("messages follow Accept-Language", async () => {
    const res = await admin.req("GET", "/api/v1/users/not-a-uuid", undefined, {
      "accept-language": "zh-CN,zh;q=0.9",
    });
    expect((res.body as ErrorResponse).error.message).toBe("请求无效。");
  });

  it("validation issues follow Accept-Language: Zod's own through its zh-CN locale, ours by the dictionary", async () => {
    const zh = { "accept-language": "zh-CN,zh;q=0.9,en;q=0.5" };
    const issues = async (res: { status: number; body: unknown; headers: Record<string, unknown> }) =>
      Object.fromEntries(expectError(res, 400, "VALIDATION_FAILED").details.map((d) => [d.field, d.issue]));
    const badUser = { username: 42, displayName: "X", unitId, roles: ["auditor"], isSuperuser: true };
    // English stays Zod's and ours, word for word.
    const en = await issues(await admin.req("POST", "/api/v1/users", badUser));
    expect(en["body.username"]).toBe("Invalid input: expected string, received number");
    expect(en["body.isSuperuser"]).toBe("unknown field");
    const cn = await issues(await admin.req("POST", "/api/v1/users", badUser, zh));
    expect(cn["body.username"]).toBe("无效输入：期望 string，实际接收 数字");
    expect(cn["body.isSuperuser"]).toBe("未知字段");
    // A custom message of the schemas package, and a built-in bound on a query parameter.
    const name = { username: "Not Allowed!", displayName: "X", unitId, roles: ["auditor"] };
    expect((await issues(await admin.req("POST", "/api/v1/users", name)))["body.username"]).toBe(
      "only letters, digits, '.', '-' and '_'",
    );
    expect((await issues(await admin.req("POST", "/api/v1/users", name, zh)))["body.username"]).toBe(
      "只能包含字母、数字、“.”、“-”和“_”",
    );
    expect(
      (await issues(await admin.req("GET", "/api/v1/users?limit=100000", undefined, zh)))[
        "querystring.limit"
      ],
    ).toMatch(/^数值过大：期望 number <=\d+$/);
    // A typed request form: a plain custom message and a parametrised one.
    const form = {
      ...routineSubscriberForm(),
      urgency: "urgent",
      requestingAuthority: {
        name: "Ministry of Public Security",
        officer: { name: { original: "李强" } },
        contact: { email: "li.qiang@mps.example.cn" },
      },
    };
    const body = { peerId: "US-DOJ", form };
    const formEn = await issues(await admin.req("POST", "/api/v1/requests", body));
    expect(formEn).toMatchObject({
      "body.form.requestingAuthority.officer.name.romanised":
        "give the romanised form of a name written in a non-Latin script",
      "body.form.urgencyReason": "say why the request is urgent",
    });
    const formZh = await issues(await admin.req("POST", "/api/v1/requests", body, zh));
    expect(formZh).toMatchObject({
      "body.form.requestingAuthority.officer.name.romanised": "以非拉丁文字书写的姓名，请同时给出罗马字拼写",
      "body.form.urgencyReason": "请说明请求为何加急",
    });
  });

  it("issues raised by the services are in Chinese too", async () => {
    const body = { username: "thrice", displayName: "X", unitId, roles: ["auditor"] };
    expect((await admin.req("POST", "/api/v1/users", body)).status).toBe(201);
    const en = expectError(await admin.req("POST", "/api/v1/users", body), 409, "CONFLICT");
    expect(en.details[0].issue).toBe("this username is taken");
    const zh = expectError(
      await admin.req("POST", "/api/v1/users", body, { "accept-language": "zh-CN" }),
      409,
      "CONFLICT",
    );
    expect(zh.message).toBe("与当前状态冲突。");
    expect(zh.details[0]).toEqual({ field: "username", issue: "该用户名已被占用" });
    const missing = expectError(
      await admin.req("GET", "/api/v1/users/0190a0c0-0000-7000-8000-000000000000", undefined, {
        "accept-language": "zh",
      }),
      404,
      "NOT_FOUND",
    );
    // a parametrised text travels as a key with parameters, worded in the reader's language
    expect(missing.details[0]).toEqual({
      issue: "未找到用户",
      key: "record.notFound",
      params: { what: "user" },
    });
  });

  it("an unknown route is a 404 in the same error body", async () => {
    expectError(await admin.req("GET", "/api/v1/nothing-here"), 404, "NOT_FOUND");
  });

  it("a conflicting username is a 409 and leaves one user", async () => {
    const body = { username: "twice", displayName: "X", unitId, roles: ["auditor"] };
    expect((await admin.req("POST", "/api/v1/users", body)).status).toBe(201);
    const e = expectError(await admin.req("POST", "/api/v1/users", body), 409, "CONFLICT");
    expect(e.details[0].field).toBe("username");
  });

  it("a failed sign-in with bad input is refused and audited", async () => {
    const before = await count("audit_log");
    const res = await admin.req("POST", "/api/v1/auth/sign-in", {
      username: "admin",
      password: "wrong-password",
    });
    expect(res.status).toBe(401);
    expect(await count("audit_log")).toBe(before + 1);
  });
});

describeDb("HTTP surface", () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await createTestNode();
  });
  afterAll(() => node?.close());

  it("serves OpenAPI 3.1 generated from the route schemas, and a docs page", async () => {
    const a = await node.as("admin");
    const doc = await a.req<{
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    }>("GET", "/api/openapi.json");
    expect(doc.body.openapi).toBe("3.1.0");
    expect(Object.keys(doc.body.paths)).toContain("/api/v1/users/{id}");
    expect(JSON.stringify(doc.body.paths["/api/v1/users"].post.requestBody)).toContain("username");
    const docs = await node.rt.app.inject({ method: "GET", url: "/api/docs/" });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain("swagger");
  });

  it("answers health, readiness and Prometheus metrics", async () => {
    expect((await node.rt.app.inject({ url: "/healthz" })).json()).toEqual({ status: "ok" });
    expect((await node.rt.app.inject({ url: "/readyz" })).json()).toMatchObject({
      status: "ready",
      node: "TEST-A",
    });
    const m = await node.rt.app.inject({ url: "/metrics" });
    expect(m.body).toContain("crossline_http_request_duration_seconds");
    expect(m.body).toContain("crossline_process_cpu_seconds_total");
  });

  it("sets security headers", async () => {
    const res = await node.rt.app.inject({ url: "/healthz" });
    expect(res.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["x-frame-options"]).toBeDefined();
    expect(res.headers["x-request-id"]).toMatch(/^req_/);
  });
});
