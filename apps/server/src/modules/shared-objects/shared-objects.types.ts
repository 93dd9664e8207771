import type { Marking } from "@crossline/schemas";
import type { z } from "zod";
import type { DbOrTx, Tx } from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";

/**
 * What a domain declares to share objects of one type (an indicator, a fugitive entry, an outcome list…).
 * The shared-objects module does the rest: ids, versions, markings, fan-out to peers, tombstones, receiver
 * rules, read-only copies, the API and the audit trail.
 */
export interface SharedTypeDef<
  S extends z.ZodType<Record<string, unknown>> = z.ZodType<Record<string, unknown>>,
> {
  /** Dotted lower-case name, e.g. "indicator"; the same on every node that understands it. */
  type: string;
  /**
   * The version of the content schema. A receiver keeps a later version than its release reads until it is
   * upgraded (deferred, docs/decisions/0006) and refuses an earlier one (UNKNOWN_OBJECT_TYPE).
   */
  version: number;
  /** The content's schema; checked on publish and update by the owner and again by every receiver. */
  schema: S;
  /** The top-level content fields that hold personal data (names, phone numbers…), for the personal-data hooks. */
  personalData?: { fields: readonly (keyof z.infer<S> & string)[] };
  /**
   * An owner-side rule on an update beyond the schema (e.g. a field that may not change once set): returns
   * the issues, each naming a content field, or an empty list.
   */
  validateUpdate?: (prev: z.infer<S>, next: z.infer<S>) => { field: string; issue: string }[];
  /**
   * Called in the inbox transaction once a received copy is stored, replaced by a newer version or withdrawn
   * (`content` null), and in the erasure's transaction when this node erases the copy's content at the end of
   * its retention (`content` null, state unchanged): a domain that keeps its own projection of received objects
   * (the indicators store, for fast search and TAXII; a fugitive entry's copy and its files) refreshes it here,
   * so a withdrawal or an erasure leaves it in the same commit. `ctx` is who acts (the peer, or the user erasing).
   */
  onReceived?: (tx: Tx, copy: ReceivedCopy, ctx: Ctx) => Promise<void>;
  /**
   * The files (federation blobs) the content names, e.g. a fugitive's photos: when this node holds their bytes
   * (it uploaded them), they go with each version it sends, as the envelope's attachments, so a receiver has
   * them when the version applies. A relay sends only the content (the bytes stay with their origin).
   */
  attachments?: (content: Record<string, unknown>) => SharedAttachment[];
  /**
   * What a holder may propose to the owner (e.g. the side asked to verify a repatriation case answers it):
   * the proposal's schema, checked on both sides, and the owner's side, called in the inbox transaction once
   * the mechanism has checked that the sender holds the object at the version the proposal names. The domain
   * applies it as the owner's next version (through its own `updateIn`) or throws to refuse it (the proposer
   * is told by the transport's rejection, with the first issue).
   */
  proposals?: {
    schema: z.ZodType<Record<string, unknown>>;
    onProposal: (tx: Tx, ctx: Ctx, proposal: ReceivedProposal) => Promise<void>;
  };
}

/** A file a shared object's content names (a federation blob of this node). */
export interface SharedAttachment {
  id: string;
  sha256: string;
  size: number;
  name?: string;
}

/** A holder's proposal as the owner's domain sees it (`proposals.onProposal`). */
export interface ReceivedProposal {
  /** The shared object's id (own here). */
  id: string;
  /** The node that proposed it: an active holder of the object. */
  from: string;
  proposalId: string;
  /** The version the proposer read (the object's current one: the mechanism refuses a stale proposal). */
  version: number;
  /** The proposer's label for the person who proposed it. */
  by: string;
  content: Record<string, unknown>;
  proposedAt: string;
  /** Files that came with the proposal (their bytes arrive as the envelope's attachments, origin = `from`). */
  attachments: { id: string; sha256: string; size: number; name?: string }[];
}

/** A received copy as the `onReceived` hook of its type sees it. */
export interface ReceivedCopy {
  id: string;
  ownerNode: string;
  unitId: string;
  version: number;
  state: "active" | "withdrawn";
  marking: Marking;
  content: Record<string, unknown> | null;
}

/** Types a declaration by its schema (and checks it), then hands it over untyped for the registry. */
export function defineSharedType<S extends z.ZodType<Record<string, unknown>>>(
  def: SharedTypeDef<S>,
): SharedTypeDef {
  if (!/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/.test(def.type) || def.type.length > 64) {
    throw new Error(`shared type ${def.type}: a dotted lower-case name`);
  }
  if (!Number.isInteger(def.version) || def.version < 1)
    throw new Error(`shared type ${def.type}: version ≥ 1`);
  return def as unknown as SharedTypeDef;
}

/** The object as the personal-data hooks see it. */
export interface PersonalDataSubject {
  type: string;
  objectId: string;
  ownerNode: string;
  direction: "own" | "received";
  marking: Marking;
  /** The declared personal-data fields present in this object's content. */
  fields: string[];
}

/**
 * The one place where the data-protection rules plug in (access logging, retention) for every shared type.
 * The module calls these; the default does nothing. Only objects whose type declares personal-data fields,
 * and whose content holds at least one of them, reach the hooks.
 */
export interface PersonalDataHooks {
  /** Someone read objects holding personal data (a detail or a list page): the access log. Same transaction. */
  onRead(dbx: DbOrTx, ctx: Ctx, subjects: PersonalDataSubject[]): Promise<void>;
  /** When the personal data of this object (as stored now) is due for erasure; null: no rule. */
  retentionEnd(subject: PersonalDataSubject, at: Date): Date | null;
}

export const NO_PERSONAL_DATA_HOOKS: PersonalDataHooks = {
  onRead: async () => {},
  retentionEnd: () => null,
};

/** The declared types of this node, by name. Registered at start-up by each domain. */
export function createSharedTypeRegistry() {
  const types = new Map<string, SharedTypeDef>();
  return {
    register(def: SharedTypeDef): void {
      if (types.has(def.type)) throw new Error(`shared type ${def.type} is already declared`);
      types.set(def.type, def);
    },
    get(type: string): SharedTypeDef | undefined {
      return types.get(type);
    },
    names(): string[] {
      return [...types.keys()].sort();
    },
  };
}
export type SharedTypeRegistry = ReturnType<typeof createSharedTypeRegistry>;

/** The declared personal-data fields present (not null, not empty) in a content object. */
export function personalFieldsIn(
  def: SharedTypeDef | undefined,
  content: Record<string, unknown> | null,
): string[] {
  if (!def?.personalData || !content) return [];
  return def.personalData.fields.filter((f) => {
    const v = content[f];
    return v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && v.length === 0);
  });
}
