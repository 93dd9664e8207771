import {
  ActionBoardItem,
  ActionBoardQuery,
  ActionSummary,
  CreateRoundBody,
  OutcomeExport,
  OutcomeVerification,
  PartId,
  ProgressQuery,
  ProgressReport,
  RoundChangeBody,
  RoundChangeResult,
  RoundDocument,
  RoundDocumentUpload,
  RoundId,
  RoundSummary,
  RoundView,
} from "@crossline/schemas";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { errorResponses, sendStoredFile, zodApp } from "../../http/route-kit.js";
import type { Services } from "../../services.js";
import { progressCsv, progressPdf } from "./rounds.progress.js";

const Params = z.strictObject({ id: RoundId });
const ListParams = z.strictObject({ id: RoundId, listId: PartId });

export function roundsRoutes(fastify: FastifyInstance, s: Services) {
  const app = zodApp(fastify);
  const tags = ["rounds"];

  app.get(
    "/api/v1/rounds",
    {
      schema: {
        tags,
        summary: "Dialogue rounds this node takes part in, by start date",
        response: { 200: z.object({ items: z.array(RoundSummary) }), ...errorResponses },
      },
    },
    async (req) => ({ items: await s.rounds.list(req.ctx) }),
  );

  app.post(
    "/api/v1/rounds",
    {
      schema: {
        tags,
        summary: "Create a round hosted by this node with a peer as the other side (version 1)",
        description:
          "Dates are instants with their offset (a date without a time zone is refused); co-chairs and delegations must be of the two participating nodes.",
        body: CreateRoundBody,
        response: { 201: z.object({ round: RoundView }), ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send({ round: await s.rounds.create(req.ctx, req.body) }),
  );

  app.get(
    "/api/v1/rounds/:id",
    {
      schema: {
        tags,
        summary: "One round: fields, outcome lists, action items, conflicts, history",
        params: Params,
        response: { 200: z.object({ round: RoundView }), ...errorResponses },
      },
    },
    async (req) => ({ round: await s.rounds.get(req.ctx, req.params.id) }),
  );

  app.post(
    "/api/v1/rounds/:id/changes",
    {
      schema: {
        tags,
        summary: "Change a round (either side): applied on the host, proposed to the host from the guest",
        description:
          "`base` is the round version read. On the host a change to a field that changed since `base` to another value is 409; a guest's proposal that conflicts is kept in the round's conflicts, shown on both sides, until either side accepts or dismisses it.",
        params: Params,
        body: RoundChangeBody,
        response: { 200: RoundChangeResult, ...errorResponses },
      },
    },
    async (req) => s.rounds.change(req.ctx, req.params.id, req.body),
  );

  app.post(
    "/api/v1/rounds/:id/documents",
    {
      // Files arrive base64-encoded in JSON: up to 26 MB of body (about 19 MB of file), or the node's limit.
      bodyLimit: Math.max(s.config.bodyLimitBytes, 26_500_000),
      schema: {
        tags,
        summary: "Add a document to a round (base64): applied on the host, proposed from the guest",
        description:
          "The bytes are stored with their SHA-256 and travel to the other side with the change that adds them (chunked, bound by the signed envelope). A document only appends: it never conflicts.",
        params: Params,
        body: RoundDocumentUpload,
        response: { 201: RoundChangeResult.extend({ document: RoundDocument }), ...errorResponses },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await s.rounds.addDocument(req.ctx, req.params.id, req.body)),
  );

  app.get(
    "/api/v1/rounds/:id/documents/:documentId",
    {
      schema: {
        tags,
        summary: "Download a round's document (either side's), checked against its SHA-256",
        params: z.strictObject({ id: RoundId, documentId: z.string().min(1).max(80) }),
        response: { 200: z.any().describe("application/octet-stream"), ...errorResponses },
      },
    },
    async (req, reply) => {
      const d = await s.rounds.readDocument(req.ctx, req.params.id, req.params.documentId);
      return sendStoredFile(reply, d);
    },
  );

  app.post(
    "/api/v1/rounds/:id/lists/:listId/sign",
    {
      schema: {
        tags,
        summary: "This node signs the outcome list's current version (final once both sides have signed)",
        params: ListParams,
        body: z.strictObject({ base: z.number().int().min(1), listVersion: z.number().int().min(1) }),
        response: { 200: RoundChangeResult, ...errorResponses },
      },
    },
    async (req) => s.rounds.sign(req.ctx, req.params.id, req.params.listId, req.body),
  );

  app.get(
    "/api/v1/rounds/:id/lists/:listId/export",
    {
      schema: {
        tags,
        summary: "An outcome list for publication: canonical document, both signatures and the keys (JSON)",
        params: ListParams,
        response: { 200: OutcomeExport, ...errorResponses },
      },
    },
    async (req) => s.rounds.exportList(req.ctx, req.params.id, req.params.listId),
  );

  app.get(
    "/api/v1/rounds/:id/lists/:listId/export.pdf",
    {
      schema: {
        tags,
        summary:
          "An outcome list for publication as a PDF: English and Chinese side by side, signature fingerprints",
        params: ListParams,
        response: { 200: z.any().describe("application/pdf"), ...errorResponses },
      },
    },
    async (req, reply) => {
      const pdf = await s.rounds.exportPdf(
        req.ctx,
        req.params.id,
        req.params.listId,
        await s.reports.readerZone(req.ctx),
      );
      return reply
        .type("application/pdf")
        .header("content-disposition", `attachment; filename="outcomes-${req.params.listId}.pdf"`)
        .send(pdf);
    },
  );

  app.post(
    "/api/v1/rounds/verify",
    {
      schema: {
        tags,
        summary: "Verify an exported outcome list against the signing keys this node knows for both sides",
        body: OutcomeExport,
        response: { 200: OutcomeVerification, ...errorResponses },
      },
    },
    async (req) => s.rounds.verify(req.ctx, req.body),
  );

  app.get(
    "/api/v1/rounds/:id/actions/summary",
    {
      schema: {
        tags,
        summary: "Action items of a round, counted per side and status",
        params: Params,
        response: { 200: ActionSummary, ...errorResponses },
      },
    },
    async (req) => s.rounds.summary(req.ctx, req.params.id),
  );

  app.get(
    "/api/v1/rounds/calendar.ics",
    {
      schema: {
        tags,
        summary: "Rounds and action-item due dates as iCalendar (RFC 5545, times in UTC), to download",
        response: { 200: z.any().describe("text/calendar"), ...errorResponses },
      },
    },
    async (req, reply) =>
      reply
        .type("text/calendar; charset=utf-8")
        .header("content-disposition", 'attachment; filename="rounds.ics"')
        .send(await s.rounds.calendar.download(req.ctx)),
  );

  app.post(
    "/api/v1/rounds/calendar/feed-token",
    {
      schema: {
        tags,
        summary: "A new calendar feed URL for the caller (the previous one stops working)",
        response: { 200: z.object({ path: z.string() }), ...errorResponses },
      },
    },
    async (req) => s.rounds.calendar.newFeedToken(req.ctx),
  );

  app.get(
    "/calendar/v1/rounds/:file",
    {
      config: { auth: "public" },
      schema: {
        tags,
        summary: "A user's calendar feed (the token in the URL is the credential)",
        params: z.strictObject({ file: z.string().regex(/^[A-Za-z0-9_-]{20,100}\.ics$/) }),
        response: { 200: z.any().describe("text/calendar"), ...errorResponses },
      },
    },
    async (req, reply) =>
      reply
        .type("text/calendar; charset=utf-8")
        .header("cache-control", "no-store")
        .send(await s.rounds.calendar.feed(req.params.file.slice(0, -4))),
  );

  app.get(
    "/api/v1/rounds/progress",
    {
      schema: {
        tags,
        summary:
          "The progress report before a round, for a period and a peer (JSON; every figure with its records)",
        description:
          "Requests by type with timeliness, hotline tests, priority cases, action items done / late per side; kinds of record this node does not keep are null (not recorded). Needs rounds:read and reports:read.",
        querystring: ProgressQuery,
        response: { 200: ProgressReport, ...errorResponses },
      },
    },
    async (req) => s.rounds.progress.report(req.ctx, req.query),
  );

  app.get(
    "/api/v1/rounds/progress.csv",
    {
      schema: {
        tags,
        summary: "The progress report as CSV: one row per figure, labels in English and Chinese, its records",
        querystring: ProgressQuery,
        response: { 200: z.any().describe("text/csv"), ...errorResponses },
      },
    },
    async (req, reply) =>
      reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="progress-${req.query.peer}.csv"`)
        .send(progressCsv(await s.rounds.progress.report(req.ctx, req.query))),
  );

  app.get(
    "/api/v1/rounds/progress.pdf",
    {
      schema: {
        tags,
        summary: "The progress report as a bilingual PDF with charts and the records behind each figure",
        querystring: ProgressQuery,
        response: { 200: z.any().describe("application/pdf"), ...errorResponses },
      },
    },
    async (req, reply) =>
      reply
        .type("application/pdf")
        .header("content-disposition", `attachment; filename="progress-${req.query.peer}.pdf"`)
        .send(
          await progressPdf(
            await s.rounds.progress.report(req.ctx, req.query),
            await s.reports.readerZone(req.ctx),
          ),
        ),
  );

  app.get(
    "/api/v1/round-actions",
    {
      schema: {
        tags,
        summary: "Action items across rounds, by due date; filter by round, owner side, status, overdue",
        querystring: ActionBoardQuery,
        response: { 200: z.object({ items: z.array(ActionBoardItem) }), ...errorResponses },
      },
    },
    async (req) => ({ items: await s.rounds.board(req.ctx, req.query) }),
  );
}
