import { OUTSIDE_ROLES, ROLES, type Role } from "@crossline/schemas";
import { generate } from "otplib";
import { Agent, type TestNode } from "./node.js";

export type Target = "own" | "other" | "none";

export interface MatrixCase {
  name: string;
  method: string;
  /** Builds the URL (and body) for a target record in the caller's own unit, another unit, or none. */
  request(t: Target, fx: MatrixFixtures): { url: string; body?: unknown };
  targets: Target[];
  /** The expected status for a role and a target. */
  expect(role: Role, t: Target): number;
  /** Makes the target record and returns the id that replaces `:id` (when runMatrix is given none). */
  prepare?: (t: Target) => Promise<string>;
  /** The caller for a role, when the case uses up its session or password (else the shared agent of the role). */
  agent?: (role: Role, fx: MatrixFixtures) => Promise<Agent>;
}

/** Expects `ok` from the given roles and `otherwise` (403) from the rest. */
export const only =
  (roles: Role[], ok: number, otherwise = 403) =>
  (r: Role) =>
    roles.includes(r) ? ok : otherwise;

export interface CaseOptions {
  /** Builds the request body, each time it is sent. */
  body?: (fx: MatrixFixtures, t: Target) => unknown;
  /** Said in brackets after the method and path in the case's name. */
  label?: string;
  /** The case's name, when it is not the method and the path. */
  name?: string;
  prepare?: (t: Target) => Promise<string>;
  agent?: MatrixCase["agent"];
}

function caseOf(
  method: string,
  url: string,
  targets: Target[],
  expect: MatrixCase["expect"],
  o: CaseOptions,
): MatrixCase {
  const path = url.replace(/^\/api\/v1/, "").replace(/\?.*$/, "");
  return {
    name: o.name ?? `${method} ${path}${o.label ? ` (${o.label})` : ""}`,
    method,
    targets,
    request: (t, fx) => (o.body ? { url, body: o.body(fx, t) } : { url }),
    expect,
    prepare: o.prepare,
    agent: o.agent,
  };
}

/** A case on an endpoint that takes no target record, named by its method and its path below /api/v1 (no query). */
export const endpoint = (
  method: string,
  url: string,
  expect: (role: Role) => number,
  body?: (fx: MatrixFixtures) => unknown,
  o: Pick<CaseOptions, "agent" | "label"> = {},
) => caseOf(method, url, ["none"], expect, { body, ...o });

/** A case on a record of the caller's own unit and one of another unit (`:id` in the URL), named likewise. */
export const onRecord = (method: string, url: string, expect: MatrixCase["expect"], o: CaseOptions = {}) =>
  caseOf(method, url, ["own", "other"], expect, o);

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

/** A new user of the role in the own unit, signed in: for cases that sign out or change the password. */
export async function freshAgent(role: Role, fx: MatrixFixtures): Promise<Agent> {
  const username = `f.${role.replace(/_/g, "-")}.${++seq}`;
  await fx.node.user(username, [role], fx.ownUnit);
  return fx.node.as(username);
}

/**
 * Sets up one signed-in user per role in one unit, and helpers that make target records. The route-table test
 * (route-table.test.ts) reads the rows from the suites' source: write each case's method and path as string
 * literals in `endpoint(…)` / `onRecord(…)`, or name it `"METHOD /path"` when its URL carries several ids.
 */
export async function matrixFixtures(node: TestNode): Promise<MatrixFixtures> {
  const ownUnit = await node.unit("Own unit");
  const otherUnit = await node.unit("Other unit");
  const agents = new Map<Role, Agent>();
  for (const role of ROLES) {
    const username = `m.${role.replace(/_/g, "-")}`;
    await node.user(username, [role], ownUnit);
    const agent = await node.as(username);
    // Outside users (provider staff) must enrol MFA before anything else: the shared agent has done so.
    if (OUTSIDE_ROLES.includes(role)) await enrolMfa(agent);
    agents.set(role, agent);
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

/**
 * Enrols and confirms MFA for a signed-in agent; returns the TOTP secret. The code is made for the node's
 * clock, which a suite may have set to another day (the node checks codes against its own time).
 */
export async function enrolMfa(agent: Agent): Promise<string> {
  const enrol = await agent.req<{ secret: string }>("POST", "/api/v1/auth/mfa/enrol");
  const epoch = Math.floor(agent.rt.services.clock.now().getTime() / 1000);
  const ok = await agent.req("POST", "/api/v1/auth/mfa/confirm", {
    code: await generate({ secret: enrol.body.secret, epoch }),
  });
  if (ok.status !== 200) throw new Error(`mfa: ${ok.status} ${JSON.stringify(ok.body)}`);
  return enrol.body.secret;
}

/** Runs every role against every target and returns the mismatches (empty when the matrix holds). */
export async function runMatrix(
  c: MatrixCase,
  fx: MatrixFixtures,
  prepare: ((t: Target) => Promise<string>) | undefined = c.prepare,
) {
  const mismatches: string[] = [];
  for (const role of ROLES) {
    for (const t of c.targets) {
      const id = prepare ? await prepare(t) : "";
      // The caller first: a case's body may depend on what making the caller did (an MFA enrolment).
      const agent = c.agent ? await c.agent(role, fx) : (fx.agents.get(role) as Agent);
      const { url, body } = c.request(t, { ...fx, ownUser: async () => id, otherUser: async () => id });
      const res = await agent.req(c.method, url.replace(":id", id), body);
      const want = c.expect(role, t);
      if (res.status !== want) mismatches.push(`${role} × ${t}: got ${res.status}, want ${want}`);
    }
  }
  return mismatches;
}

export const FAKE_ID = "0190a0c0-0000-7000-8000-000000000000";

/**
 * Sends every case once without credentials, `:id` replaced by `idFor(case)` (a well-formed id that does not
 * exist by default), and returns the cases that did not answer 401 (empty when all did).
 */
export async function anonymousMismatches(
  cases: MatrixCase[],
  fx: MatrixFixtures,
  idFor: (c: MatrixCase) => string = () => FAKE_ID,
) {
  const anon = new Agent(fx.node.rt);
  const bad: string[] = [];
  for (const c of cases) {
    const { url, body } = c.request("none", fx);
    const res = await anon.req(c.method, url.replace(":id", idFor(c)), body);
    if (res.status !== 401) bad.push(`${c.name}: ${res.status}`);
  }
  return bad;
}
