import type { ActionFields, RoundFields, RoundView } from "@crossline/schemas";

/**
 * The demo's dialogue rounds: the four of 2015–2017 with their public facts (number, city, date, host side),
 * and outcome and action items written for the demo. Every text, name and venue beyond those facts is
 * FICTITIOUS and says so. Some action items are done, some late (due in the past, not done).
 */

const US = "US-DOJ";
const CN = "CN-MPS";
const F = " (demo, fictitious)";
const FZ = "（演示，虚构）";

interface DemoRound {
  host: typeof US | typeof CN;
  fields: RoundFields;
  outcomes: { en: string; zh: string }[];
  actions: (Omit<ActionFields, "text"> & { en: string; zh: string })[];
}

const delegations = [
  {
    node: US,
    agencies: [
      {
        name: { en: "DOJ", zh: "美国司法部" },
        members: [{ nameOriginal: "Casey Brown", nameRomanised: "" }],
      },
    ],
  },
  {
    node: CN,
    agencies: [
      {
        name: { en: "MPS", zh: "公安部" },
        members: [{ nameOriginal: "陈联络", nameRomanised: "Chen Lianluo" }],
      },
    ],
  },
];
const coChairs = [
  {
    node: US,
    nameOriginal: "Alex Doe",
    nameRomanised: "Alex Doe",
    title: { en: `Co-chair${F}`, zh: `共同主席${FZ}` },
  },
  {
    node: CN,
    nameOriginal: "王明",
    nameRomanised: "Wang Ming",
    title: { en: `Co-chair${F}`, zh: `共同主席${FZ}` },
  },
];

function round(
  number: number,
  en: string,
  zh: string,
  start: string,
  end: string,
  timeZone: string,
  city: { en: string; zh: string },
  next: RoundFields["nextRound"],
): RoundFields {
  return {
    number,
    name: { en, zh },
    startsAt: start,
    endsAt: end,
    timeZone,
    city,
    venue: { en: `Conference venue${F}`, zh: `会议场地${FZ}` },
    coChairs,
    delegations,
    agenda: [
      { id: "a1", title: { en: `Cybercrime cases${F}`, zh: `网络犯罪案件${FZ}` } },
      { id: "a2", title: { en: `Hotline mechanism${F}`, zh: `热线机制${FZ}` } },
    ],
    documents: [],
    nextRound: next,
  };
}

const WASHINGTON = { en: "Washington", zh: "华盛顿" };
const BEIJING = { en: "Beijing", zh: "北京" };

export const DEMO_ROUNDS: DemoRound[] = [
  {
    host: US,
    fields: round(
      1,
      "1st round, high-level joint dialogue on cybercrime and related issues",
      "第一次打击网络犯罪及相关事项高级别联合对话",
      "2015-12-01T09:00:00-05:00",
      "2015-12-01T17:00:00-05:00",
      "America/New_York",
      WASHINGTON,
      { startsAt: "2016-06-14T09:00:00+08:00", city: BEIJING },
    ),
    outcomes: [
      {
        en: `Both sides set up a hotline between the liaison offices${F}.`,
        zh: `双方在联络部门之间建立热线${FZ}。`,
      },
      {
        en: `Both sides agreed to answer requests within agreed times${F}.`,
        zh: `双方同意在约定时限内答复请求${FZ}。`,
      },
    ],
    actions: [
      {
        en: `Name hotline contacts${F}`,
        zh: `指定热线联系人${FZ}`,
        ownerNode: US,
        agency: "DOJ",
        officer: `Officer A${F}`,
        dueAt: "2016-02-01T17:00:00-05:00",
        status: "done",
      },
      {
        en: `Draft hotline rules${F}`,
        zh: `起草热线规则${FZ}`,
        ownerNode: CN,
        agency: "MPS",
        officer: `官员乙${FZ}`,
        dueAt: "2016-03-01T17:00:00+08:00",
        status: "done",
      },
    ],
  },
  {
    host: CN,
    fields: round(
      2,
      "2nd round, high-level joint dialogue on cybercrime and related issues",
      "第二次打击网络犯罪及相关事项高级别联合对话",
      "2016-06-14T09:00:00+08:00",
      "2016-06-14T17:00:00+08:00",
      "Asia/Shanghai",
      BEIJING,
      { startsAt: "2016-12-07T09:00:00-05:00", city: WASHINGTON },
    ),
    outcomes: [
      { en: `The hotline was tested and works${F}.`, zh: `热线已测试并运行正常${FZ}。` },
      { en: `Both sides will review the timeliness of responses${F}.`, zh: `双方将评估答复的及时性${FZ}。` },
    ],
    actions: [
      {
        en: `Quarterly hotline test${F}`,
        zh: `每季度热线测试${FZ}`,
        ownerNode: CN,
        agency: "MPS",
        officer: `官员丙${FZ}`,
        dueAt: "2016-09-30T17:00:00+08:00",
        status: "done",
      },
      {
        en: `Report on response times${F}`,
        zh: `答复时限报告${FZ}`,
        ownerNode: US,
        agency: "DOJ",
        officer: `Officer D${F}`,
        dueAt: "2016-11-30T17:00:00-05:00",
        status: "in_progress",
      },
    ],
  },
  {
    host: US,
    fields: round(
      3,
      "3rd round, high-level joint dialogue on cybercrime and related issues",
      "第三次打击网络犯罪及相关事项高级别联合对话",
      "2016-12-07T09:00:00-05:00",
      "2016-12-07T17:00:00-05:00",
      "America/New_York",
      WASHINGTON,
      { startsAt: "2017-10-04T09:00:00-04:00", city: WASHINGTON },
    ),
    outcomes: [
      {
        en: `Both sides will exchange case lists before each round${F}.`,
        zh: `双方将在每轮对话前交换案件清单${FZ}。`,
      },
    ],
    actions: [
      {
        en: `Exchange case lists${F}`,
        zh: `交换案件清单${FZ}`,
        ownerNode: CN,
        agency: "MPS",
        officer: `官员戊${FZ}`,
        dueAt: "2017-06-30T17:00:00+08:00",
        status: "planned",
      },
      {
        en: `Training workshop${F}`,
        zh: `培训研讨会${FZ}`,
        ownerNode: US,
        agency: "DOJ",
        officer: `Officer F${F}`,
        dueAt: "2017-03-31T17:00:00-04:00",
        status: "dropped",
      },
    ],
  },
  {
    host: US,
    fields: round(
      4,
      "Law Enforcement and Cybersecurity Dialogue",
      "执法及网络安全对话",
      "2017-10-04T09:00:00-04:00",
      "2017-10-04T17:00:00-04:00",
      "America/New_York",
      WASHINGTON,
      null,
    ),
    outcomes: [
      {
        en: `Both sides will continue cooperation on fugitive cases${F}.`,
        zh: `双方将继续在追逃案件上开展合作${FZ}。`,
      },
      {
        en: `Both sides will keep the hotline staffed around the clock${F}.`,
        zh: `双方将保持热线全天候值守${FZ}。`,
      },
    ],
    actions: [
      {
        en: `Round-the-clock hotline roster${F}`,
        zh: `热线全天候值班表${FZ}`,
        ownerNode: US,
        agency: "DOJ",
        officer: `Officer G${F}`,
        dueAt: "2018-01-31T17:00:00-05:00",
        status: "planned",
      },
      {
        en: `Fugitive case review${F}`,
        zh: `追逃案件审查${FZ}`,
        ownerNode: CN,
        agency: "MPS",
        officer: `官员庚${FZ}`,
        dueAt: "2018-03-31T17:00:00+08:00",
        status: "in_progress",
      },
    ],
  },
];

/** One side's API, as the seeding needs it. */
export type DemoCaller = <T>(method: string, path: string, body?: unknown) => Promise<T>;

/**
 * Seeds the rounds through the two nodes' APIs (a liaison officer on each): each round by its host, its
 * outcome list and action items, then both sides sign the list. `settle` waits until the guest holds what
 * the host wrote. Does nothing when rounds exist already.
 */
export async function seedDemoRounds(
  side: Record<typeof US | typeof CN, DemoCaller>,
  settle: () => Promise<void>,
): Promise<number> {
  const held = await side[US]<{ items: { name: { en: string } }[] }>("GET", "/api/v1/rounds");
  if (held.items.some((r) => r.name.en === DEMO_ROUNDS[0].fields.name.en)) return 0;
  for (const r of DEMO_ROUNDS) {
    const host = side[r.host];
    const guest = side[r.host === US ? CN : US];
    let { round } = await host<{ round: RoundView }>("POST", "/api/v1/rounds", {
      guestNode: r.host === US ? CN : US,
      fields: r.fields,
    });
    const id = round.doc.id;
    const change = async (op: unknown) => {
      ({ round } = await host<{ round: RoundView }>("POST", `/api/v1/rounds/${id}/changes`, {
        base: round.doc.version,
        op,
      }));
    };
    await change({ op: "outcome.list.create", listId: "L1", replaces: null });
    for (const [i, o] of r.outcomes.entries())
      await change({ op: "outcome.item.put", listId: "L1", itemId: `o${i + 1}`, en: o.en, zh: o.zh });
    for (const [i, a] of r.actions.entries()) {
      const { en, zh, ...rest } = a;
      await change({ op: "action.put", itemId: `ap${i + 1}`, fields: { ...rest, text: { en, zh } } });
    }
    const listVersion = round.doc.outcomeLists[0].version;
    await host("POST", `/api/v1/rounds/${id}/lists/L1/sign`, { base: round.doc.version, listVersion });
    await settle();
    const seen = await guest<{ round: RoundView }>("GET", `/api/v1/rounds/${id}`);
    await guest("POST", `/api/v1/rounds/${id}/lists/L1/sign`, { base: seen.round.doc.version, listVersion });
    await settle();
  }
  return DEMO_ROUNDS.length;
}
