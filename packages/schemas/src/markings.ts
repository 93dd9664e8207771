import { z } from "zod";
import { NodeId } from "./common.js";

/**
 * Handling markings: what every shared object carries (design principle 4, need to know).
 *
 * - TLP 2.0 (FIRST): CLEAR, GREEN, AMBER, AMBER+STRICT, RED.
 * - Handling codes: a closed list of restrictions on use, added to the TLP level.
 * - Source / information evaluation (the 4×4 grid): the reliability of the source (A, B, C, X) and the
 *   credibility of the information (1, 2, 3, 4), for intelligence.
 *
 * The rules that follow from a marking (who may receive it, whether a receiver may pass it on) are pure
 * functions here, so the sending node, the receiving node and the console apply the same ones.
 */

export const TLP_LEVELS = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"] as const;
export const TlpLevel = z.enum(TLP_LEVELS);
export type TlpLevel = z.infer<typeof TlpLevel>;

export const HANDLING_CODES = [
  "no_judicial_use_without_consent",
  "no_onward_transfer",
  "no_operational_action_without_consent",
  "no_publication",
  "destroy_after_use",
] as const;
export const HandlingCode = z.enum(HANDLING_CODES);
export type HandlingCode = z.infer<typeof HandlingCode>;

export const SOURCE_RELIABILITY = ["A", "B", "C", "X"] as const;
export const SourceReliability = z.enum(SOURCE_RELIABILITY);
export type SourceReliability = z.infer<typeof SourceReliability>;

export const INFORMATION_CREDIBILITY = ["1", "2", "3", "4"] as const;
export const InformationCredibility = z.enum(INFORMATION_CREDIBILITY);
export type InformationCredibility = z.infer<typeof InformationCredibility>;

export const Evaluation = z.strictObject({
  source: SourceReliability,
  information: InformationCredibility,
});
export type Evaluation = z.infer<typeof Evaluation>;

export const Marking = z
  .strictObject({
    tlp: TlpLevel,
    handling: z
      .array(HandlingCode)
      .max(HANDLING_CODES.length)
      .default([])
      .refine((a) => new Set(a).size === a.length, { message: "each handling code at most once" }),
    evaluation: Evaluation.optional(),
    /**
     * The nodes a RED object is for, by name; no other node may hold it, whoever sends it. Required with RED,
     * refused with any other level (those say who may receive by kind of audience, not by name).
     */
    releasableTo: z.array(NodeId).min(1).max(50).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.tlp === "RED" && !m.releasableTo?.length) {
      ctx.addIssue({ code: "custom", path: ["releasableTo"], message: "required with TLP:RED" });
    }
    if (m.tlp !== "RED" && m.releasableTo) {
      ctx.addIssue({ code: "custom", path: ["releasableTo"], message: "only with TLP:RED" });
    }
  });
export type Marking = z.infer<typeof Marking>;
export type MarkingInput = z.input<typeof Marking>;

/**
 * Why a node refuses to send, or to keep, a copy of a shared object. The receiver sends its reason back
 * to the sender in a signed `shared.object.refused` message; both sides audit it.
 */
export const SHARE_REFUSALS = [
  /** TLP:RED and the node is not in `releasableTo`. */
  "NOT_NAMED",
  /** An onward copy (not from the owner) of an object whose marking forbids passing it on. */
  "ONWARD_FORBIDDEN",
  /** The copy would go back to its owner or to a node it already passed through. */
  "LOOP",
  /** The node already holds a copy of the object from another node. */
  "ALREADY_HELD",
  /** A version of an object the node holds a tombstone of. */
  "AFTER_WITHDRAWAL",
  /** An update from a node that is neither the owner nor the node the copy came from. */
  "WRONG_SOURCE",
  /** The object's id is taken on the node by an object of another owner. */
  "ID_CONFLICT",
  /** No domain of the node declares the object's type (or that version of its schema). */
  "UNKNOWN_OBJECT_TYPE",
  /** The content does not satisfy the schema of its type. */
  "CONTENT_INVALID",
  /**
   * Recorded by the sender, never sent: the peer kept the copy because its release could not read it yet, then
   * its operator set the message aside (`federation.rejected`, docs/decisions/0006).
   */
  "SKIPPED_BY_OPERATOR",
  /** Recorded by the sender, never sent: the peer accepted the copy, then rejected it for good. */
  "REJECTED_BY_PEER",
] as const;
export const ShareRefusal = z.enum(SHARE_REFUSALS);
export type ShareRefusal = z.infer<typeof ShareRefusal>;

/**
 * Refusals a later attempt may overcome (the peer upgraded, or its operator skipped the copy): the owner may
 * share the object with that peer again. The others would only be refused again.
 */
export const RETRYABLE_SHARE_REFUSALS: ReadonlySet<ShareRefusal> = new Set<ShareRefusal>([
  "UNKNOWN_OBJECT_TYPE",
  "SKIPPED_BY_OPERATOR",
  "REJECTED_BY_PEER",
]);

/**
 * May a node hold a copy of an object with this marking? `onward`: the copy comes from a node other than
 * the owner. Returns the refusal, or null when the marking allows it.
 */
export function markingRefusal(
  marking: Marking,
  to: { nodeId: string; onward: boolean },
): "NOT_NAMED" | "ONWARD_FORBIDDEN" | null {
  if (marking.tlp === "RED" && !marking.releasableTo?.includes(to.nodeId)) return "NOT_NAMED";
  if (to.onward && (marking.tlp === "AMBER+STRICT" || marking.handling.includes("no_onward_transfer"))) {
    return "ONWARD_FORBIDDEN";
  }
  return null;
}
