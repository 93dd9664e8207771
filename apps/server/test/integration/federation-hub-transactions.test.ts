import { afterAll, beforeAll, expect, it } from "vitest";
import { z } from "zod";
import { inTransaction } from "../../src/db/client.js";
import { systemCtx } from "../../src/lib/actor.js";
import { defineHandler, type FederationPort } from "../../src/modules/federation/federation.types.js";
import { FederationHub } from "../support/federation-hub.js";
import { createTestNode, describeDb, type TestNode } from "../support/node.js";

/**
 * Issue 9 point 13: the test hub stands in for the transactional outbox, so it must honour the enqueuing
 * transaction as the real outbox row does: a message exists once that transaction commits, never if it rolls back.
 */
describeDb("federation test hub honours commit and rollback of the enqueuing transaction", () => {
  let node: TestNode;
  let hub: FederationHub;
  let from: FederationPort;
  const received: number[] = [];

  beforeAll(async () => {
    node = await createTestNode({ id: "CN-MPS", timeZone: "UTC" });
    hub = new FederationHub();
    from = hub.port("CN-MPS");
    hub
      .port("US-DOJ")
      .registerHandler(
        defineHandler(
          "test.hub",
          z.object({ n: z.number() }),
          async (_tx, m) => void received.push(m.payload.n),
        ),
      );
    // the receiving side needs a database to apply in; the sender's is the same one, which is enough here
    hub.attach("US-DOJ", node.rt.services.db);
  });
  afterAll(() => node?.close());

  const enqueue = (tx: Parameters<FederationPort["enqueue"]>[0], n: number) =>
    from.enqueue(tx, systemCtx(), { peerId: "US-DOJ", type: "test.hub", payload: { n } });

  it("a message enqueued in a rolled-back transaction is never delivered", async () => {
    await expect(
      inTransaction(node.rt.services.db, async (tx) => {
        await enqueue(tx, 1);
        throw new Error("the domain change failed after enqueuing");
      }),
    ).rejects.toThrow("the domain change failed");
    expect(hub.pending()).toBe(0);
    expect(await hub.flush()).toBe(0);
    expect(hub.delivered).toEqual([]);
    expect(received).toEqual([]);
  });

  it("a message enqueued in a committed transaction is queued only once it commits, then delivered", async () => {
    let pendingInside = -1;
    await inTransaction(node.rt.services.db, async (tx) => {
      await enqueue(tx, 2);
      pendingInside = hub.pending();
    });
    expect(pendingInside).toBe(0);
    expect(hub.pending()).toBe(1);
    expect(await hub.flush()).toBe(1);
    expect(received).toEqual([2]);
    expect(hub.delivered.map((d) => [d.from, d.to, d.type, d.payload])).toEqual([
      ["CN-MPS", "US-DOJ", "test.hub", { n: 2 }],
    ]);
  });

  it("of two transactions, only the committed one's message is delivered", async () => {
    await inTransaction(node.rt.services.db, (tx) => enqueue(tx, 3));
    await inTransaction(node.rt.services.db, async (tx) => {
      await enqueue(tx, 4);
      throw new Error("rolled back");
    }).catch(() => undefined);
    expect(await hub.flush()).toBe(1);
    expect(received).toEqual([2, 3]);
  });
});
