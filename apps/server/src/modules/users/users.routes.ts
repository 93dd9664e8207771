import {
  Agency,
  CreateUnitBody,
  CreateUserBody,
  CreateUserResponse,
  PageQuery,
  pageOf,
  ResetPasswordResponse,
  Unit,
  UpdateUserBody,
  User,
} from "@crossline/schemas";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { errorResponses, IdParams, NoContent, zodApp } from "../../http/route-kit.js";
import type { Services } from "../../services.js";

export function usersRoutes(fastify: FastifyInstance, s: Services) {
  const app = zodApp(fastify);
  const tags = ["users"];

  app.get(
    "/api/v1/users",
    {
      schema: {
        tags,
        summary: "Users (admins: all; supervisors: their unit)",
        querystring: PageQuery,
        response: { 200: pageOf(User), ...errorResponses },
      },
    },
    async (req) => s.users.list(req.ctx, req.query),
  );

  app.post(
    "/api/v1/users",
    {
      schema: {
        tags,
        summary: "Create a user (a one-time password is returned once)",
        body: CreateUserBody,
        response: { 201: CreateUserResponse, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await s.users.create(req.ctx, req.body)),
  );

  app.get(
    "/api/v1/users/:id",
    {
      schema: {
        tags,
        summary: "A user",
        params: IdParams,
        response: { 200: z.object({ user: User }), ...errorResponses },
      },
    },
    async (req) => ({ user: await s.users.get(req.ctx, req.params.id) }),
  );

  app.patch(
    "/api/v1/users/:id",
    {
      schema: {
        tags,
        summary: "Change a user's name, unit, roles or disabled flag",
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: z.object({ user: User }), ...errorResponses },
      },
    },
    async (req) => ({ user: await s.users.update(req.ctx, req.params.id, req.body) }),
  );

  app.post(
    "/api/v1/users/:id/reset-mfa",
    {
      schema: {
        tags,
        summary: "Remove a user's MFA enrolment",
        params: IdParams,
        response: { 204: NoContent, ...errorResponses },
      },
    },
    async (req, reply) => {
      await s.users.resetMfa(req.ctx, req.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/api/v1/users/:id/reset-password",
    {
      schema: {
        tags,
        summary: "Give a user a new one-time password",
        params: IdParams,
        response: { 200: ResetPasswordResponse, ...errorResponses },
      },
    },
    async (req) => s.users.resetPassword(req.ctx, req.params.id),
  );

  app.get(
    "/api/v1/agencies",
    {
      schema: {
        tags: ["org"],
        summary: "Agencies",
        response: { 200: z.object({ items: z.array(Agency) }), ...errorResponses },
      },
    },
    async (req) => ({ items: await s.org.listAgencies(req.ctx) }),
  );

  app.get(
    "/api/v1/units",
    {
      schema: {
        tags: ["org"],
        summary: "Units",
        response: { 200: z.object({ items: z.array(Unit) }), ...errorResponses },
      },
    },
    async (req) => ({ items: await s.org.listUnits(req.ctx) }),
  );

  app.post(
    "/api/v1/units",
    {
      schema: {
        tags: ["org"],
        summary: "Create a unit",
        body: CreateUnitBody,
        response: { 201: z.object({ unit: Unit }), ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send({ unit: await s.org.createUnit(req.ctx, req.body) }),
  );
}
