import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";
import { matrixRows, type Route, routeOf, routeTable } from "../support/routes.js";

/**
 * Routes that answer without a signed-in caller, so they have no row in a role matrix, and why. Anything
 * else the node serves must have a row (role × own unit / other unit / other node) in a matrix suite.
 */
const PUBLIC: Record<string, string> = {
  "GET /healthz": "liveness probe",
  "GET /readyz": "readiness probe",
  "GET /metrics": "Prometheus scrape (no personal data)",
  "GET /api/openapi.json": "the API's description",
  "POST /api/v1/auth/sign-in": "signing in (rate-limited per address, see auth.test.ts)",
  "POST /federation/v1/envelopes":
    "peer to peer, authenticated by the sender's signature (public-input-fuzz)",
  "POST /federation/v1/pairing": "peer to peer, authenticated by the invitation secret (public-input-fuzz)",
  "POST /federation/v1/control": "peer to peer, authenticated by the sender's signature (public-input-fuzz)",
  "POST /federation/v1/reconcile":
    "peer to peer, authenticated by the sender's signature (public-input-fuzz, restore-*.test.ts)",
  "GET /federation/v1/attachments/:origin/:id": "peer to peer, authorised by a signed statement",
  "POST /api/v1/verify": "anyone checks a notice's authenticity (rate-limited, audited: verify.test.ts)",
  "PUT /federation/v1/attachments/:origin/:id/chunks/:idx": "peer to peer, authorised by a signed statement",
  "GET /calendar/v1/rounds/:file":
    "a user's calendar feed, authorised by the token in its URL (rounds.test.ts)",
};
/** The API's documentation page and its assets (Swagger UI). */
const isDocsPage = (r: Route) => r.method === "GET" && /^\/api\/docs(\/|$)/.test(r.url);
/** The console's own files (index.html and its hashed assets, registered when the console is built): public. */
const isConsoleFile = (r: Route) =>
  r.method === "GET" && !/^\/(api|federation|healthz|readyz|metrics)(\/|$)/.test(r.url);

/** Signed-in routes a request/response matrix cannot drive, and where their authorization is tested instead. */
const ELSEWHERE: Record<string, string> = {
  "GET /api/v1/notifications/stream":
    "an endless event stream; anonymous 401 in requests-authz.test.ts, own notifications only in requests-api.test.ts",
};

const key = (r: Route) => `${r.method} ${r.url}`;

describeDb("route table: every route has a row in an authorization matrix", () => {
  let node: TestNode;
  let routes: Route[];
  const rows = matrixRows(path.dirname(fileURLToPath(import.meta.url)));
  beforeAll(async () => {
    node = await createTestNode();
    routes = routeTable(node.rt.app);
  });
  afterAll(() => node?.close());

  it("reads the whole route table", () => {
    // A floor, so a parsing fault that drops routes cannot pass silently.
    expect(routes.length).toBeGreaterThanOrEqual(74);
    expect(routes).toContainEqual({
      method: "PUT",
      url: "/federation/v1/attachments/:origin/:id/chunks/:idx",
    });
    expect(routes).toContainEqual({ method: "GET", url: "/api/v1/peers/:peerId/pings" });
  });

  it("finds a matrix row for every signed-in route", () => {
    const covered = new Set(rows.map((r) => routeOf(routes, r.method, r.url)).map((r) => r && key(r)));
    const missing = routes
      .filter((r) => !isDocsPage(r) && !isConsoleFile(r) && !(key(r) in PUBLIC) && !(key(r) in ELSEWHERE))
      .filter((r) => !covered.has(key(r)))
      .map(key);
    expect(missing, "add a row for each in a *-authz.test.ts / authz-matrix.test.ts suite").toEqual([]);
  });

  it("has no matrix row for a route that does not exist", () => {
    const stale = rows.filter((r) => !routeOf(routes, r.method, r.url)).map((r) => `${r.file}: ${key(r)}`);
    expect(stale).toEqual([]);
  });

  it("lists only routes that exist as public or tested elsewhere", () => {
    const names = new Set(routes.map(key));
    expect(Object.keys({ ...PUBLIC, ...ELSEWHERE }).filter((k) => !names.has(k))).toEqual([]);
  });

  it("answers the public routes without a session, and never with a server error", async () => {
    const anon = new Agent(node.rt);
    const bad: string[] = [];
    for (const r of routes.filter((x) => key(x) in PUBLIC || isDocsPage(x))) {
      const url = r.url
        .replace("*", "index.css")
        .replace(":origin", "CN-MPS")
        .replace(":id", "0190a0c0-0000-7000-8000-000000000000")
        .replace(":idx", "0");
      const res = await anon.req(r.method, url, r.method === "GET" ? undefined : {});
      // Peer-to-peer routes may refuse an unsigned call (401), but never ask for a user's session.
      const code = (res.body as { error?: { code?: string } } | null)?.error?.code;
      if (res.status >= 500 || (code === "UNAUTHENTICATED" && !r.url.startsWith("/federation/")))
        bad.push(`${key(r)}: ${res.status} ${code ?? ""}`);
    }
    expect(bad).toEqual([]);
  });
});
