import type { CreateCaseBody, Subject } from "@crossline/schemas";
import type { z } from "zod";
import type { Services } from "../services.js";
import { DEMO_NODES, DEMO_PASSWORD } from "./demo-data.js";

// The node side (seed*, run by demo-node.ts in the node's process) imports the actor helpers when it runs: `demo`
// imports this file for its steps over HTTP and loads none of the node's code or the API's schemas (entry.ts).

/**
 * Demo cases: a few bilingual cases on each demo node (all fictitious), one of them a priority case whose
 * summary is shared with the other node once the two are paired (an officer asks, a supervisor approves).
 */
interface DemoCase {
  body: CreateCaseBody;
  subjects?: z.input<typeof Subject>[];
  identifiers?: { type: string; value: string; network?: string }[];
}

const CASES: Record<string, { officer: string; cases: DemoCase[] }> = {
  "CN-MPS": {
    officer: "case.li",
    cases: [
      {
        body: {
          title: { lang: "zh-CN", text: "“海鸥”勒索软件攻击医院信息系统案" },
          category: "ransomware",
          priority: true,
          summary: {
            lang: "zh-CN",
            text: "多家医院信息系统被加密，赎金支付至境外虚拟货币钱包；控制服务器位于境外。",
          },
          asks: {
            lang: "en",
            text: "Please identify who rents the two command servers and preserve their logs.",
          },
        },
        subjects: [
          {
            kind: "organisation",
            role: "suspect",
            names: [{ original: "海鸥团伙", romanised: "Haiou group" }],
          },
        ],
        identifiers: [
          { type: "ipv4", value: "203.0.113.45" },
          { type: "domain", value: "seagull-pay.example" },
        ],
      },
      {
        body: {
          title: { lang: "zh-CN", text: "跨境网络诈骗团伙案（冒充物流客服）" },
          category: "email_web_fraud",
          priority: false,
        },
        subjects: [
          {
            kind: "person",
            role: "suspect",
            names: [{ original: "刘明", romanised: "Liu Ming" }],
            nationality: "CN",
          },
        ],
        identifiers: [{ type: "phone", value: "+86 138 0000 0000" }],
      },
      {
        body: {
          title: { lang: "en", text: "Botnet of compromised home routers" },
          category: "botnet",
          priority: false,
        },
      },
    ],
  },
  "US-DOJ": {
    officer: "case.johnson",
    cases: [
      {
        body: {
          title: { lang: "en", text: "Operation Tinder Box: online firearms marketplace" },
          category: "online_firearms",
          priority: true,
          summary: {
            lang: "en",
            text: "A dark-web marketplace ships firearm parts; payments pass through an exchange in Asia.",
          },
          asks: { lang: "zh-CN", text: "请协助调取相关交易所账户的注册信息。" },
        },
        subjects: [{ kind: "organisation", role: "suspect", names: [{ original: "Tinder Box Market" }] }],
        identifiers: [{ type: "url", value: "http://tinderbox-market.example/shop" }],
      },
      {
        body: {
          title: { lang: "en", text: "Business e-mail compromise against a school district" },
          category: "email_web_fraud",
          priority: false,
          summary: { lang: "zh-CN", text: "学区财务邮件被冒用，款项汇至境外账户。" },
        },
        identifiers: [{ type: "email", value: "billing@school-district.example" }],
      },
    ],
  },
};

/** Opens the demo cases of one node (at creation, through the services, as its case officer). */
export async function seedDemoCases(
  services: Services,
  o: { nodeId: string; unitIds: Map<string, string>; userIds: Map<string, string> },
): Promise<number> {
  const spec = DEMO_NODES.find((n) => n.id === o.nodeId);
  const plan = CASES[o.nodeId];
  if (!spec || !plan) return 0;
  const user = spec.users.find((u) => u.username === plan.officer);
  if (!user) return 0;
  const [{ makeActor }, { AddCaseIdentifierBody, AddCaseSubjectBody }] = await Promise.all([
    import("../lib/actor.js"),
    import("@crossline/schemas"),
  ]);
  const actor = makeActor({
    type: "user",
    id: o.userIds.get(user.username) as string,
    label: user.displayName,
    userId: o.userIds.get(user.username) as string,
    unitId: o.unitIds.get(user.unit) as string,
    agencyId: null,
    roles: user.roles,
  });
  const ctx = { actor, ip: null, requestId: null };
  for (const c of plan.cases) {
    const made = await services.cases.create(ctx, { priority: false, ...c.body });
    for (const subject of c.subjects ?? [])
      await services.cases.addSubject(ctx, made.id, AddCaseSubjectBody.parse({ subject }));
    // Parsed as the route parses it: the identifier is normalised and keeps what was typed as `raw`.
    for (const identifier of c.identifiers ?? [])
      await services.cases.addIdentifier(ctx, made.id, AddCaseIdentifierBody.parse({ identifier }));
  }
  return plan.cases.length;
}

/** A signed-in session on a running demo node (cookie and CSRF token), for the steps done over HTTP. */
export async function signIn(url: string, username: string) {
  const res = await fetch(`${url}/api/v1/auth/sign-in`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  if (!res.ok) throw new Error(`sign-in ${username}: HTTP ${res.status}`);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] as string;
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return async <T>(method: string, p: string, body?: unknown): Promise<T> => {
    const r = await fetch(url + p, {
      method,
      headers: {
        cookie,
        "x-csrf-token": csrfToken,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const parsed = (await r.json().catch(() => null)) as T;
    if (!r.ok) throw new Error(`${method} ${p}: HTTP ${r.status} ${JSON.stringify(parsed)}`);
    return parsed;
  };
}

/**
 * Once the nodes are paired: each node's priority case summary goes to the other (AMBER), asked by the case
 * officer and approved by the supervisor (four eyes), unless it was shared on an earlier start.
 */
export async function shareDemoSummaries(nodes: { id: string; url: string }[]): Promise<string[]> {
  const lines: string[] = [];
  for (const n of nodes) {
    const plan = CASES[n.id];
    const spec = DEMO_NODES.find((s) => s.id === n.id);
    const peer = nodes.find((x) => x.id !== n.id);
    const supervisor = spec?.users.find((u) => u.roles.includes("supervisor"));
    if (!plan || !peer || !supervisor) continue;
    const officer = await signIn(n.url, plan.officer);
    const list = await officer<{ items: { id: string; reference: string }[] }>(
      "GET",
      "/api/v1/cases?priority=true",
    );
    for (const c of list.items) {
      const detail = await officer<{ case: { shares: unknown[] } }>("GET", `/api/v1/cases/${c.id}`);
      if (detail.case.shares.length) continue;
      const asked = await officer<{ case: { shares: { id: string; state: string }[] } }>(
        "POST",
        `/api/v1/cases/${c.id}/shares`,
        { recipients: [peer.id], marking: { tlp: "AMBER", handling: ["no_judicial_use_without_consent"] } },
      );
      const share = asked.case.shares[0];
      if (share?.state === "pending") {
        const sup = await signIn(n.url, supervisor.username);
        await sup("POST", `/api/v1/cases/${c.id}/shares/${share.id}/decision`, { approve: true });
      }
      lines.push(`  Priority case ${c.reference}: summary shared with ${peer.id} (TLP:AMBER)`);
    }
  }
  return lines;
}
