/**
 * The demo's repatriation cases: US-DOJ returns five people (all fictitious) said to be Chinese nationals, each
 * case shared with CN-MPS, the side asked to verify, once the nodes are paired. Dates are relative to the day
 * the demo starts, so the board always shows live countdowns: one arrived, one refused (not a national), one
 * waiting for its verification, one for its travel document in time, and one travel document overdue.
 */
export const DEMO_REPATRIATION_OFFICER = "fugitive.wilson";

const DAY = 86_400_000;

type Step = ["verification" | "document" | "transfer" | "arrival", number, Record<string, unknown>];
interface Plan {
  names: { original: string; romanised: string }[];
  dateOfBirth: string;
  requestedDaysAgo: number;
  steps: Step[];
}

const verified = (daysAgo: number): Step => ["verification", daysAgo, { outcome: "verified" }];

export const DEMO_REPATRIATION_PLANS: Plan[] = [
  {
    names: [{ original: "林小东", romanised: "Lin Xiaodong" }],
    dateOfBirth: "1988-02-14",
    requestedDaysAgo: 60,
    steps: [
      verified(45),
      [
        "document",
        30,
        {
          kind: "travel_permit",
          number: "T-DEMO-0001",
          issuedBy: "Consulate (fictitious)",
          validUntil: "2099-12-31",
        },
      ],
      [
        "transfer",
        20,
        { from: "Houston (fictitious)", to: "Beijing Capital Airport", escorts: ["Officer Demo A"] },
      ],
      ["arrival", 20, { place: "Beijing Capital Airport", receivedBy: "Border police (fictitious)" }],
    ],
  },
  {
    names: [{ original: "何志远", romanised: "He Zhiyuan" }],
    dateOfBirth: "1979-09-01",
    requestedDaysAgo: 40,
    steps: [
      [
        "verification",
        25,
        {
          outcome: "not_national",
          grounds: {
            lang: "en",
            text: "No household registration matches the fingerprints sent (fictitious).",
          },
        },
      ],
    ],
  },
  {
    names: [{ original: "马丽娟", romanised: "Ma Lijuan" }],
    dateOfBirth: "1992-11-30",
    requestedDaysAgo: 5,
    steps: [],
  },
  {
    names: [{ original: "郭海涛", romanised: "Guo Haitao" }],
    dateOfBirth: "1985-06-18",
    requestedDaysAgo: 20,
    steps: [verified(12)],
  },
  // The overdue one: verified 35 days ago, no travel document yet (due after 30 days).
  {
    names: [{ original: "邓伟", romanised: "Deng Wei" }],
    dateOfBirth: "1990-03-03",
    requestedDaysAgo: 50,
    steps: [verified(35)],
  },
];

/**
 * Once the nodes are paired: US-DOJ opens the cases shared with CN-MPS (TLP:AMBER), unless an earlier start did.
 * Through the API as the demo's fugitives officer, so every case is audited, linked and shared as in real use.
 */
export async function seedDemoRepatriation(
  call: <T>(method: string, p: string, body?: unknown) => Promise<T>,
  peer: string,
  now = Date.now(),
): Promise<string[]> {
  const have = await call<{ items: unknown[] }>("GET", "/api/v1/repatriation/cases");
  if (have.items.length) return [];
  const at = (daysAgo: number) => new Date(now - daysAgo * DAY).toISOString();
  for (const p of DEMO_REPATRIATION_PLANS) {
    const made = await call<{ case: { id: string } }>("POST", "/api/v1/repatriation/cases", {
      person: { names: p.names, dateOfBirth: p.dateOfBirth, nationality: "CN" },
      legalBasis: { instrument: "bilateral_mlaa", reference: "PRC-US MLAA 2000" },
      requestedAt: at(p.requestedDaysAgo),
      peer,
      marking: { tlp: "AMBER" },
    });
    for (const [i, [what, daysAgo, body]] of p.steps.entries())
      await call("POST", `/api/v1/repatriation/cases/${made.case.id}/${what}`, {
        version: i + 1,
        at: at(daysAgo),
        ...body,
      });
  }
  return [
    `  Repatriation cases opened and shared with ${peer} (${DEMO_REPATRIATION_PLANS.length}, one overdue)`,
  ];
}
