import { z } from "zod";
import { IsoDateTime, NodeId, PageQuery, pageOf } from "./common.js";
import { Marking, ShareRefusal } from "./markings.js";

/**
 * Shared objects: an object owned by one node, versioned by its owner, sent to chosen peers under a
 * marking, updated and withdrawn by its owner only, kept read-only by the receivers. Cases, indicators,
 * fugitive entries, assets, dialogue rounds and outcome lists all travel this way; a domain declares its
 * type and content schema on the server (`defineSharedType`), the rest is common. See docs/shared-objects.md.
 */

/** `so_` + a UUIDv7: tells what it is, sorts by creation, minted by the owner and the same on every node. */
export const SharedObjectId = z
  .string()
  .regex(/^so_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, {
    message: "a shared-object id: so_ and a UUIDv7",
  });

/** Object types are dotted lower-case names, e.g. indicator, fugitive.entry. */
export const SharedObjectType = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, { message: "a dotted lower-case type, e.g. indicator" });

export const SHARED_OBJECT_STATES = ["active", "withdrawn"] as const;
export const SharedObjectState = z.enum(SHARED_OBJECT_STATES);
export type SharedObjectState = z.infer<typeof SharedObjectState>;

export const HOLDER_STATES = ["active", "withdrawn", "refused"] as const;
export const HolderState = z.enum(HOLDER_STATES);
export type HolderState = z.infer<typeof HolderState>;

/** Content is bounded on the wire; its shape is the declared type's schema. */
const Content = z.record(z.string(), z.unknown());

// --- Messages between nodes -------------------------------------------------------------------------------

/** Message types (dotted, as the federation transport wants them). */
export const SHARED_MSG = {
  put: "shared.object.put",
  withdraw: "shared.object.withdraw",
  refused: "shared.object.refused",
  proposal: "shared.object.proposal",
} as const;

/**
 * A version of an object: its first copy, or an update. The receiver applies it only if `version` is higher
 * than the one it holds (no clock is ever compared: `ownerUpdatedAt` is shown, never used to decide).
 */
export const SharedPutPayload = z.strictObject({
  ownerNode: NodeId,
  id: SharedObjectId,
  type: SharedObjectType,
  typeVersion: z.number().int().min(1).max(1000),
  version: z.number().int().min(1).max(2_000_000_000),
  marking: Marking,
  content: Content,
  /** The nodes the copy passed through, owner first (the sender last). A node never appears twice. */
  path: z.array(NodeId).min(1).max(32),
  ownerUpdatedAt: IsoDateTime,
});
export type SharedPutPayload = z.infer<typeof SharedPutPayload>;

/** A tombstone: the owner withdrew the object. Its version is one more than the last version. */
export const SharedWithdrawPayload = z.strictObject({
  ownerNode: NodeId,
  id: SharedObjectId,
  type: SharedObjectType,
  version: z.number().int().min(1).max(2_000_000_000),
  path: z.array(NodeId).min(1).max(32),
  /** The marking of the last version, so a tombstone that arrives before any copy can still be kept. */
  marking: Marking,
  /** Why it is withdrawn: by its owner, or because the marking no longer lets this node hold it. */
  cause: z.enum(["owner", "marking"]),
  ownerWithdrawnAt: IsoDateTime,
});
export type SharedWithdrawPayload = z.infer<typeof SharedWithdrawPayload>;

/** The receiver's answer when it refuses a copy: the sender stops sending it there. */
export const SharedRefusedPayload = z.strictObject({
  ownerNode: NodeId,
  id: SharedObjectId,
  version: z.number().int().min(0).max(2_000_000_000),
  reason: ShareRefusal,
});
export type SharedRefusedPayload = z.infer<typeof SharedRefusedPayload>;

/**
 * A holder's proposal to the owner (the read-only rule stays: only the owner writes a version). It names the
 * version the holder read; the owner's domain applies it as its own next version (which then reaches every
 * holder, the proposer too) or refuses it, and the proposer is told through the transport's rejection.
 * `content` is the proposal as the type declares it (`proposals.schema` on the server).
 */
export const SharedProposalPayload = z.strictObject({
  ownerNode: NodeId,
  id: SharedObjectId,
  type: SharedObjectType,
  version: z.number().int().min(1).max(2_000_000_000),
  proposalId: z.uuid(),
  /** The label of the person who proposed it, at the proposer's node (shown by the owner beside the change). */
  by: z.string().min(1).max(200),
  content: Content,
  proposedAt: IsoDateTime,
});
export type SharedProposalPayload = z.infer<typeof SharedProposalPayload>;

// --- API ------------------------------------------------------------------------------------------------

const Recipients = z
  .array(NodeId)
  .min(1)
  .max(50)
  .refine((a) => new Set(a).size === a.length, { message: "each node at most once" });

export const PublishSharedObjectBody = z.strictObject({
  type: SharedObjectType,
  marking: Marking,
  /** Checked against the declared type's schema; issues name `content.<field>`. */
  content: Content,
  recipients: Recipients.optional(),
});
export type PublishSharedObjectBody = z.input<typeof PublishSharedObjectBody>;

export const UpdateSharedObjectBody = z
  .strictObject({
    /** The version the caller read: a stale one is a conflict, not a silent overwrite. */
    version: z.number().int().min(1),
    marking: Marking.optional(),
    content: Content.optional(),
  })
  .refine((b) => b.marking !== undefined || b.content !== undefined, {
    message: "change the marking, the content or both",
  });
export type UpdateSharedObjectBody = z.input<typeof UpdateSharedObjectBody>;

export const ShareSharedObjectBody = z.strictObject({ recipients: Recipients });

export const SharedObjectQuery = PageQuery.extend({
  type: SharedObjectType.optional(),
  direction: z.enum(["own", "received"]).optional(),
  state: SharedObjectState.optional(),
});
export type SharedObjectQuery = z.infer<typeof SharedObjectQuery>;

export const SharedObjectHolder = z.object({
  nodeId: z.string(),
  state: HolderState,
  version: z.number().int(),
  refusal: ShareRefusal.nullable(),
  since: z.string(),
});

export const SharedObjectView = z.object({
  id: z.string(),
  type: z.string(),
  typeVersion: z.number().int(),
  ownerNode: z.string(),
  direction: z.enum(["own", "received"]),
  /** The peer this node received it from (the owner, or a node that passed it on); null for its own. */
  sourceNode: z.string().nullable(),
  path: z.array(z.string()),
  version: z.number().int(),
  state: SharedObjectState,
  marking: Marking,
  content: Content.nullable(),
  ownerUpdatedAt: z.string(),
  receivedAt: z.string().nullable(),
  withdrawnAt: z.string().nullable(),
  /** Whether this node may pass it on to another peer (its marking and how it came here). */
  canShareOnward: z.boolean(),
  /** The peers this node sent it to, with what they hold. */
  holders: z.array(SharedObjectHolder),
});
export type SharedObjectView = z.infer<typeof SharedObjectView>;

export const SharedObjectPage = pageOf(SharedObjectView);
