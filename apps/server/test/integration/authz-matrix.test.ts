import { ROLES, type Role } from "@crossline/schemas";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  type MatrixCase,
  type MatrixFixtures,
  matrixFixtures,
  runMatrix,
  type Target,
} from "../support/matrix.js";
import { Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";

const only = (roles: Role[], ok: number, otherwise: number) => (r: Role) =>
  roles.includes(r) ? ok : otherwise;

/**
 * Every role × every endpoint of the node × a record of the caller's own unit or
 * of another unit. A record the caller may not see answers 404, never 403.
 */
const CASES: MatrixCase[] = [
  {
    name: "GET /users",
    method: "GET",
    targets: ["none"],
    request: () => ({ url: "/api/v1/users" }),
    expect: only(["admin", "supervisor"], 200, 403),
  },
  {
    name: "GET /users/:id",
    method: "GET",
    targets: ["own", "other"],
    request: () => ({ url: "/api/v1/users/:id" }),
    expect: (r, t) => (r === "admin" ? 200 : r === "supervisor" && t === "own" ? 200 : 404),
  },
  {
    name: "POST /users",
    method: "POST",
    targets: ["none"],
    request: (_t, fx) => ({
      url: "/api/v1/users",
      body: {
        username: `new.${Math.random().toString(36).slice(2, 8)}`,
        displayName: "New",
        unitId: fx.ownUnit,
        roles: ["case_officer"],
      },
    }),
    expect: only(["admin"], 201, 403),
  },
  {
    name: "PATCH /users/:id",
    method: "PATCH",
    targets: ["own", "other"],
    request: () => ({ url: "/api/v1/users/:id", body: { displayName: "Renamed" } }),
    expect: (r, t) => (r === "admin" ? 200 : r === "supervisor" && t === "own" ? 403 : 404),
  },
  {
    name: "POST /users/:id/reset-mfa",
    method: "POST",
    targets: ["own", "other"],
    request: () => ({ url: "/api/v1/users/:id/reset-mfa", body: {} }),
    expect: (r, t) => (r === "admin" ? 204 : r === "supervisor" && t === "own" ? 403 : 404),
  },
  {
    name: "POST /users/:id/reset-password",
    method: "POST",
    targets: ["own", "other"],
    request: () => ({ url: "/api/v1/users/:id/reset-password", body: {} }),
    expect: (r, t) => (r === "admin" ? 200 : r === "supervisor" && t === "own" ? 403 : 404),
  },
  {
    name: "GET /units",
    method: "GET",
    targets: ["none"],
    request: () => ({ url: "/api/v1/units" }),
    expect: () => 200,
  },
  {
    name: "GET /agencies",
    method: "GET",
    targets: ["none"],
    request: () => ({ url: "/api/v1/agencies" }),
    expect: () => 200,
  },
  {
    name: "POST /units",
    method: "POST",
    targets: ["none"],
    request: () => ({
      url: "/api/v1/units",
      body: { agencyId, name: `Unit ${Math.random().toString(36).slice(2, 8)}` },
    }),
    expect: only(["admin"], 201, 403),
  },
  {
    name: "GET /audit",
    method: "GET",
    targets: ["none"],
    request: () => ({ url: "/api/v1/audit" }),
    expect: only(["auditor"], 200, 403),
  },
  {
    name: "GET /audit/verify",
    method: "GET",
    targets: ["none"],
    request: () => ({ url: "/api/v1/audit/verify" }),
    expect: only(["auditor"], 200, 403),
  },
  {
    name: "GET /tokens",
    method: "GET",
    targets: ["none"],
    request: () => ({ url: "/api/v1/tokens" }),
    expect: () => 200,
  },
  {
    name: "POST /tokens",
    method: "POST",
    targets: ["none"],
    request: () => ({ url: "/api/v1/tokens", body: { name: "mine", expiresInDays: 1 } }),
    expect: () => 201,
  },
  {
    name: "DELETE /tokens/:id (someone else's)",
    method: "DELETE",
    targets: ["own", "other"],
    request: () => ({ url: "/api/v1/tokens/:id", body: {} }),
    expect: only(["admin"], 204, 404),
  },
  {
    name: "PUT /me/preferences",
    method: "PUT",
    targets: ["none"],
    request: () => ({ url: "/api/v1/me/preferences", body: { timeZone: "America/New_York" } }),
    expect: () => 200,
  },
  {
    name: "GET /node",
    method: "GET",
    targets: ["none"],
    request: () => ({ url: "/api/v1/node" }),
    expect: () => 200,
  },
];

let agencyId = "";

describeDb("authorization matrix: role × endpoint × own / other unit", () => {
  let node: TestNode;
  let fx: MatrixFixtures;
  beforeAll(async () => {
    node = await createTestNode();
    fx = await matrixFixtures(node);
    agencyId = (await (await node.as("admin")).req<{ items: { id: string }[] }>("GET", "/api/v1/agencies"))
      .body.items[0].id;
  });
  afterAll(() => node?.close());

  const prepareFor = (c: MatrixCase) => async (t: Target) => {
    if (t === "none") return "";
    const userId = t === "own" ? await fx.ownUser() : await fx.otherUser();
    if (!c.name.startsWith("DELETE /tokens")) return userId;
    // A token belonging to that user, made by the admin on their behalf.
    const admin = await node.as("admin");
    const res = await admin.req<{ token: { id: string } }>("POST", "/api/v1/tokens", {
      name: "theirs",
      userId,
      expiresInDays: 1,
    });
    return res.body.token.id;
  };

  for (const c of CASES) {
    it(c.name, async () => {
      expect(await runMatrix(c, fx, prepareFor(c))).toEqual([]);
    });
  }

  it("answers 401 to anonymous callers on every non-public endpoint", async () => {
    const anon = new Agent(node.rt);
    const statuses: string[] = [];
    for (const c of CASES.filter((x) => x.name !== "GET /node")) {
      const { url, body } = c.request("none", fx);
      const res = await anon.req(c.method, url.replace(":id", "0190a0c0-0000-7000-8000-000000000000"), body);
      if (res.status !== 401) statuses.push(`${c.name}: ${res.status}`);
    }
    expect(statuses).toEqual([]);
  });

  it("limits an API token to the roles it was given, never more than its user's", async () => {
    await node.user("two.roles", ["supervisor", "auditor"], fx.ownUnit);
    const u = await node.as("two.roles");
    const created = await u.req<{ secret: string }>("POST", "/api/v1/tokens", {
      name: "audit only",
      roles: ["auditor"],
      expiresInDays: 1,
    });
    expect(created.status).toBe(201);
    const tok = node.bearer(created.body.secret);
    expect((await tok.req("GET", "/api/v1/audit")).status).toBe(200);
    expect((await tok.req("GET", "/api/v1/users")).status).toBe(403);
    const escalate = await u.req<{ error: { details: { field: string }[] } }>("POST", "/api/v1/tokens", {
      name: "admin please",
      roles: ["admin"],
      expiresInDays: 1,
    });
    expect(escalate.status).toBe(400);
    expect(escalate.body.error.details[0].field).toBe("roles");
    expect(ROLES).toContain("auditor");
  });
});
