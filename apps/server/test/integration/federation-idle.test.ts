import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { uuidv7 } from "../../src/crypto/ids.js";
import { blobs, inbox, outbox, peers } from "../../src/db/schema/index.js";
import type { FederationService } from "../../src/modules/federation/federation.service.js";
import {
  type FederationWorker,
  startFederationWorker,
} from "../../src/modules/federation/federation.worker.js";
import { describeDb } from "../support/node.js";
import { type PairedNodes, pairedNodes } from "../support/paired-nodes.js";

const quiet = { info() {}, warn() {}, error() {} };
/** Short enough that a poll every interval would show as dozens of claims a second. */
const POLL_MS = 25;
/** A minute: a worker that waited this long for a retry would miss every wait below. */
const IDLE_POLL_MS = 60_000;

/**
 * The delivery worker's fallback poll (docs/federation.md §10): every `fedPollMs` while there is work about, and
 * with nothing due it waits until a claim could next find something (the next retry, at the latest
 * `fedIdlePollMs`). CN-MPS's worker here counts its claims (deliverDue calls).
 */
describeDb("an idle delivery worker", () => {
  let pair: PairedNodes;
  let worker: FederationWorker | null = null;
  /** When CN-MPS's worker called deliverDue (ms since the epoch). */
  const claims: number[] = [];
  /** When its housekeeping asked what is due, and which fallback duty it ran when. */
  const asked: number[] = [];
  const duties: { duty: string; at: number }[] = [];

  beforeAll(async () => {
    pair = await pairedNodes({
      settings: {
        fedPollMs: POLL_MS,
        fedIdlePollMs: IDLE_POLL_MS,
        fedBackoffBaseMs: 50,
        fedBackoffMaxMs: 400,
      },
    });
    // CN-MPS's own worker gives way to one whose claims are counted.
    await pair.stopDelivery(0);
    const fed = pair.cn.rt.services.federationService;
    const counted: FederationService = {
      ...fed,
      deliverDue: (...args) => {
        claims.push(Date.now());
        return fed.deliverDue(...args);
      },
      housekeepingDue: () => {
        asked.push(Date.now());
        return fed.housekeepingDue();
      },
      // Counted, not run: the last test makes each duty due by hand (a link stopped as a restore leaves it, a held
      // message, a file marked for erasure), with nothing real behind it. The duties themselves are tested on their
      // own (restore.test.ts, federation-correctness's held messages, fugitives-erasure); the flags read the same
      // conditions as their first reads.
      reconcilePending: async () => {
        duties.push({ duty: "reconcilePending", at: Date.now() });
        return 0;
      },
      retryHeld: async () => {
        duties.push({ duty: "retryHeld", at: Date.now() });
        return 0;
      },
      eraseReleasedBlobs: async () => {
        duties.push({ duty: "eraseReleasedBlobs", at: Date.now() });
        return 0;
      },
    };
    worker = startFederationWorker(counted, pair.cn.rt.config, quiet);
  });
  afterAll(async () => {
    await worker?.stop();
    await pair?.close();
  });

  const pending = async () =>
    (await pair.cn.rt.services.db.select().from(outbox).where(eq(outbox.status, "pending"))).length;

  it("claims nothing for seconds while nothing is pending, though its poll interval is 25 ms", async () => {
    await expect.poll(pending).toBe(0);
    // the loops' first claims and the poll after them
    await new Promise((r) => setTimeout(r, 500));
    const from = Date.now();
    await new Promise((r) => setTimeout(r, 2_000));
    const during = claims.filter((t) => t >= from).length;
    // A poll every 25 ms would have claimed about 80 times. Settled, none at all; up to three leave room for a
    // loaded machine, where the start's claims and the first poll's may still be under way.
    expect(during).toBeLessThanOrEqual(3);
    expect(claims.length).toBeGreaterThan(0);
  });

  it("wakes at once for a message queued meanwhile", async () => {
    const admin = pair.cn.bearer(pair.cn.rt.controlToken);
    expect((await admin.req("POST", "/api/v1/peers/US-DOJ/ping", { count: 1 })).status).toBe(201);
    await expect.poll(pending).toBe(0);
  });

  it("sends a retry when it comes due, with nothing to wake it, though the idle wait is a minute", async () => {
    const db = pair.cn.rt.services.db;
    const [peer] = await db.select().from(peers).where(eq(peers.id, "US-DOJ"));
    const reachable = peer?.baseUrl as string;
    // US-DOJ unreachable: a port nobody listens on (the sender reads the address with each claim)
    await db.update(peers).set({ baseUrl: "http://127.0.0.1:9" }).where(eq(peers.id, "US-DOJ"));
    const admin = pair.cn.bearer(pair.cn.rt.controlToken);
    expect((await admin.req("POST", "/api/v1/peers/US-DOJ/ping", { count: 1 })).status).toBe(201);
    const failed = async () => {
      const rows = await db.select().from(outbox).where(eq(outbox.status, "pending"));
      return rows.length === 1 && (rows[0]?.attempts ?? 0) >= 2;
    };
    // tried, failed, and tried again at its backoff (50, 100 ms ...): the poll follows the retries
    await expect.poll(failed).toBe(true);
    // The address is mended behind the worker's back (no nudge, no NOTIFY on PGlite): only the retry coming
    // due finds it, at most 400 ms (the backoff's ceiling) after the last attempt.
    // expect.poll gives up after 15 s, 45 s short of the idle wait.
    await db.update(peers).set({ baseUrl: reachable }).where(eq(peers.id, "US-DOJ"));
    await expect.poll(pending).toBe(0);
  });

  it("its housekeeping asks once what is due and runs a fallback duty only when it has something to do", async () => {
    const db = pair.cn.rt.services.db;
    const fed = pair.cn.rt.services.federationService;
    const from = Date.now();
    await new Promise((r) => setTimeout(r, 2_500));
    // a read a second, and none of the three duties (each is a read of its own, or more)
    expect(asked.filter((t) => t >= from).length).toBeGreaterThanOrEqual(1);
    expect(duties.filter((d) => d.at >= from)).toEqual([]);
    expect(await fed.housekeepingDue()).toEqual({ reconcile: false, retryHeld: false, eraseBlobs: false });

    const at = new Date();
    const [peer] = await db.select().from(peers).where(eq(peers.id, "US-DOJ"));
    const heldId = uuidv7();
    const blobId = uuidv7();
    try {
      // the link stopped as a restore from backup leaves it: reconciliation is due
      await db
        .update(peers)
        .set({
          linkStop: {
            reason: "RESTORED",
            at: at.toISOString(),
            backupAt: at.toISOString(),
            auditBase: { seq: 0, hash: "0".repeat(64) },
          },
        })
        .where(eq(peers.id, "US-DOJ"));
      // the next message from US-DOJ held (its handler failed): its retry is due
      await db.insert(inbox).values({
        peerId: "US-DOJ",
        msgId: heldId,
        seq: (peer?.inSeq ?? 0) + 1,
        type: "federation.void",
        header: {
          msgId: heldId,
          sender: "US-DOJ",
          recipient: "CN-MPS",
          seq: (peer?.inSeq ?? 0) + 1,
          created: at.toISOString(),
          type: "federation.void",
          schemaVersion: 1,
        },
        payload: {},
        jws: "eyJhbGciOiJFZERTQSJ9.e30.c2ln",
        envelopeSha256: "0".repeat(64),
        status: "held",
        receivedAt: at,
      });
      // a file marked for erasure once its envelope has left
      await db.insert(blobs).values({
        origin: "CN-MPS",
        id: blobId,
        sha256: "0".repeat(64),
        size: 0,
        chunkSize: 1,
        eraseRequestedAt: at,
      });
      expect(await fed.housekeepingDue()).toEqual({ reconcile: true, retryHeld: true, eraseBlobs: true });
      const since = Date.now();
      await expect
        .poll(() => [...new Set(duties.filter((d) => d.at >= since).map((d) => d.duty))].sort())
        .toEqual(["eraseReleasedBlobs", "reconcilePending", "retryHeld"]);
    } finally {
      await db.update(peers).set({ linkStop: null }).where(eq(peers.id, "US-DOJ"));
      await db.delete(inbox).where(eq(inbox.msgId, heldId));
      await db.delete(blobs).where(eq(blobs.id, blobId));
    }
    expect(await fed.housekeepingDue()).toEqual({ reconcile: false, retryHeld: false, eraseBlobs: false });
  });
});
