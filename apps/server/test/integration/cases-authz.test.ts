import type { CaseDetail, Role } from "@crossline/schemas";
import { afterAll, beforeAll, expect, it } from "vitest";
import { peers } from "../../src/db/schema/index.js";
import { FederationHub } from "../support/federation-hub.js";
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

const READ: Role[] = ["duty_officer", "case_officer", "supervisor", "liaison", "fugitive_asset"];
const WRITE: Role[] = ["case_officer", "supervisor", "liaison", "fugitive_asset"];
/** Without the permission 403 (checked first); with it, another unit's case 404 and one's own `ok`. */
const onCase = (roles: Role[], ok: number) => (r: Role, t: Target) =>
  !roles.includes(r) ? 403 : t === "other" ? 404 : ok;

const PEER = "US-DOJ";
const priorityCase = {
  title: { lang: "en", text: "Matrix case" },
  category: "botnet",
  priority: true,
};

/**
 * Every role × every cases endpoint × a case of the caller's own unit or of another unit. Another unit's case
 * is 404, never 403: need to know.
 */
describeDb("cases: authorization matrix", () => {
  let node: TestNode;
  let fx: MatrixFixtures;
  /** A case officer and a supervisor of each unit, who make the target records. */
  const makers = {} as Record<"own" | "other", { officer: Agent; supervisor: Agent }>;
  let outsiderId: string;

  beforeAll(async () => {
    // The in-process hub as the transport: shares are queued to the peer (and never delivered here).
    const hub = new FederationHub();
    node = await createTestNode({ id: "CN-MPS", federation: hub.port("CN-MPS") });
    hub.attach("CN-MPS", node.rt.services.db);
    fx = await matrixFixtures(node);
    for (const t of ["own", "other"] as const) {
      const unit = t === "own" ? fx.ownUnit : fx.otherUnit;
      await node.user(`mk.officer.${t}`, ["case_officer"], unit);
      await node.user(`mk.supervisor.${t}`, ["supervisor"], unit);
      makers[t] = {
        officer: await node.as(`mk.officer.${t}`),
        supervisor: await node.as(`mk.supervisor.${t}`),
      };
    }
    outsiderId = (await node.user("mk.outsider", ["case_officer"], await node.unit("Third unit"))).id;
    // What pairing leaves behind: an active peer to share with (nothing is delivered in this suite).
    await node.rt.services.db.insert(peers).values({
      id: PEER,
      name: PEER,
      baseUrl: "http://us-doj.invalid",
      state: "active",
      publicKeys: [],
      fingerprint: "TEST0-TEST0-TEST0-TEST0",
    });
  }, 180_000);
  afterAll(() => node?.close());

  async function call<T>(a: Agent, method: string, url: string, body?: unknown): Promise<T> {
    const r = await a.req<T>(method, url, body);
    if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }
  const newCase = async (t: Target) =>
    (await call<{ case: CaseDetail }>(makers[t as "own"].officer, "POST", "/api/v1/cases", priorityCase))
      .case;
  const caseIn = async (t: Target) => (await newCase(t)).id;
  const withEvidence = async (t: Target) => {
    const c = await newCase(t);
    const r = await call<{ case: CaseDetail }>(
      makers[t as "own"].officer,
      "POST",
      `/api/v1/cases/${c.id}/evidence`,
      {
        name: "log.txt",
        contentBase64: Buffer.from("fictitious log").toString("base64"),
        collectedBy: "Officer",
        collectedAt: "2026-11-01T00:00:00Z",
      },
    );
    return `${c.id}/evidence/${r.case.evidence[0]?.id}`;
  };
  const withTask = async (t: Target) => {
    const c = await newCase(t);
    const r = await call<{ case: CaseDetail }>(
      makers[t as "own"].officer,
      "POST",
      `/api/v1/cases/${c.id}/tasks`,
      {
        title: { lang: "en", text: "Task" },
      },
    );
    return `${c.id}/tasks/${r.case.tasks[0]?.id}`;
  };
  const share = (c: CaseDetail, t: Target) =>
    call<{ case: CaseDetail }>(makers[t as "own"].officer, "POST", `/api/v1/cases/${c.id}/shares`, {
      recipients: [PEER],
      marking: { tlp: "AMBER" },
    });
  const withPendingShare = async (t: Target) => {
    const c = await newCase(t);
    const r = await share(c, t);
    return `${c.id}/shares/${r.case.shares[0]?.id}`;
  };
  const withSharedSummary = async (t: Target) => {
    const c = await newCase(t);
    const r = await share(c, t);
    await call(
      makers[t as "own"].supervisor,
      "POST",
      `/api/v1/cases/${c.id}/shares/${r.case.shares[0]?.id}/decision`,
      {
        approve: true,
      },
    );
    return c.id;
  };

  const CASES: MatrixCase[] = [
    endpoint("GET", "/api/v1/cases", only(READ, 200)),
    endpoint("POST", "/api/v1/cases", only(WRITE, 201), () => priorityCase),
    endpoint("GET", "/api/v1/cases/priority", only(READ, 200)),
    endpoint("GET", "/api/v1/cases/status-report?peer=US-DOJ&from=2026-11-01&to=2026-11-30", only(READ, 200)),
    endpoint(
      "GET",
      "/api/v1/cases/status-report.csv?peer=US-DOJ&from=2026-11-01&to=2026-11-30",
      only(READ, 200),
    ),
    endpoint(
      "GET",
      "/api/v1/cases/status-report.pdf?peer=US-DOJ&from=2026-11-01&to=2026-11-30&lang=zh-CN",
      only(READ, 200),
    ),
    endpoint("GET", "/api/v1/cases/policy", only([...READ, "admin"], 200)),
    endpoint("PUT", "/api/v1/cases/policy", only(["admin"], 200), () => ({ shareApproval: true })),
    onRecord("GET", "/api/v1/cases/:id", onCase(READ, 200), { prepare: caseIn }),
    onRecord("PATCH", "/api/v1/cases/:id", onCase(WRITE, 200), {
      prepare: caseIn,
      body: () => ({ version: 1, priority: false }),
    }),
    onRecord("POST", "/api/v1/cases/:id/members", onCase(WRITE, 200), {
      prepare: caseIn,
      body: () => ({ userId: outsiderId }),
    }),
    onRecord("POST", "/api/v1/cases/:id/subjects", onCase(WRITE, 200), {
      prepare: caseIn,
      body: () => ({
        subject: { kind: "organisation", role: "suspect", names: [{ original: "Example Hosting Ltd" }] },
      }),
    }),
    onRecord("POST", "/api/v1/cases/:id/identifiers", onCase(WRITE, 200), {
      prepare: caseIn,
      body: () => ({ identifier: { type: "ipv4", value: "203.0.113.9" } }),
    }),
    onRecord("POST", "/api/v1/cases/:id/evidence", onCase(WRITE, 200), {
      prepare: caseIn,
      body: () => ({
        name: "a.txt",
        contentBase64: "YQ==",
        collectedBy: "Officer",
        collectedAt: "2026-11-01T00:00:00Z",
      }),
    }),
    onRecord("POST", "/api/v1/cases/:id/custody", onCase(WRITE, 200), {
      name: "POST /cases/:id/evidence/:evidenceId/custody",
      prepare: withEvidence,
      body: () => ({ action: "handed_over", to: "Lab" }),
    }),
    onRecord("GET", "/api/v1/cases/:id/file", onCase(READ, 200), {
      name: "GET /cases/:id/evidence/:evidenceId/file",
      prepare: withEvidence,
    }),
    onRecord("POST", "/api/v1/cases/:id/tasks", onCase(WRITE, 200), {
      prepare: caseIn,
      body: () => ({ title: { lang: "en", text: "Call the registrar" } }),
    }),
    onRecord("PATCH", "/api/v1/cases/:id", onCase(WRITE, 200), {
      name: "PATCH /cases/:id/tasks/:taskId",
      prepare: withTask,
      body: () => ({ version: 1, done: true }),
    }),
    onRecord("POST", "/api/v1/cases/:id/notes", onCase(WRITE, 200), {
      prepare: caseIn,
      body: () => ({ text: { lang: "en", text: "Note" } }),
    }),
    onRecord("GET", "/api/v1/cases/:id/request-prefill", onCase(READ, 200), { prepare: caseIn }),
    onRecord(
      "POST",
      "/api/v1/cases/:id/requests",
      // Drafting also takes the requests module's own permission (the liaison has none).
      (r, t) => (!WRITE.includes(r) ? 403 : t === "other" ? 404 : r === "liaison" ? 403 : 201),
      { prepare: caseIn, body: () => ({ form: routineSubscriberForm() }) },
    ),
    onRecord("POST", "/api/v1/cases/:id/shares", onCase(WRITE, 200), {
      prepare: caseIn,
      body: () => ({ recipients: [PEER], marking: { tlp: "GREEN" } }),
    }),
    onRecord("POST", "/api/v1/cases/:id/decision", onCase(["supervisor"], 200), {
      name: "POST /cases/:id/shares/:shareId/decision",
      prepare: withPendingShare,
      body: () => ({ approve: false, reason: "not now" }),
    }),
    onRecord("POST", "/api/v1/cases/:id/summary/withdraw", onCase(WRITE, 200), {
      prepare: withSharedSummary,
      body: () => ({}),
    }),
  ];

  for (const c of CASES) {
    it(c.name, async () => {
      expect(await runMatrix(c, fx)).toEqual([]);
    }, 300_000);
  }

  it("answers 401 to anonymous callers", async () => {
    const bad = await anonymousMismatches(CASES, fx, (c) =>
      c.name.includes("/evidence/")
        ? `${FAKE_ID}/evidence/${FAKE_ID}`
        : c.name.includes("/tasks/")
          ? `${FAKE_ID}/tasks/${FAKE_ID}`
          : c.name.includes("/shares/")
            ? `${FAKE_ID}/shares/${FAKE_ID}`
            : FAKE_ID,
    );
    expect(bad).toEqual([]);
  });
});
