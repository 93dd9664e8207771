import {
  ArrivalBody,
  CreateRepatriationBody,
  DocumentBody,
  RepatriationBoard,
  RepatriationCaseView,
  RepatriationFigures,
  RepatriationFiguresQuery,
  RepatriationListQuery,
  RepatriationPolicy,
  TransferBody,
  VerificationAnswerBody,
} from "@crossline/schemas";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { languageOf } from "../../http/errors.js";
import { errorResponses, sendStoredFile, zodApp } from "../../http/route-kit.js";
import type { Services } from "../../services.js";
import { figuresCsv } from "./repatriation.figures.js";

const IdParams = z.strictObject({ id: z.uuid() });
const One = { 200: z.object({ case: RepatriationCaseView }), ...errorResponses };
/** A step: recorded (200), or on a received case proposed to its owner (202: the case comes back updated). */
const Step = {
  200: z.object({ case: RepatriationCaseView }),
  202: z.object({ case: RepatriationCaseView, proposalId: z.uuid() }),
  ...errorResponses,
};

/** `/api/v1/repatriation`: thin routes, one service call each (authorization and need to know in the service). */
export function repatriationRoutes(fastify: FastifyInstance, s: Services) {
  const app = zodApp(fastify);
  const tags = ["repatriation"];

  app.get(
    "/api/v1/repatriation/cases",
    {
      schema: {
        tags,
        summary: "Repatriation cases of the caller's unit, own and received, newest first (access log)",
        querystring: RepatriationListQuery,
        response: { 200: z.object({ items: z.array(RepatriationCaseView) }), ...errorResponses },
      },
    },
    async (req) => s.repatriation.list(req.ctx, req.query),
  );

  app.post(
    "/api/v1/repatriation/cases",
    {
      schema: {
        tags,
        summary:
          "Open a repatriation case with its identity-verification request (shared with `peer` if given)",
        description:
          "The person is linked to the node's person record; the legal basis is declared as personal data. The verification is due `verificationDays` (node policy) after `requestedAt`.",
        body: CreateRepatriationBody,
        response: { 201: z.object({ case: RepatriationCaseView }), ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send({ case: await s.repatriation.create(req.ctx, req.body) }),
  );

  app.get(
    "/api/v1/repatriation/board",
    {
      schema: {
        tags,
        summary: "Pending identity verifications and travel documents, with countdowns and overdue flags",
        response: { 200: RepatriationBoard, ...errorResponses },
      },
    },
    async (req) => s.repatriation.board(req.ctx),
  );

  app.get(
    "/api/v1/repatriation/figures",
    {
      schema: {
        tags,
        summary: "Monthly figures: verifications, travel documents issued (in time), average days, arrivals",
        querystring: RepatriationFiguresQuery,
        response: { 200: RepatriationFigures, ...errorResponses },
      },
    },
    async (req) => s.repatriation.figures(req.ctx, req.query),
  );

  app.get(
    "/api/v1/repatriation/figures.csv",
    {
      schema: {
        tags,
        summary:
          "The monthly figures as CSV (one line per month and a total), headers in `lang` or the caller's Accept-Language",
        querystring: RepatriationFiguresQuery,
        response: { 200: z.string().describe("text/csv"), ...errorResponses },
      },
    },
    async (req, reply) => {
      const f = await s.repatriation.figures(req.ctx, req.query);
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="repatriation-${f.from}-${f.to}.csv"`)
        .send(figuresCsv(f, req.query.lang ?? (languageOf(req) === "zh" ? "zh-CN" : "en")));
    },
  );

  app.get(
    "/api/v1/repatriation/policy",
    {
      schema: {
        tags,
        summary:
          "The node's repatriation policy: days for the verification answer and for the travel document",
        response: { 200: z.object({ policy: RepatriationPolicy }), ...errorResponses },
      },
    },
    async (req) => ({ policy: await s.repatriation.getPolicy(req.ctx) }),
  );

  app.put(
    "/api/v1/repatriation/policy",
    {
      schema: {
        tags,
        summary: "Change the repatriation policy (applies to deadlines set from now on)",
        body: RepatriationPolicy,
        response: { 200: z.object({ policy: RepatriationPolicy }), ...errorResponses },
      },
    },
    async (req) => ({ policy: await s.repatriation.putPolicy(req.ctx, req.body) }),
  );

  app.get(
    "/api/v1/repatriation/cases/:id",
    {
      schema: {
        tags,
        summary: "One repatriation case with its steps and its pending deadline (logged in the access log)",
        params: IdParams,
        response: One,
      },
    },
    async (req) => ({ case: await s.repatriation.get(req.ctx, req.params.id) }),
  );

  app.post(
    "/api/v1/repatriation/cases/:id/verification",
    {
      schema: {
        tags,
        summary:
          "Record the verification answer (grounds unless verified); verified starts the document deadline. On a received case (the side asked to verify) it is proposed to the owner: 202",
        params: IdParams,
        body: VerificationAnswerBody,
        response: Step,
      },
    },
    async (req, reply) => {
      const r = await s.repatriation.answer(req.ctx, req.params.id, req.body);
      return reply.status(r.proposalId ? 202 : 200).send(r);
    },
  );

  app.post(
    "/api/v1/repatriation/cases/:id/document",
    {
      schema: {
        tags,
        summary:
          "Record the travel document issued (type, number, validity, the scan as an attachment); proposed to the owner from a received case: 202",
        params: IdParams,
        body: DocumentBody,
        response: Step,
      },
    },
    async (req, reply) => {
      const r = await s.repatriation.issueDocument(req.ctx, req.params.id, req.body);
      return reply.status(r.proposalId ? 202 : 200).send(r);
    },
  );

  app.get(
    "/api/v1/repatriation/cases/:id/document/file",
    {
      schema: {
        tags,
        summary: "Download the travel document's scan, checked against its SHA-256",
        params: IdParams,
        response: { 200: z.any().describe("application/octet-stream"), ...errorResponses },
      },
    },
    async (req, reply) => {
      const f = await s.repatriation.documentFile(req.ctx, req.params.id);
      return sendStoredFile(reply, f);
    },
  );

  app.post(
    "/api/v1/repatriation/cases/:id/transfer",
    {
      schema: {
        tags,
        summary: "Record the transfer (from, to, escorts, carrier)",
        params: IdParams,
        body: TransferBody,
        response: Step,
      },
    },
    async (req, reply) => {
      const r = await s.repatriation.transfer(req.ctx, req.params.id, req.body);
      return reply.status(r.proposalId ? 202 : 200).send(r);
    },
  );

  app.post(
    "/api/v1/repatriation/cases/:id/arrival",
    {
      schema: {
        tags,
        summary: "Record the arrival: the case is closed on both sides",
        params: IdParams,
        body: ArrivalBody,
        response: Step,
      },
    },
    async (req, reply) => {
      const r = await s.repatriation.arrive(req.ctx, req.params.id, req.body);
      return reply.status(r.proposalId ? 202 : 200).send(r);
    },
  );
}
