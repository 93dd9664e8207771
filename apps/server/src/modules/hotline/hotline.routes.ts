import {
  CreateShiftBody,
  HotlineLogEntry,
  HotlineLogQuery,
  OnDutyQuery,
  RosterQuery,
  ShiftView,
} from "@crossline/schemas";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { languageOf } from "../../http/errors.js";
import { errorResponses, IdParams, NoContent, zodApp } from "../../http/route-kit.js";
import type { Services } from "../../services.js";

export function hotlineRoutes(fastify: FastifyInstance, s: Services) {
  const app = zodApp(fastify);
  const tags = ["hotline"];

  app.get(
    "/api/v1/hotline/roster",
    {
      schema: {
        tags,
        summary: "Duty roster of a unit (default: mine) between from and to (default: the next 14 days)",
        description:
          "`gaps`: the stretches of the window when nobody is rostered (alerts then go to every duty officer and supervisor of the unit).",
        querystring: RosterQuery,
        response: {
          200: z.object({
            items: z.array(ShiftView),
            gaps: z.array(z.object({ from: z.iso.datetime(), to: z.iso.datetime() })),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => s.hotline.roster(req.ctx, req.query),
  );

  app.post(
    "/api/v1/hotline/roster",
    {
      schema: {
        tags,
        summary: "Add duty shifts, entered in local time (optionally repeated, e.g. weekly)",
        body: CreateShiftBody,
        response: { 201: z.object({ items: z.array(ShiftView) }), ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send({ items: await s.hotline.createShifts(req.ctx, req.body) }),
  );

  app.delete(
    "/api/v1/hotline/roster/:id",
    {
      schema: {
        tags,
        summary: "Remove a duty shift",
        params: IdParams,
        response: { 204: NoContent, ...errorResponses },
      },
    },
    async (req, reply) => {
      await s.hotline.deleteShift(req.ctx, req.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/api/v1/hotline/on-duty",
    {
      schema: {
        tags,
        summary: "Who is on duty in a unit (default: mine) now or at a given time",
        querystring: OnDutyQuery,
        response: {
          200: z.object({ unitId: z.uuid(), at: z.string(), shifts: z.array(ShiftView) }),
          ...errorResponses,
        },
      },
    },
    async (req) => s.hotline.onDuty(req.ctx, req.query),
  );

  app.get(
    "/api/v1/hotline/log",
    {
      schema: {
        tags,
        summary: "Hotline log of a unit: everything that came in or went out, and what was done",
        querystring: HotlineLogQuery,
        response: {
          200: z.object({ items: z.array(HotlineLogEntry), nextCursor: z.string().nullable() }),
          ...errorResponses,
        },
      },
    },
    async (req) => s.hotline.listLog(req.ctx, req.query, languageOf(req) === "zh" ? "zh-CN" : "en"),
  );
}
