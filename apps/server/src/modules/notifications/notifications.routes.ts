import { MarkReadBody, NotificationsQuery, NotificationView } from "@crossline/schemas";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { errorResponses, zodApp } from "../../http/route-kit.js";
import { AppError } from "../../lib/errors.js";
import type { Services } from "../../services.js";

/**
 * An open stream is woken by the commit of a notification for its user (LISTEN/NOTIFY, any process of the
 * node). It still looks on its own every `STREAM_SAFETY_POLL_MS`, and every `STREAM_POLL_MS` while the
 * LISTEN connection is down (the database is the only shared state, so nothing is missed either way).
 */
const STREAM_POLL_MS = 1000;
const STREAM_SAFETY_POLL_MS = 30_000;
const HEARTBEAT_MS = 15_000;

export function notificationsRoutes(fastify: FastifyInstance, s: Services) {
  const app = zodApp(fastify);
  const tags = ["notifications"];
  const open = new Set<() => void>();
  fastify.addHook("onClose", async () => {
    for (const end of open) end();
  });

  app.get(
    "/api/v1/notifications",
    {
      schema: {
        tags,
        summary:
          "My notifications (newest first; with `after`, those newer than that id, oldest first: polling)",
        querystring: NotificationsQuery,
        response: {
          200: z.object({ items: z.array(NotificationView), unreadCount: z.number().int() }),
          ...errorResponses,
        },
      },
    },
    async (req) => s.notifications.list(req.ctx, req.query),
  );

  app.post(
    "/api/v1/notifications/read",
    {
      schema: {
        tags,
        summary: "Mark my notifications read ({ids} or {all:true})",
        body: MarkReadBody,
        response: { 200: z.object({ marked: z.number().int() }), ...errorResponses },
      },
    },
    async (req) => ({ marked: await s.notifications.markRead(req.ctx, req.body) }),
  );

  app.get(
    "/api/v1/notifications/stream",
    {
      schema: {
        tags,
        summary:
          "Live notifications as Server-Sent Events (event: notification; the event id is where to resume)",
        description:
          "text/event-stream. Each new notification arrives as `event: notification` with the NotificationView as JSON data, as the transactions that wrote them commit (whatever order their ids were minted in). Its event id is the notification's id followed by where the stream then stands (`<notification id>.<…>`: which transactions were sent, in base 36); the first event, `event: ready`, carries the starting point as its id. Reconnecting with Last-Event-ID (as EventSource does) resumes from there: what committed meanwhile is sent, in whatever order, and nothing sent before. A bare notification id (streams before these ids) resumes from the transaction that wrote it; a malformed Last-Event-ID, or one not of this database, starts from now. When the unread count changes otherwise (notifications marked done because what they asked for was done), `event: unread` carries `{unreadCount}`. Comment lines keep the connection alive.",
        response: { 200: z.string().describe("text/event-stream"), ...errorResponses },
      },
    },
    async (req, reply) => {
      const userId = req.ctx.actor.userId;
      if (!userId) throw new AppError("FORBIDDEN", [{ issue: "notifications belong to signed-in users" }]);
      const start = await s.notifications.streamFrom(userId, req.headers["last-event-id"]);
      let position = start.position;
      // The count the console last heard of: a change without a new notification (one settled because what it
      // asked for is done, perhaps by a colleague or the peer) is told as `event: unread`.
      let unread = await s.notifications.unreadCount(userId);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
        "x-request-id": String(req.id),
      });
      // The starting point is the first event id: a client that loses the connection before any notification
      // resumes from it too, not from whenever it reconnects.
      res.write(`retry: 5000\nid: ${start.eventId}\nevent: ready\ndata: {}\n\n`);
      let busy = false;
      let closed = false;
      const tick = async () => {
        if (busy || closed) return;
        busy = true;
        try {
          let sent = 0;
          let more = true;
          while (more && !closed) {
            const look = await s.notifications.since(userId, position);
            for (const { eventId, notification } of look.items) {
              res.write(`id: ${eventId}\nevent: notification\ndata: ${JSON.stringify(notification)}\n\n`);
            }
            sent += look.items.length;
            position = look.position;
            more = look.more;
          }
          const now = await s.notifications.unreadCount(userId);
          // A new notification refreshes the console's list by itself; only a change without one is told.
          const told = now !== unread && sent === 0;
          unread = now;
          if (told) {
            res.write(`event: unread\ndata: ${JSON.stringify({ unreadCount: now })}\n\n`);
          }
        } catch (err) {
          req.log.warn({ err }, "notification stream poll failed");
        } finally {
          busy = false;
        }
      };
      let again = false;
      let lastLook = Date.now();
      const look = async () => {
        // A wake-up during a look runs one more look after it, so a commit in between is never missed.
        if (busy) {
          again = true;
          return;
        }
        do {
          again = false;
          lastLook = Date.now();
          await tick();
        } while (again && !closed);
      };
      const watcher = s.notifications.watch(userId, () => void look());
      const poll = setInterval(() => {
        const every = watcher.live() ? STREAM_SAFETY_POLL_MS : STREAM_POLL_MS;
        if (Date.now() - lastLook >= every - 50) void look();
      }, STREAM_POLL_MS);
      const beat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
      const end = () => {
        if (closed) return;
        closed = true;
        watcher.stop();
        clearInterval(poll);
        clearInterval(beat);
        open.delete(end);
        res.end();
      };
      open.add(end);
      req.raw.on("close", end);
      void look();
    },
  );
}
