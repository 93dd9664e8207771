import {
  AcceptInvitationBody,
  DeliveryAnswer,
  InboxItem,
  InboxStatus,
  OutboxItem,
  OutboxStatus,
  PeerAccepted,
  PeerInvitation,
  PeerView,
  PingItem,
  TlsPinBody,
} from "@crossline/schemas";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Counter, Gauge } from "prom-client";
import { z } from "zod";
import { hitRateLimit } from "../../db/rate-limit.js";
import { errorResponses, sendStoredFile, zodApp } from "../../http/route-kit.js";
import { AppError } from "../../lib/errors.js";
import type { Services } from "../../services.js";
import type { Metrics } from "../health/health.routes.js";

const PeerId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/);
const PeerParams = z.strictObject({ peerId: PeerId });
const MsgParams = z.strictObject({ peerId: PeerId, msgId: z.uuid() });

const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  afterSeq: z.coerce.number().int().min(0).optional(),
});

export function federationRoutes(fastify: FastifyInstance, s: Services, metrics?: Metrics) {
  const app = zodApp(fastify);
  const fed = s.federationService;
  const tags = ["peers"];
  const peerTags = ["federation (peer to peer)"];

  // ------------------------------------------------------------------ peer to peer: authenticated by signatures
  // Anyone can reach these, so each source address has a budget a minute, counted in the database (shared by
  // every process of the node) and spent in onRequest, before a byte of the body is read or parsed. What is
  // refused, and every envelope rejected, is counted in metrics rather than costing more work.
  const refused = new Counter({
    name: "crossline_federation_public_refused_total",
    help: "Calls to the public peer-to-peer routes refused before any work (rate limit), by route",
    labelNames: ["route"],
    registers: metrics ? [metrics.registry] : [],
  });
  const rejected = new Counter({
    name: "crossline_federation_envelopes_rejected_total",
    help: "Envelopes received and rejected, by reject code (forged and garbage input included)",
    labelNames: ["reason"],
    registers: metrics ? [metrics.registry] : [],
  });
  const perSource =
    (route: string, share = 1) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      const max = Math.max(1, Math.floor(s.config.fedPublicPerIpPerMinute * share));
      const now = s.clock.now();
      const hits = await hitRateLimit(s.db, `fed:${route}:${req.ip ?? "unknown"}`, now, 60_000);
      if (hits > max) {
        refused.inc({ route });
        reply.header("retry-after", String(60 - Math.floor((now.getTime() % 60_000) / 1000)));
        throw new AppError("RATE_LIMITED");
      }
    };
  app.post(
    "/federation/v1/envelopes",
    {
      config: { auth: "public" },
      onRequest: perSource("envelopes"),
      bodyLimit: 64 * 1024 * 1024,
      schema: {
        tags: peerTags,
        summary:
          "Deliver a batch of envelopes (JWE compact); answers one signed receipt per envelope, in order, or one batch receipt for all of them",
        body: z.strictObject({
          envelopes: z
            .array(z.string().max(16 * 1024 * 1024))
            .min(1)
            .max(1000),
          receipt: z.enum(["single", "batch"]).default("single"),
        }),
        response: { 200: DeliveryAnswer, ...errorResponses },
      },
    },
    async (req) => {
      // One line per envelope with its msgId (and this request's reqId): the sender logs the same msgId.
      const answer = await fed.receiveEnvelopes(
        req.body.envelopes,
        req.ip ?? null,
        (e) => req.log.info({ ...e }, "federation envelope received"),
        { batchReceipt: req.body.receipt === "batch" },
      );
      for (const r of answer.results)
        if (r.status === "rejected") rejected.inc({ reason: r.reason ?? "unknown" });
      return answer;
    },
  );
  app.post(
    "/federation/v1/pairing",
    {
      config: { auth: "public" },
      // Pairing is rare and guesses an invitation secret: a tenth of the budget.
      onRequest: perSource("pairing", 0.1),
      schema: {
        tags: peerTags,
        summary: "Complete a pairing: the accepting node presents the invitation secret, signed with its key",
        body: z.strictObject({
          proof: z
            .string()
            .min(1)
            .max(64 * 1024),
        }),
        response: { 200: z.object({ reply: z.string() }), ...errorResponses },
      },
    },
    async (req) => fed.completePairing(req.body.proof, req.ip ?? null),
  );
  app.post(
    "/federation/v1/control",
    {
      config: { auth: "public" },
      onRequest: perSource("control"),
      schema: {
        tags: peerTags,
        summary: "A signed control notice from a peer (revocation)",
        body: z.strictObject({
          notice: z
            .string()
            .min(1)
            .max(16 * 1024),
        }),
        response: { 200: z.object({ ok: z.literal(true) }), ...errorResponses },
      },
    },
    async (req) => fed.receiveControl(req.body.notice, req.ip ?? null),
  );
  app.post(
    "/federation/v1/reconcile",
    {
      config: { auth: "public" },
      onRequest: perSource("control"),
      schema: {
        tags: peerTags,
        summary:
          "A peer restored from a backup says what it holds; this node re-sends the rest (signed answer)",
        body: z.strictObject({
          statement: z
            .string()
            .min(1)
            .max(16 * 1024),
        }),
        response: { 200: z.object({ reply: z.string() }), ...errorResponses },
      },
    },
    async (req) => fed.answerReconcile(req.body.statement, req.ip ?? null),
  );
  const AttParams = z.strictObject({ origin: PeerId, id: z.uuid() });
  app.get(
    "/federation/v1/attachments/:origin/:id",
    {
      config: { auth: "public" },
      onRequest: perSource("attachments"),
      schema: {
        tags: peerTags,
        summary: "Which chunks of an attachment this node holds (to resume an upload)",
        params: AttParams,
        response: {
          200: z.object({ complete: z.boolean(), chunks: z.array(z.number()) }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const auth = req.headers["x-crossline-auth"];
      return fed.chunkStatus(req.params.origin, req.params.id, typeof auth === "string" ? auth : undefined);
    },
  );
  fastify.addContentTypeParser(
    "application/octet-stream",
    { parseAs: "buffer", bodyLimit: 16 * 1024 * 1024 },
    (_req, body, done) => done(null, body),
  );
  app.put(
    "/federation/v1/attachments/:origin/:id/chunks/:idx",
    {
      config: { auth: "public" },
      onRequest: perSource("attachments"),
      bodyLimit: 16 * 1024 * 1024,
      schema: {
        tags: peerTags,
        summary:
          "Upload one chunk of an attachment (application/octet-stream), authorised by a signed statement",
        params: AttParams.extend({ idx: z.coerce.number().int().min(0).max(1_000_000) }),
        response: { 200: z.object({ complete: z.boolean() }), ...errorResponses },
      },
    },
    async (req) => {
      const auth = req.headers["x-crossline-auth"];
      if (!Buffer.isBuffer(req.body)) {
        throw new AppError("UNSUPPORTED_MEDIA_TYPE", [
          { issue: "send the chunk as application/octet-stream" },
        ]);
      }
      return fed.putChunk(
        req.params.origin,
        req.params.id,
        req.params.idx,
        req.body,
        typeof auth === "string" ? auth : undefined,
      );
    },
  );

  // ------------------------------------------------------------------ administration
  app.get(
    "/api/v1/peers",
    {
      schema: {
        tags,
        summary: "Paired nodes with link health",
        response: { 200: z.object({ items: z.array(PeerView) }), ...errorResponses },
      },
    },
    async (req) => ({ items: await fed.listPeers(req.ctx) }),
  );
  app.get(
    "/api/v1/peers/:peerId",
    {
      schema: {
        tags,
        summary: "One peer with link health",
        params: PeerParams,
        response: { 200: z.object({ peer: PeerView }), ...errorResponses },
      },
    },
    async (req) => ({ peer: await fed.peerView(req.ctx, req.params.peerId) }),
  );
  app.post(
    "/api/v1/peers/invitations",
    {
      schema: {
        tags,
        summary: "Create a single-use, short-lived pairing invitation",
        response: { 201: PeerInvitation, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await fed.invite(req.ctx)),
  );
  app.post(
    "/api/v1/peers/accept",
    {
      schema: {
        tags,
        summary: "Accept another node's invitation; pairs both ways",
        body: AcceptInvitationBody,
        response: { 201: PeerAccepted, ...errorResponses },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await fed.accept(req.ctx, req.body.invitation, req.body.tlsPin)),
  );
  app.put(
    "/api/v1/peers/:peerId/tls-pin",
    {
      schema: {
        tags,
        summary:
          "Pin the peer's TLS certificate (sha256/ + base64 SHA-256 of its public key), or unpin with null",
        description:
          "Every later connection to the peer must present a certificate with that public key, besides a valid chain; a mismatch stops delivery with the reason in link health while the messages stay queued.",
        params: PeerParams,
        body: TlsPinBody,
        response: { 200: z.object({ peer: PeerView }), ...errorResponses },
      },
    },
    async (req) => ({ peer: await fed.setTlsPin(req.ctx, req.params.peerId, req.body.tlsPin) }),
  );
  for (const action of ["suspend", "resume", "revoke"] as const) {
    app.post(
      `/api/v1/peers/:peerId/${action}`,
      {
        schema: {
          tags,
          summary: `${action[0].toUpperCase()}${action.slice(1)} a peer`,
          params: PeerParams,
          response: { 200: z.object({ peer: PeerView }), ...errorResponses },
        },
      },
      async (req) => ({ peer: await fed.setState(req.ctx, req.params.peerId, action) }),
    );
  }
  app.post(
    "/api/v1/peers/:peerId/ping",
    {
      schema: {
        tags,
        summary: "Hotline test: send pings the peer answers automatically",
        params: PeerParams,
        body: z.strictObject({ count: z.number().int().min(1).max(100).default(1) }).default({ count: 1 }),
        response: {
          201: z.object({
            pings: z.array(z.object({ pingId: z.string(), msgId: z.string(), seq: z.number() })),
          }),
          ...errorResponses,
        },
      },
    },
    async (req, reply) =>
      reply.status(201).send({ pings: await fed.ping(req.ctx, req.params.peerId, req.body?.count ?? 1) }),
  );
  app.get(
    "/api/v1/peers/:peerId/pings",
    {
      schema: {
        tags,
        summary: "Recent hotline tests and their round-trip times",
        params: PeerParams,
        querystring: z.strictObject({
          ids: z
            .string()
            .max(40 * 100)
            .optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: { 200: z.object({ items: z.array(PingItem) }), ...errorResponses },
      },
    },
    async (req) => ({
      items: await fed.listPings(req.ctx, req.params.peerId, {
        ids: req.query.ids
          ? req.query.ids.split(",").filter((x) => z.uuid().safeParse(x).success)
          : undefined,
        limit: req.query.limit,
      }),
    }),
  );
  app.get(
    "/api/v1/peers/:peerId/outbox",
    {
      schema: {
        tags,
        summary: "Envelopes queued or sent to the peer, with their receipts",
        params: PeerParams,
        querystring: ListQuery.extend({
          status: OutboxStatus.optional(),
        }),
        response: { 200: z.object({ items: z.array(OutboxItem) }), ...errorResponses },
      },
    },
    async (req) => ({ items: await fed.listOutbox(req.ctx, req.params.peerId, req.query) }),
  );
  app.get(
    "/api/v1/peers/:peerId/inbox",
    {
      schema: {
        tags,
        summary: "Envelopes received from the peer: transport metadata only (no content)",
        params: PeerParams,
        querystring: ListQuery.extend({
          type: z.string().max(100).optional(),
          status: InboxStatus.optional(),
        }),
        response: { 200: z.object({ items: z.array(InboxItem) }), ...errorResponses },
      },
    },
    async (req) => ({ items: await fed.listInbox(req.ctx, req.params.peerId, req.query) }),
  );
  app.post(
    "/api/v1/peers/:peerId/outbox/:msgId/cancel",
    {
      schema: {
        tags,
        summary: "Cancel an undelivered envelope (a tombstone takes its sequence number)",
        params: MsgParams,
        response: { 200: z.object({ msgId: z.string(), cancelled: z.boolean() }), ...errorResponses },
      },
    },
    async (req) => fed.cancel(req.ctx, req.params.peerId, req.params.msgId),
  );
  app.post(
    "/api/v1/peers/:peerId/inbox/:msgId/retry",
    {
      schema: {
        tags,
        summary: "Apply a held incoming message now (and what waits behind it)",
        params: MsgParams,
        response: {
          200: z.object({ msgId: z.string(), applied: z.boolean(), inSeq: z.number() }),
          ...errorResponses,
        },
      },
    },
    async (req) => fed.retryHeldMessage(req.ctx, req.params.peerId, req.params.msgId),
  );
  app.post(
    "/api/v1/peers/:peerId/inbox/:msgId/skip",
    {
      schema: {
        tags,
        summary:
          "Reject a held incoming message for good (the sender is told) and apply what waits behind it",
        params: MsgParams,
        body: z.strictObject({ note: z.string().max(500).default("") }),
        response: {
          200: z.object({ msgId: z.string(), skipped: z.boolean(), inSeq: z.number() }),
          ...errorResponses,
        },
      },
    },
    async (req) => fed.skipHeldMessage(req.ctx, req.params.peerId, req.params.msgId, req.body.note),
  );
  app.post(
    "/api/v1/peers/:peerId/resequence",
    {
      schema: {
        tags,
        summary:
          "After a sequence conflict: renumber the messages waiting for the peer after the highest number it holds, and resume delivery",
        params: PeerParams,
        body: z.strictObject({ afterSeq: z.number().int().nonnegative().optional() }),
        response: {
          200: z.object({ peerId: z.string(), firstSeq: z.number(), count: z.number() }),
          ...errorResponses,
        },
      },
    },
    async (req) => fed.resequence(req.ctx, req.params.peerId, req.body),
  );
  app.post(
    "/api/v1/peers/:peerId/notices",
    {
      bodyLimit: 24 * 1024 * 1024,
      schema: {
        tags,
        summary: "Send an operational notice to the peer's administrators, optionally with an attachment",
        params: PeerParams,
        body: z.strictObject({
          text: z.string().min(1).max(4000),
          language: z.enum(["en", "zh-CN"]),
          attachment: z
            .strictObject({
              name: z.string().min(1).max(300),
              contentBase64: z.base64().max(22 * 1024 * 1024),
            })
            .optional(),
        }),
        response: {
          201: z.object({
            msgId: z.string(),
            seq: z.number(),
            attachment: z
              .object({ id: z.string(), sha256: z.string(), size: z.number(), name: z.string().optional() })
              .nullable(),
          }),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => reply.status(201).send(await fed.sendNotice(req.ctx, req.params.peerId, req.body)),
  );
  app.get(
    "/api/v1/peers/:peerId/attachments/:id",
    {
      schema: {
        tags,
        summary: "Download an attachment received from the peer (verified against its SHA-256)",
        params: z.strictObject({ peerId: PeerId, id: z.uuid() }),
      },
    },
    async (req, reply) => {
      const a = await fed.readAttachment(req.ctx, req.params.peerId, req.params.id);
      return sendStoredFile(reply, a);
    },
  );
  app.post(
    "/api/v1/node/keys/rotate",
    {
      schema: {
        tags: ["node"],
        summary: "Add new node keys; the old ones stay valid (overlap) until retired; peers are told",
        response: { 200: z.object({ added: z.array(z.string()) }), ...errorResponses },
      },
    },
    async (req) => fed.rotateKeys(req.ctx),
  );
  app.post(
    "/api/v1/node/keys/retire",
    {
      schema: {
        tags: ["node"],
        summary: "Retire the keys of the last rotation once every peer has the new ones",
        body: z.strictObject({ force: z.boolean().default(false) }).default({ force: false }),
        response: { 200: z.object({ retired: z.array(z.string()) }), ...errorResponses },
      },
    },
    async (req) => fed.retireKeys(req.ctx, req.body?.force ?? false),
  );

  if (metrics) registerFederationMetrics(s, metrics);
}

function registerFederationMetrics(s: Services, metrics: Metrics) {
  /**
   * A read shared by the gauges of one scrape: the registry collects its metrics together, so the gauges that
   * ask while the read runs share it, and the next scrape reads afresh.
   */
  function perScrape<T>(read: () => Promise<T[]>): () => Promise<T[]> {
    let running: Promise<T[]> | null = null;
    return () =>
      (running ??= read()
        .catch(() => [])
        .finally(() => {
          running = null;
        }));
  }
  /** A gauge labelled by peer, one value per row of a shared read (none where `pick` gives null). */
  function perPeerGauge<T>(
    read: () => Promise<T[]>,
    peerOf: (row: T) => string,
    name: string,
    help: string,
    pick: (row: T) => number | null,
  ) {
    return new Gauge({
      name,
      help,
      labelNames: ["peer"],
      registers: [metrics.registry],
      async collect() {
        this.reset();
        for (const row of await read()) {
          const v = pick(row);
          if (v !== null) this.set({ peer: peerOf(row) }, v);
        }
      },
    });
  }
  const snapshot = perScrape(() => s.federationService.metricsSnapshot());
  const gauge = (
    name: string,
    help: string,
    pick: (h: Awaited<ReturnType<typeof snapshot>>[number]) => number | null,
  ) => perPeerGauge(snapshot, (p) => p.id, name, help, pick);
  // The held and the deferred messages per peer: one query per scrape for both.
  const inbox = perScrape(() => s.federationService.heldCounts());
  perPeerGauge(
    inbox,
    (h) => h.peerId,
    "crossline_federation_held_messages",
    "Messages received from the peer and held (a gap before them, or a handler failing)",
    (h) => h.held || null,
  );
  perPeerGauge(
    inbox,
    (h) => h.peerId,
    "crossline_federation_deferred_messages",
    "Messages received from the peer that this node's release cannot read yet, kept until an upgrade",
    (h) => h.deferred || null,
  );
  gauge("crossline_federation_outbox_depth", "Envelopes waiting for delivery", (p) => p.health.outboxDepth);
  gauge(
    "crossline_federation_oldest_undelivered_seconds",
    "Age of the oldest undelivered envelope",
    (p) => p.health.oldestUndeliveredAgeSeconds ?? 0,
  );
  gauge("crossline_federation_sent_total", "Envelopes queued for the peer", (p) => p.health.sent);
  gauge("crossline_federation_delivered_total", "Envelopes the peer receipted", (p) => p.health.delivered);
  gauge("crossline_federation_received_total", "Envelopes received from the peer", (p) => p.health.received);
  gauge("crossline_federation_rejected_total", "Envelopes from the peer rejected", (p) => p.health.rejected);
  gauge("crossline_federation_rtt_ms", "Round-trip time of the last delivery POST", (p) => p.health.rttMs);
  gauge(
    "crossline_federation_ping_rtt_ms",
    "Round-trip time of the last hotline test",
    (p) => p.health.pingRttMs,
  );
  gauge(
    "crossline_federation_last_success_timestamp_seconds",
    "Last successful exchange with the peer",
    (p) => (p.health.lastSuccessAt ? Date.parse(p.health.lastSuccessAt) / 1000 : null),
  );
  gauge("crossline_federation_link_down", "1 when the link is down beyond the alert threshold", (p) =>
    p.health.linkDown ? 1 : 0,
  );
  const t = s.federationService.timing;
  new Gauge({
    name: "crossline_federation_stage_seconds_total",
    help: "Time this process spent per federation stage since it started",
    labelNames: ["stage"],
    registers: [metrics.registry],
    collect() {
      this.set({ stage: "claim" }, t.claimMs / 1000);
      this.set({ stage: "seal" }, t.sealMs / 1000);
      this.set({ stage: "post" }, t.postMs / 1000);
      this.set({ stage: "verify_receipts" }, t.verifyReceiptsMs / 1000);
      this.set({ stage: "outbox_commit" }, t.outboxCommitMs / 1000);
      this.set({ stage: "open" }, t.openMs / 1000);
      this.set({ stage: "inbox_commit" }, t.inboxCommitMs / 1000);
      this.set({ stage: "sign_receipts" }, t.signReceiptsMs / 1000);
    },
  });
  new Gauge({
    name: "crossline_federation_envelopes_total",
    help: "Envelopes this process sent (out) and received (in) since it started",
    labelNames: ["direction"],
    registers: [metrics.registry],
    collect() {
      this.set({ direction: "out" }, t.envelopesOut);
      this.set({ direction: "in" }, t.envelopesIn);
    },
  });
  new Gauge({
    name: "crossline_federation_batches_out_total",
    help: "Batches this process POSTed since it started: after the previous one's outcomes were recorded, pipelined (claimed and sealed while the peer's previous batch was in flight), or at_answer (claimed when the peer answered the previous batch, sent while its outcomes were recorded)",
    labelNames: ["mode"],
    registers: [metrics.registry],
    collect() {
      this.set({ mode: "pipelined" }, t.batchesPipelined);
      this.set({ mode: "at_answer" }, t.batchesAtAnswer);
      this.set({ mode: "after_record" }, t.batchesOut - t.batchesPipelined - t.batchesAtAnswer);
    },
  });
  new Gauge({
    name: "crossline_federation_fields_ignored_total",
    help: "Envelopes accepted with payload fields this release does not know (sent by a peer on a newer release), by message type",
    labelNames: ["type"],
    registers: [metrics.registry],
    collect() {
      for (const [type, n] of s.federationService.fieldsIgnored) this.set({ type }, n);
    },
  });
  gauge("crossline_federation_peer_active", "1 when the peer is active", (p) =>
    p.state === "active" ? 1 : 0,
  );
}
