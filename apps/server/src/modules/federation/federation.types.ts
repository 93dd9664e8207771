import type { z } from "zod";
import type { Tx } from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";

/**
 * The contract between the federation transport and the domains that ride on it
 * (requests, cases, fugitives, …). A domain enqueues messages inside the
 * transaction of the change that causes them, and registers a handler per
 * message type that the inbox runs — exactly once, in per-peer order — inside
 * the transaction that marks the message applied.
 */
export interface OutgoingMessage {
  /** The peer's node id, e.g. "US-DOJ". */
  peerId: string;
  /** Message type, dotted, e.g. "request.event". */
  type: string;
  schemaVersion?: number;
  payload: unknown;
  conversation?: string;
  inReplyTo?: string;
  attachments?: { id: string; sha256: string; size: number; name?: string }[];
}

export interface EnqueuedMessage {
  msgId: string;
  seq: number;
}

export interface IncomingMessage<P = unknown> {
  msgId: string;
  /** The sending peer's node id. */
  peerId: string;
  seq: number;
  type: string;
  schemaVersion: number;
  created: string;
  conversation?: string;
  inReplyTo?: string;
  attachments?: { id: string; sha256: string; size: number; name?: string }[];
  payload: P;
}

export interface MessageHandler<S extends z.ZodType = z.ZodType> {
  type: string;
  /** Payloads that fail it are rejected with reason SCHEMA_INVALID and change nothing. */
  schema: S;
  /**
   * The highest payload `schemaVersion` this release reads (1 when absent). A message of a later version, a
   * change a newer sender says must not be ignored, is rejected with SCHEMA_INVALID naming both versions
   * (docs/decisions/0004); fields merely added keep the version and are ignored here (lib/received.ts).
   */
  schemaVersion?: number;
  /**
   * Runs inside the inbox transaction; throwing rolls the message back (it is held and retried), except a
   * PermanentRejection, which rejects it for good.
   */
  apply(tx: Tx, msg: IncomingMessage<z.infer<S>>, ctx: Ctx): Promise<void>;
  /**
   * What this node does when a peer rejects for good one of this node's own messages of this type after
   * accepting it (`federation.rejected`: the peer's handler refused it, or its operator skipped a message its
   * release could not read). Runs in the transaction that records the rejection, with the payload as this node
   * sent it (parsed with `schema`; a payload the schema no longer reads is not passed on).
   */
  rejected?(tx: Tx, rejection: RejectedByPeer<z.infer<S>>, ctx: Ctx): Promise<void>;
}

/** One of this node's messages that a peer rejected for good after accepting it. */
export interface RejectedByPeer<P = unknown> {
  /** The peer that rejected it. */
  peerId: string;
  msgId: string;
  type: string;
  /** The payload as this node sent it. */
  payload: P;
  /** The peer's operator skipped it (its release could not read it), or its handler refused it. */
  reason: "SKIPPED_BY_OPERATOR" | "HANDLER_REJECTED";
  /** The peer's own code and technical text. */
  code: string;
  detail: string;
}

/**
 * What a handler throws when a message can never be applied (it concerns a record not shared with the
 * sender, it goes the wrong way, …), as opposed to a passing failure (any other error: the message is held and
 * retried). The inbox consumes the message's sequence number without applying it, so the link behind it
 * moves on, records the code, and tells the sender, both sides auditing it.
 */
export class PermanentRejection extends Error {
  constructor(
    /** Upper-case reason code, e.g. NOT_SHARED, WRONG_DIRECTION. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "PermanentRejection";
  }
}

/**
 * What a handler throws when the message carries something this release cannot read yet, as a sender on a newer
 * release sends it (a shared object of a type or type version it does not know). Nothing of it is applied: the
 * inbox keeps the message as `deferred` (its sequence number consumed, the link behind it moving on) and applies
 * it after a start of a release that reads it (docs/decisions/0006). The message is technical text.
 */
export class NotYetReadable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotYetReadable";
  }
}

/**
 * The one way to define a message handler: the payload type follows from the schema, and the result is the
 * port's MessageHandler (whose payload is unknown until the schema has parsed it).
 */
export function defineHandler<S extends z.ZodType>(
  type: string,
  schema: S,
  apply: (tx: Tx, msg: IncomingMessage<z.infer<S>>, ctx: Ctx) => Promise<void>,
  more: { rejected?: (tx: Tx, rejection: RejectedByPeer<z.infer<S>>, ctx: Ctx) => Promise<void> } = {},
): MessageHandler {
  return {
    type,
    schema,
    apply: apply as MessageHandler["apply"],
    ...(more.rejected ? { rejected: more.rejected as MessageHandler["rejected"] } : {}),
  };
}

export type { EnvelopeResult } from "@crossline/schemas";

export interface FederationPort {
  /** Queues an envelope in the caller's transaction (the transactional outbox). */
  enqueue(tx: Tx, ctx: Ctx, msg: OutgoingMessage): Promise<EnqueuedMessage>;
  /** Registers the handler of one incoming message type. */
  registerHandler(handler: MessageHandler): void;
}

/** A reference to an attachment as envelopes and domain records carry it. */
export interface AttachmentRef {
  id: string;
  sha256: string;
  size: number;
  name?: string;
}
