import {
  DecisionBody,
  EraseBody,
  FlagBody,
  FlagQuery,
  FlagView,
  Id,
  LawfulStatus,
  RecordParams,
  RefusalView,
  RefuseBody,
  RetentionDueList,
  RetentionPolicy,
  RetentionQuery,
  ReviewBasisBody,
} from "@crossline/schemas";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { errorResponses, zodApp } from "../../http/route-kit.js";
import type { Services } from "../../services.js";

/** /api/v1/lawful: legal basis and retention of personal data, and the screening for lawful use. */
export function lawfulRoutes(fastify: FastifyInstance, s: Services) {
  const app = zodApp(fastify);
  const tags = ["personal data"];

  app.get(
    "/api/v1/lawful/records/:kind/:id",
    {
      schema: {
        tags,
        summary: "A record's legal basis, retention, screening flags and refusals",
        description:
          "Legal reviewers see any record of the node; others need the kind's read permission and a record of their unit (else 404).",
        params: RecordParams,
        response: { 200: z.object({ status: LawfulStatus }), ...errorResponses },
      },
    },
    async (req) => ({ status: await s.lawful.status(req.ctx, req.params.kind, req.params.id) }),
  );

  app.post(
    "/api/v1/lawful/records/:kind/:id/review",
    {
      schema: {
        tags,
        summary: "Confirm or restate a record's legal basis and set its next review (lawful:retention)",
        params: RecordParams,
        body: ReviewBasisBody,
        response: { 200: z.object({ status: LawfulStatus }), ...errorResponses },
      },
    },
    async (req) => ({
      status: await s.lawful.review(req.ctx, req.params.kind, req.params.id, req.body),
    }),
  );

  app.post(
    "/api/v1/lawful/records/:kind/:id/erase",
    {
      schema: {
        tags,
        summary:
          "Erase a record's personal data once its retention has ended (anonymise or delete, per kind)",
        description:
          "409 while the record is kept. Deleting a shared object of this node withdraws it: a tombstone goes to every peer holding a copy.",
        params: RecordParams,
        body: EraseBody,
        response: {
          200: z.object({ kind: z.string(), recordId: z.string(), erasedAt: z.string() }),
          ...errorResponses,
        },
      },
    },
    async (req) => s.lawful.erase(req.ctx, req.params.kind, req.params.id, req.body.note),
  );

  app.get(
    "/api/v1/lawful/retention",
    {
      schema: {
        tags,
        summary: "The retention dashboard: records due for review or for erasure",
        querystring: RetentionQuery,
        response: { 200: RetentionDueList, ...errorResponses },
      },
    },
    async (req) => s.lawful.dueList(req.ctx, req.query.due),
  );

  app.get(
    "/api/v1/lawful/policy",
    {
      schema: {
        tags,
        summary: "The node's retention policy per kind of record (and per shared type)",
        response: { 200: z.object({ policy: RetentionPolicy }), ...errorResponses },
      },
    },
    async (req) => ({ policy: await s.lawful.getPolicy(req.ctx) }),
  );

  app.put(
    "/api/v1/lawful/policy",
    {
      schema: {
        tags,
        summary: "Replace the retention policy (policy:manage); started retention periods are recomputed",
        body: RetentionPolicy,
        response: { 200: z.object({ policy: RetentionPolicy }), ...errorResponses },
      },
    },
    async (req) => ({ policy: await s.lawful.putPolicy(req.ctx, req.body) }),
  );

  app.post(
    "/api/v1/lawful/flags",
    {
      schema: {
        tags,
        summary: "Flag an item for review of political, military, religious or racial character",
        description:
          "By its drafter (the kind's permission, own unit) or a legal reviewer. A flagged item cannot leave the node (409 LAWFUL_REVIEW_PENDING) until cleared.",
        body: FlagBody,
        response: { 201: z.object({ flag: FlagView }), ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send({ flag: await s.lawful.flag(req.ctx, req.body) }),
  );

  app.get(
    "/api/v1/lawful/flags",
    {
      schema: {
        tags,
        summary: "The review queue (lawful:review): flagged items, oldest first",
        querystring: FlagQuery,
        response: { 200: z.object({ items: z.array(FlagView) }), ...errorResponses },
      },
    },
    async (req) => s.lawful.queue(req.ctx, req.query.state),
  );

  app.post(
    "/api/v1/lawful/flags/:id/decision",
    {
      schema: {
        tags,
        summary: "Clear or block a flagged item, with a ground from the closed list and a written reason",
        params: z.strictObject({ id: Id }),
        body: DecisionBody,
        response: { 200: z.object({ flag: FlagView }), ...errorResponses },
      },
    },
    async (req) => ({ flag: await s.lawful.decide(req.ctx, req.params.id, req.body) }),
  );

  app.post(
    "/api/v1/lawful/refusals",
    {
      schema: {
        tags,
        summary: "Refuse an item received from a peer on lawful grounds; the refusal travels back to it",
        body: RefuseBody,
        response: { 201: z.object({ refusal: RefusalView }), ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send({ refusal: await s.lawful.refuse(req.ctx, req.body) }),
  );
}
