import type { RetentionPolicy } from "@crossline/schemas";
import type { Agent } from "./node.js";

/** Calls the API and fails loudly (with the body) unless the status is the one expected. */
export async function call<T>(a: Agent, method: string, url: string, body?: unknown, want = 200): Promise<T> {
  const r = await a.req<T>(method, url, body);
  if (r.status !== want) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Changes the node's retention policy (as `admin`): the policy as it is, with `change` applied. */
export async function changeRetention(
  admin: Agent,
  change: (p: RetentionPolicy) => RetentionPolicy,
): Promise<RetentionPolicy> {
  const { policy } = await call<{ policy: RetentionPolicy }>(admin, "GET", "/api/v1/lawful/policy");
  return (await call<{ policy: RetentionPolicy }>(admin, "PUT", "/api/v1/lawful/policy", change(policy)))
    .policy;
}
