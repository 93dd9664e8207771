import type { RepatriationBoard, RepatriationCaseView } from "@crossline/schemas";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { notifications } from "../../src/db/schema/index.js";
import {
  type FederationWorker,
  startFederationWorker,
} from "../../src/modules/federation/federation.worker.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";
import { freePort } from "../support/pg-cluster.js";
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

async function listeningNode(id: Name, timeZone: string): Promise<Live> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const node = await createTestNode({
    id,
    timeZone,
    settings: { publicUrl: baseUrl, fedPollMs: 25, fedBackoffBaseMs: 50, fedBackoffMaxMs: 400 },
  });
  await node.rt.app.listen({ host: "127.0.0.1", port });
  // In the node's first unit, which is also where received shared objects land (the intake unit).
  const u = await node.user(`repatriation.${id.toLowerCase()}`, ["fugitive_asset"]);
  return {
    node,
    admin: node.bearer(node.rt.controlToken),
    officer: await node.as(`repatriation.${id.toLowerCase()}`),
    officerId: u.id,
  };
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
  const workers: FederationWorker[] = [];
  const silent = { info() {}, warn() {}, error() {} };

  beforeAll(async () => {
    n[CN] = await listeningNode(CN, "Asia/Shanghai");
    n[US] = await listeningNode(US, "America/New_York");
    for (const x of Object.values(n)) {
      workers.push(startFederationWorker(x.node.rt.services.federationService, x.node.rt.config, silent));
    }
    const inv = await n[CN].admin.req<{ invitation: string }>("POST", "/api/v1/peers/invitations");
    const acc = await n[US].admin.req("POST", "/api/v1/peers/accept", { invitation: inv.body.invitation });
    expect(acc.status, JSON.stringify(acc.body)).toBe(201);
  }, 360_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    for (const x of Object.values(n)) await x?.node.close();
  });

  const cnCases = async () =>
    (await call<{ items: RepatriationCaseView[] }>(n[CN].officer, "GET", "/api/v1/repatriation/cases")).items;
  const copyOf = async (reference: string) => (await cnCases()).find((c) => c.reference === reference);
  const now = () => new Date().toISOString();

  it("shares a case: the peer holds it read-only with the same steps, each step arriving once", async () => {
    const us = n[US].officer;
    const made = await call<{ case: RepatriationCaseView }>(
      us,
      "POST",
      "/api/v1/repatriation/cases",
      { person: CHEN, legalBasis: UNCAC, requestedAt: now(), peer: CN, marking: { tlp: "AMBER" } },
      201,
    );
    const c = made.case;
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

    // The receiving side cannot record steps: its copy is read-only.
    const ro = await n[CN].officer.req<Err>("POST", `/api/v1/repatriation/cases/${copy.id}/verification`, {
      version: 1,
      outcome: "verified",
      at: now(),
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
    // One copy, however many versions reached it.
    expect((await cnCases()).filter((x) => x.reference === c.reference)).toHaveLength(1);
  });

  it("shows the same pending step on both boards, overdue on both clocks, and each side's sweep tells its unit", async () => {
    const us = n[US].officer;
    // Asked 31 days ago: the verification (30 days by default) is already late.
    const late = (
      await call<{ case: RepatriationCaseView }>(
        us,
        "POST",
        "/api/v1/repatriation/cases",
        {
          person: personNamed("周八", "Zhou Ba"),
          legalBasis: UNCAC,
          requestedAt: new Date(Date.now() - 31 * DAY).toISOString(),
          peer: CN,
          marking: { tlp: "AMBER" },
        },
        201,
      )
    ).case;
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
});
