import type { RepatriationCaseView, Role } from "@crossline/schemas";
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
import { personNamed, UNCAC } from "../support/repatriation-fixtures.js";

const READ: Role[] = ["supervisor", "liaison", "fugitive_asset"];
const WRITE: Role[] = ["supervisor", "fugitive_asset"];
/** Without the permission 403 (checked first); with it, another unit's case 404 and one's own `ok`. */
const onUnit = (roles: Role[], ok: number) => (r: Role, t: Target) =>
  !roles.includes(r) ? 403 : t === "other" ? 404 : ok;

/**
 * Every role × every repatriation endpoint × a case of the caller's own unit or of another unit. Another
 * unit's case is 404, never 403: need to know.
 */
describeDb("repatriation: authorization matrix", () => {
  let node: TestNode;
  let fx: MatrixFixtures;
  const makers = {} as Record<"own" | "other", Agent>;
  let n = 0;

  beforeAll(async () => {
    node = await createTestNode({ id: "US-DOJ" });
    fx = await matrixFixtures(node);
    for (const t of ["own", "other"] as const) {
      await node.user(`rm.${t}`, ["fugitive_asset"], t === "own" ? fx.ownUnit : fx.otherUnit);
      makers[t] = await node.as(`rm.${t}`);
    }
  }, 360_000);
  afterAll(() => node?.close());

  const now = () => new Date().toISOString();
  async function call(a: Agent, method: string, url: string, body?: unknown) {
    const r = await a.req<{ case: RepatriationCaseView }>(method, url, body);
    if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.case;
  }
  /** A case of the unit, brought to the step before `upTo`. */
  async function caseIn(t: Target, upTo: "verification" | "document" | "transfer" | "arrival") {
    const a = makers[t as "own"];
    const c = await call(a, "POST", "/api/v1/repatriation/cases", {
      person: personNamed("张三", `Zhang San ${++n}`),
      legalBasis: UNCAC,
      requestedAt: now(),
    });
    const order = ["verification", "document", "transfer", "arrival"] as const;
    const bodies = {
      verification: { outcome: "verified" },
      document: {
        kind: "passport",
        number: "E1",
        validUntil: "2099-01-01",
        file: { name: "p.pdf", contentBase64: Buffer.from("scan").toString("base64") },
      },
      transfer: { from: "Houston", to: "Beijing" },
      arrival: { place: "Beijing" },
    };
    let v = 1;
    for (const s of order.slice(0, order.indexOf(upTo))) {
      await call(a, "POST", `/api/v1/repatriation/cases/${c.id}/${s}`, {
        version: v++,
        at: now(),
        ...bodies[s],
      });
    }
    return c.id;
  }
  const at = () => ({ version: 1, at: now() });

  const CASES = (): MatrixCase[] => [
    endpoint("GET", "/api/v1/repatriation/cases", only(READ, 200)),
    endpoint("POST", "/api/v1/repatriation/cases", only(WRITE, 201), () => ({
      person: personNamed("李四", `Li Si ${++n}`),
      legalBasis: UNCAC,
      requestedAt: now(),
    })),
    endpoint("GET", "/api/v1/repatriation/board", only(READ, 200)),
    endpoint("GET", "/api/v1/repatriation/figures?from=2026-01&to=2026-12", only(READ, 200)),
    endpoint("GET", "/api/v1/repatriation/figures.csv?from=2026-01&to=2026-12", only(READ, 200)),
    endpoint("GET", "/api/v1/repatriation/policy", only([...READ, "admin"], 200)),
    endpoint("PUT", "/api/v1/repatriation/policy", only(["admin"], 200), () => ({
      verificationDays: 30,
      documentDays: 30,
    })),
    onRecord("GET", "/api/v1/repatriation/cases/:id", onUnit(READ, 200), {
      prepare: (t) => caseIn(t, "verification"),
    }),
    onRecord("POST", "/api/v1/repatriation/cases/:id/verification", onUnit(WRITE, 200), {
      prepare: (t) => caseIn(t, "verification"),
      body: () => ({ ...at(), outcome: "verified" }),
    }),
    onRecord("POST", "/api/v1/repatriation/cases/:id/document", onUnit(WRITE, 200), {
      prepare: (t) => caseIn(t, "document"),
      body: () => ({ ...at(), version: 2, kind: "travel_permit", number: "T1", validUntil: "2099-01-01" }),
    }),
    onRecord("GET", "/api/v1/repatriation/cases/:id/document/file", onUnit(READ, 200), {
      prepare: (t) => caseIn(t, "transfer"),
    }),
    onRecord("POST", "/api/v1/repatriation/cases/:id/transfer", onUnit(WRITE, 200), {
      prepare: (t) => caseIn(t, "transfer"),
      body: () => ({ ...at(), version: 3, from: "Houston", to: "Beijing" }),
    }),
    onRecord("POST", "/api/v1/repatriation/cases/:id/arrival", onUnit(WRITE, 200), {
      prepare: (t) => caseIn(t, "arrival"),
      body: () => ({ ...at(), version: 4, place: "Beijing" }),
    }),
  ];

  for (const c of CASES()) {
    it(c.name, async () => {
      expect(await runMatrix(c, fx)).toEqual([]);
    }, 300_000);
  }

  it("answers 401 to anonymous callers", async () => {
    expect(await anonymousMismatches(CASES(), fx)).toEqual([]);
  });
});
