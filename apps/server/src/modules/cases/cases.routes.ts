import {
  AddCaseIdentifierBody,
  AddCaseSubjectBody,
  AddEvidenceBody,
  AddMemberBody,
  AddNoteBody,
  AddTaskBody,
  CaseDetail,
  CasePage,
  CasePolicy,
  CaseQuery,
  CaseReportQuery,
  CaseStatusReport,
  CreateCaseBody,
  CreateRequestBody,
  CustodyBody,
  DecideShareBody,
  EvidenceFileQuery,
  PriorityList,
  PriorityQuery,
  RequestDetail,
  ShareCaseBody,
  Subject,
  UpdateCaseBody,
  UpdateTaskBody,
} from "@crossline/schemas";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { errorResponses, sendStoredFile, zodApp } from "../../http/route-kit.js";
import type { Services } from "../../services.js";
import { keepRawForm, rawForms } from "../requests/requests.routes.js";
import { caseReportCsv, caseReportPdf } from "./cases.report.js";

const IdParams = z.strictObject({ id: z.uuid() });
const One = { 200: z.object({ case: CaseDetail }), ...errorResponses };
const Created = { 201: z.object({ case: CaseDetail }), ...errorResponses };

/** `/api/v1/cases`: thin routes, one service call each (authorization and need to know in the service). */
export function casesRoutes(fastify: FastifyInstance, s: Services) {
  const app = zodApp(fastify);
  const tags = ["cases"];

  app.get(
    "/api/v1/cases",
    {
      schema: {
        tags,
        summary: "Cases of the caller's unit and those it was added to, newest first",
        description: "Filter by `status`, `category`, `priority`; `q` searches the reference and the title.",
        querystring: CaseQuery,
        response: { 200: CasePage, ...errorResponses },
      },
    },
    async (req) => s.cases.list(req.ctx, req.query),
  );

  app.post(
    "/api/v1/cases",
    {
      schema: {
        tags,
        summary: "Open a case in the caller's unit (reference from the node's sequence)",
        body: CreateCaseBody,
        response: Created,
      },
    },
    async (req, reply) => reply.status(201).send({ case: await s.cases.create(req.ctx, req.body) }),
  );

  app.get(
    "/api/v1/cases/priority",
    {
      schema: {
        tags,
        summary: "Priority cases shared with peers, both ways: status, last update, what is asked",
        querystring: PriorityQuery,
        response: { 200: PriorityList, ...errorResponses },
      },
    },
    async (req) => s.cases.priorityList(req.ctx, req.query),
  );

  const reportQuery = CaseReportQuery;
  app.get(
    "/api/v1/cases/status-report",
    {
      schema: {
        tags,
        summary: "Status report on cybercrime cases with one peer for a period (JSON)",
        querystring: reportQuery,
        response: { 200: z.object({ report: CaseStatusReport }), ...errorResponses },
      },
    },
    async (req) => ({ report: await s.cases.statusReport(req.ctx, req.query) }),
  );

  app.get(
    "/api/v1/cases/status-report.csv",
    {
      schema: {
        tags,
        summary: "The status report on cybercrime cases as CSV (headers and labels in `lang`)",
        querystring: reportQuery,
        response: { 200: z.string().describe("text/csv"), ...errorResponses },
      },
    },
    async (req, reply) => {
      const report = await s.cases.statusReport(req.ctx, req.query);
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="case-status-${report.peer}-${report.to}.csv"`)
        .send(caseReportCsv(report, req.query.lang, await s.reports.readerZone(req.ctx)));
    },
  );

  app.get(
    "/api/v1/cases/status-report.pdf",
    {
      schema: {
        tags,
        summary: "The status report on cybercrime cases as PDF (in `lang`)",
        querystring: reportQuery,
        response: { 200: z.any().describe("application/pdf"), ...errorResponses },
      },
    },
    async (req, reply) => {
      const report = await s.cases.statusReport(req.ctx, req.query);
      const pdf = await caseReportPdf(report, req.query.lang, await s.reports.readerZone(req.ctx));
      return reply
        .type("application/pdf")
        .header(
          "content-disposition",
          `attachment; filename="case-status-${report.peer}-${report.to}-${req.query.lang}.pdf"`,
        )
        .send(pdf);
    },
  );

  app.get(
    "/api/v1/cases/policy",
    {
      schema: {
        tags,
        summary: "The node's case policy (whether a summary needs a supervisor's approval to leave)",
        response: { 200: z.object({ policy: CasePolicy }), ...errorResponses },
      },
    },
    async (req) => ({ policy: await s.cases.getPolicy(req.ctx) }),
  );

  app.put(
    "/api/v1/cases/policy",
    {
      schema: {
        tags,
        summary: "Set the node's case policy (administrator)",
        body: CasePolicy,
        response: { 200: z.object({ policy: CasePolicy }), ...errorResponses },
      },
    },
    async (req) => ({ policy: await s.cases.putPolicy(req.ctx, req.body) }),
  );

  app.get(
    "/api/v1/cases/:id",
    {
      schema: {
        tags,
        summary: "A case: subjects, identifiers, evidence with custody, tasks, notes, requests, shares",
        params: IdParams,
        response: One,
      },
    },
    async (req) => ({ case: await s.cases.get(req.ctx, req.params.id) }),
  );

  app.patch(
    "/api/v1/cases/:id",
    {
      schema: {
        tags,
        summary: "Edit a case (title, category, status and outcome, priority, lead, summary, asks)",
        description:
          "`version` is the version read; a stale one is 409. A shared summary follows the change to every peer holding it.",
        params: IdParams,
        body: UpdateCaseBody,
        response: One,
      },
    },
    async (req) => ({ case: await s.cases.update(req.ctx, req.params.id, req.body) }),
  );

  app.post(
    "/api/v1/cases/:id/members",
    {
      schema: {
        tags,
        summary: "Let a person of another unit see and work on the case (owning unit only)",
        params: IdParams,
        body: AddMemberBody,
        response: One,
      },
    },
    async (req) => ({ case: await s.cases.addMember(req.ctx, req.params.id, req.body.userId) }),
  );

  app.post(
    "/api/v1/cases/:id/subjects",
    {
      schema: {
        tags,
        summary: "Add a person or organisation (names in original script and romanised)",
        params: IdParams,
        body: AddCaseSubjectBody,
        response: One,
      },
    },
    async (req) => ({ case: await s.cases.addSubject(req.ctx, req.params.id, req.body) }),
  );

  app.post(
    "/api/v1/cases/:id/identifiers",
    {
      schema: {
        tags,
        summary: "Add a typed identifier (normalised; one the case holds already is 409)",
        params: IdParams,
        body: AddCaseIdentifierBody,
        response: One,
      },
    },
    async (req) => ({ case: await s.cases.addIdentifier(req.ctx, req.params.id, req.body) }),
  );

  app.post(
    "/api/v1/cases/:id/evidence",
    {
      schema: {
        tags,
        summary: "File an evidence item (stored with its SHA-256; the chain of custody starts)",
        params: IdParams,
        body: AddEvidenceBody,
        response: One,
      },
      bodyLimit: 60 * 1024 * 1024,
    },
    async (req) => ({ case: await s.cases.addEvidence(req.ctx, req.params.id, req.body) }),
  );

  app.post(
    "/api/v1/cases/:id/evidence/:evidenceId/custody",
    {
      schema: {
        tags,
        summary: "Record a hand-over or an export of an evidence item (append-only chain of custody)",
        params: z.strictObject({ id: z.uuid(), evidenceId: z.uuid() }),
        body: CustodyBody,
        response: One,
      },
    },
    async (req) => ({
      case: await s.cases.recordCustody(req.ctx, req.params.id, req.params.evidenceId, req.body),
    }),
  );

  app.get(
    "/api/v1/cases/:id/evidence/:evidenceId/file",
    {
      schema: {
        tags,
        summary: "Download an evidence file, checked against its SHA-256 (recorded in the chain of custody)",
        description:
          "A malware sample needs `confirm=malware_sample` and a `reason`: without them 409 CONFIRMATION_REQUIRED naming the missing field; the reason goes into the custody record and the audit entry.",
        params: z.strictObject({ id: z.uuid(), evidenceId: z.uuid() }),
        querystring: EvidenceFileQuery,
        response: { 200: z.any().describe("application/octet-stream"), ...errorResponses },
      },
    },
    async (req, reply) => {
      const f = await s.cases.downloadEvidence(req.ctx, req.params.id, req.params.evidenceId, req.query);
      return sendStoredFile(reply, f);
    },
  );

  app.post(
    "/api/v1/cases/:id/tasks",
    {
      schema: {
        tags,
        summary: "Add a task (assignee, due date)",
        params: IdParams,
        body: AddTaskBody,
        response: One,
      },
    },
    async (req) => ({ case: await s.cases.addTask(req.ctx, req.params.id, req.body) }),
  );

  app.patch(
    "/api/v1/cases/:id/tasks/:taskId",
    {
      schema: {
        tags,
        summary: "Mark a task done, reassign it or move its due date (`version`: the task's, stale is 409)",
        params: z.strictObject({ id: z.uuid(), taskId: z.uuid() }),
        body: UpdateTaskBody,
        response: One,
      },
    },
    async (req) => ({
      case: await s.cases.updateTask(req.ctx, req.params.id, req.params.taskId, req.body),
    }),
  );

  app.post(
    "/api/v1/cases/:id/notes",
    {
      schema: {
        tags,
        summary: "Add a note (with its language)",
        params: IdParams,
        body: AddNoteBody,
        response: One,
      },
    },
    async (req) => ({ case: await s.cases.addNote(req.ctx, req.params.id, req.body) }),
  );

  app.get(
    "/api/v1/cases/:id/request-prefill",
    {
      schema: {
        tags,
        summary: "What a request drafted from this case starts with: category, subjects, identifiers",
        params: IdParams,
        response: {
          200: z.object({
            prefill: z.object({
              caseId: z.uuid(),
              offence: z.object({ category: z.string() }),
              subjects: z.array(Subject),
              identifiers: z.array(z.record(z.string(), z.unknown())),
            }),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => ({ prefill: await s.cases.requestPrefill(req.ctx, req.params.id) }),
  );

  app.post(
    "/api/v1/cases/:id/requests",
    {
      preValidation: keepRawForm,
      schema: {
        tags,
        summary: "Draft a request for assistance linked to this case (the case lists it)",
        description:
          "The body is the requests' draft body (POST /api/v1/requests); request-prefill gives its start.",
        params: IdParams,
        body: CreateRequestBody,
        response: { 201: z.object({ request: RequestDetail }), ...errorResponses },
      },
    },
    async (req, reply) =>
      reply.status(201).send({
        request: await s.cases.draftRequest(req.ctx, req.params.id, {
          peerId: req.body.peerId,
          peerTimeZone: req.body.peerTimeZone,
          form: rawForms.get(req) as typeof req.body.form,
        }),
      }),
  );

  app.post(
    "/api/v1/cases/:id/shares",
    {
      schema: {
        tags,
        summary:
          "Share a priority case's summary with peers under a marking (pending a supervisor's approval where the policy asks)",
        params: IdParams,
        body: ShareCaseBody,
        response: One,
      },
    },
    async (req) => ({ case: await s.cases.requestShare(req.ctx, req.params.id, req.body) }),
  );

  app.post(
    "/api/v1/cases/:id/shares/:shareId/decision",
    {
      schema: {
        tags,
        summary: "Approve or refuse a pending share (supervisor; not the officer who asked)",
        params: z.strictObject({ id: z.uuid(), shareId: z.uuid() }),
        body: DecideShareBody,
        response: One,
      },
    },
    async (req) => ({
      case: await s.cases.decideShare(req.ctx, req.params.id, req.params.shareId, req.body),
    }),
  );

  app.post(
    "/api/v1/cases/:id/summary/withdraw",
    {
      schema: {
        tags,
        summary: "Withdraw the case's shared summary: a tombstone reaches every peer holding it",
        params: IdParams,
        body: z.strictObject({}).optional(),
        response: One,
      },
    },
    async (req) => ({ case: await s.cases.withdrawSummary(req.ctx, req.params.id) }),
  );
}
