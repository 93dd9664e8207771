import { ROLES, type Role } from "@crossline/schemas";
import type { Agent, TestNode } from "./node.js";

export type Target = "own" | "other" | "none";

export interface MatrixCase {
  name: string;
  method: string;
  /** Builds the URL (and body) for a target record in the caller's own unit, another unit, or none. */
  request(t: Target, fx: MatrixFixtures): { url: string; body?: unknown };
  targets: Target[];
  /** The expected status for a role and a target. */
  expect(role: Role, t: Target): number;
}

export interface MatrixFixtures {
  node: TestNode;
  ownUnit: string;
  otherUnit: string;
  /** A plain user in the own unit and one in the other unit, per run (some cases change them). */
  ownUser(): Promise<string>;
  otherUser(): Promise<string>;
  agents: Map<Role, Agent>;
}

let seq = 0;

/** Sets up one signed-in user per role in one unit, and helpers that make target records. */
export async function matrixFixtures(node: TestNode): Promise<MatrixFixtures> {
  const ownUnit = await node.unit("Own unit");
  const otherUnit = await node.unit("Other unit");
  const agents = new Map<Role, Agent>();
  for (const role of ROLES) {
    const username = `m.${role.replace(/_/g, "-")}`;
    await node.user(username, [role], ownUnit);
    agents.set(role, await node.as(username));
  }
  return {
    node,
    ownUnit,
    otherUnit,
    agents,
    ownUser: async () => (await node.user(`t.own.${++seq}`, ["case_officer"], ownUnit)).id,
    otherUser: async () => (await node.user(`t.other.${++seq}`, ["case_officer"], otherUnit)).id,
  };
}

/** Runs every role against every target and returns the mismatches (empty when the matrix holds). */
export async function runMatrix(c: MatrixCase, fx: MatrixFixtures, prepare?: (t: Target) => Promise<string>) {
  const mismatches: string[] = [];
  for (const role of ROLES) {
    for (const t of c.targets) {
      const id = prepare ? await prepare(t) : "";
      const { url, body } = c.request(t, { ...fx, ownUser: async () => id, otherUser: async () => id });
      const res = await (fx.agents.get(role) as Agent).req(c.method, url.replace(":id", id), body);
      const want = c.expect(role, t);
      if (res.status !== want) mismatches.push(`${role} × ${t}: got ${res.status}, want ${want}`);
    }
  }
  return mismatches;
}
