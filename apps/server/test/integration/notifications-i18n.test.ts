import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { uuidv7 } from "../../src/crypto/ids.js";
import { inTransaction } from "../../src/db/client.js";
import { notifications, users } from "../../src/db/schema/index.js";
import { createTestNode, describeDb, type TestNode } from "../support/node.js";
import { startSmtp } from "../support/requests-fixtures.js";

type Notes = {
  items: {
    kind: string;
    key: string | null;
    params: Record<string, unknown>;
    title: { en: string; "zh-CN": string };
    body: { en: string; "zh-CN": string };
  }[];
};

const ISO_UTC = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z/;

describeDb("notifications are keys with parameters, rendered for each reader", () => {
  let node: TestNode;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let zhang: { id: string };
  let smith: { id: string };

  beforeAll(async () => {
    smtp = await startSmtp();
    node = await createTestNode({
      id: "CN-MPS",
      timeZone: "Asia/Shanghai",
      settings: { smtpUrl: `smtp://127.0.0.1:${smtp.port}`, mailFrom: "hotline@mps.example.cn" },
    });
    zhang = await node.user("zhang.wei", ["duty_officer"]);
    smith = await node.user("a.smith", ["duty_officer"]);
    const db = node.rt.services.db;
    await db
      .update(users)
      .set({ language: "zh-CN", timeZone: "Asia/Shanghai", email: "zhang.wei@mps.example.cn" })
      .where(eq(users.id, zhang.id));
    await db
      .update(users)
      .set({ language: "en", timeZone: "America/New_York", email: "a.smith@mps.example.cn" })
      .where(eq(users.id, smith.id));
  });
  afterAll(async () => {
    await node?.close();
    await smtp?.close();
  });

  it("e-mails each reader in their language and on their clock, never raw UTC", async () => {
    const s = node.rt.services;
    await inTransaction(s.db, (tx) =>
      s.notifications.notify(tx, {
        userIds: [zhang.id, smith.id],
        kind: "request_received",
        severity: "emergency",
        key: "request_received_emergency",
        params: {
          reference: "US-DOJ-2026-0000000001",
          peer: "US-DOJ",
          title: "Emergency disclosure: threat to life",
          // 10:00 UTC: 18:00 in Beijing, 05:00 in New York (the requester's clock)
          acknowledgeBy: { at: "2026-12-02T10:00:00.000Z", zone: "America/New_York" },
        },
        email: true,
      }),
    );
    expect(await s.notifications.drainMail()).toEqual({ sent: 2, failed: 0 });
    const bodyTo = (to: string) => {
      const m = smtp.mails.find((x) => x.to.includes(to));
      if (!m) throw new Error(`no mail to ${to}`);
      return mailBody(m.raw);
    };
    const zh = bodyTo("zhang.wei@mps.example.cn");
    expect(zh).toContain("紧急请求（来自 US-DOJ）：US-DOJ-2026-0000000001");
    expect(zh).toContain(
      "请于 2026-12-02 18:00 (UTC+08:00)；America/New_York：2026-12-02 05:00 (UTC-05:00) 前确认。",
    );
    expect(zh).not.toMatch(ISO_UTC);
    const en = bodyTo("a.smith@mps.example.cn");
    // New York is the reader's own zone here: one clock.
    expect(en).toContain("Acknowledge by 2026-12-02 05:00 (UTC-05:00).");
    expect(en).not.toMatch(ISO_UTC);
  });

  it("lists the key and its parameters, with texts on the reader's clock; older rows keep their texts", async () => {
    const s = node.rt.services;
    await s.db.insert(notifications).values({
      id: uuidv7(),
      userId: zhang.id,
      kind: "request_received",
      severity: "info",
      titleEn: "Request from US-DOJ: US-DOJ-2026-OLD",
      titleZh: "请求（来自 US-DOJ）：US-DOJ-2026-OLD",
      bodyEn: "Written before keys.",
      bodyZh: "键之前写入。",
      createdAt: new Date(),
    });
    const agent = await node.as("zhang.wei");
    const list = await agent.req<Notes>("GET", "/api/v1/notifications");
    expect(list.status).toBe(200);
    const [legacy, keyed] = list.body.items;
    expect(legacy).toMatchObject({ key: null, title: { "zh-CN": "请求（来自 US-DOJ）：US-DOJ-2026-OLD" } });
    expect(legacy.body["zh-CN"]).toBe("键之前写入。");
    expect(keyed.key).toBe("request_received_emergency");
    expect(keyed.params.acknowledgeBy).toEqual({ at: "2026-12-02T10:00:00.000Z", zone: "America/New_York" });
    expect(keyed.body["zh-CN"]).toContain("请于 2026-12-02 18:00 (UTC+08:00)");
    expect(`${keyed.title["zh-CN"]} ${keyed.body["zh-CN"]} ${keyed.body.en}`).not.toMatch(ISO_UTC);
  });
});

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
