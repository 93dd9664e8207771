import type { ReturnMethod } from "@crossline/schemas";
import type { Services } from "../services.js";
import { DEMO_NODES } from "./demo-data.js";

// The node side (seed*, run by demo-node.ts in the node's process) imports the actor helpers when it runs: `demo`
// imports this file for its steps over HTTP and loads none of the node's code or the API's schemas (entry.ts).

/**
 * The demo's list of 100 wanted fugitives, published by CN-MPS in 2015: every person is fictitious (names
 * put together from common characters, employers that do not exist). 42 of them had returned by the end of
 * August 2017, by several methods across 2015–2017 ("over 40 of the 100 returned by August 2017"), and three
 * more later in 2017.
 */
const OFFICER = "fugitive.zhao";
export const DEMO_LIST_NAME = { lang: "zh-CN", text: "百名外逃人员名单（演示）" } as const;
export const DEMO_LIST_PUBLISHED = "2015-04-22";

const SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"];
const GIVEN = ["建华", "志强", "秀英", "海燕", "国庆", "晓明", "丽华", "永红", "德胜", "春梅"];
const COUNTRIES = ["US", "CA", "AU", "NZ", "TH", "MY", "SG", "FR", "GB", "DE"];
const POSITIONS = [
  ["Deputy director", "Example Municipal Land Bureau (fictitious)"],
  ["General manager", "Example Provincial Trading Co. (fictitious)"],
  ["Chief accountant", "Example Hydropower Group (fictitious)"],
  ["Head of finance", "Example County Transport Office (fictitious)"],
  ["Branch president", "Example Rural Credit Cooperative (fictitious)"],
] as const;

/** Returns: [list number, method, date]. 42 by 2017-08-31 and 3 after, over 2015, 2016 and 2017. */
function returns(): [number, ReturnMethod, string][] {
  const out: [number, ReturnMethod, string][] = [];
  const plan: [number, ReturnMethod, number][] = [
    // year, method, how many
    [2015, "voluntary_return", 8],
    [2015, "repatriation", 3],
    [2015, "deportation", 2],
    [2016, "voluntary_return", 10],
    [2016, "repatriation", 5],
    [2016, "extradition", 2],
    [2016, "deportation", 2],
    [2017, "voluntary_return", 6],
    [2017, "repatriation", 2],
    [2017, "other", 2],
  ];
  let number = 1;
  for (const [year, method, count] of plan) {
    for (let i = 0; i < count; i++) {
      // Spread over the year, never past August 2017 (the months 1–8 hold the figure the dialogue quotes).
      const month = year === 2015 ? 5 + (i % 7) : year === 2016 ? 1 + ((i * 5) % 12) : 1 + (i % 8);
      out.push([
        number,
        method,
        `${year}-${String(month).padStart(2, "0")}-${String(10 + (i % 15)).padStart(2, "0")}`,
      ]);
      number += 2;
    }
  }
  for (const [i, method] of (["voluntary_return", "repatriation", "extradition"] as const).entries()) {
    out.push([number, method, `2017-${10 + i}-15`]);
    number += 2;
  }
  return out;
}

/** The number of the list's people returned by 31 August 2017 in the demo data. */
export const DEMO_RETURNED_BY_AUGUST_2017 = 42;

/** Records the 100 people, the list and the returns on CN-MPS (at creation, through the services). */
export async function seedDemoFugitives(
  services: Services,
  o: { nodeId: string; unitIds: Map<string, string>; userIds: Map<string, string> },
): Promise<number> {
  const spec = DEMO_NODES.find((n) => n.id === o.nodeId);
  const user = spec?.users.find((u) => u.username === OFFICER);
  if (!spec || !user || o.nodeId !== "CN-MPS") return 0;
  const { makeActor } = await import("../lib/actor.js");
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
  const list = await services.fugitives.createList(ctx, {
    name: DEMO_LIST_NAME,
    publishedOn: DEMO_LIST_PUBLISHED,
  });
  const ids: string[] = [];
  for (let i = 0; i < 100; i++) {
    const [position, employer] = POSITIONS[i % POSITIONS.length] as readonly [string, string];
    const country = COUNTRIES[i % COUNTRIES.length] as string;
    const year = 1950 + ((i * 7) % 25);
    const { fugitive: f } = await services.fugitives.create(ctx, {
      names: [{ original: `${SURNAMES[i % 10]}${GIVEN[Math.floor(i / 10)]}` }],
      aliases: [],
      sex: i % 3 === 0 ? "female" : "male",
      dateOfBirth: `${year}-${String(1 + (i % 12)).padStart(2, "0")}`,
      nationalities: ["CN"],
      documents: [],
      formerPosition: position,
      formerEmployer: employer,
      flightDate: `${2005 + (i % 10)}-${String(1 + ((i * 5) % 12)).padStart(2, "0")}`,
      flightRoute: `Beijing → ${country}`,
      whereabouts: [{ country }],
      charges: [
        {
          law: "Criminal Law of the PRC",
          article: i % 2 ? "Art. 382" : "Art. 385",
          offence: i % 2 ? "Embezzlement" : "Bribery",
        },
      ],
      warrants: [
        {
          authority: "Example Municipal Public Security Bureau",
          date: "2015-03-01",
          number: `W-2015-${String(i + 1).padStart(3, "0")}`,
        },
      ],
      notices: [{ kind: "red", reference: `A-${String(1000 + i)}/4-2015` }],
      caseIds: [],
      requestIds: [],
      legalBasis: { instrument: "uncac", article: "Art. 44" },
    });
    ids.push(f.id);
    await services.fugitives.addEntry(ctx, list.id, { fugitiveId: f.id, number: i + 1 });
  }
  for (const [number, method, date] of returns()) {
    await services.fugitives.recordReturn(ctx, ids[number - 1] as string, {
      method,
      date,
      place: "Beijing Capital International Airport",
      escorts: ["Escort officer (fictitious)"],
      documents: [],
    });
  }
  return ids.length;
}

/** Once the nodes are paired: CN-MPS publishes the list to US-DOJ (TLP:AMBER), unless an earlier start did. */
export async function publishDemoFugitiveList(
  call: <T>(method: string, p: string, body?: unknown) => Promise<T>,
  peer: string,
): Promise<string[]> {
  const lists = await call<{ items: { id: string; recipients: string[] }[] }>(
    "GET",
    "/api/v1/fugitive-lists",
  );
  const lines: string[] = [];
  for (const l of lists.items) {
    if (l.recipients.includes(peer)) continue;
    await call("POST", `/api/v1/fugitive-lists/${l.id}/publish`, {
      recipients: [peer],
      marking: { tlp: "AMBER" },
    });
    lines.push(`  Fugitive list published to ${peer} (100 entries, TLP:AMBER)`);
  }
  return lines;
}

export { OFFICER as DEMO_FUGITIVE_OFFICER };
