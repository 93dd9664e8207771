import { DEFAULT_NOTICE_POLICY, NOTICE_KINDS, type Role } from "@crossline/schemas";
import { afterAll, beforeAll, expect, it } from "vitest";
import { providerUsers, users } from "../../src/db/schema/index.js";
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
import { addProvider, noticeForm, providerBody } from "../support/providers-fixtures.js";

/** The register: provider-compliance officers and administrators. */
const REGISTER: Role[] = ["provider_compliance", "admin"];
/** Provider staff work on their own company's notices; an officer's or another company's is not found. */
const portal = (ok: number) => (r: Role, t: Target) =>
  r === "provider_user" ? (t === "own" ? ok : 404) : r === "provider_compliance" ? 404 : 403;
/** Officers of the owner unit act on a notice; provider staff and other units get not found. */
const officerSide = (ok: number) => (r: Role, t: Target) =>
  r === "provider_compliance" ? (t === "own" ? ok : 404) : r === "provider_user" ? 404 : 403;
/** Both sides read: the owner unit's officers and the addressed company's staff. */
const bothSides = (ok: number) => (r: Role, t: Target) =>
  r === "provider_compliance" || r === "provider_user" ? (t === "own" ? ok : 404) : 403;

/** Four eyes off, so each target notice is sent by one officer (the matrix makes one per role and target). */
const RELAXED = {
  ...DEFAULT_NOTICE_POLICY,
  fourEyes: Object.fromEntries(NOTICE_KINDS.map((k) => [k, false])),
};

let provider = "";
/** A notice sent by an officer of the own unit to the matrix's provider, or of the other unit to another. */
let sent: (t: Target) => Promise<string> = async () => "";

const CASES: MatrixCase[] = [
  endpoint("GET", "/api/v1/providers", only(REGISTER, 200)),
  endpoint("POST", "/api/v1/providers", only(REGISTER, 201), () => providerBody(`P ${Math.random()}`)),
  onRecord("GET", "/api/v1/providers/:id", (r) => (REGISTER.includes(r) ? 200 : 403), {
    prepare: async () => provider,
  }),
  onRecord("PATCH", "/api/v1/providers/:id", (r) => (REGISTER.includes(r) ? 200 : 403), {
    prepare: async () => provider,
    body: () => ({ services: ["microblog", "video"] }),
  }),
  onRecord("GET", "/api/v1/providers/:id/users", (r) => (REGISTER.includes(r) ? 200 : 403), {
    prepare: async () => provider,
  }),
  onRecord("POST", "/api/v1/providers/:id/users", (r) => (REGISTER.includes(r) ? 201 : 403), {
    prepare: async () => provider,
    body: () => {
      const u = `staff.${Math.random().toString(36).slice(2, 8)}`;
      return { username: u, displayName: u, email: `${u}@provider.example.cn`, timeZone: "Asia/Shanghai" };
    },
  }),
  endpoint("GET", "/api/v1/notice-policy", only(REGISTER, 200)),
  endpoint("PUT", "/api/v1/notice-policy", only(REGISTER, 200), () => RELAXED),
  endpoint("GET", "/api/v1/notices", only(["provider_compliance", "provider_user"], 200)),
  endpoint("POST", "/api/v1/notices", only(["provider_compliance"], 201), () => noticeForm(provider)),
  // Across the border: no such incoming request in the caller's unit is named as the field (400), never a 500.
  endpoint("POST", "/api/v1/notices/from-request", only(["provider_compliance"], 400), () => ({
    requestId: FAKE_ID,
    providerId: provider,
    legalBasis: { law: "Cybersecurity Law of the People's Republic of China", article: "Art. 28" },
  })),
  endpoint("GET", "/api/v1/notices/figures", only(["provider_compliance"], 200)),
  endpoint("GET", "/api/v1/notices/figures.csv", only(["provider_compliance"], 200)),
  endpoint("GET", "/api/v1/notices/figures.pdf?lang=zh-CN", only(["provider_compliance"], 200)),
  onRecord("GET", "/api/v1/notices/:id", bothSides(200), { prepare: (t) => sent(t) }),
  onRecord("GET", "/api/v1/notices/:id/signed", bothSides(200), { prepare: (t) => sent(t) }),
  onRecord("POST", "/api/v1/notices/:id/messages", bothSides(200), {
    prepare: (t) => sent(t),
    body: () => ({ text: { lang: "en", text: "Which accounts exactly?" } }),
  }),
  onRecord("POST", "/api/v1/notices/:id/actions", officerSide(200), {
    prepare: (t) => sent(t),
    body: () => ({ event: "withdraw", reason: "Sent in error." }),
  }),
  onRecord("GET", "/api/v1/notices/:id/evidence/0190a0c0-0000-7000-8000-000000000009", bothSides(404), {
    name: "GET /notices/:id/evidence/:fileId (no such file)",
    prepare: (t) => sent(t),
  }),
  endpoint("GET", "/api/v1/portal/me", (r) =>
    r === "provider_user" ? 200 : r === "provider_compliance" ? 404 : 403,
  ),
  onRecord("POST", "/api/v1/portal/notices/:id/actions", portal(200), {
    prepare: (t) => sent(t),
    body: () => ({ event: "receive" }),
  }),
  onRecord("POST", "/api/v1/portal/notices/:id/evidence", portal(201), {
    prepare: (t) => sent(t),
    body: () => ({ name: "log.txt", contentBase64: Buffer.from("log excerpt").toString("base64") }),
  }),
  onRecord("POST", "/api/v1/portal/notices/:id/answer", portal(200), {
    prepare: (t) => sent(t),
    body: () => ({ outcome: "done", text: { lang: "en", text: "Removed." } }),
  }),
];

describeDb("authorization matrix: providers, notices and the provider portal", () => {
  let node: TestNode;
  let fx: MatrixFixtures;
  beforeAll(async () => {
    node = await createTestNode({
      settings: { signIn: { maxFailures: 5, lockMinutes: 15, perIpPerMinute: 10_000 } },
    });
    fx = await matrixFixtures(node);
    await node.user("s.own", ["provider_compliance"], fx.ownUnit);
    await node.user("s.other", ["provider_compliance"], fx.otherUnit);
    const officers: Record<"own" | "other", Agent> = {
      own: await node.as("s.own"),
      other: await node.as("s.other"),
    };
    await officers.own.req("PUT", "/api/v1/notice-policy", RELAXED);
    provider = await addProvider(officers.own, "Matrix Weibo");
    const another = await addProvider(officers.own, "Another Cloud");
    // The matrix's provider user works for the matrix's provider (the binding the register makes).
    const staff = (await node.rt.services.db.select().from(users)).find(
      (x) => x.username === "m.provider-user",
    );
    if (!staff) throw new Error("no matrix provider user");
    await node.rt.services.db.insert(providerUsers).values({
      userId: staff.id,
      providerId: provider,
      username: staff.username,
      displayName: staff.displayName,
      email: null,
      timeZone: staff.timeZone,
      createdAt: new Date(),
    });
    sent = async (t) => {
      const by = officers[t === "own" ? "own" : "other"];
      const d = await by.req<{ notice: { id: string } }>(
        "POST",
        "/api/v1/notices",
        noticeForm(t === "own" ? provider : another),
      );
      if (d.status !== 201) throw new Error(`draft: ${JSON.stringify(d.body)}`);
      const s = await by.req("POST", `/api/v1/notices/${d.body.notice.id}/actions`, { event: "send" });
      if (s.status !== 200) throw new Error(`send: ${JSON.stringify(s.body)}`);
      return d.body.notice.id;
    };
  }, 180_000);
  afterAll(() => node?.close());

  for (const c of CASES) {
    it(c.name, async () => {
      const prepare = c.prepare ?? (async () => "");
      expect(await runMatrix(c, fx, prepare)).toEqual([]);
    }, 120_000);
  }

  it("answers 401 to anonymous callers on every endpoint of the module", async () => {
    expect(await anonymousMismatches(CASES, fx, () => FAKE_ID)).toEqual([]);
  });
});
