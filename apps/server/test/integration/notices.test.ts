import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, noticeEvents, noticeFiles, notices } from "../../src/db/schema/index.js";
import { type Agent, createTestNode, describeDb, type TestNode } from "../support/node.js";
import {
  type ApiError,
  addProvider,
  type NoticeBody,
  noticeForm,
  providerStaff,
  sentNotice,
} from "../support/providers-fixtures.js";
import { startSmtp } from "../support/requests-fixtures.js";

/**
 * Notices to providers, end to end on one node: an officer drafts, a second officer approves (four eyes), the
 * provider's staff are told by e-mail (a link, never the content, through a real SMTP server), see only their
 * own company's notices, confirm, ask, upload evidence and answer; withdrawal and bad input leave nothing behind.
 */
describeDb("provider notices", () => {
  let node: TestNode;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let officer: Agent;
  let approver: Agent;
  let weibo: string;
  let cloud: string;
  let staffA: Agent;
  let staffB: Agent;

  beforeAll(async () => {
    smtp = await startSmtp();
    node = await createTestNode({
      id: "CN-MPS",
      settings: {
        smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
        // http: the test reaches the node in-process over plain HTTP (an https public URL refuses that).
        publicUrl: "http://cn-mps.example.cn",
        signIn: { maxFailures: 5, lockMinutes: 15, perIpPerMinute: 10_000 },
      },
    });
    await node.user("wang.compliance", ["provider_compliance"]);
    await node.user("li.compliance", ["provider_compliance"]);
    officer = await node.as("wang.compliance");
    approver = await node.as("li.compliance");
    weibo = await addProvider(officer, "Example Weibo");
    cloud = await addProvider(officer, "Example Cloud");
    staffA = (await providerStaff(node, officer, weibo, "zhao.weibo", { timeZone: "Asia/Shanghai" })).agent;
    staffB = (await providerStaff(node, officer, cloud, "qian.cloud", { timeZone: "Europe/London" })).agent;
  }, 120_000);
  afterAll(async () => {
    await node?.close();
    await smtp?.close();
  });

  const count = async (table: typeof notices | typeof noticeEvents | typeof noticeFiles | typeof auditLog) =>
    (await node.rt.services.db.select().from(table)).length;

  it("drafts with normalised locators, then four eyes: the drafter may not approve, a colleague may", async () => {
    const d = await officer.req<NoticeBody & { notice: { locators: { identifier: { value: string } }[] } }>(
      "POST",
      "/api/v1/notices",
      noticeForm(weibo),
    );
    expect(d.status).toBe(201);
    expect(d.body.notice.status).toBe("draft");
    expect(d.body.notice.locators[0].identifier.value).toBe(
      "https://weibo.example.cn/u/1234567/status/987?from=share",
    );
    expect(d.body.notice.allowedActions).toEqual(["submit_for_approval", "withdraw"]);
    const id = d.body.notice.id;
    await officer.req("POST", `/api/v1/notices/${id}/actions`, { event: "submit_for_approval" });
    const self = await officer.req<ApiError>("POST", `/api/v1/notices/${id}/actions`, { event: "approve" });
    expect(self.status).toBe(403);
    // A provider's staff never see a notice that has not left the authority.
    expect((await staffA.req("GET", `/api/v1/notices/${id}`)).status).toBe(404);
    const ok = await approver.req<NoticeBody>("POST", `/api/v1/notices/${id}/actions`, { event: "approve" });
    expect(ok.status).toBe(200);
    expect(ok.body.notice.status).toBe("sent");
    expect(ok.body.notice.verificationCode).toMatch(/^[0-9A-Z*~$=]{4}(-[0-9A-Z*~$=]{1,4}){5}$/);
    // Urgent removal: the policy's 12 h (half the routine 24 h) from sending, by the same engine as requests.
    const n = ok.body.notice;
    const sent = Date.parse(String(n.sentAt));
    expect(Date.parse(n.actBy?.at ?? "") - sent).toBe(12 * 3600_000);
    expect(Date.parse(n.acknowledgeBy?.at ?? "") - sent).toBe(2 * 3600_000);
    expect(n.timeline.map((e) => e.event)).toEqual(["create", "submit_for_approval", "approve"]);
  });

  it("tells the provider's staff by e-mail with a link and never the content", async () => {
    const n = await sentNotice(officer, approver, noticeForm(weibo, { kind: "stop_spread" }));
    await node.rt.services.notifications.drainMail();
    const mail = smtp.mails.find(
      (m) => m.to.includes("zhao.weibo@provider.example.cn") && m.raw.includes(n.reference),
    );
    expect(mail).toBeDefined();
    const raw = mail?.raw.replace(/=\r?\n/g, "") ?? "";
    expect(raw).toContain(`http://cn-mps.example.cn/portal/notices/${n.id}`);
    expect(raw).not.toContain("flood-relief");
    expect(raw).not.toContain("weibo.example.cn/u/1234567");
    // The other company's staff hear nothing of it.
    expect(
      smtp.mails.some((m) => m.to.includes("qian.cloud@provider.example.cn") && m.raw.includes(n.reference)),
    ).toBe(false);
  });

  it("lets the provider answer in the portal: receipt, question, reply, evidence, answer; time to action", async () => {
    const n = await sentNotice(officer, approver, noticeForm(weibo));
    const list = await staffA.req<{ items: { id: string; actBy: { zone: string } }[] }>(
      "GET",
      "/api/v1/notices",
    );
    expect(list.body.items.map((i) => i.id)).toContain(n.id);
    // Deadlines in the reader's own time zone.
    const mine = await staffB.req<{ items: { id: string }[] }>("GET", "/api/v1/notices");
    expect(mine.body.items.map((i) => i.id)).not.toContain(n.id);
    const got = await staffA.req<NoticeBody>("GET", `/api/v1/notices/${n.id}`);
    expect(got.body.notice.actBy?.zone).toBe("Asia/Shanghai");
    expect(got.body.notice.actBy?.local).toMatch(/\+08:00$/);
    expect(got.body.notice.allowedActions).toEqual(["receive", "start_work", "answer"]);

    expect(
      (await staffA.req("POST", `/api/v1/portal/notices/${n.id}/actions`, { event: "receive" })).status,
    ).toBe(200);
    const q = await staffA.req<NoticeBody>("POST", `/api/v1/notices/${n.id}/messages`, {
      text: { lang: "zh-CN", text: "第二个账户是否也需要删除全部历史微博？" },
    });
    expect(q.status).toBe(200);
    const r = await officer.req<NoticeBody>("POST", `/api/v1/notices/${n.id}/messages`, {
      text: { lang: "zh-CN", text: "是的，删除该账户自11月18日以来的全部内容。" },
    });
    expect(r.body.notice.messages.map((m) => m.side)).toEqual(["provider", "authority"]);

    const bytes = Buffer.from("screenshot of the removed posts");
    const up = await staffA.req<{ attachment: { id: string; sha256: string } }>(
      "POST",
      `/api/v1/portal/notices/${n.id}/evidence`,
      { name: "removed.txt", contentBase64: bytes.toString("base64") },
    );
    expect(up.status).toBe(201);
    const ans = await staffA.req<NoticeBody>("POST", `/api/v1/portal/notices/${n.id}/answer`, {
      outcome: "done",
      text: { lang: "en", text: "Both accounts suspended and the posts removed." },
      attachmentIds: [up.body.attachment.id],
    });
    expect(ans.status).toBe(200);
    expect(ans.body.notice.status).toBe("done");
    const seen = await officer.req<NoticeBody>("GET", `/api/v1/notices/${n.id}`);
    expect(seen.body.notice.answer?.attachments[0].sha256).toBe(up.body.attachment.sha256);
    expect(seen.body.notice.timeToActionMinutes).toBeGreaterThanOrEqual(0);
    expect(seen.body.notice.timeline.map((e) => `${e.side}:${e.event}`)).toEqual([
      "authority:create",
      "authority:submit_for_approval",
      "authority:approve",
      "provider:receive",
      "provider:question",
      "authority:reply",
      "provider:evidence",
      "provider:answer",
    ]);
    const dl = await officer.req("GET", `/api/v1/notices/${n.id}/evidence/${up.body.attachment.id}`);
    expect(dl.headers["x-content-sha256"]).toBe(up.body.attachment.sha256);
    expect(dl.headers["cache-control"]).toBe("private, no-store"); // evidence is never cached
    const actions = (await node.rt.services.db.select().from(auditLog)).map((a) => a.action);
    for (const a of [
      "notice.create",
      "notice.approve",
      "notice.receive",
      "notice.question",
      "notice.reply",
      "notice.evidence_upload",
      "notice.answer",
    ]) {
      expect(actions).toContain(a);
    }
  });

  it("answers NOT_FOUND to another company's staff, whatever they try", async () => {
    const n = await sentNotice(officer, approver, noticeForm(weibo));
    const before = await count(noticeEvents);
    for (const [method, url, body] of [
      ["GET", `/api/v1/notices/${n.id}`, undefined],
      ["POST", `/api/v1/portal/notices/${n.id}/actions`, { event: "receive" }],
      ["POST", `/api/v1/portal/notices/${n.id}/answer`, { outcome: "done", text: { lang: "en", text: "x" } }],
      ["POST", `/api/v1/portal/notices/${n.id}/evidence`, { name: "a.txt", contentBase64: "YQ==" }],
      ["POST", `/api/v1/notices/${n.id}/messages`, { text: { lang: "en", text: "hello?" } }],
      ["GET", `/api/v1/notices/${n.id}/signed`, undefined],
    ] as const) {
      const r = await staffB.req<ApiError>(method, url, body);
      expect(r.status, `${method} ${url}`).toBe(404);
      expect(r.body.error.code).toBe("NOT_FOUND");
    }
    // Staff cannot use the officers' side either, nor the register.
    expect(
      (await staffA.req("POST", `/api/v1/notices/${n.id}/actions`, { event: "withdraw", reason: "x" }))
        .status,
    ).toBe(404);
    expect((await staffA.req("GET", "/api/v1/providers")).status).toBe(403);
    expect(await count(noticeEvents)).toBe(before);
  });

  it("refuses an answer after withdrawal and tells the provider it was withdrawn", async () => {
    const n = await sentNotice(officer, approver, noticeForm(weibo, { kind: "preserve_data" }));
    const w = await officer.req<NoticeBody>("POST", `/api/v1/notices/${n.id}/actions`, {
      event: "withdraw",
      reason: "The case was closed.",
    });
    expect(w.body.notice.status).toBe("withdrawn");
    const files = await count(noticeFiles);
    const late = await staffA.req<ApiError>("POST", `/api/v1/portal/notices/${n.id}/answer`, {
      outcome: "done",
      text: { lang: "en", text: "Preserved." },
    });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("INVALID_TRANSITION");
    const up = await staffA.req<ApiError>("POST", `/api/v1/portal/notices/${n.id}/evidence`, {
      name: "late.txt",
      contentBase64: "YQ==",
    });
    expect(up.status).toBe(409);
    expect(await count(noticeFiles)).toBe(files);
    const after = await staffA.req<NoticeBody>("GET", `/api/v1/notices/${n.id}`);
    expect(after.body.notice.status).toBe("withdrawn");
    expect(after.body.notice.answer).toBeNull();
    await node.rt.services.notifications.drainMail();
    expect(smtp.mails.some((m) => m.raw.includes("Notice withdrawn") && m.raw.includes(n.reference))).toBe(
      true,
    );
  });

  it("counts time to action, compliance and overdue notices per provider and kind (JSON, CSV, PDF)", async () => {
    const f = await officer.req<{
      figures: {
        rows: {
          providerName: string;
          kind: string;
          done: number;
          complianceRate: number | null;
          medianTimeToActionMinutes: number | null;
        }[];
      };
    }>("GET", "/api/v1/notices/figures");
    expect(f.status).toBe(200);
    const removal = f.body.figures.rows.find(
      (r) => r.providerName === "Example Weibo" && r.kind === "remove_content",
    );
    expect(removal?.done).toBe(1);
    expect(removal?.complianceRate).toBe(1);
    expect(removal?.medianTimeToActionMinutes).toBeGreaterThanOrEqual(0);
    const raw = await node.rt.app.inject({
      method: "GET",
      url: "/api/v1/notices/figures.csv?lang=zh-CN",
      headers: { cookie: officer.cookie ?? "" },
    });
    expect(raw.body).toContain("删除或屏蔽内容");
    expect(raw.body).toContain("执行率");
    const pdf = await node.rt.app.inject({
      method: "GET",
      url: "/api/v1/notices/figures.pdf?lang=zh-CN",
      headers: { cookie: officer.cookie ?? "" },
    });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe("%PDF-");
    // Provider staff have no figures.
    expect((await staffA.req("GET", "/api/v1/notices/figures")).status).toBe(403);
  });

  describe("bad input: a clear error naming the field, nothing saved, never a 500", () => {
    it("refuses locators that do not parse", async () => {
      const before = await count(notices);
      const r = await officer.req<ApiError>(
        "POST",
        "/api/v1/notices",
        noticeForm(weibo, {
          locators: [
            { identifier: { type: "url", value: "not a url" } },
            { identifier: { type: "ipv4", value: "300.1.1.1" } },
          ],
        }),
      );
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("VALIDATION_FAILED");
      const fields = r.body.error.details.map((d) => d.field);
      expect(fields).toContain("body.locators.0.identifier.value");
      expect(fields).toContain("body.locators.1.identifier.value");
      expect(await count(notices)).toBe(before);
    });

    it("refuses a deadline before sending, at drafting and at sending", async () => {
      const past = new Date(Date.now() - 60_000).toISOString();
      const r = await officer.req<ApiError>("POST", "/api/v1/notices", noticeForm(weibo, { actBy: past }));
      expect(r.status).toBe(400);
      expect(r.body.error.details[0].field).toBe("body.actBy");
      // A deadline that was in the future at drafting but passed before the approval.
      const soon = new Date(Date.now() + 1500).toISOString();
      const d = await officer.req<NoticeBody>("POST", "/api/v1/notices", noticeForm(weibo, { actBy: soon }));
      expect(d.status).toBe(201);
      await officer.req("POST", `/api/v1/notices/${d.body.notice.id}/actions`, {
        event: "submit_for_approval",
      });
      await new Promise((res) => setTimeout(res, 1600));
      const events = await count(noticeEvents);
      const a = await approver.req<ApiError>("POST", `/api/v1/notices/${d.body.notice.id}/actions`, {
        event: "approve",
      });
      expect(a.status).toBe(400);
      expect(a.body.error.details[0].field).toBe("body.actBy");
      expect(await count(noticeEvents)).toBe(events);
      const still = await officer.req<NoticeBody>("GET", `/api/v1/notices/${d.body.notice.id}`);
      expect(still.body.notice.status).toBe("pending_approval");
      expect(still.body.notice.verificationCode).toBeNull();
    });

    it("refuses an unknown provider, a refusal without grounds and evidence of another notice", async () => {
      const unknown = await officer.req<ApiError>(
        "POST",
        "/api/v1/notices",
        noticeForm("0190a0c0-0000-7000-8000-000000000000"),
      );
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.details[0].field).toBe("body.providerId");
      const n = await sentNotice(officer, approver, noticeForm(weibo));
      const noGrounds = await staffA.req<ApiError>("POST", `/api/v1/portal/notices/${n.id}/answer`, {
        outcome: "refused",
        text: { lang: "en", text: "No." },
      });
      expect(noGrounds.status).toBe(400);
      expect(noGrounds.body.error.details[0].field).toBe("body.grounds");
      const foreign = await staffA.req<ApiError>("POST", `/api/v1/portal/notices/${n.id}/answer`, {
        outcome: "done",
        text: { lang: "en", text: "Done." },
        attachmentIds: ["0190a0c0-0000-7000-8000-000000000001"],
      });
      expect(foreign.status).toBe(400);
      expect(foreign.body.error.details[0].field).toBe("body.attachmentIds.0");
      const still = await staffA.req<NoticeBody>("GET", `/api/v1/notices/${n.id}`);
      expect(still.body.notice.status).toBe("sent");
    });
  });
});
