import {
  AddEntryBody,
  CreatedFugitive,
  CreateFugitiveBody,
  CreateListBody,
  CreateRequestBody,
  DuplicateCheckBody,
  EvidenceUploadBody,
  FUGITIVE_EVIDENCE_MAX_BYTES,
  FUGITIVE_PHOTO_MAX_BYTES,
  FugitiveDetail,
  FugitiveListView,
  FugitivePage,
  FugitiveQuery,
  FugitiveRequestType,
  FugitiveSearchPage,
  FugitiveSearchQuery,
  FugitiveVersionView,
  LabelledText,
  ListStatistics,
  PhotoUploadBody,
  PublishListBody,
  ReceivedEntryView,
  ReportBody,
  ReportEvidence,
  RequestDetail,
  ReturnBody,
  RomaniseQuery,
  SharedObjectId,
  StatisticsQuery,
  UpdateFugitiveBody,
} from "@crossline/schemas";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { errorResponses, sendStoredFile, zodApp } from "../../http/route-kit.js";
import type { Services } from "../../services.js";
import { keepRawForm, rawForms } from "../requests/requests.routes.js";

const IdParams = z.strictObject({ id: z.uuid() });
const One = { 200: z.object({ fugitive: FugitiveDetail }), ...errorResponses };
const List = { 200: z.object({ list: FugitiveListView }), ...errorResponses };
/** A photo in base64 JSON: about 4/3 of its bytes, and some room for the name and the alt text. */
const PHOTO_BODY_LIMIT = Math.ceil((FUGITIVE_PHOTO_MAX_BYTES * 4) / 3) + 8192;
/** An evidence file in base64 JSON, likewise. */
const EVIDENCE_BODY_LIMIT = Math.ceil((FUGITIVE_EVIDENCE_MAX_BYTES * 4) / 3) + 8192;
const Bytes = { 200: z.any().describe("the image (image/jpeg, image/png or image/webp)"), ...errorResponses };

/** `/api/v1/fugitives`: thin routes, one service call each (authorization and need to know in the service). */
export function fugitivesRoutes(fastify: FastifyInstance, s: Services) {
  const app = zodApp(fastify);
  const tags = ["fugitives"];

  app.get(
    "/api/v1/fugitives",
    {
      schema: {
        tags,
        summary: "Fugitives of the caller's unit, newest first (each read is in the access log)",
        description: "`q` finds any name form: original script, romanised with or without spaces, aliases.",
        querystring: FugitiveQuery,
        response: { 200: FugitivePage, ...errorResponses },
      },
    },
    async (req) => s.fugitives.list(req.ctx, req.query),
  );

  app.post(
    "/api/v1/fugitives",
    {
      schema: {
        tags,
        summary: "Record a fugitive in the caller's unit, linked to the node's person record",
        description:
          "A Chinese name given without its romanised form gets its pinyin; a given one is kept. `duplicates`: the unit's records whose names make them likely the same person (a warning; the record is created).",
        body: CreateFugitiveBody,
        response: { 201: CreatedFugitive, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await s.fugitives.create(req.ctx, req.body)),
  );

  app.get(
    "/api/v1/fugitives/search",
    {
      schema: {
        tags,
        summary: "The unit's fugitives by any form of a name, ranked, narrowed by date of birth",
        description:
          "Chinese characters, pinyin with or without tones or spaces, romanised names in either order, aliases and Wade–Giles spellings find each other. Each result is in the access log.",
        querystring: FugitiveSearchQuery,
        response: { 200: FugitiveSearchPage, ...errorResponses },
      },
    },
    async (req) => s.fugitives.search(req.ctx, req.query),
  );

  app.post(
    "/api/v1/fugitives/duplicates",
    {
      schema: {
        tags,
        summary: "Before creating a record: the unit's records it is likely to repeat (names, date of birth)",
        body: DuplicateCheckBody,
        response: { 200: FugitiveSearchPage, ...errorResponses },
      },
    },
    async (req) => s.fugitives.duplicates(req.ctx, req.body),
  );

  app.get(
    "/api/v1/fugitives/romanise",
    {
      schema: {
        tags,
        summary: "The pinyin of a Chinese name (surname first), to prefill the romanised form",
        querystring: RomaniseQuery,
        response: { 200: z.object({ original: z.string(), romanised: z.string() }), ...errorResponses },
      },
    },
    async (req) => s.fugitives.romanise(req.ctx, req.query.text),
  );

  app.get(
    "/api/v1/fugitives/:id",
    {
      schema: {
        tags,
        summary: "One fugitive with the lists it is on and its timeline (logged in the access log)",
        params: IdParams,
        response: One,
      },
    },
    async (req) => ({ fugitive: await s.fugitives.get(req.ctx, req.params.id) }),
  );

  app.patch(
    "/api/v1/fugitives/:id",
    {
      schema: {
        tags,
        summary: "Change a fugitive's record or status (the next version; a stale version is 409)",
        description:
          "`duplicates`: when the change touches the names, aliases or date of birth, the unit's other records they make likely the same person, as a creation gives them (a warning; the change is saved); otherwise empty.",
        params: IdParams,
        body: UpdateFugitiveBody,
        response: { 200: CreatedFugitive, ...errorResponses },
      },
    },
    async (req) => s.fugitives.update(req.ctx, req.params.id, req.body),
  );

  app.get(
    "/api/v1/fugitives/:id/history",
    {
      schema: {
        tags,
        summary: "Every version of a fugitive's record",
        params: IdParams,
        response: { 200: z.object({ items: z.array(FugitiveVersionView) }), ...errorResponses },
      },
    },
    async (req) => s.fugitives.history(req.ctx, req.params.id),
  );

  app.post(
    "/api/v1/fugitives/:id/return",
    {
      schema: {
        tags,
        summary:
          "Record the return (method, date, place, escorts, documents): closes the entry on both sides",
        params: IdParams,
        body: ReturnBody,
        response: One,
      },
    },
    async (req) => ({ fugitive: await s.fugitives.recordReturn(req.ctx, req.params.id, req.body) }),
  );

  app.post(
    "/api/v1/fugitives/:id/photos",
    {
      bodyLimit: Math.max(s.config.bodyLimitBytes, PHOTO_BODY_LIMIT),
      schema: {
        tags,
        summary:
          "Add a photo to a fugitive's record (JPEG, PNG or WebP, checked by its bytes; the next version)",
        description:
          "The bytes are stored as every attachment is (a federation blob with its SHA-256) and travel with the " +
          "record's list entries to the peers holding them. A file that is not an image is 400 naming body.contentBase64.",
        params: IdParams,
        body: PhotoUploadBody,
        response: { 201: z.object({ fugitive: FugitiveDetail }), ...errorResponses },
      },
    },
    async (req, reply) =>
      reply.status(201).send({ fugitive: await s.fugitives.addPhoto(req.ctx, req.params.id, req.body) }),
  );

  app.get(
    "/api/v1/fugitives/:id/photos/:photoId",
    {
      schema: {
        tags,
        summary: "A photo of a fugitive's record (each view in the access log)",
        params: z.strictObject({ id: z.uuid(), photoId: z.uuid() }),
        response: Bytes,
      },
    },
    async (req, reply) => {
      const f = await s.fugitives.photo(req.ctx, req.params.id, req.params.photoId);
      return sendStoredFile(reply, f, "inline"); // each view goes to the access log
    },
  );

  app.get(
    "/api/v1/fugitives/:id/request-prefill",
    {
      schema: {
        tags,
        summary:
          "What a request started from this record begins with: the subject, warrant, charges, whereabouts",
        description:
          "For locate, provisional arrest, extradition, deportation and repatriation identity-check requests; " +
          "the form is partial (the officer completes it) and goes to POST …/requests.",
        params: IdParams,
        querystring: z.strictObject({ type: FugitiveRequestType }),
        response: {
          200: z.object({
            prefill: z.object({
              fugitiveId: z.uuid(),
              form: z.looseObject({ type: FugitiveRequestType, details: z.record(z.string(), z.unknown()) }),
            }),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => ({ prefill: await s.fugitives.requestPrefill(req.ctx, req.params.id, req.query.type) }),
  );

  app.post(
    "/api/v1/fugitives/:id/requests",
    {
      preValidation: keepRawForm,
      schema: {
        tags,
        summary:
          "Draft a locate, provisional arrest, extradition, deportation or identity-check request from the record",
        description:
          "The body is the requests' draft body (POST /api/v1/requests). The request names the record (its " +
          "`origin`) and the record lists the request (its next version), in one transaction; the record's " +
          "timeline then shows the request's life.",
        params: IdParams,
        body: CreateRequestBody,
        response: { 201: z.object({ request: RequestDetail }), ...errorResponses },
      },
    },
    async (req, reply) =>
      reply.status(201).send({
        request: await s.fugitives.draftRequest(req.ctx, req.params.id, {
          peerId: req.body.peerId,
          peerTimeZone: req.body.peerTimeZone,
          form: rawForms.get(req) as typeof req.body.form,
        }),
      }),
  );

  app.get(
    "/api/v1/fugitive-lists",
    {
      schema: {
        tags,
        summary: "The caller's unit's lists of fugitives",
        response: {
          200: z.object({
            items: z.array(
              z.object({
                id: z.uuid(),
                name: LabelledText,
                publishedOn: z.string().nullable(),
                recipients: z.array(z.string()),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => s.fugitives.lists(req.ctx),
  );

  app.post(
    "/api/v1/fugitive-lists",
    {
      schema: {
        tags,
        summary: "Create a list of fugitives in the caller's unit",
        body: CreateListBody,
        response: { 201: z.object({ list: FugitiveListView }), ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send({ list: await s.fugitives.createList(req.ctx, req.body) }),
  );

  app.get(
    "/api/v1/fugitive-lists/received",
    {
      schema: {
        tags,
        summary:
          "Entries of peers' lists held by the caller's unit (read-only, the owner's version) and our reports",
        response: { 200: z.object({ items: z.array(ReceivedEntryView) }), ...errorResponses },
      },
    },
    async (req) => s.fugitives.received(req.ctx),
  );

  app.get(
    "/api/v1/fugitive-lists/received/:entryId",
    {
      schema: {
        tags,
        summary:
          "One entry of a peer's list held by the caller's unit (read-only, the owner's version) and our reports (logged in the access log)",
        params: z.strictObject({ entryId: SharedObjectId }),
        response: { 200: z.object({ entry: ReceivedEntryView }), ...errorResponses },
      },
    },
    async (req) => ({ entry: await s.fugitives.receivedEntry(req.ctx, req.params.entryId) }),
  );

  app.post(
    "/api/v1/fugitive-lists/received/:entryId/reports",
    {
      schema: {
        tags,
        summary:
          "Report on a peer's list entry (sighting, address, arrest, court step, return): sent to its owner",
        description:
          "`evidenceIds`: files uploaded for this entry before (POST …/evidence) that go with the report; one " +
          "that is not there, another unit's or already in a report is 400 EVIDENCE_MISSING naming it.",
        params: z.strictObject({ entryId: SharedObjectId }),
        body: ReportBody,
        response: { 201: z.object({ reportId: z.uuid() }), ...errorResponses },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await s.fugitives.report(req.ctx, req.params.entryId, req.body)),
  );

  app.post(
    "/api/v1/fugitive-lists/received/:entryId/evidence",
    {
      bodyLimit: Math.max(s.config.bodyLimitBytes, EVIDENCE_BODY_LIMIT),
      schema: {
        tags,
        summary: "Upload an evidence file for a report on a peer's list entry (sent when a report names it)",
        description:
          "Any file up to 10 MiB (its type by its first bytes: JPEG, PNG, WebP, PDF, else bytes). The report " +
          "names it in `evidenceIds`; its bytes then travel to the entry's owner with the report.",
        params: z.strictObject({ entryId: SharedObjectId }),
        body: EvidenceUploadBody,
        response: { 201: z.object({ evidence: ReportEvidence }), ...errorResponses },
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send({ evidence: await s.fugitives.uploadEvidence(req.ctx, req.params.entryId, req.body) }),
  );

  app.get(
    "/api/v1/fugitive-lists/received/:entryId/evidence/:evidenceId",
    {
      schema: {
        tags,
        summary:
          "An evidence file the caller's unit uploaded for a peer's list entry, read back (in the access log)",
        description:
          "The sending side's copy of a file it uploaded for a report on the entry (sent with a report or not " +
          "yet): the bytes this node kept, checked against their SHA-256. Another unit's entry or file is 404.",
        params: z.strictObject({ entryId: SharedObjectId, evidenceId: z.uuid() }),
        response: { 200: z.any().describe("the file, as it was uploaded"), ...errorResponses },
      },
    },
    async (req, reply) => {
      const f = await s.fugitives.sentEvidence(req.ctx, req.params.entryId, req.params.evidenceId);
      return sendStoredFile(reply, f);
    },
  );

  app.get(
    "/api/v1/fugitives/:id/evidence/:evidenceId",
    {
      schema: {
        tags,
        summary: "An evidence file a peer's report brought to the record (each download in the access log)",
        params: z.strictObject({ id: z.uuid(), evidenceId: z.uuid() }),
        response: { 200: z.any().describe("the file, as it was uploaded"), ...errorResponses },
      },
    },
    async (req, reply) => {
      const f = await s.fugitives.evidence(req.ctx, req.params.id, req.params.evidenceId);
      return sendStoredFile(reply, f);
    },
  );

  app.get(
    "/api/v1/fugitive-lists/received/:entryId/photos/:photoId",
    {
      schema: {
        tags,
        summary: "A photo of a peer's list entry held by the caller's unit (once it arrived with the entry)",
        params: z.strictObject({ entryId: SharedObjectId, photoId: z.uuid() }),
        response: Bytes,
      },
    },
    async (req, reply) => {
      const f = await s.fugitives.receivedPhoto(req.ctx, req.params.entryId, req.params.photoId);
      return sendStoredFile(reply, f, "inline"); // each view goes to the access log
    },
  );

  app.get(
    "/api/v1/fugitive-lists/:id",
    {
      schema: { tags, summary: "One list with its entries", params: IdParams, response: List },
    },
    async (req) => ({ list: await s.fugitives.getList(req.ctx, req.params.id) }),
  );

  app.post(
    "/api/v1/fugitive-lists/:id/entries",
    {
      schema: {
        tags,
        summary: "Put a fugitive on the list at a number (a published list sends the entry to its peers)",
        params: IdParams,
        body: AddEntryBody,
        response: List,
      },
    },
    async (req) => ({ list: await s.fugitives.addEntry(req.ctx, req.params.id, req.body) }),
  );

  app.delete(
    "/api/v1/fugitive-lists/:id/entries/:fugitiveId",
    {
      schema: {
        tags,
        summary: "Take a fugitive off the list (its entry is withdrawn from every peer holding it)",
        params: z.strictObject({ id: z.uuid(), fugitiveId: z.uuid() }),
        response: List,
      },
    },
    async (req) => ({ list: await s.fugitives.removeEntry(req.ctx, req.params.id, req.params.fugitiveId) }),
  );

  app.post(
    "/api/v1/fugitive-lists/:id/publish",
    {
      schema: {
        tags,
        summary: "Publish the list to peers: each entry a shared object under the marking",
        params: IdParams,
        body: PublishListBody,
        response: List,
      },
    },
    async (req) => ({ list: await s.fugitives.publish(req.ctx, req.params.id, req.body) }),
  );

  app.get(
    "/api/v1/fugitive-lists/:id/statistics",
    {
      schema: {
        tags,
        summary: "How many of the list returned by a day, by method and by year, with a bilingual summary",
        params: IdParams,
        querystring: StatisticsQuery,
        response: { 200: ListStatistics, ...errorResponses },
      },
    },
    async (req) => s.fugitives.statistics(req.ctx, req.params.id, req.query),
  );
}
