import type { Labels } from "./labels.js";
import {
  HANDLING_CODES,
  type HandlingCode,
  INFORMATION_CREDIBILITY,
  type InformationCredibility,
  SHARE_REFUSALS,
  type ShareRefusal,
  SOURCE_RELIABILITY,
  type SourceReliability,
  TLP_LEVELS,
  type TlpLevel,
} from "./markings.js";
import { HOLDER_STATES, type HolderState } from "./shared-objects.js";

/**
 * The labels of markings (markings.ts): TLP 2.0 levels and what each means, handling codes, the 4×4 evaluation,
 * why a peer refused a shared object, and where each peer stands with one. Part of `LABELS` in labels.ts.
 */
export const MARKING_LABELS = {
  /** TLP 2.0 (FIRST): the level as people read it. */
  tlpLevel: {
    CLEAR: { en: "TLP:CLEAR", "zh-CN": "TLP:CLEAR（公开）" },
    GREEN: { en: "TLP:GREEN", "zh-CN": "TLP:GREEN（社群内）" },
    AMBER: { en: "TLP:AMBER", "zh-CN": "TLP:AMBER（有限）" },
    "AMBER+STRICT": { en: "TLP:AMBER+STRICT", "zh-CN": "TLP:AMBER+STRICT（仅限接收机构）" },
    RED: { en: "TLP:RED", "zh-CN": "TLP:RED（仅限指名接收方）" },
  } satisfies Labels<TlpLevel>,
  /** What a TLP level means, shown under its picker. */
  tlpHint: {
    CLEAR: { en: "No limit on disclosure", "zh-CN": "披露不受限制" },
    GREEN: { en: "Within the community, not public", "zh-CN": "限于社群内部，不得公开" },
    AMBER: {
      en: "Recipients' organisations and their partners on a need-to-know basis",
      "zh-CN": "限于接收方机构及其合作方，按需知悉",
    },
    "AMBER+STRICT": {
      en: "Recipients' organisations only; never passed on",
      "zh-CN": "仅限接收方机构，不得转交",
    },
    RED: { en: "Named recipients only", "zh-CN": "仅限指名的接收方" },
  } satisfies Labels<TlpLevel>,
  handlingCode: {
    no_judicial_use_without_consent: {
      en: "Not for judicial use without the originator's consent",
      "zh-CN": "未经提供方同意不得用于司法程序",
    },
    no_onward_transfer: { en: "Not to be passed on", "zh-CN": "不得转交他方" },
    no_operational_action_without_consent: {
      en: "No operational action without the originator's consent",
      "zh-CN": "未经提供方同意不得据此采取行动",
    },
    no_publication: { en: "Not for publication", "zh-CN": "不得公开发布" },
    destroy_after_use: { en: "Destroy after use", "zh-CN": "使用后销毁" },
  } satisfies Labels<HandlingCode>,
  sourceReliability: {
    A: { en: "A: no doubt about the source", "zh-CN": "A：来源可靠，无可置疑" },
    B: { en: "B: source reliable in most cases", "zh-CN": "B：来源多数情况下可靠" },
    C: { en: "C: source unreliable in most cases", "zh-CN": "C：来源多数情况下不可靠" },
    X: { en: "X: reliability cannot be assessed", "zh-CN": "X：可靠性无法评估" },
  } satisfies Labels<SourceReliability>,
  informationCredibility: {
    "1": { en: "1: known to be true without reservation", "zh-CN": "1：确知属实" },
    "2": {
      en: "2: known personally to the source, not to the officer",
      "zh-CN": "2：来源亲知，但经办人员未亲知",
    },
    "3": {
      en: "3: not known personally to the source, corroborated",
      "zh-CN": "3：来源未亲知，但已得到佐证",
    },
    "4": { en: "4: cannot be judged", "zh-CN": "4：无法判断" },
  } satisfies Labels<InformationCredibility>,
  /** Why a peer refused a shared object (its marking, a loop, …): read after "{node} refused it". */
  shareRefusal: {
    NOT_NAMED: { en: "TLP:RED and the node is not named", "zh-CN": "TLP:RED 且未指名该节点" },
    ONWARD_FORBIDDEN: { en: "The marking forbids passing it on", "zh-CN": "标记禁止转交" },
    LOOP: { en: "It would go back where it came from", "zh-CN": "将回传至来源节点" },
    ALREADY_HELD: { en: "Already held from another node", "zh-CN": "已从其他节点获得" },
    AFTER_WITHDRAWAL: { en: "The object was withdrawn", "zh-CN": "该对象已撤回" },
    WRONG_SOURCE: {
      en: "Sent by a node that is neither its owner nor its source",
      "zh-CN": "发送方既非所有者也非来源节点",
    },
    ID_CONFLICT: {
      en: "Its id is taken by another owner's object",
      "zh-CN": "其标识已被其他所有者的对象占用",
    },
    UNKNOWN_OBJECT_TYPE: { en: "Unknown object type", "zh-CN": "未知的对象类型" },
    CONTENT_INVALID: { en: "The content does not match its type", "zh-CN": "内容不符合其类型" },
    SKIPPED_BY_OPERATOR: {
      en: "Its release could not read it and its operator set it aside",
      "zh-CN": "其版本无法读取，已由其管理员搁置",
    },
    REJECTED_BY_PEER: {
      en: "Accepted at first, then rejected for good",
      "zh-CN": "先已接收，后被最终拒绝",
    },
  } satisfies Labels<ShareRefusal>,
  /** A peer an object was sent to, as its owner (or the node that passed it on) records it. */
  holderState: {
    active: { en: "Holds a copy", "zh-CN": "持有副本" },
    withdrawn: { en: "Withdrawn from it", "zh-CN": "已向其撤回" },
    refused: { en: "Refused it", "zh-CN": "已拒收" },
  } satisfies Labels<HolderState>,
};

/** The values of each vocabulary above, in order (part of `LABEL_VALUES`). */
export const MARKING_LABEL_VALUES = {
  tlpLevel: TLP_LEVELS,
  tlpHint: TLP_LEVELS,
  handlingCode: HANDLING_CODES,
  sourceReliability: SOURCE_RELIABILITY,
  informationCredibility: INFORMATION_CREDIBILITY,
  shareRefusal: SHARE_REFUSALS,
  holderState: HOLDER_STATES,
} as const;
