import type { AssetDetail, FugitiveDetail, Role } from "@crossline/schemas";
import { afterAll, beforeAll, expect, it } from "vitest";
import { peers } from "../../src/db/schema/index.js";
import { FederationHub } from "../support/federation-hub.js";
import { fugitiveNamed, UNCAC } from "../support/fugitives-fixtures.js";
import {
  anonymousMismatches,
  endpoint,
  FAKE_ID,
  type MatrixCase,
  type MatrixFixtures,
  matrixFixtures,
  only,
  onRecord,
  runMatrix,
  type Target,
} from "../support/matrix.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";
import { routineSubscriberForm } from "../support/requests-fixtures.js";

const READ: Role[] = ["supervisor", "liaison", "fugitive_asset"];
const WRITE: Role[] = ["supervisor", "fugitive_asset"];
/** Without the permission 403 (checked first); with it, another unit's asset 404 and one's own `ok`. */
const onUnit = (roles: Role[], ok: number) => (r: Role, t: Target) =>
  !roles.includes(r) ? 403 : t === "other" ? 404 : ok;

/** Every role × every assets endpoint × an asset of the caller's own unit or of another unit (404: need to know). */
describeDb("assets: authorization matrix", () => {
  let node: TestNode;
  let fx: MatrixFixtures;
  const makers = {} as Record<"own" | "other", Agent>;
  const fugitiveOf = {} as Record<"own" | "other", string>;
  let n = 0;

  beforeAll(async () => {
    const hub = new FederationHub();
    node = await createTestNode({ id: "CN-MPS", federation: hub.port("CN-MPS") });
    hub.attach("CN-MPS", node.rt.services.db);
    fx = await matrixFixtures(node);
    for (const t of ["own", "other"] as const) {
      await node.user(`am.${t}`, ["fugitive_asset"], t === "own" ? fx.ownUnit : fx.otherUnit);
      makers[t] = await node.as(`am.${t}`);
      const f = await makers[t].req<{ fugitive: FugitiveDetail }>(
        "POST",
        "/api/v1/fugitives",
        fugitiveNamed(`Asset Matrix ${t}`),
      );
      fugitiveOf[t] = f.body.fugitive.id;
    }
    // What pairing leaves behind: an active peer to share with (nothing is delivered in this suite).
    await node.rt.services.db.insert(peers).values({
      id: "US-DOJ",
      name: "US-DOJ",
      baseUrl: "http://us-doj.invalid",
      state: "active",
      publicKeys: [],
      fingerprint: "TEST0-TEST0-TEST0-TEST0",
    });
  }, 360_000);
  afterAll(() => node?.close());

  const body = (t: "own" | "other") => ({
    kind: "cash",
    description: { lang: "en", text: `Matrix cash ${++n}` },
    jurisdiction: "US",
    currency: "USD",
    value: "10.00",
    fugitiveIds: [fugitiveOf[t]],
    identifiedOn: "2016-01-01",
    identifiedBy: "Matrix authority",
    legalBasis: UNCAC,
  });
  const assetIn = async (t: Target) => {
    const r = await makers[t as "own"].req<{ asset: AssetDetail }>(
      "POST",
      "/api/v1/assets",
      body(t as "own"),
    );
    if (r.status !== 201) throw new Error(JSON.stringify(r.body));
    return r.body.asset.id;
  };
  const sharedIn = async (t: Target) => {
    const id = await assetIn(t);
    const r = await makers[t as "own"].req("POST", `/api/v1/assets/${id}/share`, {
      recipients: ["US-DOJ"],
      marking: { tlp: "AMBER" },
    });
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    return id;
  };

  const CASES = (): MatrixCase[] => [
    endpoint("GET", "/api/v1/assets", only(READ, 200)),
    endpoint("POST", "/api/v1/assets", only(WRITE, 201), () => body("own")),
    endpoint("GET", "/api/v1/assets/totals", only(READ, 200)),
    endpoint("GET", "/api/v1/assets/received", only(READ, 200)),
    onRecord("GET", "/api/v1/assets/:id", onUnit(READ, 200), { prepare: assetIn }),
    onRecord("PATCH", "/api/v1/assets/:id", onUnit(WRITE, 200), {
      prepare: assetIn,
      body: () => {
        const { identifiedOn: _o, identifiedBy: _b, legalBasis: _l, ...fields } = body("own");
        return { version: 1, fields };
      },
    }),
    onRecord("GET", "/api/v1/assets/:id/history", onUnit(READ, 200), { prepare: assetIn }),
    onRecord("POST", "/api/v1/assets/:id/stages", onUnit(WRITE, 201), {
      prepare: assetIn,
      body: () => ({ version: 1, stage: "traced", date: "2016-02-01", authority: "Matrix bank" }),
    }),
    onRecord("POST", "/api/v1/assets/:id/share", onUnit(WRITE, 200), {
      prepare: assetIn,
      body: () => ({ recipients: ["US-DOJ"], marking: { tlp: "AMBER" } }),
    }),
    onRecord("POST", "/api/v1/assets/:id/withdraw", onUnit(WRITE, 200), { prepare: sharedIn }),
    onRecord("GET", "/api/v1/assets/:id/request-prefill?type=asset_tracing", onUnit(READ, 200), {
      prepare: assetIn,
    }),
    // A form of another type: 400 on one's own asset (the asset is checked first: another unit's is 404).
    onRecord("POST", "/api/v1/assets/:id/requests", onUnit(WRITE, 400), {
      prepare: assetIn,
      body: () => ({ form: routineSubscriberForm() }),
    }),
  ];

  for (const c of CASES()) {
    it(c.name, async () => {
      expect(await runMatrix(c, fx)).toEqual([]);
    }, 300_000);
  }

  it("answers 401 to anonymous callers", async () => {
    expect(await anonymousMismatches(CASES(), fx, () => FAKE_ID)).toEqual([]);
  });
});
