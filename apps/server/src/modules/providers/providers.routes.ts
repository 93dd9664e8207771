import {
  AttachmentRef,
  Language,
  NoticeActionInput,
  NoticeAnswerInput,
  NoticeDetail,
  NoticeDraftInput,
  NoticeFigures,
  NoticeFiguresQuery,
  NoticeFromRequestInput,
  NoticeMessageInput,
  NoticePolicy,
  NoticeQuery,
  NoticeSummary,
  PortalActionInput,
  ProviderInput,
  ProviderPatch,
  ProviderUserInput,
  ProviderUserView,
  ProviderView,
  SignedNoticeFile,
  VerifyInput,
  VerifyView,
} from "@crossline/schemas";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { errorResponses, IdParams, sendStoredFile, zodApp } from "../../http/route-kit.js";
import type { Services } from "../../services.js";
import { tablePdf } from "../reports/reports.export.js";
import { figuresCsv, figuresPeriod, figuresTable } from "./notices.figures.js";
import { EVIDENCE_MAX_BYTES, EvidenceUpload } from "./notices.portal.js";

const FiguresQuery = NoticeFiguresQuery.extend({ lang: Language.default("en") });
const FIGURES_TITLE = {
  en: "Provider notices: time to action and compliance",
  "zh-CN": "服务提供者通知：处理用时与执行率",
};

const One = { 200: z.object({ notice: NoticeDetail }), ...errorResponses };
const FileParams = z.strictObject({ id: z.uuid(), fileId: z.uuid() });

export function providersRoutes(fastify: FastifyInstance, s: Services) {
  const app = zodApp(fastify);
  const reg = ["providers"];
  const tags = ["notices"];
  const portalTags = ["provider portal"];

  // The register ------------------------------------------------------------------------------------
  app.get(
    "/api/v1/providers",
    {
      schema: {
        tags: reg,
        summary: "The register of online service providers",
        response: { 200: z.object({ items: z.array(ProviderView) }), ...errorResponses },
      },
    },
    async (req) => ({ items: await s.providers.providers.list(req.ctx) }),
  );
  app.post(
    "/api/v1/providers",
    {
      schema: {
        tags: reg,
        summary:
          "Add a provider: names in both languages, country, services, legal entity, contacts, channels",
        body: ProviderInput,
        response: { 201: z.object({ provider: ProviderView }), ...errorResponses },
      },
    },
    async (req, reply) =>
      reply.status(201).send({ provider: await s.providers.providers.create(req.ctx, req.body) }),
  );
  app.get(
    "/api/v1/providers/:id",
    {
      schema: {
        tags: reg,
        summary: "One provider of the register",
        params: IdParams,
        response: { 200: z.object({ provider: ProviderView }), ...errorResponses },
      },
    },
    async (req) => ({ provider: await s.providers.providers.get(req.ctx, req.params.id) }),
  );
  app.patch(
    "/api/v1/providers/:id",
    {
      schema: {
        tags: reg,
        summary: "Change a provider (any field; `active: false` takes it off the list of addressees)",
        params: IdParams,
        body: ProviderPatch,
        response: { 200: z.object({ provider: ProviderView }), ...errorResponses },
      },
    },
    async (req) => ({ provider: await s.providers.providers.update(req.ctx, req.params.id, req.body) }),
  );
  app.get(
    "/api/v1/providers/:id/users",
    {
      schema: {
        tags: reg,
        summary: "The provider's staff accounts (outside users of this node)",
        params: IdParams,
        response: { 200: z.object({ items: z.array(ProviderUserView) }), ...errorResponses },
      },
    },
    async (req) => ({ items: await s.providers.providers.listUsers(req.ctx, req.params.id) }),
  );
  app.post(
    "/api/v1/providers/:id/users",
    {
      schema: {
        tags: reg,
        summary:
          "Make an account for the provider's staff (role provider_user; MFA enrolment at first sign-in)",
        description: "The one-time password is shown once; the account sees only this provider's notices.",
        params: IdParams,
        body: ProviderUserInput,
        response: {
          201: z.object({ user: ProviderUserView, oneTimePassword: z.string() }),
          ...errorResponses,
        },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await s.providers.providers.createUser(req.ctx, req.params.id, req.body)),
  );
  app.get(
    "/api/v1/notice-policy",
    {
      schema: {
        tags: reg,
        summary: "The notice policy: deadlines per kind and urgency, four eyes per kind",
        response: { 200: z.object({ policy: NoticePolicy }), ...errorResponses },
      },
    },
    async (req) => ({ policy: await s.providers.providers.getPolicy(req.ctx) }),
  );
  app.put(
    "/api/v1/notice-policy",
    {
      schema: {
        tags: reg,
        summary: "Replace the notice policy",
        body: NoticePolicy,
        response: { 200: z.object({ policy: NoticePolicy }), ...errorResponses },
      },
    },
    async (req) => ({ policy: await s.providers.providers.putPolicy(req.ctx, req.body) }),
  );

  // Notices (officers; provider staff read their own company's) --------------------------------------
  app.get(
    "/api/v1/notices",
    {
      schema: {
        tags,
        summary: "Notices, newest first: the caller unit's, or (provider staff) those sent to their company",
        querystring: NoticeQuery,
        response: {
          200: z.object({ items: z.array(NoticeSummary), nextCursor: z.string().nullable() }),
          ...errorResponses,
        },
      },
    },
    async (req) => s.providers.notices.list(req.ctx, req.query),
  );
  app.post(
    "/api/v1/notices",
    {
      schema: {
        tags,
        summary: "Draft a notice to a provider",
        description:
          "Locators are identifiers of the schemas package (URL, account, address…) with an optional time window; each is normalised, and one that does not parse is named (body.locators.N.identifier.value).",
        body: NoticeDraftInput,
        response: { 201: z.object({ notice: NoticeDetail }), ...errorResponses },
      },
    },
    async (req, reply) =>
      reply.status(201).send({ notice: await s.providers.notices.createDraft(req.ctx, req.body) }),
  );
  app.post(
    "/api/v1/notices/from-request",
    {
      schema: {
        tags,
        summary: "Draft a notice from a peer's request for assistance (across the border)",
        description:
          "The peer's incoming request, held by the caller's unit, becomes this node's own draft notice to a provider of its register: locators, urgency, reason and (unless given) kind from the request, the legal basis this node's own. Sending the notice starts the request; the provider's answer answers it. An emergency request needs its second check recorded first.",
        body: NoticeFromRequestInput,
        response: { 201: z.object({ notice: NoticeDetail }), ...errorResponses },
      },
    },
    async (req, reply) =>
      reply.status(201).send({ notice: await s.providers.notices.fromRequest(req.ctx, req.body) }),
  );
  app.get(
    "/api/v1/notices/figures",
    {
      schema: {
        tags,
        summary: "Figures of the unit's notices sent in a period (default: the last 90 days), for charts",
        description:
          "Per provider and kind: sent, answered, outcomes, overdue, compliance rate, median time to action; and the overdue notices.",
        querystring: FiguresQuery,
        response: { 200: z.object({ figures: NoticeFigures }), ...errorResponses },
      },
    },
    async (req) => ({ figures: await s.providers.notices.figures(req.ctx, req.query) }),
  );
  app.get(
    "/api/v1/notices/figures.csv",
    {
      schema: {
        tags,
        summary: "The notice figures as CSV (headers and labels in `lang`)",
        querystring: FiguresQuery,
        response: { 200: z.string().describe("text/csv"), ...errorResponses },
      },
    },
    async (req, reply) => {
      const f = await s.providers.notices.figures(req.ctx, req.query);
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", 'attachment; filename="notice-figures.csv"')
        .send(figuresCsv(f, req.query.lang));
    },
  );
  app.get(
    "/api/v1/notices/figures.pdf",
    {
      schema: {
        tags,
        summary: "The notice figures as PDF, in English or Chinese (`lang`)",
        querystring: FiguresQuery,
        response: { 200: z.any().describe("application/pdf"), ...errorResponses },
      },
    },
    async (req, reply) => {
      const lang = req.query.lang;
      const f = await s.providers.notices.figures(req.ctx, req.query);
      const t = figuresTable(f, lang);
      const pdf = await tablePdf(
        {
          title: FIGURES_TITLE[lang],
          lines: [figuresPeriod(f, await s.reports.readerZone(req.ctx))],
          header: t.header,
          rows: t.rows,
          none: lang === "en" ? "No notices were sent in this period." : "该期间内没有已发送的通知。",
        },
        [150, 130, 45, 55, 45, 55, 50, 50, 60, 70],
      );
      return reply
        .type("application/pdf")
        .header("content-disposition", `attachment; filename="notice-figures-${lang}.pdf"`)
        .send(pdf);
    },
  );
  app.get(
    "/api/v1/notices/:id",
    {
      schema: {
        tags,
        summary: "One notice with its timeline, thread, answer and evidence",
        params: IdParams,
        response: One,
      },
    },
    async (req) => ({ notice: await s.providers.notices.get(req.ctx, req.params.id) }),
  );
  app.post(
    "/api/v1/notices/:id/actions",
    {
      schema: {
        tags,
        summary: "The authority's step: submit for approval, approve (someone else), return, send, withdraw",
        params: IdParams,
        body: NoticeActionInput,
        response: One,
      },
    },
    async (req) => ({ notice: await s.providers.notices.act(req.ctx, req.params.id, req.body) }),
  );
  app.get(
    "/api/v1/notices/:id/signed",
    {
      schema: {
        tags,
        summary: "The signed notice (verification code, content, the node's Ed25519 JWS) to keep or check",
        params: IdParams,
        response: { 200: SignedNoticeFile, ...errorResponses },
      },
    },
    async (req) => s.providers.notices.signedFile(req.ctx, req.params.id),
  );
  app.post(
    "/api/v1/notices/:id/messages",
    {
      schema: {
        tags,
        summary: "A question from the provider's staff, or the officer's reply",
        params: IdParams,
        body: NoticeMessageInput,
        response: One,
      },
    },
    async (req) => ({ notice: await s.providers.notices.postMessage(req.ctx, req.params.id, req.body) }),
  );
  app.get(
    "/api/v1/notices/:id/evidence/:fileId",
    {
      schema: {
        tags,
        summary: "Download an evidence file of a notice",
        params: FileParams,
        response: { 200: z.any().describe("application/octet-stream"), ...errorResponses },
      },
    },
    async (req, reply) => {
      const f = await s.providers.notices.downloadEvidence(req.ctx, req.params.id, req.params.fileId);
      return sendStoredFile(reply, f);
    },
  );

  // The provider portal ------------------------------------------------------------------------------
  app.get(
    "/api/v1/portal/me",
    {
      schema: {
        tags: portalTags,
        summary: "The company the signed-in provider user works for",
        response: {
          200: z.object({
            provider: z.object({ id: z.uuid(), name: z.string(), nameZh: z.string(), country: z.string() }),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => s.providers.portal.me(req.ctx),
  );
  app.post(
    "/api/v1/portal/notices/:id/actions",
    {
      schema: {
        tags: portalTags,
        summary: "Confirm receipt of a notice, or start work on it",
        params: IdParams,
        body: PortalActionInput,
        response: One,
      },
    },
    async (req) => ({ notice: await s.providers.portal.act(req.ctx, req.params.id, req.body) }),
  );
  app.post(
    "/api/v1/portal/notices/:id/answer",
    {
      schema: {
        tags: portalTags,
        summary: "Answer a notice: done, partly done or refused (with grounds), evidence attached",
        params: IdParams,
        body: NoticeAnswerInput,
        response: One,
      },
    },
    async (req) => ({ notice: await s.providers.portal.answer(req.ctx, req.params.id, req.body) }),
  );
  app.post(
    "/api/v1/portal/notices/:id/evidence",
    {
      bodyLimit: Math.max(s.config.bodyLimitBytes, Math.ceil((EVIDENCE_MAX_BYTES * 4) / 3) + 4096),
      schema: {
        tags: portalTags,
        summary: "Upload an evidence file (base64) to an open notice; attach it in the answer",
        params: IdParams,
        body: EvidenceUpload,
        response: { 201: z.object({ attachment: AttachmentRef }), ...errorResponses },
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send({ attachment: await s.providers.portal.uploadEvidence(req.ctx, req.params.id, req.body) }),
  );

  // Public verification ----------------------------------------------------------------------------
  app.post(
    "/api/v1/verify",
    {
      config: { auth: "public" },
      schema: {
        tags: ["verification"],
        summary: "Check a notice without an account: by its verification code, or by the signed file",
        description:
          "Answers valid / withdrawn (genuine), unknown, malformed (mistyped or guessed code), forged (not this node's signature), altered (content differs from what was signed) or replayed (a genuine signature with another code or addressee). Rate-limited per address; repeated failures are slowed down, then refused (429), and audited.",
        body: VerifyInput,
        response: { 200: VerifyView, 400: errorResponses[400], 429: errorResponses[400] },
      },
    },
    async (req) => s.providers.verify(req.ctx, req.body),
  );
}
