import type { NoticeDraftInputRaw } from "@crossline/schemas";
import { generate } from "otplib";
import { Agent, type TestNode } from "./node.js";

export type ApiError = {
  error: { code: string; details: { field?: string; issue: string; allowed?: string[] }[] };
};

export type NoticeBody = {
  notice: {
    id: string;
    reference: string;
    status: string;
    verificationCode: string | null;
    allowedActions: string[];
    actBy: { at: string; local: string; zone: string } | null;
    acknowledgeBy: { at: string; local: string; zone: string } | null;
    timeToActionMinutes: number | null;
    answer: { outcome: string; attachments: { id: string; sha256: string }[] } | null;
    messages: { side: string; author: string }[];
    timeline: { event: string; side: string; actor: string }[];
    links: { kind: string; requestId: string | null }[];
    [k: string]: unknown;
  };
};

export function providerBody(name: string, over: Record<string, unknown> = {}) {
  return {
    name,
    nameZh: `${name}（中文）`,
    country: "CN",
    services: ["microblog", "cloud storage"],
    legalEntity: `${name} Network Technology Co., Ltd.`,
    contacts: [
      {
        name: "Compliance desk",
        email: `compliance@${name.toLowerCase().replace(/\W+/g, "")}.example.cn`,
        phone: "+86 10 5555 0100",
      },
    ],
    channels: ["portal", "email"],
    ...over,
  };
}

export async function addProvider(officer: Agent, name: string, over: Record<string, unknown> = {}) {
  const r = await officer.req<{ provider: { id: string } }>(
    "POST",
    "/api/v1/providers",
    providerBody(name, over),
  );
  if (r.status !== 201) throw new Error(`provider: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.provider.id;
}

/** The node's clock in seconds (a test node may run on a test clock, and TOTP codes go by the node's time). */
export const nodeEpoch = (node: TestNode, plusSeconds = 0) =>
  Math.floor(node.rt.services.clock.now().getTime() / 1000) + plusSeconds;

/**
 * A provider's staff member as the portal meets them: account made by an officer, signed in with the one-time
 * password, a new password chosen, MFA enrolled (required for the role). Returns the signed-in agent.
 */
export async function providerStaff(
  node: TestNode,
  officer: Agent,
  providerId: string,
  username: string,
  o: { email?: string; timeZone?: string } = {},
): Promise<{ agent: Agent; userId: string; secret: string }> {
  const made = await officer.req<{ user: { id: string }; oneTimePassword: string }>(
    "POST",
    `/api/v1/providers/${providerId}/users`,
    {
      username,
      displayName: `Staff ${username}`,
      email: o.email ?? `${username}@provider.example.cn`,
      timeZone: o.timeZone ?? "Asia/Shanghai",
    },
  );
  if (made.status !== 201) throw new Error(`provider user: ${made.status} ${JSON.stringify(made.body)}`);
  const a = new Agent(node.rt);
  const first = await a.signIn(username, made.body.oneTimePassword);
  if (first.status !== 200) throw new Error(`sign-in: ${JSON.stringify(first.body)}`);
  const pw = await a.req("POST", "/api/v1/auth/password", {
    currentPassword: made.body.oneTimePassword,
    newPassword: "provider-staff-horse-battery",
  });
  if (pw.status !== 204) throw new Error(`password: ${pw.status} ${JSON.stringify(pw.body)}`);
  const enrol = await a.req<{ secret: string }>("POST", "/api/v1/auth/mfa/enrol");
  const secret = enrol.body.secret;
  const ok = await a.req("POST", "/api/v1/auth/mfa/confirm", {
    code: await generate({ secret, epoch: nodeEpoch(node) }),
  });
  if (ok.status !== 200) throw new Error(`mfa: ${ok.status} ${JSON.stringify(ok.body)}`);
  return { agent: a, userId: made.body.user.id, secret };
}

export function noticeForm(providerId: string, over: Partial<NoticeDraftInputRaw> = {}): NoticeDraftInputRaw {
  return {
    providerId,
    kind: "remove_content",
    urgency: "urgent",
    legalBasis: { law: "Cybersecurity Law of the People's Republic of China", article: "Art. 47" },
    locators: [
      {
        identifier: { type: "url", value: "HTTPS://Weibo.example.cn/u/1234567/status/987?from=share" },
        from: "2026-11-18T00:00:00Z",
        to: "2026-11-20T00:00:00Z",
      },
      { identifier: { type: "online_account", service: "weibo", value: "FakeRelief_2026" } },
    ],
    reason: { lang: "en", text: "The posts solicit donations for a fictitious flood-relief fund (fraud)." },
    ...over,
  };
}

/** Drafts a notice and takes it through four eyes (submitted by `officer`, approved by `approver`). */
export async function sentNotice(officer: Agent, approver: Agent, form: NoticeDraftInputRaw) {
  const d = await officer.req<NoticeBody>("POST", "/api/v1/notices", form);
  if (d.status !== 201) throw new Error(`draft: ${d.status} ${JSON.stringify(d.body)}`);
  const id = d.body.notice.id;
  const s = await officer.req<NoticeBody>("POST", `/api/v1/notices/${id}/actions`, {
    event: "submit_for_approval",
  });
  if (s.status !== 200) throw new Error(`submit: ${s.status} ${JSON.stringify(s.body)}`);
  const a = await approver.req<NoticeBody>("POST", `/api/v1/notices/${id}/actions`, { event: "approve" });
  if (a.status !== 200) throw new Error(`approve: ${a.status} ${JSON.stringify(a.body)}`);
  return a.body.notice;
}
