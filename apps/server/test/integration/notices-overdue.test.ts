import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { auditLog, noticeEvents, notifications, users } from "../../src/db/schema/index.js";
import { TestClock } from "../support/federation-hub.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";
import { addProvider, noticeForm, providerStaff, sentNotice } from "../support/providers-fixtures.js";
import { startSmtp } from "../support/requests-fixtures.js";

/** The text body of a single-part mail as received, its transfer encoding undone. */
function mailBody(raw: string): string {
  const split = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, split);
  const body = raw.slice(split).trim();
  const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(head)?.[1]?.toLowerCase();
  if (encoding === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (encoding === "quoted-printable") {
    const bytes = body
      .replace(/=\r?\n/g, "")
      .replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
    return Buffer.from(bytes, "latin1").toString("utf8");
  }
  return body;
}

const HOUR = 3600_000;

/**
 * The overdue sweep: an open notice past its act-by is told once to the drafter, the approver and the owner
 * unit's compliance officers, and to the provider's staff (a link, never the content), in the console and by
 * e-mail through a real SMTP server, each in their own language and on their own clock; concurrent sweeps
 * (several processes of one node) never tell twice; answered and withdrawn notices are never told.
 */
describeDb("provider notices: the overdue sweep", () => {
  const clock = new TestClock(Date.parse("2026-12-02T01:00:00Z"));
  let node: TestNode;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let officer: Agent;
  let approver: Agent;
  let staff: Agent;
  let provider: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    smtp = await startSmtp();
    node = await createTestNode({
      id: "CN-MPS",
      timeZone: "Asia/Shanghai",
      clock,
      settings: {
        smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
        publicUrl: "http://cn-mps.example.cn",
        signIn: { maxFailures: 5, lockMinutes: 15, perIpPerMinute: 10_000 },
      },
    });
    const unit = await node.unit("Network Security Bureau");
    const other = await node.unit("Economic Crime Bureau");
    ids.wang = (await node.user("wang.compliance", ["provider_compliance"], unit)).id;
    ids.li = (await node.user("li.compliance", ["provider_compliance"], unit)).id;
    ids.zhou = (await node.user("zhou.compliance", ["provider_compliance"], unit)).id;
    ids.sun = (await node.user("sun.elsewhere", ["provider_compliance"], other)).id;
    const profile: Record<string, { email: string; language: "en" | "zh-CN"; timeZone: string }> = {
      wang: { email: "wang@mps.example.cn", language: "en", timeZone: "Asia/Shanghai" },
      li: { email: "li@mps.example.cn", language: "zh-CN", timeZone: "America/New_York" },
      zhou: { email: "zhou@mps.example.cn", language: "zh-CN", timeZone: "Asia/Shanghai" },
      sun: { email: "sun@mps.example.cn", language: "en", timeZone: "Asia/Shanghai" },
    };
    for (const [who, p] of Object.entries(profile))
      await node.rt.services.db.update(users).set(p).where(eq(users.id, ids[who]));
    officer = await node.as("wang.compliance");
    approver = await node.as("li.compliance");
    provider = await addProvider(officer, "Example Weibo");
    const made = await providerStaff(node, officer, provider, "zhao.weibo", {
      email: "zhao@weibo.example.cn",
      timeZone: "Europe/London",
    });
    staff = made.agent;
    ids.zhao = made.userId;
    await node.rt.services.db.update(users).set({ language: "zh-CN" }).where(eq(users.id, ids.zhao));
  }, 120_000);
  afterAll(async () => {
    await node?.close();
    await smtp?.close();
  });

  const sweep = () => node.rt.services.providers.sweepOverdue();

  it("tells each notice's people once, in their language and on their clock; never an answered or withdrawn one", async () => {
    // Routine removal: act by 24 h after sending, i.e. 2026-12-03T01:00Z (09:00 in Beijing).
    const late = await sentNotice(officer, approver, noticeForm(provider, { urgency: "routine" }));
    const answered = await sentNotice(officer, approver, noticeForm(provider, { urgency: "routine" }));
    const withdrawn = await sentNotice(officer, approver, noticeForm(provider, { urgency: "routine" }));
    expect(late.actBy?.at).toBe("2026-12-03T01:00:00.000Z");
    const done = await staff.req("POST", `/api/v1/portal/notices/${answered.id}/answer`, {
      outcome: "done",
      text: { lang: "en", text: "Removed." },
    });
    expect(done.status).toBe(200);
    const w = await officer.req("POST", `/api/v1/notices/${withdrawn.id}/actions`, {
      event: "withdraw",
      reason: "Mistaken locator.",
    });
    expect(w.status).toBe(200);
    await node.rt.services.notifications.drainMail();
    const before = smtp.mails.length;

    // Not yet due.
    clock.advance(23 * HOUR);
    expect(await sweep()).toEqual({ overdue: 0 });

    // Past the deadline: four sweeps at once (several processes of one node) tell the people once in all.
    clock.advance(2 * HOUR);
    const runs = await Promise.all([sweep(), sweep(), sweep(), sweep()]);
    expect(runs.reduce((n, r) => n + r.overdue, 0)).toBe(1);
    expect(await sweep()).toEqual({ overdue: 0 });

    const rows = await node.rt.services.db.select().from(notifications);
    const told = rows.filter((r) => r.kind === "provider.notice_overdue");
    expect(told.map((r) => `${r.messageKey}:${r.userId}`).sort()).toEqual(
      [
        `notice_overdue:${ids.wang}`,
        `notice_overdue:${ids.li}`,
        `notice_overdue:${ids.zhou}`,
        `notice_overdue_provider:${ids.zhao}`,
      ].sort(),
    );
    expect(told.every((r) => JSON.stringify(r.params).includes(late.reference))).toBe(true);

    expect((await node.rt.services.notifications.drainMail()).sent).toBe(4);
    const mails = smtp.mails.slice(before);
    const to = (addr: string) => {
      const m = mails.filter((x) => x.to.includes(addr));
      expect(m, addr).toHaveLength(1);
      return mailBody(m[0].raw);
    };
    // English, Beijing clock (the authority's own zone: one clock).
    expect(to("wang@mps.example.cn")).toContain(
      "Example Weibo has not acted by 2026-12-03 09:00 (UTC+08:00).",
    );
    // Chinese, New York clock, the authority's beside it.
    const li = to("li@mps.example.cn");
    expect(li).toContain(`通知已逾期：${late.reference}`);
    expect(li).toContain("2026-12-02 20:00 (UTC-05:00)");
    expect(li).toContain("Asia/Shanghai：2026-12-03 09:00 (UTC+08:00)");
    // The provider's staff: Chinese, London clock, a link to the portal, never the content.
    const zhao = to("zhao@weibo.example.cn");
    expect(zhao).toContain("2026-12-03 01:00 (UTC)；Asia/Shanghai：2026-12-03 09:00 (UTC+08:00)");
    expect(zhao).toContain(`http://cn-mps.example.cn/portal/notices/${late.id}`);
    expect(zhao).not.toContain("weibo.example.cn/u/1234567");
    expect(zhao).not.toContain("flood-relief");
    // Another unit's officer hears nothing of it.
    expect(mails.some((m) => m.to.includes("sun@mps.example.cn"))).toBe(false);

    const events = await node.rt.services.db
      .select()
      .from(noticeEvents)
      .where(eq(noticeEvents.event, "overdue"));
    expect(events.map((e) => e.noticeId)).toEqual([late.id]);
    expect(events[0].data).toMatchObject({ actBy: "2026-12-03T01:00:00.000Z", lateMinutes: 60 });
    const audited = await node.rt.services.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, "notice.overdue"));
    expect(audited.map((a) => a.targetId)).toEqual([late.id]);

    // Later sweeps never tell again.
    clock.advance(48 * HOUR);
    expect(await sweep()).toEqual({ overdue: 0 });
  }, 120_000);
});
