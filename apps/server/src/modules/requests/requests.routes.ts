import {
  AssignBody,
  BoardPage,
  BoardQuery,
  CreateRequestBody,
  ExtensionBody,
  ExtensionDecisionBody,
  MessageBody,
  RequestActionInput,
  RequestDetail,
  RequestMessageView,
  RequestPolicy,
  RequestPolicyView,
  RequestSummary,
  SecondCheckBody,
  UpdateRequestBody,
} from "@crossline/schemas";
import type { FastifyInstance, FastifyRequest } from "fastify";

/** The body limit of an upload (base64 in JSON): about 18 MiB of file. */
const ATTACHMENT_BODY_LIMIT = 24 * 1024 * 1024;

const UploadAttachmentBody = z.strictObject({
  name: z.string().trim().min(1).max(255),
  contentBase64: z
    .string()
    .min(1)
    .max(64 * 1024 * 1024)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, { message: "standard base64" }),
});
const AttachmentRefView = z.object({
  id: z.uuid(),
  name: z.string(),
  sha256: z.string(),
  size: z.number().int(),
});

import { z } from "zod";
import { errorResponses, IdParams, sendStoredFile, zodApp } from "../../http/route-kit.js";
import type { Services } from "../../services.js";

/** The form exactly as the client sent it: it is what travels to the peer, who normalises it itself. */
/** The form as sent (the drafts parse it themselves; the route schema's transform would normalise it twice). */
export const rawForms = new WeakMap<FastifyRequest, unknown>();
export async function keepRawForm(req: FastifyRequest) {
  const body = req.body as { form?: unknown } | null;
  if (body && typeof body === "object") rawForms.set(req, structuredClone(body.form));
}

export function requestsRoutes(fastify: FastifyInstance, s: Services) {
  const app = zodApp(fastify);
  const tags = ["requests"];
  const detail = { 200: z.object({ request: RequestDetail }), ...errorResponses };

  app.get(
    "/api/v1/requests",
    {
      schema: {
        tags,
        summary: "Hotline board: the unit's requests, incoming and outgoing, newest first",
        description:
          "Filters combine with AND; type, urgency and status take comma-separated lists. `deadline` filters on the deadline now running (acknowledge, then answer). Page with `cursor` = the previous page's nextCursor. The approval queue is `status=pending_approval`.",
        querystring: BoardQuery,
        response: { 200: BoardPage, ...errorResponses },
      },
    },
    async (req) => s.requests.board(req.ctx, req.query),
  );

  app.get(
    "/api/v1/requests/recipients",
    {
      schema: {
        tags,
        summary: "Whom a request can be addressed to: the active peers",
        description:
          "For the officers who draft requests (requests:draft); the peers' link details are under /api/v1/peers (peers:read).",
        response: {
          200: z.object({
            items: z.array(z.object({ id: z.string(), name: z.string(), nameZh: z.string().nullable() })),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => ({ items: await s.requests.recipients(req.ctx) }),
  );

  app.post(
    "/api/v1/requests",
    {
      preValidation: keepRawForm,
      schema: {
        tags,
        summary: "Draft a request (or a follow-up: form.followUpOf)",
        description:
          "Creates a draft in the caller's unit. The form is the typed form of its type (RequestDraftInput); invalid fields are named in error.details[].field (e.g. body.form.details.riskToLife).",
        body: CreateRequestBody,
        response: { 201: z.object({ request: RequestDetail }), ...errorResponses },
      },
    },
    async (req, reply) =>
      reply.status(201).send({
        request: await s.requests.create(req.ctx, {
          peerId: req.body.peerId,
          peerTimeZone: req.body.peerTimeZone,
          form: rawForms.get(req),
        }),
      }),
  );

  app.post(
    "/api/v1/requests/attachments",
    {
      // Files arrive base64-encoded in JSON: allow up to 24 MiB of body (about 18 MiB of file),
      // or the node's general limit when that is higher.
      bodyLimit: Math.max(s.config.bodyLimitBytes, ATTACHMENT_BODY_LIMIT),
      schema: {
        tags,
        summary: "Upload an attachment (base64); use the returned reference in a form, message or answer",
        description:
          "The body may be up to 24 MiB (base64 of about 18 MiB), or the node's body limit if higher. Only references to uploaded attachments travel with their bytes to the peer (chunked, bound by SHA-256 in the signed envelope). The request body limit of the node applies.",
        body: UploadAttachmentBody,
        response: { 201: z.object({ attachment: AttachmentRefView }), ...errorResponses },
      },
    },
    async (req, reply) =>
      reply.status(201).send({ attachment: await s.requests.uploadAttachment(req.ctx, req.body) }),
  );

  app.get(
    "/api/v1/requests/:id/attachments/:attachmentId",
    {
      schema: {
        tags,
        summary: "Download an attachment of a request (either side's), checked against its SHA-256",
        params: z.strictObject({ id: z.uuid(), attachmentId: z.uuid() }),
        response: { 200: z.any().describe("application/octet-stream"), ...errorResponses },
      },
    },
    async (req, reply) => {
      const a = await s.requests.downloadAttachment(req.ctx, req.params.id, req.params.attachmentId);
      return sendStoredFile(reply, a);
    },
  );

  app.get(
    "/api/v1/requests/:id",
    {
      schema: {
        tags,
        summary: "A request: form, deadlines in both time zones, timeline, answer, allowed actions",
        params: IdParams,
        response: detail,
      },
    },
    async (req) => ({ request: await s.requests.get(req.ctx, req.params.id) }),
  );

  app.put(
    "/api/v1/requests/:id",
    {
      preValidation: keepRawForm,
      schema: {
        tags,
        summary: "Replace a draft's form (drafts only)",
        params: IdParams,
        body: UpdateRequestBody,
        response: detail,
      },
    },
    async (req) => ({
      request: await s.requests.update(req.ctx, req.params.id, {
        peerId: req.body.peerId,
        peerTimeZone: req.body.peerTimeZone,
        version: req.body.version,
        form: rawForms.get(req),
      }),
    }),
  );

  app.post(
    "/api/v1/requests/:id/actions",
    {
      schema: {
        tags,
        summary:
          "Perform a lifecycle event (submit_for_approval, approve, send, acknowledge, answer, withdraw…)",
        description:
          "A refused transition answers 409 INVALID_TRANSITION with details[0].allowed listing the events the caller may perform now.",
        params: IdParams,
        body: RequestActionInput,
        response: detail,
      },
    },
    async (req) => ({ request: await s.requests.act(req.ctx, req.params.id, req.body) }),
  );

  app.put(
    "/api/v1/requests/:id/second-check",
    {
      schema: {
        tags,
        summary: "Record the second check of an emergency request (who, how, named contact, when, result)",
        params: IdParams,
        body: SecondCheckBody,
        response: detail,
      },
    },
    async (req) => ({ request: await s.requests.recordSecondCheck(req.ctx, req.params.id, req.body) }),
  );

  app.post(
    "/api/v1/requests/:id/assign",
    {
      schema: {
        tags,
        summary: "Route an incoming request to another unit's desk",
        params: IdParams,
        body: AssignBody,
        response: { 200: z.object({ request: RequestSummary }), ...errorResponses },
      },
    },
    async (req) => ({ request: await s.requests.assign(req.ctx, req.params.id, req.body.unitId) }),
  );

  app.get(
    "/api/v1/requests/:id/messages",
    {
      schema: {
        tags,
        summary: "The request's thread, both sides, with read receipts",
        params: IdParams,
        response: { 200: z.object({ items: z.array(RequestMessageView) }), ...errorResponses },
      },
    },
    async (req) => ({ items: await s.requests.messages(req.ctx, req.params.id) }),
  );

  app.post(
    "/api/v1/requests/:id/messages",
    {
      schema: {
        tags,
        summary: "Post a thread message (with attachment references) to the other side",
        params: IdParams,
        body: MessageBody,
        response: { 201: z.object({ message: RequestMessageView }), ...errorResponses },
      },
    },
    async (req, reply) =>
      reply.status(201).send({ message: await s.requests.postMessage(req.ctx, req.params.id, req.body) }),
  );

  app.post(
    "/api/v1/requests/:id/messages/read",
    {
      schema: {
        tags,
        summary: "Mark the other side's messages read (sends a read receipt)",
        params: IdParams,
        response: { 200: z.object({ marked: z.number().int() }), ...errorResponses },
      },
    },
    async (req) => s.requests.markMessagesRead(req.ctx, req.params.id),
  );

  app.post(
    "/api/v1/requests/:id/preservation/extensions",
    {
      schema: {
        tags,
        summary: "Ask the responder to extend a preservation",
        params: IdParams,
        body: ExtensionBody,
        response: { 201: z.object({ request: RequestDetail }), ...errorResponses },
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send({ request: await s.requests.requestExtension(req.ctx, req.params.id, req.body) }),
  );

  app.post(
    "/api/v1/requests/:id/preservation/extensions/:extensionId/decision",
    {
      schema: {
        tags,
        summary: "Grant or refuse a preservation extension (responder)",
        params: z.strictObject({ id: z.uuid(), extensionId: z.uuid() }),
        body: ExtensionDecisionBody,
        response: detail,
      },
    },
    async (req) => ({
      request: await s.requests.decideExtension(req.ctx, req.params.id, req.params.extensionId, req.body),
    }),
  );

  app.get(
    "/api/v1/policy/requests",
    {
      schema: {
        tags: ["policy"],
        summary:
          "The node's request policy: deadlines per type and urgency, four-eyes, intake unit, escalation",
        response: { 200: z.object({ policy: RequestPolicyView }), ...errorResponses },
      },
    },
    async (req) => ({ policy: await s.requestPolicy.get(req.ctx) }),
  );

  app.put(
    "/api/v1/policy/requests",
    {
      schema: {
        tags: ["policy"],
        summary: "Replace the node's request policy (administrators)",
        body: RequestPolicy,
        response: { 200: z.object({ policy: RequestPolicyView }), ...errorResponses },
      },
    },
    async (req) => ({ policy: await s.requestPolicy.put(req.ctx, req.body) }),
  );
}
