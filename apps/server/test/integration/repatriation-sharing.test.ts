import type { RepatriationBoard, RepatriationCaseView } from "@crossline/schemas";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { auditLog, notifications, outbox } from "../../src/db/schema/index.js";
import { type Agent, describeDb, type TestNode } from "../support/node.js";
import { type PairedNodes, pairedNodes } from "../support/paired-nodes.js";
import { CHEN, personNamed, UNCAC } from "../support/repatriation-fixtures.js";

const CN = "CN-MPS";
const US = "US-DOJ";
type Name = typeof CN | typeof US;
type Err = { error: { code: string; details: { field?: string; issue: string }[] } };
const DAY = 86_400_000;

interface Live {
  node: TestNode;
  admin: Agent;
  officer: Agent;
  officerId: string;
}

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms = 60_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A download through the HTTP stack, as bytes. */
async function raw(a: Agent, url: string) {
  const res = await a.rt.app.inject({ method: "GET", url, headers: a.cookie ? { cookie: a.cookie } : {} });
  return { status: res.statusCode, bytes: res.rawPayload, headers: res.headers };
}

async function call<T>(a: Agent, method: string, url: string, body?: unknown, want = 200): Promise<T> {
  const r = await a.req<T>(method, url, body);
  if (r.status !== want) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * Two real nodes (signed, encrypted envelopes over HTTP, delivery workers, receipts): US-DOJ opens repatriation
 * cases and shares them with CN-MPS, the side asked to verify; CN holds each read-only with the owner's version
 * and the same steps; every step reaches CN once; both boards show the pending verification or document with
 * its countdown and overdue flag, and each side's sweep tells its own unit.
 */
describeDb("repatriation cases shared between two real nodes", () => {
  const n = {} as Record<Name, Live>;
  let pair: PairedNodes;

  beforeAll(async () => {
    pair = await pairedNodes({
      timeZones: ["Asia/Shanghai", "America/New_York"],
      settings: { fedPollMs: 25, fedBackoffBaseMs: 50, fedBackoffMaxMs: 400 },
    });
    for (const [id, node] of [
      [CN, pair.cn],
      [US, pair.us],
    ] as const) {
      // In the node's first unit, which is also where received shared objects land (the intake unit).
      const u = await node.user(`repatriation.${id.toLowerCase()}`, ["fugitive_asset"]);
      n[id] = {
        node,
        admin: node.bearer(node.rt.controlToken),
        officer: await node.as(`repatriation.${id.toLowerCase()}`),
        officerId: u.id,
      };
    }
  }, 360_000);
  afterAll(() => pair?.close());

  const cnCases = async () =>
    (await call<{ items: RepatriationCaseView[] }>(n[CN].officer, "GET", "/api/v1/repatriation/cases")).items;
  const copyOf = async (reference: string) => (await cnCases()).find((c) => c.reference === reference);
  const now = () => new Date().toISOString();
  /** US opens a case shared with CN (TLP:AMBER) for this person, asked at `requestedAt`. */
  const openShared = async (person: object, requestedAt = now()) =>
    (
      await call<{ case: RepatriationCaseView }>(
        n[US].officer,
        "POST",
        "/api/v1/repatriation/cases",
        { person, legalBasis: UNCAC, requestedAt, peer: CN, marking: { tlp: "AMBER" } },
        201,
      )
    ).case;

  it("shares a case: the peer holds the owner's version with the same steps, each step arriving once, the scan too", async () => {
    const us = n[US].officer;
    const c = await openShared(CHEN);
    expect(c.sharedObjectId).toMatch(/^so_/);
    const copy = await waitFor("CN holds the case", () => copyOf(c.reference));
    expect(copy).toMatchObject({
      direction: "received",
      ownerNode: US,
      peer: US,
      status: "awaiting_verification",
      version: 1,
      pending: "verification",
      personId: null,
    });
    expect(copy.person.names[0]).toEqual({ original: "陈小明", romanised: "Chen Xiaoming" });
    expect(copy.steps).toEqual(c.steps);

    // The receiving side records only what it is asked for (the answer, the document): a transfer on its
    // copy is the owner's to record.
    const ro = await n[CN].officer.req<Err>("POST", `/api/v1/repatriation/cases/${copy.id}/transfer`, {
      version: 1,
      at: now(),
      from: "Houston",
      to: "Beijing",
    });
    expect(ro.status).toBe(409);
    expect(ro.body.error.details[0]?.issue).toMatch(/read-only/);

    // The steps the owner records reach the peer, in order, each once.
    await call(us, "POST", `/api/v1/repatriation/cases/${c.id}/verification`, {
      version: 1,
      outcome: "verified",
      at: now(),
    });
    const verified = await waitFor("the answer reaches CN", async () => {
      const x = await copyOf(c.reference);
      return x?.status === "awaiting_document" && x;
    });
    expect(verified).toMatchObject({ version: 2, pending: "document", deadlineState: "ok" });
    expect(verified.documentDueAt).not.toBeNull();
    const scan = Buffer.from("fictitious travel permit").toString("base64");
    await call(us, "POST", `/api/v1/repatriation/cases/${c.id}/document`, {
      version: 2,
      at: now(),
      kind: "travel_permit",
      number: "T000002",
      validUntil: "2099-12-31",
      file: { name: "permit.pdf", contentBase64: scan },
    });
    await call(us, "POST", `/api/v1/repatriation/cases/${c.id}/transfer`, {
      version: 3,
      at: now(),
      from: "Houston",
      to: "Beijing Capital Airport",
    });
    await call(us, "POST", `/api/v1/repatriation/cases/${c.id}/arrival`, {
      version: 4,
      at: now(),
      place: "Beijing Capital Airport",
    });
    const arrived = await waitFor("the arrival reaches CN", async () => {
      const x = await copyOf(c.reference);
      return x?.status === "arrived" && x;
    });
    const own = (await call<{ case: RepatriationCaseView }>(us, "GET", `/api/v1/repatriation/cases/${c.id}`))
      .case;
    expect(arrived.version).toBe(5);
    expect(arrived.steps).toEqual(own.steps);
    expect(arrived.steps[2]?.document).toMatchObject({ kind: "travel_permit", number: "T000002" });
    // The scan travelled with the step: the peer reads the same bytes, checked against the SHA-256.
    const file = await waitFor("the scan reaches CN", async () => {
      const r = await raw(n[CN].officer, `/api/v1/repatriation/cases/${arrived.id}/document/file`);
      return r.status === 200 && r;
    });
    expect(file.bytes.toString()).toBe("fictitious travel permit");
    expect(file.headers["x-content-sha256"]).toBe(arrived.steps[2]?.document?.file?.sha256);
    // One copy, however many versions reached it.
    expect((await cnCases()).filter((x) => x.reference === c.reference)).toHaveLength(1);
  });

  it("the side asked to verify records the answer and the travel document: they travel back to the owner", async () => {
    const us = n[US].officer;
    const cn = n[CN].officer;
    const c = await openShared(personNamed("林九", "Lin Jiu"));
    const copy = await waitFor("CN holds the case", () => copyOf(c.reference));
    // CN answers on its copy: the answer goes to US as a proposal (202), the copy is unchanged until US's
    // next version comes back.
    const proposed = await call<{ case: RepatriationCaseView; proposalId: string }>(
      cn,
      "POST",
      `/api/v1/repatriation/cases/${copy.id}/verification`,
      { version: 1, outcome: "verified", at: now() },
      202,
    );
    expect(proposed.proposalId).toMatch(/^[0-9a-f-]{36}$/);
    expect(proposed.case).toMatchObject({ version: 1, status: "awaiting_verification" });
    const usCase = async () =>
      (await call<{ case: RepatriationCaseView }>(us, "GET", `/api/v1/repatriation/cases/${c.id}`)).case;
    const answered = await waitFor("the answer reaches US", async () => {
      const x = await usCase();
      return x.status === "awaiting_document" && x;
    });
    expect(answered.version).toBe(2);
    expect(answered.steps[1]).toMatchObject({
      kind: "verification_answered",
      outcome: "verified",
      node: CN,
      by: expect.stringContaining("repatriation.cn-mps"),
    });
    expect(answered.documentDueAt).not.toBeNull();
    const back = await waitFor("US's version comes back to CN", async () => {
      const x = await copyOf(c.reference);
      return x?.version === 2 && x;
    });
    expect(back.steps).toEqual(answered.steps);

    // A step made on a version that is no longer the copy's is refused at once, naming the version.
    const stale = await cn.req<Err>("POST", `/api/v1/repatriation/cases/${copy.id}/verification`, {
      version: 1,
      outcome: "verified",
      at: now(),
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details[0]?.field).toBe("body.version");

    // CN issues the travel document with its scan: the bytes travel to US with the proposal.
    const scan = Buffer.from("fictitious return certificate issued by CN");
    await call(
      cn,
      "POST",
      `/api/v1/repatriation/cases/${copy.id}/document`,
      {
        version: 2,
        at: now(),
        kind: "return_certificate",
        number: "RC-0009",
        validUntil: "2099-06-30",
        file: { name: "certificate.pdf", contentBase64: scan.toString("base64") },
      },
      202,
    );
    const issued = await waitFor("the document reaches US", async () => {
      const x = await usCase();
      return x.status === "awaiting_transfer" && x;
    });
    expect(issued.steps[2]).toMatchObject({ kind: "document_issued", node: CN });
    expect(issued.steps[2]?.document).toMatchObject({ kind: "return_certificate", number: "RC-0009" });
    for (const [side, id] of [
      [US, c.id],
      [CN, copy.id],
    ] as const) {
      const f = await waitFor(`the scan on ${side}`, async () => {
        const r = await raw(n[side].officer, `/api/v1/repatriation/cases/${id}/document/file`);
        return r.status === 200 && r;
      });
      expect(f.bytes.equals(scan), side).toBe(true);
    }
    // The rest stays with the owner; the audit trail tells who recorded what, on both sides.
    const actionsOn = async (side: Name, ids: (string | null)[]) =>
      (
        await n[side].node.rt.services.db
          .select({ action: auditLog.action })
          .from(auditLog)
          .where(
            inArray(
              auditLog.targetId,
              ids.filter((x): x is string => !!x),
            ),
          )
      ).map((r) => r.action);
    const usActions = await actionsOn(US, [c.id, c.sharedObjectId]);
    expect(usActions).toEqual(expect.arrayContaining(["repatriation.answer", "repatriation.document"]));
    expect(usActions.filter((a) => a === "shared_object.proposal_received")).toHaveLength(2);
    const cnActions = await actionsOn(CN, [copy.id, copy.sharedObjectId]);
    expect(cnActions.filter((a) => a === "repatriation.propose")).toHaveLength(2);
    expect(cnActions.filter((a) => a === "shared_object.propose")).toHaveLength(2);
  });

  it("a step proposed on a version the owner has moved past is refused by the owner, and the proposer is told", async () => {
    const us = n[US].officer;
    const c = await openShared(personNamed("吴十", "Wu Shi"));
    const copy = await waitFor("CN holds the case", () => copyOf(c.reference));
    // US's deliveries pause: US answers itself (version 2, not yet at CN) while CN answers on version 1.
    await pair.stopDelivery(1);
    try {
      await call(us, "POST", `/api/v1/repatriation/cases/${c.id}/verification`, {
        version: 1,
        outcome: "cannot_verify",
        grounds: { lang: "en", text: "No record found (fictitious)" },
        at: now(),
      });
      const p = await call<{ proposalId: string }>(
        n[CN].officer,
        "POST",
        `/api/v1/repatriation/cases/${copy.id}/verification`,
        { version: 1, outcome: "verified", at: now() },
        202,
      );
      const db = n[US].node.rt.services.db;
      await waitFor("US refuses the stale proposal", async () => {
        const rows = await db.select().from(auditLog).where(eq(auditLog.action, "federation.inbox.rejected"));
        return rows.some((r) => JSON.stringify(r.details).includes("STALE"));
      });
      // The owner's case keeps its own answer; nothing of the proposal was applied.
      const own = (
        await call<{ case: RepatriationCaseView }>(us, "GET", `/api/v1/repatriation/cases/${c.id}`)
      ).case;
      expect(own).toMatchObject({ version: 2, status: "not_verified" });
      expect(own.steps[1]).toMatchObject({ outcome: "cannot_verify" });
      expect(own.steps[1]?.node ?? null).toBeNull();
      expect(p.proposalId).toBeTruthy();
    } finally {
      pair.startDelivery(1);
    }
    // Once US delivers again, CN's copy has US's answer and CN's proposal is marked refused by the peer.
    const back = await waitFor("US's answer reaches CN", async () => {
      const x = await copyOf(c.reference);
      return x?.status === "not_verified" && x;
    });
    expect(back.steps[1]).toMatchObject({ outcome: "cannot_verify" });
    const sent = await waitFor("CN's proposal marked refused", async () => {
      const rows = await n[CN].node.rt.services.db
        .select()
        .from(outbox)
        .where(and(eq(outbox.type, "shared.object.proposal"), eq(outbox.status, "rejected")));
      return rows.find((r) => JSON.stringify(r.payload).includes(copy.sharedObjectId as string));
    });
    expect(sent.lastError).toMatch(/STALE/);
  });

  it("shows the same pending step on both boards, overdue on both clocks, and each side's sweep tells its unit", async () => {
    // Asked 31 days ago: the verification (30 days by default) is already late.
    const late = await openShared(
      personNamed("周八", "Zhou Ba"),
      new Date(Date.now() - 31 * DAY).toISOString(),
    );
    await waitFor("CN holds the late case", () => copyOf(late.reference));
    const boardOf = async (who: Name) =>
      (await call<RepatriationBoard>(n[who].officer, "GET", "/api/v1/repatriation/board")).verifications.find(
        (i) => i.reference === late.reference,
      );
    const usItem = await boardOf(US);
    const cnItem = await boardOf(CN);
    expect(usItem).toMatchObject({ direction: "own", peer: CN, deadlineState: "overdue" });
    expect(cnItem).toMatchObject({ direction: "received", peer: US, deadlineState: "overdue" });
    expect(cnItem?.dueAt).toBe(usItem?.dueAt);
    expect(cnItem?.msLeft).toBeLessThan(0);

    for (const side of [US, CN] as const) {
      const r = await n[side].node.rt.services.repatriation.sweepOverdue();
      expect(r.overdue).toBeGreaterThanOrEqual(1);
      const told = await n[side].node.rt.services.db
        .select()
        .from(notifications)
        .where(eq(notifications.userId, n[side].officerId));
      const mine = told.filter(
        (t) =>
          t.messageKey === "repatriation_verification_overdue" &&
          JSON.stringify(t.params).includes(late.reference),
      );
      expect(mine, side).toHaveLength(1);
      // The other side named: US waits for CN; CN owes US.
      expect(mine[0]?.params).toMatchObject({ peer: side === US ? CN : US });
    }
  });
  it("withdrawn through the shared-objects API, the case goes on here: steps and a rectification are saved, nothing is sent", async () => {
    const us = n[US].officer;
    const c = await openShared({ ...personNamed("郑十一", "Zheng Shiyi"), dateOfBirth: "1979-05" });
    await waitFor("CN holds the case", () => copyOf(c.reference));
    await call(us, "POST", `/api/v1/shared-objects/${c.sharedObjectId}/withdraw`, {});
    await waitFor("CN's copy is gone", async () => !(await copyOf(c.reference)));
    const usDb = n[US].node.rt.services.db;
    const updatesSent = async () =>
      (
        await usDb
          .select()
          .from(auditLog)
          .where(
            and(eq(auditLog.targetId, c.sharedObjectId ?? ""), eq(auditLog.action, "shared_object.update")),
          )
      ).length;
    const sentBefore = await updatesSent();

    // The next step: saved on the owner's case (before: 409 "the object is withdrawn").
    const step = await us.req<{ case: RepatriationCaseView } & Err>(
      "POST",
      `/api/v1/repatriation/cases/${c.id}/verification`,
      { version: 1, outcome: "verified", at: now() },
    );
    expect(step.status, JSON.stringify(step.body)).toBe(200);
    expect(step.body.case).toMatchObject({ status: "awaiting_document", version: 2 });

    // A rectification of the case's person: saved, the case takes it (before: the whole rectification was
    // rolled back by the one withdrawn case).
    const personId = c.personId as string;
    const person = await call<{ person: { version: number; aliases: unknown; documents: unknown } }>(
      us,
      "GET",
      `/api/v1/persons/${personId}`,
    );
    const rectified = await us.req<Err>("POST", `/api/v1/persons/${personId}/rectify`, {
      version: person.person.version,
      fields: {
        names: [{ original: "郑十一", romanised: "Zheng Shiyi" }],
        aliases: person.person.aliases,
        dateOfBirth: "1979-05-20",
        nationalities: ["CN"],
        documents: person.person.documents,
      },
      reason: "The person asked: date of birth from the passport",
    });
    expect(rectified.status, JSON.stringify(rectified.body)).toBe(200);
    const own = (await call<{ case: RepatriationCaseView }>(us, "GET", `/api/v1/repatriation/cases/${c.id}`))
      .case;
    expect(own).toMatchObject({ version: 3, status: "awaiting_document" });
    expect(own.person.dateOfBirth).toBe("1979-05-20");
    // Nothing went to the peer for either change, and the peer holds no copy.
    expect(await updatesSent()).toBe(sentBefore);
    expect(await copyOf(c.reference)).toBeUndefined();
  });
});
