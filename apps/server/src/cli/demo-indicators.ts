import { Readable } from "node:stream";
import type { Services } from "../services.js";
import { DEMO_NODES } from "./demo-data.js";

// The node side (seed*, run by demo-node.ts in the node's process) imports the actor helpers when it runs: `demo`
// imports this file for its steps over HTTP and loads none of the node's code or the API's schemas (entry.ts).

/**
 * Demo indicator feeds: each demo node imports a small feed of its own (fictitious: documentation address
 * ranges, `.example` domains; descriptions in the node's language) at creation, and once the nodes are paired
 * shares it with the other node, so a feed travels in each direction. The US feed carries the C2 address of the
 * CN "Seagull" ransomware case: on receipt CN's correlation finds it (a hit for the case's unit).
 */
const FEEDS: Record<string, { officer: string; name: string; csv: string }> = {
  "CN-MPS": {
    officer: "case.li",
    name: "公安部网络安全局威胁情报（演示）",
    csv: [
      "kind,value,confidence,description,source",
      "ip,203.0.113.45,90,“海鸥”勒索软件控制服务器,网络安全局",
      "domain,seagull-pay.example,85,“海鸥”勒索软件赎金支付站点,网络安全局",
      "url,http://logistics-refund.example/claim,80,冒充物流客服的钓鱼页面,网络安全局",
      "email,kefu@logistics-refund.example,75,冒充物流客服的发件地址,网络安全局",
      "ip,198.51.100.0/28,60,诈骗团伙使用的托管网段,网络安全局",
    ].join("\n"),
  },
  "US-DOJ": {
    officer: "case.johnson",
    name: "US-DOJ cyber threat feed (demo)",
    csv: [
      "kind,value,confidence,description,source",
      "ip,192.0.2.77,85,Command-and-control server of the home-router botnet,FBI Cyber Division (demo)",
      "ip,203.0.113.45,70,Ransomware C2 also seen against US hospitals,FBI Cyber Division (demo)",
      "domain,tinderbox-market.example,90,Online firearms marketplace (Operation Tinder Box),ATF (demo)",
      "domain,schooi-district.example,80,Look-alike domain used in the e-mail compromise,FBI IC3 (demo)",
      "email,payroll@schooi-district.example,80,Sender of the fraudulent payment instructions,FBI IC3 (demo)",
    ].join("\n"),
  },
};

/** The officer whose unit holds a node's demo feed (and shares it). */
export const demoFeedOfficer = (nodeId: string) => FEEDS[nodeId]?.officer;

/** Imports a node's demo feed through the indicators service, as its officer (TLP:GREEN): indicators added. */
export async function seedDemoIndicators(
  services: Services,
  o: { nodeId: string; unitIds: Map<string, string>; userIds: Map<string, string> },
): Promise<number> {
  const spec = DEMO_NODES.find((n) => n.id === o.nodeId);
  const feed = FEEDS[o.nodeId];
  const user = spec?.users.find((u) => u.username === feed?.officer);
  if (!feed || !user) return 0;
  const userId = o.userIds.get(user.username) as string;
  const { makeActor } = await import("../lib/actor.js");
  const actor = makeActor({
    type: "user",
    id: userId,
    label: user.displayName,
    userId,
    unitId: o.unitIds.get(user.unit) as string,
    agencyId: null,
    roles: user.roles,
  });
  const report = await services.indicators.importFile(
    { actor, ip: null, requestId: null },
    { format: "csv", fileName: "demo-feed.csv", tlp: "GREEN" },
    Readable.from([feed.csv]),
  );
  return report.added;
}

/**
 * Shares the node's own indicators not shared yet with the peer (TLP:GREEN), through the API as its officer:
 * once; on a later start there is nothing left to share and nothing is sent.
 */
export async function shareDemoIndicators(
  call: <T>(method: string, p: string, body?: unknown) => Promise<T>,
  nodeId: string,
  peer: string,
): Promise<string[]> {
  const feed = FEEDS[nodeId];
  if (!feed) return [];
  const own = await call<{ items: { setId: string | null }[] }>(
    "GET",
    "/api/v1/indicators?origin=own&state=active&limit=500",
  );
  if (!own.items.some((i) => i.setId === null)) return [];
  const r = await call<{ indicators: number }>("POST", "/api/v1/indicators/share", {
    name: feed.name,
    recipients: [peer],
    marking: { tlp: "GREEN", handling: [] },
  });
  return [`  Indicator feed ${nodeId} → ${peer}: ${r.indicators} indicators shared (TLP:GREEN)`];
}
