import type { Role } from "@crossline/schemas";

/** The demo's two nodes and their fictitious officers (no real people). */
export const DEMO_PASSWORD = "crossline-demo-2016";

export interface DemoNodeSpec {
  id: string;
  name: string;
  nameZh: string;
  agency: string;
  agencyZh: string;
  timeZone: string;
  port: number;
  language: "en" | "zh-CN";
  units: { name: string; nameZh: string }[];
  users: { username: string; displayName: string; unit: string; roles: Role[] }[];
}

export const DEMO_NODES: DemoNodeSpec[] = [
  {
    id: "CN-MPS",
    name: "Ministry of Public Security (Beijing)",
    nameZh: "公安部（北京）",
    agency: "Ministry of Public Security",
    agencyZh: "中华人民共和国公安部",
    timeZone: "Asia/Shanghai",
    port: 4100,
    language: "zh-CN",
    units: [
      { name: "Cybercrime Hotline", nameZh: "网络犯罪热线处" },
      { name: "Cyber Investigations", nameZh: "网络犯罪侦查处" },
      { name: "Fugitives and Assets", nameZh: "追逃追赃处" },
      { name: "International Liaison", nameZh: "国际合作联络处" },
    ],
    users: [
      {
        username: "duty.wang",
        displayName: "王 值班 (Wang, duty officer)",
        unit: "Cybercrime Hotline",
        roles: ["duty_officer"],
      },
      {
        username: "case.li",
        displayName: "李 办案 (Li, case officer)",
        unit: "Cyber Investigations",
        roles: ["case_officer"],
      },
      {
        username: "supervisor.zhang",
        displayName: "张 主管 (Zhang, supervisor)",
        unit: "Cyber Investigations",
        roles: ["supervisor"],
      },
      {
        username: "liaison.chen",
        displayName: "陈 联络 (Chen, liaison)",
        unit: "International Liaison",
        roles: ["liaison"],
      },
      {
        username: "fugitive.zhao",
        displayName: "赵 追逃 (Zhao, fugitives)",
        unit: "Fugitives and Assets",
        roles: ["fugitive_asset"],
      },
      {
        username: "compliance.sun",
        displayName: "孙 合规 (Sun, provider compliance)",
        unit: "Cyber Investigations",
        roles: ["provider_compliance"],
      },
      {
        username: "compliance.qian",
        displayName: "钱 合规 (Qian, provider compliance)",
        unit: "Cyber Investigations",
        roles: ["provider_compliance"],
      },
      {
        username: "auditor.zhou",
        displayName: "周 审计 (Zhou, auditor)",
        unit: "Administration",
        roles: ["auditor"],
      },
    ],
  },
  {
    id: "US-DOJ",
    name: "Department of Justice / Homeland Security (Washington)",
    nameZh: "美国司法部／国土安全部（华盛顿）",
    agency: "Department of Justice / Department of Homeland Security",
    agencyZh: "美国司法部／国土安全部",
    timeZone: "America/New_York",
    port: 4200,
    language: "en",
    units: [
      { name: "24/7 Hotline", nameZh: "24/7 热线" },
      { name: "Computer Crime Section", nameZh: "计算机犯罪科" },
      { name: "Fugitives and Assets", nameZh: "追逃追赃组" },
      { name: "International Affairs", nameZh: "国际事务办公室" },
    ],
    users: [
      {
        username: "duty.miller",
        displayName: "Sam Miller (duty officer)",
        unit: "24/7 Hotline",
        roles: ["duty_officer"],
      },
      {
        username: "case.johnson",
        displayName: "Alex Johnson (case officer)",
        unit: "Computer Crime Section",
        roles: ["case_officer"],
      },
      {
        username: "supervisor.davis",
        displayName: "Jordan Davis (supervisor)",
        unit: "Computer Crime Section",
        roles: ["supervisor"],
      },
      {
        username: "liaison.brown",
        displayName: "Casey Brown (liaison)",
        unit: "International Affairs",
        roles: ["liaison"],
      },
      {
        username: "fugitive.wilson",
        displayName: "Morgan Wilson (fugitives)",
        unit: "Fugitives and Assets",
        roles: ["fugitive_asset"],
      },
      {
        username: "compliance.moore",
        displayName: "Riley Moore (provider compliance)",
        unit: "Computer Crime Section",
        roles: ["provider_compliance"],
      },
      {
        username: "compliance.hill",
        displayName: "Jordan Hill (provider compliance)",
        unit: "Computer Crime Section",
        roles: ["provider_compliance"],
      },
      {
        username: "auditor.taylor",
        displayName: "Jamie Taylor (auditor)",
        unit: "Administration",
        roles: ["auditor"],
      },
    ],
  },
];

/**
 * The third node of `crossline demo --nodes 3`: a fictitious agency of a fictitious country ("XA" is a code
 * ISO 3166 leaves to users, so it names no real country), with fictitious officers. It pairs with both
 * others and holds no seeded records: the requests, cases and lists of the demo are between CN-MPS and US-DOJ.
 */
export const DEMO_EXTRA_NODES: DemoNodeSpec[] = [
  {
    id: "XA-NCU",
    name: "National Cybercrime Unit (Arcadia, fictitious)",
    nameZh: "国家网络犯罪调查局（阿卡迪亚，虚构）",
    agency: "Arcadian National Police (fictitious)",
    agencyZh: "阿卡迪亚国家警察（虚构）",
    timeZone: "Europe/Vienna",
    port: 4300,
    language: "en",
    units: [
      { name: "Cyber Hotline", nameZh: "网络热线" },
      { name: "Cyber Investigations", nameZh: "网络犯罪侦查" },
      { name: "International Cooperation", nameZh: "国际合作" },
    ],
    users: [
      {
        username: "duty.novak",
        displayName: "Petra Novak (duty officer)",
        unit: "Cyber Hotline",
        roles: ["duty_officer"],
      },
      {
        username: "case.lindqvist",
        displayName: "Elin Lindqvist (case officer)",
        unit: "Cyber Investigations",
        roles: ["case_officer"],
      },
      {
        username: "supervisor.moreau",
        displayName: "Luc Moreau (supervisor)",
        unit: "Cyber Investigations",
        roles: ["supervisor"],
      },
      {
        username: "liaison.okafor",
        displayName: "Ada Okafor (liaison)",
        unit: "International Cooperation",
        roles: ["liaison"],
      },
    ],
  },
];

/** The nodes `crossline demo --nodes <count>` runs: CN-MPS and US-DOJ, then the extra ones. */
export function demoNodeSpecs(count: number): DemoNodeSpec[] {
  return [...DEMO_NODES, ...DEMO_EXTRA_NODES].slice(0, count);
}

/** The most nodes the demo knows. */
export const DEMO_MAX_NODES = DEMO_NODES.length + DEMO_EXTRA_NODES.length;
