import net from "node:net";
import type { SharedObjectView } from "@crossline/schemas";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { peers } from "../../src/db/schema/index.js";
import {
  type FederationWorker,
  startFederationWorker,
} from "../../src/modules/federation/federation.worker.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";
import { freePort } from "../support/pg-cluster.js";
import { AMBER, call, indicator, publish, seen } from "../support/shared-objects-fixtures.js";

const CN = "CN-MPS";
const US = "US-DOJ";
const NX = "NX-NPA";
type Name = typeof CN | typeof US | typeof NX;

interface Live {
  node: TestNode;
  admin: Agent;
  officer: Agent;
  baseUrl: string;
}

/** A partition that hangs rather than refuses: it accepts connections and never answers. */
async function blackHole() {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("error", () => {});
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${port}`,
    /** Ends the partition: every hanging request fails at once. */
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** CN's requests to a peer hang for a minute before they give up: longer than any wait below. */
const REQUEST_TIMEOUT_MS = 60_000;

async function listeningNode(id: Name, timeZone: string): Promise<Live> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const node = await createTestNode({
    id,
    timeZone,
    settings: {
      publicUrl: baseUrl,
      fedPollMs: 25,
      fedBackoffBaseMs: 50,
      fedBackoffMaxMs: 400,
      fedRequestTimeoutMs: REQUEST_TIMEOUT_MS,
    },
  });
  await node.rt.app.listen({ host: "127.0.0.1", port });
  await node.user(`officer.${id.toLowerCase()}`, ["case_officer"]);
  return {
    node,
    admin: node.bearer(node.rt.controlToken),
    officer: await node.as(`officer.${id.toLowerCase()}`),
    baseUrl,
  };
}

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms = 30_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Three real nodes (signed, encrypted envelopes over HTTP, delivery workers, receipts), every pair paired:
 * a shared object fans out to two peers, a partition to one peer never delays the other, a withdrawal made
 * during the partition arrives when it heals, and a key rotation reaches both peers.
 */
describeDb("shared objects and keys across three real nodes", () => {
  const n = {} as Record<Name, Live>;
  const workers: FederationWorker[] = [];
  const silent = { info() {}, warn() {}, error() {} };

  beforeAll(async () => {
    n[CN] = await listeningNode(CN, "Asia/Shanghai");
    n[US] = await listeningNode(US, "America/New_York");
    n[NX] = await listeningNode(NX, "Europe/Berlin");
    for (const x of Object.values(n)) {
      workers.push(startFederationWorker(x.node.rt.services.federationService, x.node.rt.config, silent));
    }
    for (const [a, b] of [
      [CN, US],
      [CN, NX],
      [US, NX],
    ] as const) {
      const inv = await n[a].admin.req<{ invitation: string }>("POST", "/api/v1/peers/invitations");
      const acc = await n[b].admin.req("POST", "/api/v1/peers/accept", { invitation: inv.body.invitation });
      expect(acc.status, JSON.stringify(acc.body)).toBe(201);
    }
    // Three nodes to initialise and pair: more than the default hook time on a busy machine.
  }, 360_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    for (const x of Object.values(n)) await x?.node.close();
  });

  const stateAt = async (at: Name, id: string) => (await seen(n[at].officer, id))?.state ?? null;

  it("fans a shared object out to two peers", async () => {
    const o = await publish(n[CN].officer, indicator("203.0.113.50", AMBER, [US, NX]));
    const t0 = performance.now();
    for (const peer of [US, NX] as const) {
      const copy = await waitFor(`${peer} holds it`, () => seen(n[peer].officer, o.id));
      expect(copy).toMatchObject({ ownerNode: CN, sourceNode: CN, version: 1, state: "active" });
    }
    console.info(
      `[shared objects] fan-out to two peers over HTTP: ${(performance.now() - t0).toFixed(0)} ms`,
    );
  });

  /**
   * Cuts CN → NX (NX → CN still works) with `partition`, then: CN withdraws an object both peers hold and
   * publishes ten more to both; US must hold all of it while NX holds none; once healed, NX gets the tombstone.
   * Prints the time from the last publish until US had everything, with every link up and during the cut.
   */
  async function partitionStory(partition: { url: string; close(): Promise<void> }, first: number) {
    const o = await publish(n[CN].officer, indicator(`203.0.113.${first}`, AMBER, [US, NX]));
    await waitFor("both hold it", async () => (await stateAt(US, o.id)) && (await stateAt(NX, o.id)));
    const tenToUs = async (from: number, ms: number) => {
      const objs: SharedObjectView[] = [];
      for (let i = 0; i < 10; i++) {
        objs.push(await publish(n[CN].officer, indicator(`198.51.100.${from + i}`, AMBER, [US, NX])));
      }
      const t0 = performance.now();
      await waitFor(
        "US holds the ten objects",
        async () => {
          for (const m of objs) if ((await stateAt(US, m.id)) === null) return false;
          return true;
        },
        ms,
      );
      return { objs, ms: performance.now() - t0 };
    };
    const linked = await tenToUs(first + 1, 30_000);
    const db = n[CN].node.rt.services.db;
    await db.update(peers).set({ baseUrl: partition.url }).where(eq(peers.id, NX));
    try {
      await call(n[CN].officer, "POST", `/api/v1/shared-objects/${o.id}/withdraw`, {});
      // A third of the time a request to NX may hang: had the cut link held the delivery back, US would not
      // have everything in time.
      const cut = await tenToUs(first + 11, REQUEST_TIMEOUT_MS / 3);
      await waitFor("US has the tombstone", async () => (await stateAt(US, o.id)) === "withdrawn");
      console.info(
        `[shared objects] CN→US, last of ten publishes to all applied: ${linked.ms.toFixed(0)} ms, every link up; ${cut.ms.toFixed(0)} ms, CN→NX cut`,
      );
      expect(await stateAt(NX, o.id)).toBe("active");
      expect(await stateAt(NX, cut.objs[0].id)).toBeNull();
    } finally {
      await db.update(peers).set({ baseUrl: n[NX].baseUrl }).where(eq(peers.id, NX));
      await partition.close();
    }
    const t1 = performance.now();
    await waitFor(
      "NX has the tombstone after healing",
      async () => (await stateAt(NX, o.id)) === "withdrawn",
    );
    console.info(
      `[shared objects] healed: NX had the tombstone in ${(performance.now() - t1).toFixed(0)} ms`,
    );
    expect(await seen(n[NX].officer, o.id)).toMatchObject({ state: "withdrawn", version: 2, content: null });
  }

  it("a partition to one peer (connections refused) never delays the other; the withdrawal arrives on healing", async () => {
    // Nothing listens on that port: every request to NX fails at once.
    await partitionStory({ url: `http://127.0.0.1:${await freePort()}`, close: async () => {} }, 60);
  });

  /**
   * Requests to one peer hang (a black hole rather than a refusal). A delivery loop claims for one peer at a
   * time and never a peer with a batch in flight, so the hanging peer holds one loop and the other peer keeps
   * flowing through the other (before, a claim across peers made each loop wait for the whole timeout).
   */
  it("a partition to one peer (requests hang) never delays the other; the withdrawal arrives on healing", async () => {
    await partitionStory(await blackHole(), 90);
  });

  it("a key rotation reaches both peers, and shared objects keep flowing under the new keys", async () => {
    const kidsAt = async (at: Name) =>
      (
        await n[at].admin.req<{ peer: { keys: { kid: string }[] } }>("GET", `/api/v1/peers/${CN}`)
      ).body.peer.keys.map((k) => k.kid);
    const rot = await n[CN].admin.req<{ added: string[] }>("POST", "/api/v1/node/keys/rotate");
    expect(rot.status, JSON.stringify(rot.body)).toBe(200);
    for (const peer of [US, NX] as const) {
      await waitFor(`${peer} learns the new keys`, async () => {
        const kids = await kidsAt(peer);
        return rot.body.added.every((k) => kids.includes(k));
      });
    }
    // CN retires the old keys once both receipts of the announcement are back (409 until then).
    const ret = await waitFor("CN may retire the old keys", async () => {
      const r = await n[CN].admin.req<{ retired: string[] }>("POST", "/api/v1/node/keys/retire", {});
      if (r.status === 409) return null;
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r;
    });
    for (const peer of [US, NX] as const) {
      await waitFor(`${peer} drops the retired keys`, async () => {
        const kids = await kidsAt(peer);
        return kids.length === rot.body.added.length && ret.body.retired.every((k) => !kids.includes(k));
      });
    }
    const o = await publish(n[CN].officer, indicator("203.0.113.52", AMBER, [US, NX]));
    await call(n[CN].officer, "PATCH", `/api/v1/shared-objects/${o.id}`, {
      version: 1,
      content: { kind: "ipv4", value: "203.0.113.53" },
    });
    for (const peer of [US, NX] as const) {
      await waitFor(`${peer} has version 2`, async () => (await seen(n[peer].officer, o.id))?.version === 2);
    }
  });
});
