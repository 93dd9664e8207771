import {
  INBOX_STATUSES,
  type InboxStatus,
  OUTBOX_STATUSES,
  type OutboxStatus,
  REJECT_REASONS,
  type RejectReason,
} from "./federation.js";
import type { Labels } from "./labels.js";
import {
  LINK_PROBLEMS,
  LINK_STOP_REASONS,
  type LinkProblem,
  type LinkStopReason,
  PEER_ACTIONS,
  PEER_STATES,
  type PeerAction,
  type PeerState,
} from "./peers.js";

/**
 * The labels of peers and the transport between nodes: peer states and actions, message statuses, why delivery
 * stopped or failed, and why a peer refused an envelope. Part of `LABELS` in labels.ts.
 */
export const FEDERATION_LABELS = {
  peerState: {
    pending: { en: "Pending", "zh-CN": "待定" },
    active: { en: "Active", "zh-CN": "活动" },
    suspended: { en: "Suspended", "zh-CN": "已暂停" },
    revoked: { en: "Revoked", "zh-CN": "已撤销" },
  } satisfies Labels<PeerState>,
  peerAction: {
    suspend: { en: "Suspend", "zh-CN": "暂停" },
    resume: { en: "Resume", "zh-CN": "恢复" },
    revoke: { en: "Revoke", "zh-CN": "撤销" },
  } satisfies Labels<PeerAction>,
  messageStatus: {
    pending: { en: "Pending", "zh-CN": "待发送" },
    delivered: { en: "Delivered", "zh-CN": "已送达" },
    rejected: { en: "Rejected", "zh-CN": "已拒收" },
    cancelled: { en: "Cancelled", "zh-CN": "已取消" },
    held: { en: "Held", "zh-CN": "暂存待处理" },
    applied: { en: "Applied", "zh-CN": "已处理" },
    deferred: { en: "Kept until this node is upgraded", "zh-CN": "保留至本节点升级后处理" },
  } satisfies Labels<OutboxStatus | InboxStatus>,
  linkStopReason: {
    SEQUENCE_CONFLICT: { en: "Sequence conflict", "zh-CN": "序号冲突" },
    RESTORED: { en: "Restored from a backup: reconciling", "zh-CN": "已从备份恢复：正在核对" },
  } satisfies Labels<LinkStopReason>,
  /** What went wrong on a link (linkProblemText: followed by a refusal's reason and the code). */
  linkProblem: {
    refused: {
      en: "Connection refused: nothing answers at the peer's address",
      "zh-CN": "连接被拒绝：对方地址上没有服务应答",
    },
    notFound: { en: "The peer's address cannot be found or reached", "zh-CN": "无法找到或到达对方地址" },
    timeout: { en: "The peer did not answer in time", "zh-CN": "对方未在规定时间内应答" },
    cutOff: { en: "The connection was cut off", "zh-CN": "连接被中断" },
    certificate: { en: "The peer's certificate is not trusted", "zh-CN": "对方证书不受信任" },
    pinMismatch: {
      en: "The peer's certificate is not the one agreed at pairing",
      "zh-CN": "对方证书与配对时约定的不一致",
    },
    httpError: { en: "The peer answered with an error", "zh-CN": "对方返回错误" },
    peerRefused: { en: "Refused by the peer", "zh-CN": "被对方拒收" },
    badAnswer: {
      en: "The peer's answer proves nothing (no valid receipt)",
      "zh-CN": "对方的应答无法作为凭证（无有效回执）",
    },
    reconcile: {
      en: "The check with the peer after a restore failed",
      "zh-CN": "恢复备份后与对方的核对失败",
    },
    other: { en: "Delivery failed", "zh-CN": "投递失败" },
  } satisfies Labels<LinkProblem>,
  /** Why a peer refused an envelope (docs/federation.md, "Reject codes"); read after "Refused by the peer: ". */
  rejectReason: {
    MALFORMED: { en: "the envelope is malformed", "zh-CN": "信封格式错误" },
    WRONG_RECIPIENT: { en: "the envelope is addressed to another node", "zh-CN": "信封的收件方是其他节点" },
    UNKNOWN_KEY: {
      en: "the envelope names a key the peer does not know",
      "zh-CN": "信封使用了对方不认识的密钥",
    },
    BAD_SIGNATURE: { en: "the signature does not verify", "zh-CN": "签名验证失败" },
    DECRYPT_FAILED: { en: "the envelope cannot be decrypted", "zh-CN": "信封无法解密" },
    HEADER_MISMATCH: { en: "the envelope's headers do not agree", "zh-CN": "信封头部信息不一致" },
    OVERSIZE: { en: "the message is too large", "zh-CN": "消息过大" },
    UNKNOWN_SENDER: { en: "the peer does not know this node", "zh-CN": "对方不认识本节点" },
    PEER_PENDING: { en: "pairing is not complete on the peer's side", "zh-CN": "对方尚未完成配对" },
    PEER_SUSPENDED: {
      en: "the peer has suspended its link with this node",
      "zh-CN": "对方已暂停与本节点的链路",
    },
    PEER_REVOKED: { en: "the peer has revoked this node", "zh-CN": "对方已撤销本节点" },
    REPLAYED: { en: "the peer already holds this message", "zh-CN": "对方已收到过此消息" },
    UNKNOWN_TYPE: { en: "the peer does not know this kind of message", "zh-CN": "对方不支持此类消息" },
    SCHEMA_INVALID: {
      en: "the message's content does not pass the peer's checks",
      "zh-CN": "消息内容未通过对方校验",
    },
    ATTACHMENT_MISSING: { en: "an attachment did not arrive", "zh-CN": "附件未送达" },
    SEQUENCE_CONFLICT: { en: "sequence conflict", "zh-CN": "序号冲突" },
    HANDLER_REJECTED: { en: "the peer could not apply the message", "zh-CN": "对方无法处理此消息" },
    SKIPPED_BY_OPERATOR: {
      en: "the peer's administrator skipped the message",
      "zh-CN": "对方管理员跳过了此消息",
    },
    RATE_LIMITED: { en: "too many messages from this node at once", "zh-CN": "本节点发送过于频繁" },
  } satisfies Labels<RejectReason>,
};

/** The values of each vocabulary above, in order (part of `LABEL_VALUES`). */
export const FEDERATION_LABEL_VALUES = {
  peerState: PEER_STATES,
  messageStatus: [...new Set([...OUTBOX_STATUSES, ...INBOX_STATUSES])],
  peerAction: PEER_ACTIONS,
  linkStopReason: LINK_STOP_REASONS,
  linkProblem: LINK_PROBLEMS,
  rejectReason: REJECT_REASONS,
} as const;
