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
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

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
        summary: "Live notifications as Server-Sent Events (event: notification, id: notification id)",
        description:
          "text/event-stream. Each new notification arrives as `event: notification` with the NotificationView as JSON data and its id as the event id; reconnecting with Last-Event-ID resumes after it. When the unread count changes otherwise (notifications marked done because what they asked for was done), `event: unread` carries `{unreadCount}`. Comment lines keep the connection alive.",
        response: { 200: z.string().describe("text/event-stream"), ...errorResponses },
      },
    },
    async (req, reply) => {
      const userId = req.ctx.actor.userId;
      if (!userId) throw new AppError("FORBIDDEN", [{ issue: "notifications belong to signed-in users" }]);
      const last = req.headers["last-event-id"];
      let position = await s.notifications.streamFrom(
        userId,
        typeof last === "string" && UUID.test(last) ? last : null,
      );
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
      res.write(`retry: 5000\nevent: ready\ndata: {}\n\n`);
      let busy = false;
      let closed = false;
      const tick = async () => {
        if (busy || closed) return;
        busy = true;
        try {
          const { items: fresh, position: next } = await s.notifications.since(userId, position);
          for (const n of fresh) {
            res.write(`id: ${n.id}\nevent: notification\ndata: ${JSON.stringify(n)}\n\n`);
          }
          position = next;
          const now = await s.notifications.unreadCount(userId);
          // A new notification refreshes the console's list by itself; only a change without one is told.
          const told = now !== unread && fresh.length === 0;
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
