import type { RepatriationBoard, RepatriationFigures, RepatriationPolicy } from "@crossline/schemas";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  accessLog,
  auditLog,
  lawfulRecords,
  notifications,
  peers,
  repatriationCases,
  users,
} from "../../src/db/schema/index.js";
import { TestClock } from "../support/federation-hub.js";
import { queuedBehind } from "../support/lock-queue.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";
import {
  CHEN,
  type Err,
  identityCheckForm,
  type One,
  openCase,
  personNamed,
  step,
} from "../support/repatriation-fixtures.js";
import { draft } from "../support/requests-fixtures.js";

const DAY = 86_400_000;

/**
 * Repatriation on one node: a case per person, linked to the person record, with its legal basis; the steps in
 * order (identity verification, its answer with grounds, the travel document within the policy's days, the
 * transfer, the arrival), each a version, audited; need to know; bad input named; the board with countdowns,
 * the overdue sweep (told once, in the reader's language and zone) on a controlled clock; monthly figures.
 */
describeDb("repatriation: cases, steps in order, board, overdue sweep, figures", () => {
  const clock = new TestClock(Date.parse("2026-03-01T02:00:00Z"));
  let node: TestNode;
  let officer: Agent;
  let outsider: Agent;
  let admin: Agent;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    node = await createTestNode({ id: "US-DOJ", timeZone: "America/New_York", clock });
    const unitA = await node.unit("Enforcement and Removal");
    const unitB = await node.unit("Economic Crime");
    ids.ann = (await node.user("ann.removal", ["fugitive_asset"], unitA)).id;
    ids.bo = (await node.user("bo.removal", ["fugitive_asset"], unitA)).id;
    ids.cy = (await node.user("cy.other", ["fugitive_asset"], unitB)).id;
    await node.rt.services.db
      .update(users)
      .set({ language: "zh-CN", timeZone: "Asia/Shanghai" })
      .where(eq(users.id, ids.bo));
    officer = await node.as("ann.removal");
    outsider = await node.as("cy.other");
    admin = await node.as("admin");
  }, 360_000);
  afterAll(() => node?.close());

  /** A download as the agent (the body as bytes, not parsed). */
  async function raw(a: Agent, url: string) {
    const res = await a.rt.app.inject({ method: "GET", url, headers: a.cookie ? { cookie: a.cookie } : {} });
    return { status: res.statusCode, bytes: res.rawPayload, type: String(res.headers["content-type"] ?? "") };
  }

  /** Moves the clock; the sessions of the officers expire with it, so they sign in again. */
  async function advance(ms: number) {
    clock.advance(ms);
    officer = await node.as("ann.removal");
    outsider = await node.as("cy.other");
  }

  const at = (offsetDays: number) => new Date(clock.now().getTime() + offsetDays * DAY).toISOString();

  it("opens a case linked to the person record with its legal basis, and records every step in order", async () => {
    const c = await openCase(officer, { person: CHEN, requestedAt: at(-1) });
    expect(c.reference).toMatch(/^US-DOJ-R-2026-\d{4}$/);
    expect(c).toMatchObject({
      status: "awaiting_verification",
      version: 1,
      direction: "own",
      pending: "verification",
      deadlineState: "ok",
    });
    // The verification is due 30 days (the policy's default) after it was asked for.
    expect(Date.parse(c.dueAt as string) - Date.parse(c.steps[0]?.at as string)).toBe(30 * DAY);

    const p = await officer.req<{ person: { links: { recordType: string; recordId: string }[] } }>(
      "GET",
      `/api/v1/persons/${c.personId}`,
    );
    expect(p.body.person.links).toContainEqual(
      expect.objectContaining({ recordType: "repatriation", recordId: c.id }),
    );
    const db = node.rt.services.db;
    const basis = await db.select().from(lawfulRecords).where(eq(lawfulRecords.recordId, c.id));
    expect(basis.map((b) => b.kind)).toEqual(["repatriation_case"]);

    const v = await step(officer, c.id, "verification", { version: 1, outcome: "verified", at: at(0) });
    expect(v).toMatchObject({ status: "awaiting_document", version: 2, pending: "document" });
    expect(Date.parse(v.documentDueAt as string) - Date.parse(at(0))).toBe(30 * DAY);

    const scan = Buffer.from("%PDF-1.4 fictitious travel permit");
    const d = await step(officer, c.id, "document", {
      version: 2,
      at: at(0),
      kind: "travel_permit",
      number: "T000001",
      issuedBy: "Consulate (fictitious)",
      validUntil: "2026-06-30",
      file: { name: "permit.pdf", contentBase64: scan.toString("base64") },
    });
    expect(d.status).toBe("awaiting_transfer");
    expect(d.steps[2]?.document).toMatchObject({ kind: "travel_permit", number: "T000001" });
    const file = await raw(officer, `/api/v1/repatriation/cases/${c.id}/document/file`);
    expect(file.status).toBe(200);
    expect(file.bytes.equals(scan)).toBe(true);

    const t = await step(officer, c.id, "transfer", {
      version: 3,
      at: at(0),
      from: "Houston (fictitious)",
      to: "Beijing Capital Airport",
      escorts: ["Officer A. Example"],
      carrier: "Flight XX001",
    });
    expect(t.status).toBe("in_transfer");
    const a = await step(officer, c.id, "arrival", {
      version: 4,
      at: at(0),
      place: "Beijing Capital Airport",
    });
    expect(a).toMatchObject({ status: "arrived", version: 5, pending: null });
    expect(a.steps.map((s) => s.kind)).toEqual([
      "verification_requested",
      "verification_answered",
      "document_issued",
      "transferred",
      "arrived",
    ]);

    const audits = await db.select().from(auditLog).where(eq(auditLog.targetId, c.id));
    expect(audits.map((x) => x.action)).toEqual([
      "repatriation.create",
      "repatriation.answer",
      "repatriation.document",
      "repatriation.transfer",
      "repatriation.arrival",
    ]);
    // Reading a case is a read of personal data.
    await officer.req("GET", `/api/v1/repatriation/cases/${c.id}`);
    await node.rt.services.accessLog.flush();
    const reads = await db.select().from(accessLog).where(eq(accessLog.recordId, c.id));
    expect(reads.some((r) => r.recordType === "repatriation" && r.action === "read")).toBe(true);
  });

  it("refuses steps out of order, stale versions, answers without grounds, undated zones and future dates", async () => {
    const c = await openCase(officer, { person: personNamed("李四", "Li Si"), requestedAt: at(0) });
    const url = (w: string) => `/api/v1/repatriation/cases/${c.id}/${w}`;
    const doc = { version: 1, at: at(0), kind: "passport", number: "E1", validUntil: "2027-01-01" };
    // A document before the verification: the order is named.
    const early = await officer.req<Err>("POST", url("document"), doc);
    expect(early.status).toBe(409);
    expect(early.body.error.details[0]).toMatchObject({
      field: "params.id",
      issue:
        "steps go in order: this case (Awaiting identity verification) waits for the identity-verification answer",
      key: "repatriation.stepOrder",
      params: { status: "awaiting_verification" },
    });
    // In Chinese the status by its label, and what the case waits for in Chinese too.
    const earlyZh = await officer.req<Err>("POST", url("document"), doc, { "accept-language": "zh-CN" });
    expect(earlyZh.body.error.details[0]?.issue).toBe(
      "步骤须依次进行：本案（待身份核查）等待的是：身份核查的答复",
    );
    // An arrival before the transfer.
    const arrival = await officer.req<Err>("POST", url("arrival"), { version: 1, at: at(0), place: "X" });
    expect(arrival.status).toBe(409);
    // Not verified without grounds.
    const noGrounds = await officer.req<Err>("POST", url("verification"), {
      version: 1,
      outcome: "not_national",
      at: at(0),
    });
    expect(noGrounds.status).toBe(400);
    expect(noGrounds.body.error.details.map((d) => d.field)).toContain("body.grounds");
    // A date without its time zone.
    const noZone = await officer.req<Err>("POST", url("verification"), {
      version: 1,
      outcome: "verified",
      at: "2026-03-01T10:00:00",
    });
    expect(noZone.status).toBe(400);
    expect(noZone.body.error.details.map((d) => d.field)).toContain("body.at");
    // Before the request, and in the future.
    const before = await officer.req<Err>("POST", url("verification"), {
      version: 1,
      outcome: "verified",
      at: at(-2),
    });
    expect(before.status).toBe(400);
    expect(before.body.error.details[0]).toMatchObject({ field: "body.at" });
    const future = await officer.req<Err>("POST", url("verification"), {
      version: 1,
      outcome: "verified",
      at: at(2),
    });
    expect(future.status).toBe(400);
    expect(future.body.error.details[0]).toMatchObject({ field: "body.at", issue: "is in the future" });
    // A stale version.
    const stale = await officer.req<Err>("POST", url("verification"), {
      version: 7,
      outcome: "verified",
      at: at(0),
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details[0]?.field).toBe("body.version");
    // Nothing of the refused steps was saved.
    const after = await officer.req<One>("GET", `/api/v1/repatriation/cases/${c.id}`);
    expect(after.body.case).toMatchObject({ version: 1, status: "awaiting_verification" });
    expect(after.body.case.steps).toHaveLength(1);

    // Not a national, with grounds: the case ends; no document can follow.
    const no = await step(officer, c.id, "verification", {
      version: 1,
      outcome: "not_national",
      at: at(0),
      grounds: { lang: "en", text: "No household registration matches the fingerprints." },
    });
    expect(no).toMatchObject({ status: "not_verified", pending: null });
    const late = await officer.req<Err>("POST", url("document"), { ...doc, version: 2 });
    expect(late.status).toBe(409);

    // Bad bodies at creation: no zone, a document valid before its issue, an unknown request, an unknown peer.
    const bad = await officer.req<Err>("POST", "/api/v1/repatriation/cases", {
      person: CHEN,
      legalBasis: { instrument: "uncac" },
      requestedAt: "2026-03-01",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d) => d.field)).toContain("body.requestedAt");
    const noReq = await officer.req<Err>("POST", "/api/v1/repatriation/cases", {
      person: CHEN,
      legalBasis: { instrument: "uncac" },
      requestedAt: at(0),
      requestId: "0190a0c0-0000-7000-8000-000000000000",
      peer: "CN-MPS",
      marking: { tlp: "AMBER" },
    });
    expect(noReq.status).toBe(400);
    expect(noReq.body.error.details.map((d) => d.field).sort()).toEqual(["body.peer", "body.requestId"]);
    const c2 = await openCase(officer, { person: personNamed("王五", "Wang Wu"), requestedAt: at(0) });
    await step(officer, c2.id, "verification", { version: 1, outcome: "verified", at: at(0) });
    const invalid = await officer.req<Err>("POST", `/api/v1/repatriation/cases/${c2.id}/document`, {
      ...doc,
      version: 2,
      validUntil: "2020-01-01",
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details.map((d) => d.field)).toContain("body.validUntil");
    const notB64 = await officer.req<Err>("POST", `/api/v1/repatriation/cases/${c2.id}/document`, {
      ...doc,
      version: 2,
      file: { name: "x.pdf", contentBase64: "%%%" },
    });
    expect(notB64.status).toBe(400);
    expect(notB64.body.error.details[0]?.field).toBe("body.file.contentBase64");
  });

  it("links the identity-check request for assistance of the unit, and no other kind", async () => {
    // What pairing leaves behind: an active peer to draft to (nothing is delivered in this suite).
    await node.rt.services.db.insert(peers).values({
      id: "CN-MPS",
      name: "CN-MPS",
      baseUrl: "http://cn-mps.invalid",
      state: "active",
      publicKeys: [],
      fingerprint: "TEST0-TEST0-TEST0-TEST0",
    });
    const req = await draft(officer, identityCheckForm(), "CN-MPS");
    const c = await openCase(officer, { person: CHEN, requestedAt: at(0), requestId: req.id });
    expect(c.requestId).toBe(req.id);
    expect(c.steps[0]).toMatchObject({ kind: "verification_requested", requestId: req.id });
    // Another unit's officer cannot link it (nor see the case).
    const other = await outsider.req<Err>("POST", "/api/v1/repatriation/cases", {
      person: CHEN,
      legalBasis: { instrument: "uncac" },
      requestedAt: at(0),
      requestId: req.id,
    });
    expect(other.status).toBe(400);
    expect(other.body.error.details[0]?.field).toBe("body.requestId");
    expect((await outsider.req("GET", `/api/v1/repatriation/cases/${c.id}`)).status).toBe(404);
    const step404 = await outsider.req("POST", `/api/v1/repatriation/cases/${c.id}/verification`, {
      version: 1,
      outcome: "verified",
      at: at(0),
    });
    expect(step404.status).toBe(404);
  });

  it("shows pending verifications and documents with countdowns; the sweep tells the unit once, in each reader's language and zone", async () => {
    const db = node.rt.services.db;
    // A shorter policy for documents (the node's setting), in force for verifications from now on.
    const put = await admin.req<{ policy: RepatriationPolicy }>("PUT", "/api/v1/repatriation/policy", {
      verificationDays: 30,
      documentDays: 10,
    });
    expect(put.status).toBe(200);
    const v = await openCase(officer, { person: personNamed("赵六", "Zhao Liu"), requestedAt: at(0) });
    const d = await openCase(officer, { person: personNamed("钱七", "Qian Qi"), requestedAt: at(0) });
    await step(officer, d.id, "verification", { version: 1, outcome: "verified", at: at(0) });
    const board = async () =>
      (await officer.req<RepatriationBoard>("GET", "/api/v1/repatriation/board")).body;
    let b = await board();
    const dv = b.verifications.find((i) => i.id === v.id);
    const dd = b.documents.find((i) => i.id === d.id);
    expect(dv).toMatchObject({ pending: "verification", deadlineState: "ok", msLeft: 30 * DAY });
    expect(dd).toMatchObject({ pending: "document", deadlineState: "ok", msLeft: 10 * DAY });
    // Another unit's board does not show them.
    const ob = (await outsider.req<RepatriationBoard>("GET", "/api/v1/repatriation/board")).body;
    expect([...ob.verifications, ...ob.documents]).toEqual([]);

    const sweep = () => node.rt.services.repatriation.sweepOverdue();
    await sweep(); // cases of the earlier tests may be told here; from now on only these two count
    await advance(9 * DAY);
    b = await board();
    expect(b.documents.find((i) => i.id === d.id)?.deadlineState).toBe("due_soon");
    expect(await sweep()).toEqual({ overdue: 0 });
    await advance(1 * DAY + 60_000);
    b = await board();
    expect(b.documents.find((i) => i.id === d.id)).toMatchObject({
      deadlineState: "overdue",
      msLeft: -60_000,
    });
    // Several processes sweeping at once tell once in all.
    const runs = await Promise.all([sweep(), sweep(), sweep()]);
    expect(runs.reduce((n, r) => n + r.overdue, 0)).toBe(1);
    expect(await sweep()).toEqual({ overdue: 0 });
    const told = (await db.select().from(notifications)).filter(
      (n) => n.kind === "repatriation.overdue" && JSON.stringify(n.params).includes(d.reference),
    );
    expect(told.map((n) => n.userId).sort()).toEqual([ids.ann, ids.bo].sort());
    expect(told.every((n) => n.messageKey === "repatriation_document_overdue")).toBe(true);
    // Rendered for each reader: English on New York's clock; Chinese on Beijing's with New York's beside it.
    const mine = await officer.req<{ items: { key: string; title: { en: string }; body: { en: string } }[] }>(
      "GET",
      "/api/v1/notifications",
    );
    const en = mine.body.items.find((n) => n.key === "repatriation_document_overdue");
    expect(en?.title.en).toBe(`Travel document overdue: ${d.reference}`);
    expect(en?.body.en).toContain("钱七 (Qian Qi)");
    expect(en?.body.en).toContain("(10 days after verification)");
    expect(en?.body.en).toMatch(/2026-03-10 22:00 \(UTC-04:00\)/);
    const bo = await node.as("bo.removal");
    const zh = await bo.req<{ items: { key: string; body: { "zh-CN": string } }[] }>(
      "GET",
      "/api/v1/notifications",
    );
    const zhBody = zh.body.items.find((n) => n.key === "repatriation_document_overdue")?.body["zh-CN"];
    expect(zhBody).toContain("2026-03-11 10:00 (UTC+08:00)");
    expect(zhBody).toContain("身份核实后 10 日内");
    const audited = await db.select().from(auditLog).where(eq(auditLog.targetId, d.id));
    expect(audited.filter((a) => a.action === "repatriation.overdue")).toHaveLength(1);

    // The verification is told when its own deadline passes, once.
    await advance(20 * DAY);
    expect((await sweep()).overdue).toBeGreaterThanOrEqual(1);
    const row = (await db.select().from(repatriationCases).where(eq(repatriationCases.id, v.id)))[0];
    expect(row?.overdueTold).toEqual(["verification"]);
    expect(await sweep()).toEqual({ overdue: 0 });
    // The document issued late still closes the board entry; it counts as late in the figures.
    const issued = await step(officer, d.id, "document", {
      version: 2,
      at: clock.now().toISOString(),
      kind: "passport",
      number: "E2",
      validUntil: "2027-12-31",
    });
    expect(issued.pending).toBeNull();
    b = await board();
    expect(b.documents.some((i) => i.id === d.id)).toBe(false);
  });

  it("gives monthly figures on the node's calendar: verified, documents in time, average days; JSON and CSV", async () => {
    const q = "from=2026-01&to=2026-05";
    const f = await officer.req<RepatriationFigures>("GET", `/api/v1/repatriation/figures?${q}`);
    expect(f.status).toBe(200);
    expect(f.body.timeZone).toBe("America/New_York");
    expect(f.body.months.map((m) => m.month)).toEqual([
      "2026-01",
      "2026-02",
      "2026-03",
      "2026-04",
      "2026-05",
    ]);
    const t = f.body.total;
    // From the tests above: verified answers (the full case, Wang Wu, Qian Qi), one not a national.
    expect(t.verified).toBe(3);
    expect(t.notNational).toBe(1);
    // Two documents: one on the day of verification (in time), one 30 days after a 10-day deadline (late).
    expect(t.documentsIssued).toBe(2);
    expect(t.documentsInTime).toBe(1);
    expect(t.averageDaysToDocument).toBe(15);
    expect(t.arrived).toBe(1);
    // The full case: asked one day before the answer.
    expect(f.body.months.find((m) => m.month === "2026-02")?.verified).toBe(3);
    // CSV: headers in the reader's language (the shared labels), by `lang` or else Accept-Language.
    const csvLines = async (url: string, headers: Record<string, string> = {}) => {
      const res = await officer.rt.app.inject({
        method: "GET",
        url,
        headers: { ...(officer.cookie ? { cookie: officer.cookie } : {}), ...headers },
      });
      expect(res.statusCode).toBe(200);
      expect(String(res.headers["content-type"])).toMatch(/text\/csv/);
      return res.body
        .replace(/^\uFEFF/, "")
        .trim()
        .split("\r\n");
    };
    const en = await csvLines(`/api/v1/repatriation/figures.csv?${q}`);
    expect(en[0]).toBe(
      "Month,Verified,Not a national,Cannot verify,Average days to verify,Travel documents issued,Issued in time,Average days to document,Arrived",
    );
    expect(en.at(-1)).toMatch(/^Total,3,1,0,[\d.]+,2,1,15,1$/);
    expect(en).toHaveLength(1 + 5 + 1);
    const zh = await csvLines(`/api/v1/repatriation/figures.csv?${q}&lang=zh-CN`);
    expect(zh[0]).toBe(
      "月份,已核实,非本国公民,无法核实,平均核查天数,已签发旅行证件,按期签发,平均签发天数,已抵达",
    );
    expect(zh.at(-1)).toMatch(/^合计,3,1,0,[\d.]+,2,1,15,1$/);
    const byHeader = await csvLines(`/api/v1/repatriation/figures.csv?${q}`, {
      "accept-language": "zh-CN,zh;q=0.9",
    });
    expect(byHeader[0]).toBe(zh[0]);
    expect(byHeader.slice(1)).toEqual(en.slice(1, -1).concat([zh.at(-1) as string]));
    const bad = await officer.req<Err>("GET", "/api/v1/repatriation/figures?from=2026-05&to=2026-01");
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]?.field).toBe("querystring.from");
  });

  it("a year's numbers go on past 9999 (compared as numbers: as text the 10,000th case got the 9,999th's again)", async () => {
    const first = await openCase(officer, { person: personNamed("孙七", "Sun Qi"), requestedAt: at(0) });
    const prefix = first.reference.replace(/\d+$/, "");
    await node.rt.services.db
      .update(repatriationCases)
      .set({ reference: `${prefix}9999` })
      .where(eq(repatriationCases.id, first.id));
    const next = await openCase(officer, { person: personNamed("周八", "Zhou Ba"), requestedAt: at(0) });
    expect(next.reference).toBe(`${prefix}10000`);
    const after = await openCase(officer, { person: personNamed("吴九", "Wu Jiu"), requestedAt: at(0) });
    expect(after.reference).toBe(`${prefix}10001`);
  });

  it("two cases opened at once get the next two references; a reference taken meanwhile is not given twice", async () => {
    const open = (name: string, romanised: string) => () =>
      officer.req<One>("POST", "/api/v1/repatriation/cases", {
        legalBasis: { instrument: "uncac", article: "Art. 44" },
        person: personNamed(name, romanised),
        requestedAt: at(0),
      });
    const db = node.rt.services.db;
    // On PostgreSQL both wait for the numbering's lock (repatriation.repo.ts nextSeq) before either has a number.
    const both = await queuedBehind(
      db,
      sql`select pg_advisory_xact_lock(hashtext('crossline.repatriation.seq'))`,
      [open("郑十", "Zheng Shi"), open("王十一", "Wang Shiyi")],
      { together: true },
    );
    expect(both.map((r) => r.status)).toEqual([201, 201]);
    const refs = both.map((r) => r.body.case.reference).sort();
    const prefix = (refs[0] as string).replace(/\d+$/, "");
    const n = Number((refs[0] as string).slice(prefix.length));
    const ref = (k: number) => `${prefix}${String(k).padStart(4, "0")}`;
    expect(refs).toEqual([ref(n), ref(n + 1)]);

    // Another writer (outside the lock) holds the next reference, uncommitted, while a case is opened: the
    // index makes the opening wait for it, and the opening then takes the number after it.
    const taken = ref(n + 2);
    const [third] = await queuedBehind(
      db,
      sql`insert into repatriation_cases (id, direction, owner_node, unit_id, reference, content, status, version,
                                          created_at, updated_at)
          values (gen_random_uuid(), 'own', 'US-DOJ', gen_random_uuid(), ${taken}, '{}'::jsonb,
                  'awaiting_verification', 1, now(), now())`,
      [open("李十二", "Li Shier")],
    );
    expect(third?.status, JSON.stringify(third?.body)).toBe(201);
    expect(third?.body.case.reference).toBe(ref(n + 3));
    const own = await db.select().from(repatriationCases).where(eq(repatriationCases.direction, "own"));
    const counts = new Map<string, number>();
    for (const c of own) counts.set(c.reference, (counts.get(c.reference) ?? 0) + 1);
    expect([...counts.values()].every((k) => k === 1)).toBe(true);
    await db.delete(repatriationCases).where(eq(repatriationCases.reference, taken));
  });
});
