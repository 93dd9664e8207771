import {
  type FederationWorker,
  startFederationWorker,
} from "../../src/modules/federation/federation.worker.js";
import { createTestNode, type TestNode } from "./node.js";
import { freePort } from "./pg-cluster.js";

/** Two nodes serving HTTP on 127.0.0.1, each with its federation worker, paired (CN-MPS invites, US-DOJ accepts). */
export interface PairedNodes {
  cn: TestNode;
  us: TestNode;
  /** The base URLs of CN-MPS and US-DOJ, in that order. */
  urls: [string, string];
  /** Stops the federation worker of CN-MPS (0) or US-DOJ (1): its messages wait in its outbox. */
  stopDelivery(i: 0 | 1): Promise<void>;
  /** Starts it again (the one close() stops). */
  startDelivery(i: 0 | 1): void;
  close(): Promise<void>;
}

/** The set-up of the two-node browser tests: signed envelopes over real HTTP, workers polling every 50 ms. */
export async function pairedNodes(
  opts: { timeZones?: [string, string]; settings?: Record<string, unknown> } = {},
): Promise<PairedNodes> {
  const nodes: TestNode[] = [];
  const urls: string[] = [];
  const workers: FederationWorker[] = [];
  const quiet = { info() {}, warn() {}, error() {} };
  for (const [i, id] of ["CN-MPS", "US-DOJ"].entries()) {
    const port = await freePort();
    const n = await createTestNode({
      id,
      ...(opts.timeZones ? { timeZone: opts.timeZones[i] } : {}),
      settings: { publicUrl: `http://127.0.0.1:${port}`, fedPollMs: 50, ...opts.settings },
    });
    await n.rt.app.listen({ host: "127.0.0.1", port });
    workers.push(startFederationWorker(n.rt.services.federationService, n.rt.config, quiet));
    nodes.push(n);
    urls.push(`http://127.0.0.1:${port}`);
  }
  const [cn, us] = nodes as [TestNode, TestNode];
  const stopped = new Set<number>();
  const stopDelivery = async (i: 0 | 1) => {
    if (stopped.has(i)) return;
    stopped.add(i);
    await workers[i]?.stop();
  };
  const startDelivery = (i: 0 | 1) => {
    if (!stopped.delete(i)) return;
    const n = nodes[i] as TestNode;
    workers[i] = startFederationWorker(n.rt.services.federationService, n.rt.config, quiet);
  };
  const close = async () => {
    await Promise.all(workers.filter((_, i) => !stopped.has(i)).map((w) => w.stop()));
    for (const n of nodes) await n.close();
  };
  const inv = await cn
    .bearer(cn.rt.controlToken)
    .req<{ invitation: string }>("POST", "/api/v1/peers/invitations");
  const acc = await us
    .bearer(us.rt.controlToken)
    .req("POST", "/api/v1/peers/accept", { invitation: inv.body.invitation });
  if (acc.status >= 300) {
    await close();
    throw new Error(`pairing: ${JSON.stringify(acc.body)}`);
  }
  return { cn, us, urls: urls as [string, string], stopDelivery, startDelivery, close };
}
