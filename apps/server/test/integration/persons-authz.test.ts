import type { Role } from "@crossline/schemas";
import { afterAll, beforeAll, expect, it } from "vitest";
import { locateForm } from "../support/fugitives-fixtures.js";
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
import { DOE, formNaming } from "../support/persons-fixtures.js";

const READ: Role[] = ["duty_officer", "case_officer", "supervisor", "liaison", "fugitive_asset", "auditor"];
const RECTIFY: Role[] = ["case_officer", "supervisor", "fugitive_asset"];
const EXPORT: Role[] = ["supervisor", "auditor"];
/** persons:read and requests:draft (drafting from the record), or requests:read (its requests). */
const DRAFT: Role[] = ["case_officer", "supervisor", "fugitive_asset"];
const REQUESTS: Role[] = ["duty_officer", "case_officer", "supervisor", "liaison", "fugitive_asset"];

/** No permission → 403; another unit's person → 404, except to auditors, who see every person; own → ok. */
const person =
  (roles: Role[], ok: number) =>
  (r: Role, t: Target): number => {
    if (!roles.includes(r)) return 403;
    if (t === "other" && r !== "auditor") return 404;
    return ok;
  };

let drafters: { own: Agent; other: Agent };
let mergeOther = "";

/** A new person (a subject without a date of birth is always a new record), named by a draft of that unit. */
async function personOf(t: Target): Promise<string> {
  const agent = t === "own" ? drafters.own : drafters.other;
  const r = await agent.req<{ request: { subjectPersons: { personId: string }[] } }>(
    "POST",
    "/api/v1/requests",
    {
      form: formNaming([DOE]),
    },
  );
  if (r.status !== 201) throw new Error(`draft: ${JSON.stringify(r.body)}`);
  return r.body.request.subjectPersons[0].personId;
}

const CASES: MatrixCase[] = [
  endpoint("GET", "/api/v1/persons", only(READ, 200)),
  endpoint("GET", "/api/v1/persons/search?name=Zhang%20Wei&dateOfBirth=1970", only(READ, 200)),
  onRecord("GET", "/api/v1/persons/:id", person(READ, 200), { prepare: personOf }),
  onRecord("GET", "/api/v1/persons/:id/history", person(READ, 200), { prepare: personOf }),
  onRecord("GET", "/api/v1/persons/:id/access", person(["auditor"], 200), { prepare: personOf }),
  onRecord("POST", "/api/v1/persons/:id/rectify", person(RECTIFY, 200), {
    prepare: personOf,
    body: () => ({ version: 1, fields: { names: [{ original: "Jane Q. Example" }] }, reason: "spelling" }),
  }),
  onRecord("POST", "/api/v1/persons/:id/merge", person(RECTIFY, 200), {
    // Two persons of the target's unit: the one in the URL, and the other merged into it.
    prepare: async (t) => {
      mergeOther = await personOf(t);
      return personOf(t);
    },
    body: () => ({ version: 1, otherId: mergeOther, otherVersion: 1, reason: "the same person" }),
  }),
  onRecord("POST", "/api/v1/persons/:id/restriction", person(["supervisor"], 200), {
    prepare: personOf,
    body: () => ({ restricted: true, reason: "disputed" }),
  }),
  onRecord("GET", "/api/v1/persons/:id/export.json", person(EXPORT, 200), { prepare: personOf }),
  onRecord("GET", "/api/v1/persons/:id/export.pdf", person(EXPORT, 200), { prepare: personOf }),
  onRecord("GET", "/api/v1/persons/:id/request-prefill?type=fugitive_locate", person(DRAFT, 200), {
    prepare: personOf,
  }),
  onRecord("POST", "/api/v1/persons/:id/requests", person(DRAFT, 201), {
    prepare: personOf,
    body: () => ({ form: locateForm("Jane Example") }),
  }),
  onRecord("GET", "/api/v1/persons/:id/requests", person(REQUESTS, 200), { prepare: personOf }),
  endpoint("GET", "/api/v1/access-log/unusual", only(["auditor"], 200)),
  endpoint("POST", "/api/v1/access-log/verify", only(["auditor", "admin"], 200), () => ({})),
  endpoint("GET", "/api/v1/policy/access-log", only(["auditor", "admin"], 200)),
  endpoint("PUT", "/api/v1/policy/access-log", only(["admin"], 200), () => ({ dailyReadThreshold: 150 })),
];

describeDb("authorization matrix of persons and the access log", () => {
  let node: TestNode;
  let fx: MatrixFixtures;

  beforeAll(async () => {
    node = await createTestNode({
      settings: { signIn: { maxFailures: 5, lockMinutes: 15, perIpPerMinute: 10_000 } },
    });
    fx = await matrixFixtures(node);
    await node.user("pz.own", ["case_officer"], fx.ownUnit);
    await node.user("pz.other", ["case_officer"], fx.otherUnit);
    drafters = { own: await node.as("pz.own"), other: await node.as("pz.other") };
  }, 120_000);
  afterAll(() => node?.close());

  for (const c of CASES) {
    it(c.name, async () => {
      expect(await runMatrix(c, fx)).toEqual([]);
    }, 120_000);
  }

  it("answers 401 to anonymous callers on every endpoint", async () => {
    expect(await anonymousMismatches(CASES, fx)).toEqual([]);
  });
});
