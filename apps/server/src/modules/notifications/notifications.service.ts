import {
  type NotificationKey,
  type NotificationParams,
  type NotificationView,
  renderNotification,
} from "@crossline/schemas";
import type { Transporter } from "nodemailer";
import { uuidv7 } from "../../crypto/ids.js";
import {
  type Database,
  type Db,
  type DbOrTx,
  inTransaction,
  type Subscription,
  type Tx,
} from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";
import { backoffMs } from "../../lib/backoff.js";
import type { Clock } from "../../lib/clock.js";
import { AppError } from "../../lib/errors.js";
import {
  decodeLastEventId,
  encodePosition,
  parseSnapshot,
  positionsOf,
  type ResumeFrom,
  type StreamPosition,
  snapshotText,
  visibleIn,
} from "./notifications.position.js";
import {
  countUnread,
  currentSnapshot,
  dueMail,
  insertMail,
  insertNotifications,
  leaseMail,
  listNotifications,
  markMailFailed,
  markMailSent,
  markNotificationsRead,
  type NotificationRow,
  notificationsSince,
  notificationXid,
  notifyAtCommit,
  settleNotifications,
} from "./notifications.repo.js";

export interface Bilingual {
  en: string;
  zh: string;
}

interface NotifyBase {
  userIds: readonly string[];
  kind: string;
  severity: "info" | "urgent" | "emergency";
  requestId?: string | null;
  /** The record other than a request it is about (a provider notice), so it can be settled with it. */
  subjectId?: string | null;
  /** Also send an e-mail (when the node has SMTP configured and the user an address). */
  email?: boolean;
}

/**
 * A notification: a message key with its parameters (rendered for each reader), or, for callers not yet
 * moved to keys, fixed texts in both languages.
 */
export type NotifyInput = NotifyBase &
  ({ key: NotificationKey; params: NotificationParams } | { title: Bilingual; body: Bilingual });

type Lang = "en" | "zh-CN";
const asLang = (l: string | null | undefined): Lang => (l?.toLowerCase().startsWith("zh") ? "zh-CN" : "en");

/** A row's texts for a reader: rendered from its key on their clock, else the texts stored with it. */
function textsOf(r: NotificationRow, timeZone: string) {
  const render = (lang: Lang) =>
    r.messageKey ? renderNotification(r.messageKey, r.params, lang, timeZone) : null;
  const en = render("en");
  const zh = render("zh-CN");
  return {
    title: {
      en: en?.title ?? r.titleEn ?? r.messageKey ?? "",
      "zh-CN": zh?.title ?? r.titleZh ?? r.titleEn ?? "",
    },
    body: { en: en?.body ?? r.bodyEn ?? "", "zh-CN": zh?.body ?? r.bodyZh ?? r.bodyEn ?? "" },
  };
}

export function toNotificationView(r: NotificationRow, timeZone: string): NotificationView {
  return {
    id: r.id,
    kind: r.kind,
    severity: r.severity,
    requestId: r.requestId,
    key: r.messageKey,
    params: r.params,
    ...textsOf(r, timeZone),
    createdAt: r.createdAt.toISOString(),
    readAt: r.readAt?.toISOString() ?? null,
  };
}

const MAX_ATTEMPTS = 8;
/** Notifications a stream's look sends at most; past them the next look goes on at once from the last one. */
const SINCE_LIMIT = 500;
const LEASE_MS = 2 * 60_000;

/**
 * Notifications (console) and e-mail (SMTP). Both are written in the transaction of the change that
 * causes them; mail leaves only after commit, from the outbox, drained by `drainMail` (the mail worker),
 * which claims rows with FOR UPDATE SKIP LOCKED and a lease, so several processes can drain one outbox.
 */
/** NOTIFY channel on which a notification's commit wakes the live streams of its readers, in every process. */
const CHANNEL = "crossline_notifications";
/** User ids per NOTIFY payload (PostgreSQL allows 8,000 bytes; an id is 36). */
const IDS_PER_NOTIFY = 150;

export function createNotificationsService(deps: {
  db: Db;
  clock: Clock;
  smtpUrl?: string;
  mailFrom: string;
  /** The database's LISTEN; without it live streams poll. */
  listen?: Database["listen"];
  /** The users module's port: whom a notification reaches (enabled users) and how to write to them. */
  people: {
    contactsOf(
      tx: DbOrTx,
      ids: readonly string[],
    ): Promise<{ id: string; email: string | null; language: string; timeZone: string }[]>;
    timeZoneOf(userId: string): Promise<string | undefined>;
  };
}) {
  const { db, clock } = deps;
  const smtpUrl = deps.smtpUrl;
  /**
   * nodemailer (0.4 MB of code) is loaded by the first mail sent, not with the server. A failed load (a broken
   * install, a transport the URL cannot make) is not kept: the next mail tries again.
   */
  let transport: Promise<Transporter> | null = null;
  const mailer = (url: string) =>
    (transport ??= import("nodemailer")
      .then((m) => m.default.createTransport(url))
      .catch((e: unknown) => {
        transport = null;
        throw e;
      }));
  /** Live streams of this process, by user: each is woken when a notification for its user commits. */
  const watchers = new Map<string, Set<() => void>>();
  let subscription: Promise<Subscription | null> | null = null;
  const onPayload = (payload: string) => {
    for (const id of payload.split(",")) for (const wake of watchers.get(id) ?? []) wake();
  };
  // The LISTEN is (again) in place: what committed before it was not heard, so every stream looks once.
  const onLive = () => {
    for (const set of watchers.values()) for (const wake of set) wake();
  };

  /**
   * Calls `wake` whenever a notification for `userId` commits, in any process of the node (one LISTEN per
   * process, started with the first stream). `live()` says whether wake-ups can be relied on; while not,
   * the caller polls. Returns the unsubscribe function.
   */
  function watch(userId: string, wake: () => void): { live(): boolean; stop(): void } {
    if (!subscription && deps.listen)
      subscription = deps.listen(CHANNEL, onPayload, onLive).catch(() => null);
    let sub: Subscription | null = null;
    void subscription?.then((x) => {
      sub = x;
    });
    const set = watchers.get(userId) ?? new Set();
    set.add(wake);
    watchers.set(userId, set);
    return {
      live: () => sub?.live() ?? false,
      stop() {
        set.delete(wake);
        if (set.size === 0) watchers.delete(userId);
      },
    };
  }

  async function notify(tx: Tx, n: NotifyInput): Promise<number> {
    const ids = [...new Set(n.userIds)];
    if (ids.length === 0) return 0;
    const now = clock.now();
    const keyed = "key" in n;
    // A disabled account hears nothing: the notification would only wait for a sign-in that cannot come.
    const recipients = await deps.people.contactsOf(tx, ids);
    if (recipients.length === 0) return 0;
    await insertNotifications(
      tx,
      recipients.map((u) => ({
        id: uuidv7(),
        userId: u.id,
        kind: n.kind,
        severity: n.severity,
        requestId: n.requestId ?? null,
        subjectId: n.subjectId ?? null,
        ...(keyed
          ? { messageKey: n.key, params: n.params }
          : { titleEn: n.title.en, titleZh: n.title.zh, bodyEn: n.body.en, bodyZh: n.body.zh }),
        createdAt: now,
      })),
    );
    // Delivered at commit (never for a rolled-back transaction) to every process's listener.
    await wakeAtCommit(
      tx,
      recipients.map((u) => u.id),
    );
    if (n.email && smtpUrl) {
      for (const u of recipients) {
        if (!u.email) continue;
        if (!keyed) {
          await queueMail(tx, u.email, n.title, n.body);
          continue;
        }
        // In the reader's language and on their clock, like the console.
        const lang = asLang(u.language);
        const text = renderNotification(n.key, n.params, lang, u.timeZone);
        if (text) await queueOne(tx, u.email, text.title, `${text.title}\n\n${text.body}\n`);
      }
    }
    return recipients.length;
  }

  /**
   * Marks read, for every reader, the unread notifications about a request (or another record, `subjectId`) of
   * these kinds: what they asked for has been done (by whichever of them did it, or by the peer), so they no
   * longer wait in anyone's bell. The readers' live streams are woken at commit so their unread counts drop.
   */
  async function settle(
    tx: Tx,
    about: ({ requestId: string } | { subjectId: string }) & { kinds: readonly string[] },
  ): Promise<number> {
    if (about.kinds.length === 0) return 0;
    const rows = await settleNotifications(tx, about, clock.now());
    await wakeAtCommit(tx, [...new Set(rows.map((r) => r.userId))]);
    return rows.length;
  }

  /** NOTIFYs the users' streams, in every process, when `tx` commits (never for a rollback). */
  async function wakeAtCommit(tx: Tx, userIds: readonly string[]): Promise<void> {
    for (let i = 0; i < userIds.length; i += IDS_PER_NOTIFY) {
      const payload = userIds.slice(i, i + IDS_PER_NOTIFY).join(",");
      await notifyAtCommit(tx, CHANNEL, payload);
    }
  }

  function unreadCount(userId: string): Promise<number> {
    return countUnread(db, userId);
  }

  async function queueOne(tx: Tx, to: string, subject: string, text: string): Promise<void> {
    const now = clock.now();
    await insertMail(tx, {
      id: uuidv7(),
      to,
      subject: `[Crossline] ${subject}`.slice(0, 900),
      text,
      status: "pending",
      nextAttemptAt: now,
      createdAt: now,
    });
  }

  /** Queues a bilingual e-mail in the caller's transaction (an address with no profile: both languages). */
  async function queueMail(tx: Tx, to: string, title: Bilingual, body: Bilingual): Promise<void> {
    if (!smtpUrl) return;
    await queueOne(
      tx,
      to,
      `${title.en} / ${title.zh}`,
      `${title.en}\n\n${body.en}\n\n---\n\n${title.zh}\n\n${body.zh}\n`,
    );
  }

  /** Queues a keyed message to an address with no profile: both languages, on `timeZone`'s clock. */
  async function queueKeyedMail(
    tx: Tx,
    to: string,
    m: { key: NotificationKey; params: NotificationParams },
    timeZone: string,
  ): Promise<void> {
    const en = renderNotification(m.key, m.params, "en", timeZone);
    const zh = renderNotification(m.key, m.params, "zh-CN", timeZone);
    if (en && zh) await queueMail(tx, to, { en: en.title, zh: zh.title }, { en: en.body, zh: zh.body });
  }

  /** The reader's profile zone (the console's zone for the user), or UTC for an unknown user. */
  async function zoneOf(userId: string): Promise<string> {
    return (await deps.people.timeZoneOf(userId)) ?? "UTC";
  }

  async function list(
    ctx: Ctx,
    q: { unread?: "true" | "false"; after?: string; limit: number },
  ): Promise<{ items: NotificationView[]; unreadCount: number }> {
    const userId = requireUser(ctx);
    const rows = await listNotifications(db, {
      userId,
      unread: q.unread === "true",
      after: q.after,
      limit: q.limit,
    });
    const n = await unreadCount(userId);
    const zone = await zoneOf(userId);
    return { items: rows.map((r) => toNotificationView(r, zone)), unreadCount: n };
  }

  /**
   * Where a live stream starts, from the client's Last-Event-ID (the raw header):
   * - a position (the event id of an earlier stream, notifications.position.ts): from there, so what committed
   *   while the client was away is sent, whatever its order, and nothing it got is sent again;
   * - a notification id (the event ids of streams before positions were sent): from the transaction that wrote
   *   it (those after it, and the rest of that transaction's after its id); a notification not the reader's or
   *   gone: from now;
   * - none, or one that is malformed or not of this database (beyond its current snapshot: tampered, or taken
   *   before a restore into another cluster): from now, the snapshot of this moment (what is visible now is the
   *   list's; what commits later is streamed).
   */
  async function streamFrom(
    userId: string,
    lastEventId: string | string[] | undefined,
  ): Promise<{ position: StreamPosition; eventId: string }> {
    const position = await startOf(userId, decodeLastEventId(lastEventId));
    return { position, eventId: encodePosition(position) };
  }

  async function startOf(userId: string, from: ResumeFrom): Promise<StreamPosition> {
    const now = parseSnapshot(await currentSnapshot(db));
    if (from.kind === "notification") {
      const written = await notificationXid(db, userId, from.id);
      if (!written) return { snapshot: now };
      const xid = BigInt(written);
      return { snapshot: { xmin: xid, xmax: xid, xip: [] }, after: { xid, id: from.id } };
    }
    if (from.kind !== "position" || from.position.snapshot.xmax > now.xmax) return { snapshot: now };
    const { snapshot, after } = from.position;
    // A cursor in a transaction that has not committed: none of its rows can have been sent.
    return after && visibleIn(now, after.xid) ? { snapshot, after } : { snapshot };
  }

  /**
   * The user's notifications that became visible since the stream's position, in the order of the transactions
   * that wrote them (then by id), at most `SINCE_LIMIT`, each with its event id (the position once it is sent), and the
   * new position: the snapshot of the same statement, or, when there were more (`more`), the last
   * one's, from which the next look goes on. Not by id: an id (uuidv7) is minted by the application before the
   * commit, so one minted first (or by a process whose clock is behind) can commit after a later one was streamed,
   * and a cursor over ids went past it: its live event was never sent. One statement: the rows and the snapshot.
   * Only rows whose transaction the statement's snapshot counts as committed are sent (all, but a row written with
   * an xid of its own), so the position it gives never claims a row it did not send.
   */
  async function since(
    userId: string,
    from: StreamPosition,
  ): Promise<{
    items: { eventId: string; notification: NotificationView }[];
    position: StreamPosition;
    more: boolean;
  }> {
    const cursor = from.after;
    // The rest of the cursor's transaction first: then it is wholly sent, and one cursor says where a look is.
    const found = await notificationsSince(db, {
      userId,
      xmin: String(from.snapshot.xmin),
      snapshot: snapshotText(from.snapshot),
      cursor: cursor ? { xid: String(cursor.xid), id: cursor.id } : undefined,
      limit: SINCE_LIMIT + 1,
    });
    const rows = found.flatMap((r) => (r.n?.xid ? [r.n as NotificationRow & { xid: string }] : []));
    const more = rows.length > SINCE_LIMIT;
    const sent = rows.slice(0, SINCE_LIMIT);
    const { at, next } = positionsOf(
      from,
      parseSnapshot(String(found[0]?.snap)),
      sent.map((r) => ({ xid: BigInt(r.xid), id: r.id })),
      more,
    );
    const zone = sent.length ? await zoneOf(userId) : "UTC";
    return {
      items: sent.map((r, i) => ({
        eventId: encodePosition(at[i]),
        notification: toNotificationView(r, zone),
      })),
      position: next,
      more,
    };
  }

  async function markRead(ctx: Ctx, input: { ids: string[] } | { all: true }): Promise<number> {
    const userId = requireUser(ctx);
    const rows = await markNotificationsRead(db, userId, "ids" in input ? input.ids : "all", clock.now());
    return rows.length;
  }

  /** Sends due mail. Safe to run in several processes at once. Returns how many were sent. */
  async function drainMail(limit = 20): Promise<{ sent: number; failed: number }> {
    if (!smtpUrl) return { sent: 0, failed: 0 };
    const now = clock.now();
    const claimed = await inTransaction(db, async (tx) => {
      const due = await dueMail(tx, now, limit);
      if (due.length === 0) return [];
      return leaseMail(
        tx,
        due.map((d) => d.id),
        new Date(now.getTime() + LEASE_MS),
      );
    });
    let sent = 0;
    let failed = 0;
    for (const m of claimed) {
      try {
        await (await mailer(smtpUrl)).sendMail({
          from: deps.mailFrom,
          to: m.to,
          subject: m.subject,
          text: m.text,
        });
        await markMailSent(db, m.id, clock.now());
        sent++;
      } catch (e) {
        failed++;
        const giveUp = m.attempts >= MAX_ATTEMPTS;
        const backoff = backoffMs(m.attempts, 30_000, 60 * 60_000, false);
        await markMailFailed(db, m.id, {
          giveUp,
          nextAttemptAt: new Date(clock.now().getTime() + backoff),
          error: (e as Error).message.slice(0, 500),
        });
      }
    }
    return { sent, failed };
  }

  async function close() {
    if (transport) (await transport.catch(() => null))?.close();
    watchers.clear();
    const sub = await subscription;
    subscription = null;
    await sub?.close();
  }

  return {
    notify,
    queueMail,
    queueKeyedMail,
    list,
    since,
    streamFrom,
    markRead,
    settle,
    unreadCount,
    drainMail,
    watch,
    close,
    mailEnabled: !!smtpUrl,
  };
}

function requireUser(ctx: Ctx): string {
  if (!ctx.actor.userId) {
    throw new AppError("FORBIDDEN", [{ issue: "notifications belong to signed-in users" }]);
  }
  return ctx.actor.userId;
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;
export type { DbOrTx };
