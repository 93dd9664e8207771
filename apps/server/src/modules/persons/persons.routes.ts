import {
  AccessLogPage,
  CreateRequestBody,
  FugitiveRequestType,
  MergePersonBody,
  NameSearchQuery,
  PageQuery,
  PersonExport,
  PersonId,
  PersonLinkedRequest,
  PersonPage,
  PersonQuery,
  PersonSearchPage,
  PersonVersionView,
  PersonView,
  ReasonQuery,
  RecordRequestPrefill,
  RectifyPersonBody,
  RequestDetail,
  RestrictPersonBody,
} from "@crossline/schemas";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { errorResponses, zodApp } from "../../http/route-kit.js";
import type { Services } from "../../services.js";
import { keepRawForm, rawForms } from "../requests/requests.routes.js";
import { withReason } from "./persons.service.js";

const Params = z.strictObject({ id: PersonId });
const READ_NOTE =
  "Logged in the access log (who, when, which record); give the reason in `reason` or the `X-Crossline-Reason` header (URI-encoded).";

export function personsRoutes(fastify: FastifyInstance, s: Services) {
  const app = zodApp(fastify);
  const tags = ["persons"];
  const one = { 200: z.object({ person: PersonView }), ...errorResponses };

  app.get(
    "/api/v1/persons",
    {
      schema: {
        tags,
        summary: "Persons the caller's unit sees, newest first; `q` searches every name form",
        description: READ_NOTE,
        querystring: PersonQuery,
        response: { 200: PersonPage, ...errorResponses },
      },
    },
    async (req) => s.persons.list(req.ctx, req.query),
  );

  app.get(
    "/api/v1/persons/search",
    {
      schema: {
        tags,
        summary: "Persons the caller's unit sees by any form of a name, ranked, narrowed by date of birth",
        description: `Chinese characters, pinyin with or without tones or spaces, romanised names in either order, aliases and Wade–Giles spellings find each other (docs/fugitives.md). ${READ_NOTE}`,
        querystring: NameSearchQuery,
        response: { 200: PersonSearchPage, ...errorResponses },
      },
    },
    async (req) => s.persons.search(req.ctx, req.query),
  );

  app.get(
    "/api/v1/persons/:id",
    {
      schema: {
        tags,
        summary:
          "One person: names, documents, restriction, and the records of the caller's unit naming them",
        description: READ_NOTE,
        params: Params,
        querystring: ReasonQuery,
        response: one,
      },
    },
    async (req) => ({ person: await s.persons.get(withReason(req.ctx, req.query.reason), req.params.id) }),
  );

  app.get(
    "/api/v1/persons/:id/history",
    {
      schema: {
        tags,
        summary: "Every version of a person record (each rectification, with its reason)",
        description: READ_NOTE,
        params: Params,
        querystring: ReasonQuery,
        response: { 200: z.object({ items: z.array(PersonVersionView) }), ...errorResponses },
      },
    },
    async (req) => ({
      items: await s.persons.history(withReason(req.ctx, req.query.reason), req.params.id),
    }),
  );

  app.get(
    "/api/v1/persons/:id/access",
    {
      schema: {
        tags,
        summary: "Who read this person or a record naming them (auditors), newest first",
        params: Params,
        querystring: PageQuery,
        response: { 200: AccessLogPage, ...errorResponses },
      },
    },
    async (req) => s.persons.accessOf(req.ctx, req.params.id, req.query),
  );

  app.post(
    "/api/v1/persons/:id/rectify",
    {
      schema: {
        tags,
        summary: "Rectify a person record: a new version (the previous one kept), audited",
        description:
          "`version` is the version read (a stale one is 409). A main name and date of birth that another record holds is 409 body.fields.names. The fields changed reach the records naming the person (fugitive records, repatriation cases), and through their shared objects the peers holding a copy.",
        params: Params,
        body: RectifyPersonBody,
        response: one,
      },
    },
    async (req) => ({ person: await s.persons.rectify(req.ctx, req.params.id, req.body) }),
  );

  app.post(
    "/api/v1/persons/:id/merge",
    {
      schema: {
        tags,
        summary:
          "Merge another person record into this one (the same person): links moved, the other removed",
        description:
          "Both records must be visible to the caller (another unit's is 404 `body.otherId`) and unrestricted; `version` and `otherVersion` are the versions read (stale: 409). The records of requests, cases, fugitives and repatriation naming the other person name this one; the removed record is kept as it was in the merge record, and its access-log rows show on this person's access view. Audited `person.merge`.",
        params: Params,
        body: MergePersonBody,
        response: one,
      },
    },
    async (req) => ({ person: await s.persons.merge(req.ctx, req.params.id, req.body) }),
  );

  app.post(
    "/api/v1/persons/:id/restriction",
    {
      schema: {
        tags,
        summary:
          "Set or clear the restriction flag (a dispute is open): no new links, no sending, reads logged",
        params: Params,
        body: RestrictPersonBody,
        response: one,
      },
    },
    async (req) => ({ person: await s.persons.restrict(req.ctx, req.params.id, req.body) }),
  );

  app.get(
    "/api/v1/persons/:id/export.json",
    {
      schema: {
        tags,
        summary: "Everything the node holds on a person, as JSON (subject access); logged and audited",
        description: READ_NOTE,
        params: Params,
        querystring: ReasonQuery,
        response: { 200: PersonExport, ...errorResponses },
      },
    },
    async (req, reply) => {
      const x = await s.personRights.exportJson(withReason(req.ctx, req.query.reason), req.params.id);
      return reply
        .header("content-disposition", `attachment; filename="person-${req.params.id}.json"`)
        .send(x);
    },
  );

  app.get(
    "/api/v1/persons/:id/export.pdf",
    {
      schema: {
        tags,
        summary: "Everything the node holds on a person, as a PDF in English and Chinese; logged and audited",
        description: READ_NOTE,
        params: Params,
        querystring: ReasonQuery,
        response: { 200: z.any().describe("application/pdf"), ...errorResponses },
      },
    },
    async (req, reply) => {
      const pdf = await s.personRights.exportPdf(
        withReason(req.ctx, req.query.reason),
        req.params.id,
        await s.reports.readerZone(req.ctx),
      );
      return reply
        .type("application/pdf")
        .header("content-disposition", `attachment; filename="person-${req.params.id}.pdf"`)
        .send(pdf);
    },
  );

  app.get(
    "/api/v1/persons/:id/request-prefill",
    {
      schema: {
        tags,
        summary:
          "What a request started from this person record begins with: the subject and their documents",
        description:
          "For locate, provisional arrest, extradition, deportation and repatriation identity-check requests; " +
          `the form is partial (the officer completes it) and goes to POST …/requests. ${READ_NOTE}`,
        params: Params,
        querystring: z.strictObject({ type: FugitiveRequestType }),
        response: {
          200: z.object({ prefill: z.object({ personId: PersonId, form: RecordRequestPrefill }) }),
          ...errorResponses,
        },
      },
    },
    async (req) => ({
      prefill: await s.personRequests.prefill(req.ctx, req.params.id, req.query.type),
    }),
  );

  app.post(
    "/api/v1/persons/:id/requests",
    {
      preValidation: keepRawForm,
      schema: {
        tags,
        summary:
          "Draft a locate, provisional arrest, extradition, deportation or identity-check request from the person",
        description:
          "The body is the requests' draft body (POST /api/v1/requests). The request names the person record " +
          "(its `origin`) and its first subject is linked to the person (whatever the name and date of birth " +
          "match), in one transaction; the person's requests (GET …/requests) then show its life. A restricted " +
          "person is 409 PERSON_RESTRICTED.",
        params: Params,
        body: CreateRequestBody,
        response: { 201: z.object({ request: RequestDetail }), ...errorResponses },
      },
    },
    async (req, reply) =>
      reply.status(201).send({
        request: await s.personRequests.draft(req.ctx, req.params.id, {
          peerId: req.body.peerId,
          peerTimeZone: req.body.peerTimeZone,
          form: rawForms.get(req) as typeof req.body.form,
        }),
      }),
  );

  app.get(
    "/api/v1/persons/:id/requests",
    {
      schema: {
        tags,
        summary: "The requests of the caller's unit naming this person, newest first, each with its life",
        description: "Each request listed is logged in the access log.",
        params: Params,
        response: { 200: z.object({ items: z.array(PersonLinkedRequest) }), ...errorResponses },
      },
    },
    async (req) => ({ items: await s.personRequests.linked(req.ctx, req.params.id) }),
  );
}
