import {
  NoticeAnswerInput,
  NoticeDraftInput,
  type NoticeDraftInputRaw,
  ProviderInput,
} from "@crossline/schemas";
import { eq } from "drizzle-orm";
import { users } from "../db/schema/index.js";
import { type Ctx, makeActor } from "../lib/actor.js";
import { hashPassword } from "../lib/secrets.js";
import type { Services } from "../services.js";
import { DEMO_PASSWORD } from "./demo-data.js";

/** Fictitious providers of each demo side (no real company), with one staff account each. */
const PROVIDERS: Record<
  string,
  { input: unknown; staff: { username: string; displayName: string; timeZone: string } }[]
> = {
  "CN-MPS": [
    {
      input: {
        name: "Example Weibo",
        nameZh: "示例微博",
        country: "CN",
        services: ["microblog", "live streaming"],
        legalEntity: "Example Weibo Network Technology Co., Ltd. (fictitious)",
        contacts: [
          { name: "Compliance desk", email: "compliance@weibo.example.cn", phone: "+86 10 5555 0100" },
        ],
        channels: ["portal", "email"],
      },
      staff: {
        username: "weibo.zhou",
        displayName: "周 合规 (Zhou, Example Weibo)",
        timeZone: "Asia/Shanghai",
      },
    },
    {
      input: {
        name: "Example Cloud",
        nameZh: "示例云",
        country: "CN",
        services: ["cloud storage", "web hosting"],
        legalEntity: "Example Cloud Computing Co., Ltd. (fictitious)",
        contacts: [{ name: "Law-enforcement liaison", email: "lea@cloud.example.cn" }],
        channels: ["portal", "post"],
      },
      staff: { username: "cloud.wu", displayName: "吴 法务 (Wu, Example Cloud)", timeZone: "Asia/Shanghai" },
    },
  ],
  "US-DOJ": [
    {
      input: {
        name: "Example Mail Inc.",
        nameZh: "示例邮件公司",
        country: "US",
        services: ["webmail"],
        legalEntity: "Example Mail Inc., a Delaware corporation (fictitious)",
        contacts: [{ name: "Legal process team", email: "legal@mail.example.com", phone: "+1 202 555 0142" }],
        channels: ["portal", "email", "api"],
      },
      staff: {
        username: "mail.garcia",
        displayName: "Sam Garcia (Example Mail)",
        timeZone: "America/Los_Angeles",
      },
    },
    {
      input: {
        name: "Example Social LLC",
        nameZh: "示例社交公司",
        country: "US",
        services: ["social network", "messaging"],
        legalEntity: "Example Social LLC (fictitious)",
        contacts: [{ name: "Trust & safety", email: "lers@social.example.com" }],
        channels: ["portal"],
      },
      staff: {
        username: "social.kim",
        displayName: "Alex Kim (Example Social)",
        timeZone: "America/New_York",
      },
    },
  ],
};

const LAW: Record<string, { law: string; article: string }> = {
  "CN-MPS": { law: "Cybersecurity Law of the People's Republic of China", article: "Art. 47" },
  "US-DOJ": { law: "18 U.S.C. § 2703", article: "(f)" },
};

async function userCtx(s: Services, userId: string): Promise<Ctx> {
  const [u] = await s.db.select().from(users).where(eq(users.id, userId));
  return {
    actor: makeActor({
      type: "user",
      id: u.id,
      label: u.username,
      userId: u.id,
      unitId: u.unitId,
      agencyId: null,
      roles: u.roles as never,
    }),
    ip: null,
    requestId: null,
  };
}

/**
 * Providers, their staff (demo password; MFA enrolment at first sign-in, as the role requires) and notices in
 * several states, made through the providers service like any officer would. Returns the staff sign-ins.
 */
export async function seedDemoNotices(
  s: Services,
  opts: { nodeId: string; userIds: Map<string, string>; officer: string; approver: string },
): Promise<{ username: string; roles: string[] }[]> {
  const officer = await userCtx(s, opts.userIds.get(opts.officer) as string);
  const approver = await userCtx(s, opts.userIds.get(opts.approver) as string);
  const staff: { username: string; roles: string[]; ctx: Ctx; providerId: string }[] = [];
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  for (const p of PROVIDERS[opts.nodeId] ?? []) {
    const provider = await s.providers.providers.create(officer, ProviderInput.parse(p.input));
    const made = await s.providers.providers.createUser(officer, provider.id, {
      ...p.staff,
      email: `${p.staff.username}@provider.example`,
      language: opts.nodeId === "CN-MPS" ? "zh-CN" : "en",
    });
    await s.db
      .update(users)
      .set({ passwordHash, mustChangePassword: false })
      .where(eq(users.id, made.user.id));
    staff.push({
      username: p.staff.username,
      roles: ["provider_user"],
      ctx: await userCtx(s, made.user.id),
      providerId: provider.id,
    });
  }
  const law = LAW[opts.nodeId] ?? LAW["CN-MPS"];
  const form = (i: number, over: Partial<NoticeDraftInputRaw>) =>
    NoticeDraftInput.parse({
      providerId: staff[i % staff.length].providerId,
      kind: "remove_content",
      urgency: "routine",
      legalBasis: law,
      locators: [{ identifier: { type: "url", value: `https://example.invalid/post/${1000 + i}` } }],
      reason: { lang: "en", text: "Demo: a fictitious fraudulent appeal for donations." },
      ...over,
    });
  const send = async (i: number, over: Partial<NoticeDraftInputRaw>) => {
    const d = await s.providers.notices.createDraft(officer, form(i, over));
    await s.providers.notices.act(officer, d.id, { event: "submit_for_approval" });
    await s.providers.notices.act(approver, d.id, { event: "approve" });
    return d.id;
  };
  // A draft and one awaiting approval.
  await s.providers.notices.createDraft(officer, form(0, { kind: "technical_assistance" }));
  const pending = await s.providers.notices.createDraft(officer, form(1, { kind: "disclose_subscriber" }));
  await s.providers.notices.act(officer, pending.id, { event: "submit_for_approval" });
  // Sent and waiting; received and in progress.
  await send(0, { kind: "stop_spread", urgency: "urgent" });
  const working = await send(1, { kind: "preserve_data" });
  await s.providers.portal.act(staff[1].ctx, working, { event: "receive" });
  await s.providers.portal.act(staff[1].ctx, working, { event: "start_work" });
  // Done, refused with grounds, and withdrawn.
  const done = await send(0, {});
  await s.providers.portal.answer(
    staff[0].ctx,
    done,
    NoticeAnswerInput.parse({ outcome: "done", text: { lang: "en", text: "Demo: the post was removed." } }),
  );
  const refused = await send(1, { kind: "disclose_traffic" });
  await s.providers.portal.answer(
    staff[1].ctx,
    refused,
    NoticeAnswerInput.parse({
      outcome: "refused",
      grounds: "no_such_data",
      text: { lang: "en", text: "Demo: logs older than 60 days are not kept." },
    }),
  );
  const withdrawn = await send(0, {});
  await s.providers.notices.act(officer, withdrawn, { event: "withdraw", reason: "Demo: sent in error." });
  return staff.map(({ username, roles }) => ({ username, roles }));
}
