import type { AddStageBody, AssetKind } from "@crossline/schemas";
import { makeActor } from "../lib/actor.js";
import type { Services } from "../services.js";
import { DEMO_NODES } from "./demo-data.js";

/**
 * The demo's assets on CN-MPS: fictitious accounts, houses, shares, cash and bitcoin linked to fugitives of the
 * demo list, in CNY and USD (and one in BTC), at several stages of recovery across 2015–2017. Seeded after the
 * fugitives, by the same officer of the fugitive & asset unit, through the services.
 */
const OFFICER = "fugitive.zhao";

type Stage = Omit<AddStageBody, "version">;
interface DemoAsset {
  kind: AssetKind;
  text: string;
  location: string;
  jurisdiction: string;
  currency: string;
  value: string;
  identifiedOn: string;
  stages: Stage[];
}

const US_COURT = "Example US District Court (fictitious)";
const CN_COURT = "Example Intermediate People's Court (fictitious)";

export const DEMO_ASSETS: readonly DemoAsset[] = [
  {
    kind: "bank_account",
    text: "Savings account at Example Pacific Bank (fictitious)",
    location: "Los Angeles, California",
    jurisdiction: "US",
    currency: "USD",
    value: "3200000.00",
    identifiedOn: "2015-05-12",
    stages: [
      { stage: "traced", date: "2015-06-20", authority: "Example Financial Intelligence Unit" },
      {
        stage: "frozen",
        date: "2015-09-02",
        authority: US_COURT,
        orderReference: "FRZ-2015-031",
        amount: "2800000.00",
      },
      {
        stage: "confiscated",
        date: "2016-05-18",
        authority: US_COURT,
        orderReference: "CNF-2016-009",
        amount: "2500000.00",
      },
      { stage: "returned", date: "2016-11-30", authority: "US Department of Justice", amount: "2500000.00" },
    ],
  },
  {
    kind: "real_estate",
    text: "Detached house (fictitious address)",
    location: "Irvine, California",
    jurisdiction: "US",
    currency: "USD",
    value: "1850000.00",
    identifiedOn: "2015-07-01",
    stages: [
      { stage: "traced", date: "2015-10-15", authority: "Example County Recorder" },
      {
        stage: "seized",
        date: "2016-03-09",
        authority: US_COURT,
        orderReference: "SZ-2016-004",
        amount: "1850000.00",
      },
    ],
  },
  {
    kind: "vehicle",
    text: "Passenger car registered to a nominee (fictitious)",
    location: "Vancouver, British Columbia",
    jurisdiction: "CA",
    currency: "USD",
    value: "86500.00",
    identifiedOn: "2016-02-14",
    stages: [],
  },
  {
    kind: "bank_account",
    text: "个人结算账户（虚构）",
    location: "北京市",
    jurisdiction: "CN",
    currency: "CNY",
    value: "12600000.00",
    identifiedOn: "2015-04-28",
    stages: [
      {
        stage: "frozen",
        date: "2015-05-06",
        authority: "Example Municipal Public Security Bureau",
        orderReference: "京冻字〔2015〕017号",
        amount: "12600000.00",
      },
      {
        stage: "confiscated",
        date: "2016-01-21",
        authority: CN_COURT,
        orderReference: "（2016）示刑初字第12号",
        amount: "9800000.00",
      },
      { stage: "returned", date: "2016-07-08", authority: CN_COURT, amount: "9800000.00" },
    ],
  },
  {
    kind: "company_share",
    text: "40% of a trading company (fictitious)",
    location: "Shenzhen",
    jurisdiction: "CN",
    currency: "CNY",
    value: "5000000.00",
    identifiedOn: "2016-06-03",
    stages: [{ stage: "traced", date: "2016-09-12", authority: "Example Market Regulation Bureau" }],
  },
  {
    kind: "cash",
    text: "现金（虚构）",
    location: "广州市",
    jurisdiction: "CN",
    currency: "CNY",
    value: "480000.00",
    identifiedOn: "2015-11-20",
    stages: [
      {
        stage: "seized",
        date: "2015-12-01",
        authority: "Example Municipal Public Security Bureau",
        orderReference: "穗扣字〔2015〕088号",
        amount: "480000.00",
      },
      {
        stage: "confiscated",
        date: "2016-06-15",
        authority: CN_COURT,
        orderReference: "（2016）示刑初字第40号",
        amount: "400000.00",
      },
    ],
  },
  {
    kind: "crypto",
    text: "Bitcoin held at an exchange (fictitious wallet)",
    location: "Example exchange, Singapore",
    jurisdiction: "SG",
    currency: "BTC",
    value: "15.50000000",
    identifiedOn: "2017-01-10",
    stages: [
      {
        stage: "frozen",
        date: "2017-02-22",
        authority: "Example exchange, on a court order",
        orderReference: "FRZ-2017-002",
        amount: "12.75",
      },
    ],
  },
];

/** Records the demo assets on CN-MPS, linked to the first fugitives of the officer's unit; returns how many. */
export async function seedDemoAssets(
  services: Services,
  o: { nodeId: string; unitIds: Map<string, string>; userIds: Map<string, string> },
): Promise<number> {
  const spec = DEMO_NODES.find((n) => n.id === o.nodeId);
  const user = spec?.users.find((u) => u.username === OFFICER);
  if (!spec || !user || o.nodeId !== "CN-MPS") return 0;
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
  const fugitives = (await services.fugitives.list(ctx, { limit: DEMO_ASSETS.length })).items;
  if (!fugitives.length) return 0;
  let n = 0;
  for (const [i, a] of DEMO_ASSETS.entries()) {
    const f = fugitives[i % fugitives.length];
    if (!f) continue;
    let asset = await services.assets.create(ctx, {
      kind: a.kind,
      description: { lang: /[\u4e00-\u9fff]/.test(a.text) ? "zh-CN" : "en", text: a.text },
      location: a.location,
      jurisdiction: a.jurisdiction,
      holder: {
        name: f.name.original,
        ...(f.name.romanised ? { romanised: f.name.romanised } : {}),
        kind: "person",
      },
      currency: a.currency,
      value: a.value,
      fugitiveIds: [f.id],
      caseIds: [],
      identifiedOn: a.identifiedOn,
      identifiedBy: "Example Municipal Public Security Bureau",
      legalBasis: { instrument: "uncac", article: "Art. 51" },
    });
    for (const s of a.stages)
      asset = await services.assets.addStage(ctx, asset.id, { ...s, version: asset.version });
    n++;
  }
  return n;
}
