import { ROLES, type Role } from "@crossline/schemas";
import { generate } from "otplib";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  anonymousMismatches,
  endpoint,
  FAKE_ID,
  freshAgent,
  type MatrixCase,
  type MatrixFixtures,
  matrixFixtures,
  only,
  onRecord,
  runMatrix,
  type Target,
} from "../support/matrix.js";
import { type Agent, createTestNode, describeDb, TEST_PASSWORD, type TestNode } from "../support/node.js";

/** Expected from the admin, from a supervisor on a user of their own unit, and 404 from anyone else. */
const byAdmin = (ok: number, supervisorOwn: number) => (r: Role, t: Target) =>
  r === "admin" ? ok : r === "supervisor" && t === "own" ? supervisorOwn : 404;

const SHARING_READ: Role[] = ["duty_officer", "case_officer", "supervisor", "liaison", "fugitive_asset"];
const SHARING_WRITE: Role[] = ["case_officer", "supervisor", "liaison", "fugitive_asset"];
/** Without the permission 403 (checked first); with it, another unit's object 404 and one's own `ok`. */
const sharedRecord = (roles: Role[], ok: number) => (r: Role, t: Target) =>
  !roles.includes(r) ? 403 : t === "other" ? 404 : ok;
const sharedIndicator = {
  type: "indicator",
  marking: { tlp: "GREEN" },
  content: { kind: "domain", value: "example.com" },
};
// Dialogue rounds belong to the node (the secretariat's), not to a unit: rounds:read / rounds:write.
const ROUNDS_READ: Role[] = ["supervisor", "liaison", "auditor"];
const ROUNDS_WRITE: Role[] = ["supervisor", "liaison"];
const roundDocument = {
  type: "crossline.outcome-list",
  roundId: "rnd_0190a0c0-0000-7000-8000-000000000000",
  roundNumber: 1,
  roundName: { en: "R", zh: "R" },
  hostNode: "US-DOJ",
  guestNode: "CN-MPS",
  listId: "L1",
  seq: 1,
  listVersion: 1,
  replaces: null,
  items: [],
};
/** An object published by a case officer of the own or the other unit. */
let sharedObject: (t: Target) => Promise<string> = async () => "";

/**
 * Every role × every endpoint of the node × a record of the caller's own unit or
 * of another unit. A record the caller may not see answers 404, never 403.
 */
const CASES: MatrixCase[] = [
  endpoint("GET", "/api/v1/users", only(["admin", "supervisor"], 200)),
  onRecord("GET", "/api/v1/users/:id", byAdmin(200, 200)),
  endpoint("POST", "/api/v1/users", only(["admin"], 201), (fx) => ({
    username: `new.${Math.random().toString(36).slice(2, 8)}`,
    displayName: "New",
    unitId: fx.ownUnit,
    roles: ["case_officer"],
  })),
  onRecord("PATCH", "/api/v1/users/:id", byAdmin(200, 403), { body: () => ({ displayName: "Renamed" }) }),
  onRecord("POST", "/api/v1/users/:id/reset-mfa", byAdmin(204, 403), { body: () => ({}) }),
  onRecord("POST", "/api/v1/users/:id/reset-password", byAdmin(200, 403), { body: () => ({}) }),
  endpoint("GET", "/api/v1/units", () => 200),
  endpoint("GET", "/api/v1/agencies", () => 200),
  endpoint("POST", "/api/v1/units", only(["admin"], 201), () => ({
    agencyId,
    name: `Unit ${Math.random().toString(36).slice(2, 8)}`,
  })),
  endpoint("GET", "/api/v1/audit", only(["auditor"], 200)),
  // audit:verify: the auditor, and the administrator (integrity only, no entry shown).
  endpoint("GET", "/api/v1/audit/verify", only(["auditor", "admin"], 200)),
  endpoint("POST", "/api/v1/audit/verify", only(["auditor", "admin"], 200), () => ({ waitSeconds: 0 })),
  endpoint("GET", "/api/v1/audit/checkpoints", only(["auditor"], 200)),
  endpoint("POST", "/api/v1/audit/checkpoints", only(["auditor", "admin"], 201), () => ({})),
  endpoint("GET", "/api/v1/tokens", () => 200),
  endpoint(
    "POST",
    "/api/v1/tokens",
    () => 201,
    () => ({ name: "mine", expiresInDays: 1 }),
  ),
  onRecord("DELETE", "/api/v1/tokens/:id", only(["admin"], 204, 404), {
    label: "someone else's",
    body: () => ({}),
  }),
  endpoint(
    "PUT",
    "/api/v1/me/preferences",
    () => 200,
    () => ({ timeZone: "America/New_York" }),
  ),
  endpoint("GET", "/api/v1/node", () => 200),
  // Node keys: the administrator only. The rotation comes first so the retirement has keys to retire.
  endpoint("POST", "/api/v1/node/keys/rotate", only(["admin"], 200)),
  endpoint("POST", "/api/v1/node/keys/retire", only(["admin"], 200), () => ({ force: true })),
  // A backup archive holds the whole node (its master key, encrypted): the administrator only.
  endpoint("POST", "/api/v1/node/backups", only(["admin"], 201), () => ({
    passphrase: "matrix-backup-passphrase",
  })),
  // One's own session and credentials: every role, on a user made for the case when it spends them.
  endpoint("GET", "/api/v1/auth/session", () => 200),
  endpoint("POST", "/api/v1/auth/sign-out", () => 204, undefined, { agent: freshAgent }),
  endpoint("POST", "/api/v1/auth/sign-out-everywhere", () => 204, undefined, { agent: freshAgent }),
  endpoint(
    "POST",
    "/api/v1/auth/password",
    () => 204,
    () => ({ currentPassword: TEST_PASSWORD, newPassword: "another-horse-battery-staple" }),
    { agent: freshAgent },
  ),
  endpoint("POST", "/api/v1/auth/mfa/enrol", () => 200, undefined, { agent: freshAgent }),
  endpoint(
    "POST",
    "/api/v1/auth/mfa/confirm",
    () => 200,
    () => ({ code: enrolledCode }),
    {
      agent: async (role, fx) => {
        const a = await freshAgent(role, fx);
        enrolledCode = await enrolledTotp(a);
        return a;
      },
    },
  ),
  // Shared objects: sharing:read / sharing:write; another unit's object is not found.
  endpoint("GET", "/api/v1/shared-objects", only(SHARING_READ, 200)),
  endpoint("POST", "/api/v1/shared-objects", only(SHARING_WRITE, 201), () => sharedIndicator),
  onRecord("GET", "/api/v1/shared-objects/:id", sharedRecord(SHARING_READ, 200), {
    prepare: (t) => sharedObject(t),
  }),
  onRecord("PATCH", "/api/v1/shared-objects/:id", sharedRecord(SHARING_WRITE, 200), {
    prepare: (t) => sharedObject(t),
    body: () => ({ version: 1, content: { kind: "domain", value: "example.org" } }),
  }),
  onRecord("POST", "/api/v1/shared-objects/:id/withdraw", sharedRecord(SHARING_WRITE, 200), {
    prepare: (t) => sharedObject(t),
    body: () => ({}),
  }),
  // The matrix node has no peers: the owner's own unit gets as far as the recipient check (400).
  onRecord("POST", "/api/v1/shared-objects/:id/share", sharedRecord(SHARING_WRITE, 400), {
    prepare: (t) => sharedObject(t),
    body: () => ({ recipients: ["US-DOJ"] }),
  }),
  // Dialogue rounds: the matrix node has no peer, so a new round stops at its guest (400), a round is unknown (404).
  endpoint("GET", "/api/v1/rounds", only(ROUNDS_READ, 200)),
  endpoint("POST", "/api/v1/rounds", only(ROUNDS_WRITE, 400), () => ({
    guestNode: "CN-MPS",
    fields: {
      number: 1,
      name: { en: "R", zh: "R" },
      startsAt: "2015-12-01T09:00:00-05:00",
      endsAt: "2015-12-01T17:00:00-05:00",
      timeZone: "America/New_York",
      city: { en: "Washington", zh: "华盛顿" },
      venue: { en: "V", zh: "V" },
    },
  })),
  endpoint("GET", "/api/v1/rounds/rnd_0190a0c0-0000-7000-8000-000000000000", only(ROUNDS_READ, 404)),
  endpoint(
    "POST",
    "/api/v1/rounds/rnd_0190a0c0-0000-7000-8000-000000000000/changes",
    only(ROUNDS_WRITE, 404),
    () => ({ base: 1, op: { op: "round.set", fields: {} } }),
  ),
  endpoint(
    "POST",
    "/api/v1/rounds/rnd_0190a0c0-0000-7000-8000-000000000000/documents",
    only(ROUNDS_WRITE, 404),
    () => ({ name: "agenda.txt", contentBase64: Buffer.from("agenda").toString("base64") }),
  ),
  endpoint(
    "GET",
    "/api/v1/rounds/rnd_0190a0c0-0000-7000-8000-000000000000/documents/0190a0c0-0000-7000-8000-000000000001",
    only(ROUNDS_READ, 404),
  ),
  endpoint(
    "POST",
    "/api/v1/rounds/rnd_0190a0c0-0000-7000-8000-000000000000/lists/L1/sign",
    only(ROUNDS_WRITE, 404),
    () => ({ base: 1, listVersion: 1 }),
  ),
  endpoint(
    "GET",
    "/api/v1/rounds/rnd_0190a0c0-0000-7000-8000-000000000000/lists/L1/export",
    only(ROUNDS_READ, 404),
  ),
  endpoint(
    "GET",
    "/api/v1/rounds/rnd_0190a0c0-0000-7000-8000-000000000000/lists/L1/export.pdf",
    only(ROUNDS_READ, 404),
  ),
  endpoint("POST", "/api/v1/rounds/verify", only(ROUNDS_READ, 200), () => ({
    format: "crossline.outcome-list.export/1",
    document: roundDocument,
    canonical: "",
    signatures: [],
  })),
  endpoint(
    "GET",
    "/api/v1/rounds/rnd_0190a0c0-0000-7000-8000-000000000000/actions/summary",
    only(ROUNDS_READ, 404),
  ),
  endpoint("GET", "/api/v1/round-actions", only(ROUNDS_READ, 200)),
  // The progress report needs rounds:read and reports:read; the matrix node knows no peer (400).
  endpoint(
    "GET",
    "/api/v1/rounds/progress?peer=CN-MPS&from=2016-01-01&to=2016-06-30",
    only(ROUNDS_READ, 400),
  ),
  endpoint(
    "GET",
    "/api/v1/rounds/progress.csv?peer=CN-MPS&from=2016-01-01&to=2016-06-30",
    only(ROUNDS_READ, 400),
  ),
  endpoint(
    "GET",
    "/api/v1/rounds/progress.pdf?peer=CN-MPS&from=2016-01-01&to=2016-06-30",
    only(ROUNDS_READ, 400),
  ),
  endpoint("GET", "/api/v1/rounds/calendar.ics", only(ROUNDS_READ, 200)),
  endpoint("POST", "/api/v1/rounds/calendar/feed-token", only(ROUNDS_READ, 200), () => ({})),
  // Federation operator actions (issue 9): administrators only; an unknown peer is 404 to them.
  endpoint("POST", "/api/v1/peers/NO-PEER/resequence", only(["admin"], 404), () => ({})),
  endpoint(
    "POST",
    "/api/v1/peers/NO-PEER/inbox/0190a0c0-0000-7000-8000-000000000000/retry",
    only(["admin"], 404),
    () => ({}),
  ),
  endpoint(
    "POST",
    "/api/v1/peers/NO-PEER/inbox/0190a0c0-0000-7000-8000-000000000000/skip",
    only(["admin"], 404),
    () => ({}),
  ),
];

/** The current code of the MFA enrolment the caller of the running case has just started. */
let enrolledCode = "";
async function enrolledTotp(a: Agent) {
  const enrol = await a.req<{ secret: string }>("POST", "/api/v1/auth/mfa/enrol");
  return generate({ secret: enrol.body.secret });
}

let agencyId = "";

describeDb("authorization matrix: role × endpoint × own / other unit", () => {
  let node: TestNode;
  let fx: MatrixFixtures;
  beforeAll(async () => {
    // Cases that spend a session sign in a new user per role: more than the default 30 sign-ins a minute.
    node = await createTestNode({
      settings: { signIn: { maxFailures: 5, lockMinutes: 15, perIpPerMinute: 10_000 } },
    });
    fx = await matrixFixtures(node);
    agencyId = (await (await node.as("admin")).req<{ items: { id: string }[] }>("GET", "/api/v1/agencies"))
      .body.items[0].id;
    await node.user("s.own", ["case_officer"], fx.ownUnit);
    await node.user("s.other", ["case_officer"], fx.otherUnit);
    const publisher = { own: await node.as("s.own"), other: await node.as("s.other") };
    sharedObject = async (t) => {
      const r = await publisher[t === "own" ? "own" : "other"].req<{ object: { id: string } }>(
        "POST",
        "/api/v1/shared-objects",
        sharedIndicator,
      );
      if (r.status !== 201) throw new Error(`shared object: ${JSON.stringify(r.body)}`);
      return r.body.object.id;
    };
  });
  afterAll(() => node?.close());

  const prepareFor = (c: MatrixCase) => async (t: Target) => {
    if (t === "none") return "";
    if (c.prepare) return c.prepare(t);
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
    expect(
      await anonymousMismatches(
        CASES.filter((x) => x.name !== "GET /node"),
        fx,
        // Shared-object ids are so_<uuidv7>: a well-formed one, so the 401 is not masked by a 400.
        (c) => (c.name.includes("/shared-objects/") ? `so_${FAKE_ID}` : FAKE_ID),
      ),
    ).toEqual([]);
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
