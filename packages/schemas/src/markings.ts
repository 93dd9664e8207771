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
] as const;
export const ShareRefusal = z.enum(SHARE_REFUSALS);
export type ShareRefusal = z.infer<typeof ShareRefusal>;

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

type Label = { en: string; zh: string };

export const TLP_LABELS: Record<TlpLevel, Label & { hint: Label }> = {
  CLEAR: {
    en: "TLP:CLEAR",
    zh: "TLP:CLEAR（公开）",
    hint: { en: "No limit on disclosure", zh: "披露不受限制" },
  },
  GREEN: {
    en: "TLP:GREEN",
    zh: "TLP:GREEN（社群内）",
    hint: { en: "Within the community, not public", zh: "限于社群内部，不得公开" },
  },
  AMBER: {
    en: "TLP:AMBER",
    zh: "TLP:AMBER（有限）",
    hint: {
      en: "Recipients' organisations and their partners on a need-to-know basis",
      zh: "限于接收方机构及其合作方，按需知悉",
    },
  },
  "AMBER+STRICT": {
    en: "TLP:AMBER+STRICT",
    zh: "TLP:AMBER+STRICT（仅限接收机构）",
    hint: { en: "Recipients' organisations only; never passed on", zh: "仅限接收方机构，不得转交" },
  },
  RED: {
    en: "TLP:RED",
    zh: "TLP:RED（仅限指名接收方）",
    hint: { en: "Named recipients only", zh: "仅限指名的接收方" },
  },
};

export const HANDLING_CODE_LABELS: Record<HandlingCode, Label> = {
  no_judicial_use_without_consent: {
    en: "Not for judicial use without the originator's consent",
    zh: "未经提供方同意不得用于司法程序",
  },
  no_onward_transfer: { en: "Not to be passed on", zh: "不得转交他方" },
  no_operational_action_without_consent: {
    en: "No operational action without the originator's consent",
    zh: "未经提供方同意不得据此采取行动",
  },
  no_publication: { en: "Not for publication", zh: "不得公开发布" },
  destroy_after_use: { en: "Destroy after use", zh: "使用后销毁" },
};

export const SOURCE_RELIABILITY_LABELS: Record<SourceReliability, Label> = {
  A: { en: "A: no doubt about the source", zh: "A：来源可靠，无可置疑" },
  B: { en: "B: source reliable in most cases", zh: "B：来源多数情况下可靠" },
  C: { en: "C: source unreliable in most cases", zh: "C：来源多数情况下不可靠" },
  X: { en: "X: reliability cannot be assessed", zh: "X：可靠性无法评估" },
};

export const INFORMATION_CREDIBILITY_LABELS: Record<InformationCredibility, Label> = {
  "1": { en: "1: known to be true without reservation", zh: "1：确知属实" },
  "2": {
    en: "2: known personally to the source, not to the officer",
    zh: "2：来源亲知，但经办人员未亲知",
  },
  "3": {
    en: "3: not known personally to the source, corroborated",
    zh: "3：来源未亲知，但已得到佐证",
  },
  "4": { en: "4: cannot be judged", zh: "4：无法判断" },
};

export const SHARE_REFUSAL_LABELS: Record<ShareRefusal, Label> = {
  NOT_NAMED: { en: "TLP:RED and this node is not named", zh: "TLP:RED 且未指名本节点" },
  ONWARD_FORBIDDEN: { en: "The marking forbids passing it on", zh: "标记禁止转交" },
  LOOP: { en: "It would go back where it came from", zh: "将回传至来源节点" },
  ALREADY_HELD: { en: "Already held from another node", zh: "已从其他节点获得" },
  AFTER_WITHDRAWAL: { en: "The object was withdrawn", zh: "该对象已撤回" },
  WRONG_SOURCE: {
    en: "Sent by a node that is neither its owner nor its source",
    zh: "发送方既非所有者也非来源节点",
  },
  ID_CONFLICT: { en: "Its id is taken by another owner's object", zh: "其标识已被其他所有者的对象占用" },
  UNKNOWN_OBJECT_TYPE: { en: "Unknown object type", zh: "未知的对象类型" },
  CONTENT_INVALID: { en: "The content does not match its type", zh: "内容不符合其类型" },
};
