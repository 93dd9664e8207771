import type { Role } from "@crossline/schemas";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  anonymousMismatches,
  endpoint,
  type MatrixCase,
  type MatrixFixtures,
  matrixFixtures,
  only,
  onRecord,
  runMatrix,
  type Target,
} from "../support/matrix.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";

const READ: Role[] = ["duty_officer", "case_officer", "supervisor", "liaison", "fugitive_asset"];
const WRITE: Role[] = ["case_officer", "supervisor", "liaison", "fugitive_asset"];
const ALL = () => 200;
/** Without the permission 403 (checked first); with it, another unit's record 404 and one's own `ok`. */
const record = (roles: Role[], ok: number) => (r: Role, t: Target) =>
  !roles.includes(r) ? 403 : t === "other" ? 404 : ok;
/** TAXII collections are the node's (not a unit's): the same answer for either target. */
const taxii = (roles: Role[], ok: number) => (r: Role) => (roles.includes(r) ? ok : 403);

let indicator: (t: Target) => Promise<string> = async () => "";
let importOf: (t: Target) => Promise<string> = async () => "";
let collection: () => Promise<string> = async () => "";
let seq = 0;

const CASES: MatrixCase[] = [
  endpoint("GET", "/api/v1/indicators", only(READ, 200)),
  endpoint(
    "POST",
    "/api/v1/indicators/imports?format=csv",
    only(WRITE, 201),
    () => `kind,value\ndomain,m${++seq}.example\n`,
  ),
  onRecord("GET", "/api/v1/indicators/imports/:id", record(READ, 200), { prepare: (t) => importOf(t) }),
  endpoint("POST", "/api/v1/indicators/share", only(WRITE, 409), () => ({
    name: "none left",
    ids: ["ind_0190a0c0-0000-7000-8000-000000000000"],
    marking: { tlp: "GREEN" },
    recipients: ["US-DOJ"],
  })),
  endpoint("GET", "/api/v1/indicators/export", only(READ, 200)),
  onRecord("GET", "/api/v1/indicators/:id", record(READ, 200), { prepare: (t) => indicator(t) }),
  onRecord("POST", "/api/v1/indicators/:id/withdraw", record(WRITE, 200), {
    prepare: (t) => indicator(t),
    body: () => ({}),
  }),
  endpoint("GET", "/api/v1/taxii/collections", only(["admin"], 200)),
  endpoint("POST", "/api/v1/taxii/collections", only(["admin"], 201), () => ({ title: `Feed ${++seq}` })),
  endpoint("GET", "/api/v1/correlation/search?q=example.com", only(READ, 200)),
  endpoint("GET", "/api/v1/correlation/hits", only(READ, 200)),
  endpoint("GET", "/taxii2/", ALL),
  endpoint("GET", "/taxii2/crossline/", ALL),
  endpoint("GET", "/taxii2/crossline/collections/", ALL),
  onRecord("GET", "/taxii2/crossline/collections/:id/", ALL, { prepare: () => collection() }),
  onRecord("GET", "/taxii2/crossline/collections/:id/objects/", taxii(READ, 200), {
    prepare: () => collection(),
  }),
  onRecord("POST", "/taxii2/crossline/collections/:id/objects/", taxii(WRITE, 415), {
    prepare: () => collection(),
    body: () => ({ objects: [] }),
  }),
  onRecord("GET", "/taxii2/crossline/collections/:id/manifest/", taxii(READ, 200), {
    prepare: () => collection(),
  }),
  onRecord(
    "GET",
    "/taxii2/crossline/collections/:id/objects/indicator--0d3e1a55-3c3d-4d6a-9a0e-1b2c3d4e5f60/",
    taxii(READ, 404),
    { prepare: () => collection() },
  ),
  onRecord(
    "GET",
    "/taxii2/crossline/collections/:id/objects/indicator--0d3e1a55-3c3d-4d6a-9a0e-1b2c3d4e5f60/versions/",
    taxii(READ, 404),
    { prepare: () => collection() },
  ),
  endpoint("GET", "/taxii2/crossline/status/0190a0c0-0000-7000-8000-000000000000/", () => 404),
];

describeDb("authorization matrix: indicators, correlation and TAXII × role × own / other unit", () => {
  let node: TestNode;
  let fx: MatrixFixtures;
  beforeAll(async () => {
    node = await createTestNode({
      settings: { signIn: { maxFailures: 5, lockMinutes: 15, perIpPerMinute: 10_000 } },
    });
    fx = await matrixFixtures(node);
    await node.user("i.own", ["case_officer"], fx.ownUnit);
    await node.user("i.other", ["case_officer"], fx.otherUnit);
    const by: Record<"own" | "other", Agent> = {
      own: await node.as("i.own"),
      other: await node.as("i.other"),
    };
    const imp = async (t: Target) => {
      const r = await by[t === "other" ? "other" : "own"].req<{ import: { id: string } }>(
        "POST",
        "/api/v1/indicators/imports",
        `kind,value\ndomain,r${++seq}.example\n`,
        { "content-type": "text/csv" },
      );
      return r.body.import;
    };
    importOf = async (t) => (await imp(t)).id;
    indicator = async (t) => {
      const i = await imp(t);
      const list = await by[t === "other" ? "other" : "own"].req<{ items: { id: string }[] }>(
        "GET",
        `/api/v1/indicators?q=r${seq}.example`,
      );
      return list.body.items[0]?.id ?? i.id;
    };
    const admin = await node.as("admin");
    const c = await admin.req<{ collection: { id: string } }>("POST", "/api/v1/taxii/collections", {
      title: "All",
      canWrite: true,
    });
    collection = async () => c.body.collection.id;
  }, 240_000);
  afterAll(() => node?.close());

  for (const c of CASES) {
    it(c.name, async () => {
      expect(await runMatrix(c, fx)).toEqual([]);
    });
  }

  it("answers 401 to anonymous callers on every endpoint", async () => {
    const id = await collection();
    expect(
      await anonymousMismatches(CASES, fx, (c) =>
        c.name.includes("/imports/") ? `imp_${id}` : c.name.includes("/indicators/") ? `ind_${id}` : id,
      ),
    ).toEqual([]);
  });
});
