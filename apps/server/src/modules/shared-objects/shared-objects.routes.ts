import {
  PublishSharedObjectBody,
  SharedObjectId,
  SharedObjectPage,
  SharedObjectQuery,
  SharedObjectView,
  ShareSharedObjectBody,
  UpdateSharedObjectBody,
} from "@crossline/schemas";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { errorResponses, zodApp } from "../../http/route-kit.js";
import type { Services } from "../../services.js";

const Params = z.strictObject({ id: SharedObjectId });

export function sharedObjectsRoutes(fastify: FastifyInstance, s: Services) {
  const app = zodApp(fastify);
  const tags = ["shared objects"];
  const one = { 200: z.object({ object: SharedObjectView }), ...errorResponses };

  app.get(
    "/api/v1/shared-objects",
    {
      schema: {
        tags,
        summary: "Shared objects of the caller's unit: its own and the copies received, newest first",
        description:
          "Filter by `type`, `direction` (own / received) and `state` (active / withdrawn). Page with `cursor` = the previous page's nextCursor.",
        querystring: SharedObjectQuery,
        response: { 200: SharedObjectPage, ...errorResponses },
      },
    },
    async (req) => s.sharedObjects.list(req.ctx, req.query),
  );

  app.post(
    "/api/v1/shared-objects",
    {
      schema: {
        tags,
        summary: "Publish an object of a declared type under a marking, to chosen peers (version 1)",
        description:
          "The content is checked against the type's schema (issues name body.content.<field>). Recipients must be active peers and admitted by the marking (TLP:RED: named in marking.releasableTo).",
        body: PublishSharedObjectBody,
        response: { 201: z.object({ object: SharedObjectView }), ...errorResponses },
      },
    },
    async (req, reply) =>
      reply.status(201).send({ object: await s.sharedObjects.publish(req.ctx, req.body) }),
  );

  app.get(
    "/api/v1/shared-objects/:id",
    {
      schema: {
        tags,
        summary: "One shared object, with the peers it was sent to",
        params: Params,
        response: one,
      },
    },
    async (req) => ({ object: await s.sharedObjects.get(req.ctx, req.params.id) }),
  );

  app.patch(
    "/api/v1/shared-objects/:id",
    {
      schema: {
        tags,
        summary: "New version of an own object (content, marking or both), sent to every peer holding it",
        description:
          "Only the owner versions an object: a received copy is read-only (409). `version` is the version read; a stale one is a conflict. A holder the new marking no longer admits receives a tombstone.",
        params: Params,
        body: UpdateSharedObjectBody,
        response: one,
      },
    },
    async (req) => ({ object: await s.sharedObjects.update(req.ctx, req.params.id, req.body) }),
  );

  app.post(
    "/api/v1/shared-objects/:id/withdraw",
    {
      schema: {
        tags,
        summary:
          "Withdraw an own object: its content is erased and a tombstone goes to every peer holding it",
        params: Params,
        body: z.strictObject({}).optional(),
        response: one,
      },
    },
    async (req) => ({ object: await s.sharedObjects.withdraw(req.ctx, req.params.id) }),
  );

  app.post(
    "/api/v1/shared-objects/:id/share",
    {
      schema: {
        tags,
        summary: "Send an object to more peers: the owner's own, or a received copy when its marking allows",
        description:
          "Never back to where the copy came from nor to a peer that holds it; TLP:AMBER+STRICT and the no_onward_transfer handling code forbid passing a received copy on; TLP:RED goes only to the nodes it names.",
        params: Params,
        body: ShareSharedObjectBody,
        response: one,
      },
    },
    async (req) => ({ object: await s.sharedObjects.share(req.ctx, req.params.id, req.body.recipients) }),
  );
}
