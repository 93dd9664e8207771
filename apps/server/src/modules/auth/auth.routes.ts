import {
  ApiToken,
  ChangePasswordBody,
  CreateTokenBody,
  CreateTokenResponse,
  Me,
  MfaConfirmBody,
  MfaEnrolResponse,
  PreferencesBody,
  SessionResponse,
  SignInBody,
} from "@crossline/schemas";
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { requireSession, SESSION_COOKIE } from "../../http/auth.js";
import { errorResponses, IdParams, NoContent, zodApp } from "../../http/route-kit.js";
import type { Services } from "../../services.js";

export function authRoutes(fastify: FastifyInstance, s: Services) {
  const app = zodApp(fastify);
  const tags = ["auth"];
  const setCookie = (reply: FastifyReply, token: string) =>
    reply.setCookie(SESSION_COOKIE, token, {
      path: "/",
      httpOnly: true,
      sameSite: "strict",
      secure: s.config.publicUrl?.startsWith("https://") ?? false,
      maxAge: s.config.sessionTtlHours * 3600,
    });

  app.post(
    "/api/v1/auth/sign-in",
    {
      config: { auth: "public" },
      schema: {
        tags,
        summary: "Sign in",
        body: SignInBody,
        response: { 200: SessionResponse, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { token, session } = await s.auth.signIn(req.ctx, req.body, {
        userAgent: req.headers["user-agent"] ?? null,
      });
      setCookie(reply, token);
      return session;
    },
  );

  app.get(
    "/api/v1/auth/session",
    {
      // Public so that `?probe=true` can answer "nobody" without an error: the console asks on every load,
      // and a 401 there is logged by the browser as a failed request. Without the flag: 401 as before.
      config: { auth: "public" },
      schema: {
        tags,
        summary: "The current session (with probe=true: 204 when nobody is signed in)",
        querystring: z.strictObject({ probe: z.enum(["true", "false"]).optional() }),
        response: { 200: SessionResponse, 204: NoContent, ...errorResponses },
      },
    },
    async (req, reply) => {
      if (!req.session && req.query.probe === "true") return reply.status(204).send(null);
      return s.auth.sessionResponse(requireSession(req));
    },
  );

  app.post(
    "/api/v1/auth/sign-out",
    { config: { auth: "incomplete" }, schema: { tags, summary: "Sign out", response: { 204: NoContent } } },
    async (req, reply) => {
      await s.auth.signOut(req.ctx, requireSession(req));
      reply.clearCookie(SESSION_COOKIE, { path: "/" });
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/api/v1/auth/sign-out-everywhere",
    {
      config: { auth: "incomplete" },
      schema: { tags, summary: "End every session of this user", response: { 204: NoContent } },
    },
    async (req, reply) => {
      await s.auth.signOutEverywhere(req.ctx, requireSession(req));
      reply.clearCookie(SESSION_COOKIE, { path: "/" });
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/api/v1/auth/password",
    {
      config: { auth: "incomplete" },
      schema: {
        tags,
        summary: "Change my password",
        body: ChangePasswordBody,
        response: { 204: NoContent, ...errorResponses },
      },
    },
    async (req, reply) => {
      await s.auth.changePassword(req.ctx, requireSession(req), req.body);
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/api/v1/auth/mfa/enrol",
    {
      config: { auth: "incomplete" },
      schema: {
        tags,
        summary: "Start TOTP enrolment",
        response: { 200: MfaEnrolResponse, ...errorResponses },
      },
    },
    async (req) => s.auth.mfaEnrol(req.ctx, requireSession(req)),
  );

  app.post(
    "/api/v1/auth/mfa/confirm",
    {
      config: { auth: "incomplete" },
      schema: {
        tags,
        summary: "Confirm TOTP enrolment with a code",
        body: MfaConfirmBody,
        response: { 200: SessionResponse, ...errorResponses },
      },
    },
    async (req) => s.auth.mfaConfirm(req.ctx, requireSession(req), req.body.code),
  );

  app.put(
    "/api/v1/me/preferences",
    {
      config: { auth: "incomplete" },
      schema: {
        tags,
        summary: "Set my language and time zone",
        body: PreferencesBody,
        response: { 200: z.object({ user: Me }), ...errorResponses },
      },
    },
    async (req) => ({ user: await s.auth.setPreferences(req.ctx, requireSession(req), req.body) }),
  );

  const ttags = ["tokens"];
  app.get(
    "/api/v1/tokens",
    {
      schema: {
        tags: ttags,
        summary: "My API tokens (all tokens for admins)",
        response: { 200: z.object({ items: z.array(ApiToken) }), ...errorResponses },
      },
    },
    async (req) => ({ items: await s.tokens.list(req.ctx) }),
  );

  app.post(
    "/api/v1/tokens",
    {
      schema: {
        tags: ttags,
        summary: "Create an API token (the secret is shown once)",
        body: CreateTokenBody.extend({ userId: z.uuid().optional() }),
        response: { 201: CreateTokenResponse, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await s.tokens.create(req.ctx, req.body)),
  );

  app.delete(
    "/api/v1/tokens/:id",
    {
      schema: {
        tags: ttags,
        summary: "Revoke an API token",
        params: IdParams,
        response: { 204: NoContent, ...errorResponses },
      },
    },
    async (req, reply) => {
      await s.tokens.revoke(req.ctx, req.params.id);
      return reply.status(204).send(null);
    },
  );
}
