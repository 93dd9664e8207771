import type { MarkingInput, PublishSharedObjectBody, SharedObjectView } from "@crossline/schemas";
import { peers } from "../../src/db/schema/index.js";
import { FederationHub, TestClock } from "./federation-hub.js";
import { type Agent, createTestNode, type TestNode } from "./node.js";

/** Three agencies: the demo's two and a third, fictitious one (Nexaria's national police). */
export const NODES = ["CN-MPS", "US-DOJ", "NX-NPA"] as const;
export type NodeName = (typeof NODES)[number];

export interface ThreeNodes {
  hub: FederationHub;
  clocks: Record<NodeName, TestClock>;
  nodes: Record<NodeName, TestNode>;
  /** A case officer of each node, in the node's intake unit (where received objects land). */
  officers: Record<NodeName, Agent>;
  close(): Promise<void>;
}

/**
 * Three nodes, every pair paired, through an in-process hub; each node on a clock of its own, hours apart
 * from the others (CN on time, US 6 hours behind, NX 9 hours ahead): only versions may decide.
 */
export async function threeNodes(start = "2026-11-20T02:00:00Z"): Promise<ThreeNodes> {
  const hub = new FederationHub();
  const t = Date.parse(start);
  const clocks = {
    "CN-MPS": new TestClock(t),
    "US-DOJ": new TestClock(t - 6 * 3600_000),
    "NX-NPA": new TestClock(t + 9 * 3600_000),
  };
  const nodes = {} as Record<NodeName, TestNode>;
  const officers = {} as Record<NodeName, Agent>;
  for (const id of NODES) {
    nodes[id] = await createTestNode({ id, clock: clocks[id], federation: hub.port(id) });
    hub.attach(id, nodes[id].rt.services.db);
    for (const other of NODES.filter((o) => o !== id)) {
      // What pairing leaves behind: each node holds the others as active peers.
      await nodes[id].rt.services.db.insert(peers).values({
        id: other,
        name: other,
        baseUrl: `http://${other.toLowerCase()}.invalid`,
        state: "active",
        publicKeys: [],
        fingerprint: "TEST0-TEST0-TEST0-TEST0",
      });
    }
    await nodes[id].user(`officer.${id.toLowerCase()}`, ["case_officer"]);
    officers[id] = await nodes[id].as(`officer.${id.toLowerCase()}`);
  }
  return {
    hub,
    clocks,
    nodes,
    officers,
    async close() {
      for (const id of NODES) await nodes[id].close();
    },
  };
}

export const AMBER: MarkingInput = { tlp: "AMBER" };

export function indicator(
  value: string,
  marking: MarkingInput = AMBER,
  recipients?: string[],
): PublishSharedObjectBody {
  return {
    type: "indicator",
    marking,
    content: { kind: "ipv4", value, description: { lang: "en", text: "C2 server" } },
    ...(recipients ? { recipients } : {}),
  };
}

type One = { object: SharedObjectView };

/** Calls the API and fails loudly (with the body) unless the status is the one expected. */
export async function call<T = One>(
  a: Agent,
  method: string,
  url: string,
  body?: unknown,
  want = 200,
): Promise<T> {
  const r = await a.req<T>(method, url, body);
  if (r.status !== want) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export const publish = async (a: Agent, body: PublishSharedObjectBody) =>
  (await call(a, "POST", "/api/v1/shared-objects", body, 201)).object;

/** The object as a node's officer sees it, or null when it is not there. */
export async function seen(a: Agent, id: string): Promise<SharedObjectView | null> {
  const r = await a.req<One>("GET", `/api/v1/shared-objects/${id}`);
  return r.status === 200 ? r.body.object : null;
}
