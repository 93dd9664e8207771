import type { RoundFields, RoundView } from "@crossline/schemas";
import { peers } from "../../src/db/schema/index.js";
import { FederationHub, TestClock } from "./federation-hub.js";
import { call } from "./lawful.js";
import { type Agent, createTestNode, type TestNode } from "./node.js";

export const US = "US-DOJ";
export const CN = "CN-MPS";
export type Side = typeof US | typeof CN;

export interface TwoNodes {
  hub: FederationHub;
  clocks: Record<Side, TestClock>;
  nodes: Record<Side, TestNode>;
  /** A liaison / secretariat officer on each node. */
  liaison: Record<Side, Agent>;
  close(): Promise<void>;
}

/**
 * The two sides of the dialogue through the in-process hub, each holding the other as an active peer with
 * its real signing keys (what pairing leaves behind), so signatures are checked as between real nodes.
 * Clocks 13 hours apart (Washington and Beijing): only versions decide.
 */
export async function twoNodes(start = "2026-11-20T02:00:00Z"): Promise<TwoNodes> {
  const hub = new FederationHub();
  const t = Date.parse(start);
  const clocks = { [US]: new TestClock(t - 13 * 3600_000), [CN]: new TestClock(t) } as Record<
    Side,
    TestClock
  >;
  const nodes = {} as Record<Side, TestNode>;
  const liaison = {} as Record<Side, Agent>;
  for (const id of [US, CN] as const) {
    nodes[id] = await createTestNode({ id, clock: clocks[id], federation: hub.port(id) });
    hub.attach(id, nodes[id].rt.services.db);
  }
  for (const id of [US, CN] as const) {
    const other = id === US ? CN : US;
    await nodes[id].rt.services.db.insert(peers).values({
      id: other,
      name: other,
      baseUrl: `http://${other.toLowerCase()}.invalid`,
      state: "active",
      publicKeys: (await nodes[other].rt.services.node.signingPublicKeys()).map((k) => ({
        ...k,
        status: "active" as const,
      })),
      fingerprint: "TEST0-TEST0-TEST0-TEST0",
    });
    await nodes[id].user(`liaison.${id.toLowerCase()}`, ["liaison"]);
    liaison[id] = await nodes[id].as(`liaison.${id.toLowerCase()}`);
  }
  return {
    hub,
    clocks,
    nodes,
    liaison,
    async close() {
      for (const id of [US, CN] as const) await nodes[id]?.close();
    },
  };
}

/** A round in Washington, 7–8 December 2015 (public facts; the people are fictitious). */
export function washingtonRound(overrides: Partial<RoundFields> = {}): RoundFields {
  return {
    number: 1,
    name: { en: "First round (demo)", zh: "第一轮（演示）" },
    startsAt: "2015-12-01T09:00:00-05:00",
    endsAt: "2015-12-01T17:00:00-05:00",
    timeZone: "America/New_York",
    city: { en: "Washington", zh: "华盛顿" },
    venue: { en: "Conference centre (fictitious)", zh: "会议中心（虚构）" },
    coChairs: [
      {
        node: US,
        nameOriginal: "Jane Doe",
        nameRomanised: "Jane Doe",
        title: { en: "Co-chair", zh: "共同主席" },
      },
      {
        node: CN,
        nameOriginal: "王明",
        nameRomanised: "Wang Ming",
        title: { en: "Co-chair", zh: "共同主席" },
      },
    ],
    delegations: [
      {
        node: US,
        agencies: [
          { name: { en: "DOJ", zh: "司法部" }, members: [{ nameOriginal: "John Roe", nameRomanised: "" }] },
        ],
      },
      {
        node: CN,
        agencies: [
          { name: { en: "MPS", zh: "公安部" }, members: [{ nameOriginal: "李华", nameRomanised: "Li Hua" }] },
        ],
      },
    ],
    agenda: [{ id: "a1", title: { en: "Cyber crime cooperation", zh: "打击网络犯罪合作" } }],
    documents: [],
    nextRound: null,
    ...overrides,
  };
}

export { call };

export const getRound = async (a: Agent, id: string) =>
  (await call<{ round: RoundView }>(a, "GET", `/api/v1/rounds/${id}`)).round;

export const change = (a: Agent, id: string, base: number, op: unknown, want = 200) =>
  call<{ round: RoundView; outcome: string; proposalId: string | null }>(
    a,
    "POST",
    `/api/v1/rounds/${id}/changes`,
    { base, op },
    want,
  );
