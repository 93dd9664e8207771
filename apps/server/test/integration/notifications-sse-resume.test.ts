import { asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { uuidv7 } from "../../src/crypto/ids.js";
import { inTransaction, rowsOf, type Tx } from "../../src/db/client.js";
import { notifications } from "../../src/db/schema/index.js";
import { whileOpen } from "../support/lock-queue.js";
import { createTestNode, DB_KIND, describeDb, type TestNode } from "../support/node.js";

/** An open SSE connection, read as text until what a test waits for has arrived. */
async function openStream(url: string, headers: Record<string, string>) {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  expect(res.status).toBe(200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  return {
    async readUntil(needle: string) {
      const until = Date.now() + 10_000;
      while (!text.includes(needle)) {
        if (Date.now() > until) throw new Error(`stream: no "${needle}" in ${JSON.stringify(text)}`);
        const chunk = await reader.read();
        if (chunk.done) throw new Error("stream ended");
        text += decoder.decode(chunk.value, { stream: true });
      }
      return text;
    },
    /** The ids of the notifications received so far, in order. */
    ids() {
      return text
        .split("\n\n")
        .filter((e) => e.includes("event: notification"))
        .map((e) => (JSON.parse(/^data: (.+)$/m.exec(e)?.[1] ?? "{}") as { id?: string }).id);
    },
    /** The event ids of the notifications received so far, in order. */
    eventIds() {
      return text
        .split("\n\n")
        .filter((e) => e.includes("event: notification"))
        .map((e) => /^id: (.+)$/m.exec(e)?.[1]);
    },
    /** The id of the last event that had one (what EventSource sends as Last-Event-ID when it reconnects). */
    lastEventId() {
      const ids = [...text.matchAll(/^id: (.*)$/gm)].map((m) => m[1]);
      return ids.at(-1);
    },
    /** The English titles of the notification events received so far, in order. */
    titles() {
      return text
        .split("\n\n")
        .filter((e) => e.includes("event: notification"))
        .map(
          (e) => (JSON.parse(/^data: (.+)$/m.exec(e)?.[1] ?? "{}") as { title?: { en?: string } }).title?.en,
        );
    },
    close() {
      controller.abort();
    },
  };
}

/**
 * Issue 9 point 13: a client that reconnects to the notifications stream with Last-Event-ID gets what it
 * missed after that id, in order and only that; without it (or with a malformed one) it starts from now.
 */
describeDb("notifications stream: resume with Last-Event-ID", () => {
  let node: TestNode;
  let userId: string;
  let otherId: string;
  let base: string;
  let cookie: string;

  beforeAll(async () => {
    node = await createTestNode({ id: "CN-MPS", timeZone: "UTC" });
    userId = (await node.user("sse.reader", ["duty_officer"])).id;
    otherId = (await node.user("sse.other", ["duty_officer"])).id;
    cookie = (await node.as("sse.reader")).cookie as string;
    base = await node.rt.app.listen({ host: "127.0.0.1", port: 0 });
  });
  afterAll(() => node?.close());

  /** Writes a notification titled `title` through `tx`: to the reader unless `to` says otherwise. */
  const write = (
    tx: Tx,
    title: { en: string; zh: string },
    opts: { to?: string; severity?: "info" | "emergency" } = {},
  ) =>
    node.rt.services.notifications.notify(tx, {
      userIds: [opts.to ?? userId],
      kind: "test.sse",
      severity: opts.severity ?? "info",
      title,
      body: { en: "body", zh: "正文" },
    });
  let n = 0;
  const notify = (to: string) =>
    inTransaction(node.rt.services.db, (tx) => write(tx, { en: `Notice ${++n}`, zh: `通知 ${n}` }, { to }));
  const idsOf = async (user: string) =>
    (
      await node.rt.services.db
        .select({ id: notifications.id })
        .from(notifications)
        .where(eq(notifications.userId, user))
        .orderBy(asc(notifications.id))
    ).map((r) => r.id);

  it("replays, in order, exactly the notifications after the given id, then carries on live", async () => {
    for (let i = 0; i < 5; i++) await notify(userId);
    await notify(otherId); // someone else's: never on this stream
    const ids = await idsOf(userId);
    expect(ids).toHaveLength(5);

    // the client saw up to the second one, then lost the connection
    const s = await openStream(`${base}/api/v1/notifications/stream`, { cookie, "last-event-id": ids[1] });
    try {
      await s.readUntil(`id: ${ids[4]}`);
      expect(s.ids()).toEqual(ids.slice(2));
      // what was replayed is the notifications themselves, rendered for the reader
      expect(s.titles()).toEqual(["Notice 3", "Notice 4", "Notice 5"]);
      // and after the replay, new ones arrive live on the same connection
      await notify(userId);
      const [sixth] = (await idsOf(userId)).slice(5);
      await s.readUntil(`id: ${sixth}`);
      expect(s.ids()).toEqual([...ids.slice(2), sixth]);
    } finally {
      s.close();
    }
  });

  it("a LISTEN says when it is in place, so a stream looks once at what committed before it", async () => {
    const heard: string[] = [];
    let lives = 0;
    const sub = await node.rt.database.listen(
      "crossline_listen_probe",
      (p) => heard.push(p),
      () => lives++,
    );
    try {
      // in place by the time the subscription is returned, and said so exactly once
      expect(sub.live()).toBe(true);
      expect(lives).toBe(1);
      await node.rt.services.db.execute(sql`select pg_notify('crossline_listen_probe', 'after')`);
      const until = Date.now() + 5_000;
      while (!heard.includes("after") && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      expect(heard).toEqual(["after"]);
    } finally {
      await sub.close();
    }
  });

  it("resuming from the latest id replays nothing; without Last-Event-ID, or a malformed one, it starts from now", async () => {
    const before = await idsOf(userId);
    const latest = before[before.length - 1];
    const streams = await Promise.all([
      openStream(`${base}/api/v1/notifications/stream`, { cookie, "last-event-id": latest }),
      openStream(`${base}/api/v1/notifications/stream`, { cookie }),
      openStream(`${base}/api/v1/notifications/stream`, { cookie, "last-event-id": "not-a-uuid" }),
    ]);
    try {
      for (const s of streams) await s.readUntil("event: ready");
      await notify(userId);
      const [fresh] = (await idsOf(userId)).slice(before.length);
      for (const s of streams) {
        await s.readUntil(`id: ${fresh}`);
        // only the new one: nothing from before the connection was replayed
        expect(s.ids()).toEqual([fresh]);
      }
    } finally {
      for (const s of streams) s.close();
    }
  });

  it("is woken by the commit of a notification (LISTEN/NOTIFY), not by polling; a rolled-back one wakes nothing", async () => {
    // With the LISTEN connection live, a stream looks on its own only every 30 s.
    const probe = node.rt.services.notifications.watch(userId, () => {});
    const until = Date.now() + 10_000;
    while (!probe.live()) {
      if (Date.now() > until) throw new Error("the LISTEN subscription never became live");
      await new Promise((r) => setTimeout(r, 50));
    }
    probe.stop();
    const s = await openStream(`${base}/api/v1/notifications/stream`, { cookie });
    try {
      await s.readUntil("event: ready");
      // A row written without NOTIFY is not seen by a stream that no longer polls every second ...
      const silentId = uuidv7();
      await node.rt.services.db.insert(notifications).values({
        id: silentId,
        userId,
        kind: "test.sse",
        severity: "info",
        titleEn: "Silent",
        titleZh: "静默",
        bodyEn: "body",
        bodyZh: "正文",
        createdAt: new Date(),
      });
      // ... nor does a notification whose transaction rolls back wake it.
      await inTransaction(node.rt.services.db, async (tx) => {
        await write(tx, { en: "Rolled back", zh: "回滚" });
        throw new Error("roll back");
      }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 2_500));
      expect(s.ids()).toEqual([]);
      // A committed notification wakes it at once: it then reads everything after its cursor.
      await notify(userId);
      const latest = (await idsOf(userId)).at(-1);
      await s.readUntil(`id: ${latest}`);
      expect(s.ids()).toEqual([silentId, latest]);
      expect(s.titles()).not.toContain("Rolled back");
    } finally {
      s.close();
    }
  });

  it("a notification committing after a later one was streamed is still streamed", async () => {
    // Ids are minted by the application before the commit: a cursor over them went past one minted first (or
    // by a process whose clock is behind) and committed after a later one had been sent; its event never came.
    const s = await openStream(`${base}/api/v1/notifications/stream`, { cookie });
    try {
      await s.readUntil("event: ready");
      let later = "";
      if (DB_KIND === "postgres") {
        await whileOpen(
          node.rt.services.db,
          (tx) => write(tx, { en: "Minted first", zh: "先" }, { severity: "emergency" }),
          async () => {
            await notify(userId);
            later = (await idsOf(userId)).at(-1) as string;
            await s.readUntil(`id: ${later}`);
          },
        );
      } else {
        // One connection: the early one is a row whose id was minted earlier (a process whose clock is behind).
        await notify(userId);
        later = (await idsOf(userId)).at(-1) as string;
        await s.readUntil(`id: ${later}`);
        await node.rt.services.db.insert(notifications).values({
          id: "00000000-0000-7000-8000-000000000001",
          userId,
          kind: "test.sse",
          severity: "emergency",
          titleEn: "Minted first",
          titleZh: "先",
          bodyEn: "body",
          bodyZh: "正文",
          createdAt: new Date(),
        });
        await notify(userId); // wakes the stream
      }
      await s.readUntil("Minted first");
      expect(s.titles().filter((t) => t === "Minted first")).toHaveLength(1);
      // streamed after the later one, though its id is below it: no cursor over ids would have sent it
      const ids = s.ids() as string[];
      const early = ids[s.titles().indexOf("Minted first")] as string;
      expect(early < later).toBe(true);
      expect(ids.indexOf(early)).toBeGreaterThan(ids.indexOf(later));
    } finally {
      s.close();
    }
  });

  /** A notification with this title for the reader, committed. */
  const notifyTitled = (title: string) =>
    inTransaction(node.rt.services.db, (tx) => write(tx, { en: title, zh: title }));
  /** The first transaction id the database has not yet counted as completed (xmax of its current snapshot). */
  const xmax = async () =>
    BigInt(
      rowsOf<{ x: string }>(
        await node.rt.services.db.execute(sql`select pg_snapshot_xmax(pg_current_snapshot())::text as x`),
      )[0].x,
    );
  const url = () => `${base}/api/v1/notifications/stream`;

  it("a reconnect resumes in commit order: an older transaction committing while the client is away arrives once, nothing it got comes again", async () => {
    const db = node.rt.services.db;
    const s1 = await openStream(url(), { cookie });
    let s2: Awaited<ReturnType<typeof openStream>> | undefined;
    /** Writes the reader a notification titled `title` through `tx` (a transaction the test keeps open). */
    const writeTitled = (title: string) => (tx: Tx) =>
      write(tx, { en: title, zh: title }, { severity: "emergency" });
    try {
      await s1.readUntil("event: ready");
      let last = "";
      if (DB_KIND === "postgres") {
        // Old 1, then Old 2 write (taking their transaction ids in that order) and stay open; Later commits and is
        // streamed; Old 2 commits and is streamed; the client drops; Old 1 commits while it is away.
        await whileOpen(db, writeTitled("Old 1"), async () => {
          await whileOpen(db, writeTitled("Old 2"), async () => {
            await notifyTitled("Later");
            await s1.readUntil("Later");
          });
          await s1.readUntil("Old 2");
          last = s1.lastEventId() as string;
          s1.close();
        });
      } else {
        // One connection: no transaction stays open while another commits. Old 1 is a row whose transaction id is
        // ahead of the database's, not yet committed in any snapshot; it commits when the database's pass it.
        const old1 = (await xmax()) + 50n;
        await db.insert(notifications).values({
          id: uuidv7(),
          userId,
          kind: "test.sse",
          severity: "emergency",
          titleEn: "Old 1",
          titleZh: "Old 1",
          bodyEn: "body",
          bodyZh: "正文",
          createdAt: new Date(),
          xid: String(old1),
        });
        await notifyTitled("Later");
        await s1.readUntil("Later");
        last = s1.lastEventId() as string;
        s1.close();
        while ((await xmax()) <= old1)
          await inTransaction(db, (tx) => tx.execute(sql`select pg_current_xact_id()`));
      }
      s2 = await openStream(url(), { cookie, "last-event-id": last });
      await s2.readUntil("Old 1");
      await notifyTitled("Fresh");
      await s2.readUntil("Fresh");
      expect(s1.titles()).toEqual(DB_KIND === "postgres" ? ["Later", "Old 2"] : ["Later"]);
      // exactly what committed while it was away, then what comes live; not Later or Old 2 again
      expect(s2.titles()).toEqual(["Old 1", "Fresh"]);
    } finally {
      s1.close();
      s2?.close();
    }
  });

  it("a client that drops before any notification resumes from where its stream started (the ready event's id)", async () => {
    const s1 = await openStream(url(), { cookie });
    await s1.readUntil("event: ready");
    const last = s1.lastEventId();
    s1.close();
    await notifyTitled("While away");
    const s2 = await openStream(url(), { cookie, ...(last ? { "last-event-id": last } : {}) });
    try {
      await s2.readUntil("While away");
      await notifyTitled("Back");
      await s2.readUntil("Back");
      expect(s2.titles()).toEqual(["While away", "Back"]);
    } finally {
      s2.close();
    }
  });

  it("a Last-Event-ID tampered with, malformed or not of this database starts the stream from now, without an error", async () => {
    await notifyTitled("Before");
    const ahead = (await xmax()) + 1_000_000n;
    const now = (await xmax()).toString(36);
    const lastIds = [
      ahead.toString(36), // a snapshot beyond the database's (another cluster's, as before a restore)
      `${uuidv7()}.0.${ahead.toString(36)}`,
      `${uuidv7()}.0.${now}`, // the cursor in a transaction that has not committed
      `${now}.0`, // a transaction twice
      "t6..1",
      "zzzzzzzzzzzzzzzzzzzz",
      `${uuidv7()}.x.y`,
      "x".repeat(5000),
    ];
    const streams = await Promise.all(
      lastIds.map((id) => openStream(url(), { cookie, "last-event-id": id })),
    );
    try {
      for (const s of streams) await s.readUntil("event: ready");
      await notifyTitled("After");
      for (const s of streams) {
        await s.readUntil("After");
        expect(s.titles()).toEqual(["After"]);
      }
    } finally {
      for (const s of streams) s.close();
    }
  });

  it("a backlog longer than one look arrives whole and in order; resuming from its middle sends the rest", async () => {
    const db = node.rt.services.db;
    const s1 = await openStream(url(), { cookie });
    let s2: Awaited<ReturnType<typeof openStream>> | undefined;
    try {
      await s1.readUntil("event: ready");
      const bulk = Array.from({ length: 1_100 }, (_, i) => `Bulk ${i}`);
      // one transaction (one xid) of more rows than a look sends, then another
      await inTransaction(db, async (tx) => {
        await tx.insert(notifications).values(
          bulk.map((t) => ({
            id: uuidv7(),
            userId,
            kind: "test.sse",
            severity: "info" as const,
            titleEn: t,
            titleZh: t,
            bodyEn: "body",
            bodyZh: "正文",
            createdAt: new Date(),
          })),
        );
        await write(tx, { en: "Bulk end", zh: "Bulk end" });
      });
      await notifyTitled("After bulk");
      await s1.readUntil("After bulk");
      const all = [...bulk, "Bulk end", "After bulk"];
      expect(s1.titles()).toEqual(all);
      // the client got up to the 701st (in the second look, in the middle of the first transaction)
      const at = s1.eventIds()[700] as string;
      s1.close();
      s2 = await openStream(url(), { cookie, "last-event-id": at });
      await s2.readUntil("After bulk");
      expect(s2.titles()).toEqual(all.slice(701));
    } finally {
      s1.close();
      s2?.close();
    }
  });
});
