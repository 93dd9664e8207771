import type { RequestDraftInputRaw } from "@crossline/schemas";
import { eq } from "drizzle-orm";
import { SMTPServer } from "smtp-server";
import { outSeq, peers, users } from "../../src/db/schema/index.js";
import { DEFAULT_REQUEST_POLICY } from "../../src/modules/requests/requests.policy.js";
import { FederationHub, TestClock } from "./federation-hub.js";
import { type Agent, createTestNode, type TestNode } from "./node.js";

export function emergencyPreservationForm(): RequestDraftInputRaw {
  return {
    type: "preservation",
    urgency: "emergency",
    urgencyReason: {
      lang: "en",
      text: "The account holds chat logs of a planned attack; the provider purges after 7 days.",
    },
    legalBasis: { instrument: "budapest_convention", article: "29" },
    requestingAuthority: {
      name: "Ministry of Public Security, Cybersecurity Bureau",
      officer: { name: { original: "王芳", romanised: "Wang Fang" }, title: "Inspector" },
      contact: { phone: "+86 10 6620 0000", email: "wang.fang@mps.example.cn" },
    },
    offence: {
      category: "terrorist_misuse",
      description: { lang: "en", text: "Online incitement and planning of an attack on a public venue" },
    },
    facts: { lang: "zh-CN", text: "嫌疑人通过境外即时通讯账户策划袭击。" },
    identifiers: [{ type: "email", value: "Night.Owl@Example.com" }],
    measuresSought: { lang: "en", text: "Preserve all stored content and traffic data of the account." },
    details: {
      dataToPreserve: { lang: "en", text: "Messages, contacts and login IP addresses since 2026-10-01" },
      linkToOffence: { lang: "en", text: "The account was used to coordinate the planned attack" },
      custodian: { name: "Example Mail Inc.", country: "US" },
      whyPreservationNeeded: { lang: "en", text: "The provider deletes inactive data after 7 days" },
      mutualAssistanceToFollow: true,
      preservationDays: 90,
    },
  };
}

export function routineSubscriberForm(): RequestDraftInputRaw {
  return {
    type: "subscriber_info",
    urgency: "routine",
    legalBasis: { instrument: "bilateral_mlaa", reference: "PRC-US MLAA 2000" },
    requestingAuthority: {
      name: "Ministry of Public Security, Economic Crime Investigation Department",
      officer: { name: { original: "Li Qiang" } },
      contact: { email: "li.qiang@mps.example.cn" },
    },
    offence: { category: "email_web_fraud", description: { lang: "en", text: "Business e-mail compromise" } },
    facts: { lang: "en", text: "Invoices were redirected to an account controlled by the suspects." },
    identifiers: [{ type: "domain", value: "invoice-example.com" }],
    measuresSought: { lang: "en", text: "Registrant and payment details of the domain." },
    details: { dataSought: ["name", "payment"] },
  };
}

export interface TwoNodes {
  hub: FederationHub;
  clock: TestClock;
  cn: TestNode;
  us: TestNode;
  cnUnit: string;
  close(): Promise<void>;
}

/** CN-MPS (Asia/Shanghai) and US-DOJ (America/New_York), paired through an in-process hub. */
export async function twoNodes(
  opts: { usSettings?: Record<string, unknown>; cnSettings?: Record<string, unknown>; start?: string } = {},
): Promise<TwoNodes> {
  const hub = new FederationHub();
  const clock = new TestClock(Date.parse(opts.start ?? "2026-11-20T02:00:00Z"));
  const cn = await createTestNode({
    id: "CN-MPS",
    timeZone: "Asia/Shanghai",
    clock,
    federation: hub.port("CN-MPS"),
    settings: opts.cnSettings,
  });
  const us = await createTestNode({
    id: "US-DOJ",
    timeZone: "America/New_York",
    clock,
    federation: hub.port("US-DOJ"),
    settings: opts.usSettings,
  });
  hub.attach("CN-MPS", cn.rt.services.db);
  hub.attach("US-DOJ", us.rt.services.db);
  // What pairing leaves behind: each node holds the other as an active peer.
  for (const [node, other] of [
    [cn, "US-DOJ"],
    [us, "CN-MPS"],
  ] as const) {
    await node.rt.services.db.insert(peers).values({
      id: other,
      name: other,
      baseUrl: `http://${other.toLowerCase()}.invalid`,
      state: "active",
      publicKeys: [],
      fingerprint: "TEST0-TEST0-TEST0-TEST0",
    });
    // And the peer's outgoing sequence counter: a second process on the database uses the real outbox.
    await node.rt.services.db.insert(outSeq).values({ peerId: other, seq: 0 });
  }
  const cnUnit = await cn.unit("Cybersecurity Bureau");
  return {
    hub,
    clock,
    cn,
    us,
    cnUnit,
    async close() {
      await cn.close();
      await us.close();
    },
  };
}

export async function setEmail(node: TestNode, userId: string, email: string) {
  await node.rt.services.db.update(users).set({ email }).where(eq(users.id, userId));
}

export type ApiError = {
  error: { code: string; details: { field?: string; issue: string; allowed?: string[] }[] };
};
export type Detail = {
  request: {
    id: string;
    status: string;
    reference: string;
    allowedActions: string[];
    timeline: { event: string; nodeId: string; actor: string; toStatus: string }[];
    [k: string]: unknown;
  };
};

export async function draft(agent: Agent, form: RequestDraftInputRaw, peerId = "US-DOJ") {
  const r = await agent.req<Detail>("POST", "/api/v1/requests", { peerId, form });
  if (r.status !== 201) throw new Error(`draft: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.request;
}

export async function act(agent: Agent, id: string, body: Record<string, unknown>) {
  return agent.req<Detail & ApiError>("POST", `/api/v1/requests/${id}/actions`, body);
}

export interface Mail {
  to: string[];
  raw: string;
}

/** A real SMTP server on loopback that keeps what it receives. */
export async function startSmtp(): Promise<{
  server: SMTPServer;
  port: number;
  mails: Mail[];
  close(): Promise<void>;
}> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, cb) {
      let raw = "";
      stream.setEncoding("utf8");
      stream.on("data", (c: string) => {
        raw += c;
      });
      stream.on("end", () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as { port: number }).port;
  return { server, port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Sending without a second check (as `admin`): for tests whose subject is not the requests' four-eyes rule. */
export async function noFourEyes(admin: Agent): Promise<void> {
  const p = { ...DEFAULT_REQUEST_POLICY, fourEyes: { ...DEFAULT_REQUEST_POLICY.fourEyes } };
  for (const k of Object.keys(p.fourEyes)) p.fourEyes[k as "preservation"] = false;
  const r = await admin.req("PUT", "/api/v1/policy/requests", p);
  if (r.status !== 200) throw new Error(`noFourEyes: ${r.status} ${JSON.stringify(r.body)}`);
}
