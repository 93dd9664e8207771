import {
  markingRefusal,
  SHARED_MSG,
  type SharedPutPayload,
  type SharedWithdrawPayload,
  type ShareRefusal,
} from "@crossline/schemas";
import type { DbOrTx, Tx } from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { AppError } from "../../lib/errors.js";
import type { BlobPort } from "../federation/federation.directory.js";
import type { AttachmentRef, FederationPort } from "../federation/federation.types.js";
import { type HolderRow, sharedObjectsRepo as repo, type SharedObjectRow } from "./shared-objects.repo.js";
import type { SharedAttachment, SharedTypeRegistry } from "./shared-objects.types.js";

/**
 * Refusals after which the peer holds no copy from this node (it holds one from elsewhere, or a tombstone, or
 * the id is another object's there): no tombstone goes to it. After any other refusal it may hold an earlier
 * version, and the tombstone follows.
 */
const HOLDS_NO_COPY: ReadonlySet<string> = new Set<ShareRefusal>([
  "ALREADY_HELD",
  "LOOP",
  "WRONG_SOURCE",
  "ID_CONFLICT",
  "AFTER_WITHDRAWAL",
]);

/** Does a holder in this state get the object's tombstone (and a withdrawal when the marking drops it)? */
const getsTombstone = (h: HolderRow) =>
  h.state === "active" || (h.state === "refused" && !HOLDS_NO_COPY.has(h.refusal ?? ""));

/**
 * How a version or a tombstone leaves this node: to every active holder of the object (the owner's recipients,
 * or the peers a receiver passed its copy on to; the tombstone also to those that refused a version and may hold
 * an earlier one), and to no one else, through the federation outbox in the
 * transaction of the change (so per-peer order and exactly-once delivery hold). A holder the new marking no
 * longer admits gets a tombstone instead of the version.
 */
export function createFanout(deps: {
  clock: Clock;
  federation: FederationPort;
  nodeId: (dbx: DbOrTx) => Promise<string>;
  types?: SharedTypeRegistry;
  /** Which of the files a content names this node holds (federation's blob port); without it none travel. */
  blobs?: Pick<BlobPort, "storedAttachments">;
}) {
  const { clock, federation, nodeId } = deps;

  /** The files of the row's content whose bytes this node holds: they go with the version (the type says which). */
  async function attachmentsOf(tx: Tx, row: SharedObjectRow): Promise<SharedAttachment[]> {
    const def = deps.types?.get(row.type);
    if (!def?.attachments || !row.content || !deps.blobs) return [];
    const refs = def.attachments(row.content);
    if (!refs.length) return [];
    return deps.blobs.storedAttachments(tx, await nodeId(tx), refs);
  }

  function putPayload(row: SharedObjectRow): SharedPutPayload {
    return {
      ownerNode: row.ownerNode,
      id: row.id,
      type: row.type,
      typeVersion: row.typeVersion,
      version: row.version,
      marking: row.marking,
      content: row.content ?? {},
      path: row.path,
      ownerUpdatedAt: row.ownerUpdatedAt.toISOString(),
    };
  }

  function withdrawPayload(row: SharedObjectRow, cause: "owner" | "marking"): SharedWithdrawPayload {
    return {
      ownerNode: row.ownerNode,
      id: row.id,
      type: row.type,
      version: row.version,
      marking: row.marking,
      path: row.path,
      cause,
      ownerWithdrawnAt: (row.withdrawnAt ?? row.ownerUpdatedAt).toISOString(),
    };
  }

  /**
   * Queues one message to a peer; a peer that cannot take messages any more (revoked, or never paired) is
   * reported back as false rather than failing the caller's change (which may be an incoming message).
   */
  async function send(
    tx: Tx,
    ctx: Ctx,
    peerId: string,
    type: string,
    payload: unknown,
    attachments: AttachmentRef[] = [],
  ): Promise<boolean> {
    try {
      await federation.enqueue(tx, ctx, {
        peerId,
        type,
        payload,
        ...(attachments.length ? { attachments } : {}),
      });
      return true;
    } catch (e) {
      if (e instanceof AppError && (e.code === "NOT_FOUND" || e.code === "CONFLICT")) return false;
      throw e;
    }
  }

  /**
   * Sends the row's current version to every active holder; returns the peers it could not reach.
   * Its files go with it: those the type names in the content (`attachments`) that this node holds, and the
   * `attachments` the caller adds (files this node stored for this version, as a round's documents).
   */
  async function sendVersion(
    tx: Tx,
    ctx: Ctx,
    row: SharedObjectRow,
    attachments?: AttachmentRef[],
  ): Promise<string[]> {
    const self = await nodeId(tx);
    const onward = row.ownerNode !== self;
    const unreachable: string[] = [];
    const now = clock.now();
    const named = await attachmentsOf(tx, row);
    const files = [...named, ...(attachments ?? []).filter((a) => !named.some((n) => n.id === a.id))];
    for (const h of await repo.holders(tx, [row.id])) {
      if (!getsTombstone(h)) continue;
      const refusal = markingRefusal(row.marking, { nodeId: h.peerId, onward });
      // Versions stop at a peer's refusal; a withdrawal does not (it may hold an earlier version).
      if (h.state === "refused" && !refusal) continue;
      const ok = refusal
        ? await send(tx, ctx, h.peerId, SHARED_MSG.withdraw, withdrawPayload(row, "marking"))
        : await send(tx, ctx, h.peerId, SHARED_MSG.put, putPayload(row), files);
      if (!ok) {
        unreachable.push(h.peerId);
        continue;
      }
      await repo.setHolder(tx, row.id, h.peerId, {
        version: row.version,
        state: refusal ? "withdrawn" : "active",
        updatedAt: now,
      });
    }
    return unreachable;
  }

  /**
   * Sends the tombstone to every holder that may hold a copy, once: each is marked withdrawn as it is queued. A
   * holder that refused a version gets it too (getsTombstone): it may hold an earlier one, and a deletion is
   * never lost.
   */
  async function sendTombstone(
    tx: Tx,
    ctx: Ctx,
    row: SharedObjectRow,
    cause: "owner" | "marking",
  ): Promise<string[]> {
    const unreachable: string[] = [];
    const now = clock.now();
    for (const h of await repo.holders(tx, [row.id])) {
      if (!getsTombstone(h)) continue;
      if (!(await send(tx, ctx, h.peerId, SHARED_MSG.withdraw, withdrawPayload(row, cause)))) {
        unreachable.push(h.peerId);
        continue;
      }
      await repo.setHolder(tx, row.id, h.peerId, {
        version: row.version,
        state: "withdrawn",
        updatedAt: now,
      });
    }
    return unreachable;
  }

  return { send, sendVersion, sendTombstone, putPayload, attachmentsOf };
}
export type Fanout = ReturnType<typeof createFanout>;
