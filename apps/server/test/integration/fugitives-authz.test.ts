import type { FugitiveDetail, FugitiveListView, Role } from "@crossline/schemas";
import { afterAll, beforeAll, expect, it } from "vitest";
import { peers } from "../../src/db/schema/index.js";
import { FederationHub } from "../support/federation-hub.js";
import { fugitiveNamed, locateForm, PNG_1X1 } from "../support/fugitives-fixtures.js";
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

const READ: Role[] = ["supervisor", "liaison", "fugitive_asset"];
const WRITE: Role[] = ["supervisor", "fugitive_asset"];
/** Without the permission 403 (checked first); with it, another unit's record 404 and one's own `ok`. */
const onUnit = (roles: Role[], ok: number) => (r: Role, t: Target) =>
  !roles.includes(r) ? 403 : t === "other" ? 404 : ok;

/**
 * Every role × every fugitives endpoint × a record of the caller's own unit or of another unit. Another unit's
 * record or list is 404, never 403: need to know.
 */
describeDb("fugitives: authorization matrix", () => {
  let node: TestNode;
  let fx: MatrixFixtures;
  const makers = {} as Record<"own" | "other", Agent>;
  let n = 0;

  beforeAll(async () => {
    const hub = new FederationHub();
    node = await createTestNode({ id: "CN-MPS", federation: hub.port("CN-MPS") });
    hub.attach("CN-MPS", node.rt.services.db);
    fx = await matrixFixtures(node);
    for (const t of ["own", "other"] as const) {
      await node.user(`fm.${t}`, ["fugitive_asset"], t === "own" ? fx.ownUnit : fx.otherUnit);
      makers[t] = await node.as(`fm.${t}`);
    }
    // What pairing leaves behind: an active peer to publish to (nothing is delivered in this suite).
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

  async function call<T>(a: Agent, method: string, url: string, body?: unknown): Promise<T> {
    const r = await a.req<T>(method, url, body);
    if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }
  const fugitiveIn = async (t: Target) =>
    (
      await call<{ fugitive: FugitiveDetail }>(
        makers[t as "own"],
        "POST",
        "/api/v1/fugitives",
        fugitiveNamed(`Matrix Person ${++n}`),
      )
    ).fugitive.id;
  const listIn = async (t: Target) =>
    (
      await call<{ list: FugitiveListView }>(makers[t as "own"], "POST", "/api/v1/fugitive-lists", {
        name: { lang: "en", text: `Matrix list ${++n}` },
      })
    ).list.id;
  const entryIn = async (t: Target) => {
    const list = await listIn(t);
    const f = await fugitiveIn(t);
    await call(makers[t as "own"], "POST", `/api/v1/fugitive-lists/${list}/entries`, {
      fugitiveId: f,
      number: 1,
    });
    return `${list}/entries/${f}`;
  };

  const photoIn = async (t: Target) => {
    const f = await fugitiveIn(t);
    const r = await call<{ fugitive: FugitiveDetail }>(
      makers[t as "own"],
      "POST",
      `/api/v1/fugitives/${f}/photos`,
      {
        name: "photo.png",
        contentBase64: PNG_1X1,
      },
    );
    return `${f}/photos/${r.fugitive.photos[0]?.id}`;
  };

  const CASES = (): MatrixCase[] => [
    endpoint("GET", "/api/v1/fugitives", only(READ, 200)),
    endpoint("POST", "/api/v1/fugitives", only(WRITE, 201), () => fugitiveNamed(`Matrix New ${++n}`)),
    endpoint("GET", "/api/v1/fugitives/romanise?text=%E5%BC%A0%E4%BC%9F", only(READ, 200)),
    endpoint("GET", "/api/v1/fugitives/search?name=Zhang%20Wei&dateOfBirth=1970", only(READ, 200)),
    endpoint("POST", "/api/v1/fugitives/duplicates", only(WRITE, 200), () => ({
      names: [{ original: "张伟" }],
      dateOfBirth: "1970",
    })),
    onRecord("GET", "/api/v1/fugitives/:id", onUnit(READ, 200), { prepare: fugitiveIn }),
    onRecord("PATCH", "/api/v1/fugitives/:id", onUnit(WRITE, 200), {
      prepare: fugitiveIn,
      body: () => ({ version: 1, status: "located" }),
    }),
    onRecord("GET", "/api/v1/fugitives/:id/history", onUnit(READ, 200), { prepare: fugitiveIn }),
    onRecord("POST", "/api/v1/fugitives/:id/return", onUnit(WRITE, 200), {
      prepare: fugitiveIn,
      body: () => ({ method: "repatriation", date: "2017-03-01", place: "Beijing Capital Airport" }),
    }),
    onRecord("POST", "/api/v1/fugitives/:id/photos", onUnit(WRITE, 201), {
      prepare: fugitiveIn,
      body: () => ({ name: "photo.png", contentBase64: PNG_1X1 }),
    }),
    onRecord("GET", "/api/v1/fugitives/:id", onUnit(READ, 200), {
      name: "GET /fugitives/:id/photos/:photoId",
      prepare: photoIn,
    }),
    onRecord("GET", "/api/v1/fugitives/:id/request-prefill?type=extradition", onUnit(READ, 200), {
      prepare: fugitiveIn,
    }),
    // Drafting needs requests:draft too (the requests module decides): every WRITE role has it.
    onRecord("POST", "/api/v1/fugitives/:id/requests", onUnit(WRITE, 201), {
      prepare: fugitiveIn,
      body: () => ({ form: locateForm(`Matrix Person ${n}`) }),
    }),
    // No such copy here: 404 to those who may read (a received photo is tested on two nodes).
    endpoint(
      "GET",
      "/api/v1/fugitive-lists/received/so_0190a0c0-0000-7000-8000-000000000000/photos/0190a0c0-0000-7000-8000-000000000000",
      only(READ, 404),
    ),
    endpoint("GET", "/api/v1/fugitive-lists", only(READ, 200)),
    endpoint("POST", "/api/v1/fugitive-lists", only(WRITE, 201), () => ({
      name: { lang: "en", text: "A list" },
    })),
    endpoint("GET", "/api/v1/fugitive-lists/received", only(READ, 200)),
    // No such copy here: 404 to those who may read (a received entry is read on two nodes).
    endpoint(
      "GET",
      "/api/v1/fugitive-lists/received/so_0190a0c0-0000-7000-8000-000000000000",
      only(READ, 404),
    ),
    // No such copy here: 404 to those who may report (a received entry is tested on two nodes).
    endpoint(
      "POST",
      "/api/v1/fugitive-lists/received/so_0190a0c0-0000-7000-8000-000000000000/reports",
      only(WRITE, 404),
      () => ({
        kind: "sighting",
        date: "2016-05-01",
        text: { lang: "en", text: "Seen" },
      }),
    ),
    endpoint(
      "POST",
      "/api/v1/fugitive-lists/received/so_0190a0c0-0000-7000-8000-000000000000/evidence",
      only(WRITE, 404),
      () => ({ name: "lease.pdf", contentBase64: PNG_1X1 }),
    ),
    // No such copy here: 404 to those who may read (a file read back is tested on two nodes).
    endpoint(
      "GET",
      "/api/v1/fugitive-lists/received/so_0190a0c0-0000-7000-8000-000000000000/evidence/0190a0c0-0000-7000-8000-000000000000",
      only(READ, 404),
    ),
    // A record of the caller's unit but no such evidence file: 404 (a received file is tested on two nodes).
    onRecord("GET", "/api/v1/fugitives/:id", onUnit(READ, 404), {
      name: "GET /fugitives/:id/evidence/:evidenceId",
      prepare: async (t) => `${await fugitiveIn(t)}/evidence/${FAKE_ID}`,
    }),
    onRecord("GET", "/api/v1/fugitive-lists/:id", onUnit(READ, 200), { prepare: listIn }),
    // An unknown fugitive: 400 on the caller's own list (the list is checked first: another unit's is 404).
    onRecord("POST", "/api/v1/fugitive-lists/:id/entries", onUnit(WRITE, 400), {
      // The fugitive is the caller's unit's own (the list decides the 404).
      prepare: listIn,
      body: () => ({ fugitiveId: FAKE_ID, number: 1 }),
    }),
    onRecord("DELETE", "/api/v1/fugitive-lists/:id", onUnit(WRITE, 200), {
      name: "DELETE /fugitive-lists/:id/entries/:fugitiveId",
      prepare: entryIn,
    }),
    onRecord("POST", "/api/v1/fugitive-lists/:id/publish", onUnit(WRITE, 200), {
      prepare: listIn,
      body: () => ({ recipients: ["US-DOJ"], marking: { tlp: "AMBER" } }),
    }),
    onRecord("GET", "/api/v1/fugitive-lists/:id/statistics", onUnit(READ, 200), { prepare: listIn }),
  ];

  for (const c of CASES()) {
    it(c.name, async () => {
      expect(await runMatrix(c, fx)).toEqual([]);
    }, 300_000);
  }

  it("answers 401 to anonymous callers", async () => {
    const bad = await anonymousMismatches(CASES(), fx, (c) =>
      c.name.includes("/entries/")
        ? `${FAKE_ID}/entries/${FAKE_ID}`
        : c.name.includes("/photos/")
          ? `${FAKE_ID}/photos/${FAKE_ID}`
          : FAKE_ID,
    );
    expect(bad).toEqual([]);
  });
});
