import type { Language } from "./common.js";
import { label } from "./labels.js";

type Label = Record<Language, string>;

/**
 * What an audit entry says it did, for people: the console's audit page, exports. The trail itself keeps
 * the stable codes (they are what the hash chain and queries use); these labels are only how they read.
 * An action without a phrase of its own reads as its area's label and the code's last part, so an action
 * added later is still shown in the reader's language as far as it can be.
 */
const AREAS: Record<string, Label> = {
  audit: { en: "Audit", "zh-CN": "审计" },
  auth: { en: "Sign-in", "zh-CN": "登录" },
  case: { en: "Case", "zh-CN": "案件" },
  fugitive: { en: "Fugitive", "zh-CN": "外逃人员" },
  asset: { en: "Asset", "zh-CN": "涉案资产" },
  demo: { en: "Demo", "zh-CN": "演示" },
  federation: { en: "Federation", "zh-CN": "节点互联" },
  hotline: { en: "Hotline", "zh-CN": "热线" },
  lawful: { en: "Personal data", "zh-CN": "个人数据" },
  node: { en: "Node", "zh-CN": "节点" },
  notice: { en: "Provider notice", "zh-CN": "服务提供者通知" },
  policy: { en: "Policy", "zh-CN": "策略" },
  provider: { en: "Provider", "zh-CN": "服务提供者" },
  request: { en: "Request", "zh-CN": "请求" },
  shared_object: { en: "Shared object", "zh-CN": "共享对象" },
  token: { en: "API token", "zh-CN": "API 令牌" },
  unit: { en: "Unit", "zh-CN": "单位" },
  user: { en: "User", "zh-CN": "用户" },
};

const PHRASES: Record<string, Label> = {
  "node.backup": { en: "Backup written", "zh-CN": "生成备份" },
  "node.restored": { en: "Node restored from a backup", "zh-CN": "从备份恢复节点" },
  "federation.peer.reconciled": {
    en: "Reconciled with the peer after a restore",
    "zh-CN": "恢复后与对方节点核对",
  },
  "federation.reconcile.rejected": { en: "Reconciliation refused", "zh-CN": "拒绝核对请求" },
  "federation.peer.restored": { en: "Peer restored from a backup", "zh-CN": "对方节点已从备份恢复" },
  "indicators.import": { en: "Indicators imported", "zh-CN": "导入威胁指标" },
  "indicators.share": { en: "Indicators shared", "zh-CN": "共享威胁指标" },
  "indicators.withdraw": { en: "Indicator withdrawn", "zh-CN": "撤回威胁指标" },
  "indicators.export": { en: "Indicators exported (STIX)", "zh-CN": "导出威胁指标（STIX）" },
  "taxii.collection.create": { en: "TAXII collection created", "zh-CN": "创建 TAXII 集合" },
  "round.calendar_token": { en: "Calendar feed link renewed", "zh-CN": "更新日历订阅链接" },
  "round.received": { en: "Round received from the peer", "zh-CN": "收到对方节点的会谈轮次" },
  "round.create": { en: "Round created", "zh-CN": "创建会谈轮次" },
  "round.propose": { en: "Change proposed to the peer", "zh-CN": "向对方提出修改" },
  "round.action_overdue": { en: "Action item overdue", "zh-CN": "行动项逾期" },
  "audit.anchor.query": { en: "Peer asked for a checkpoint", "zh-CN": "对方节点查询审计检查点" },
  "audit.checkpoint": { en: "Audit checkpoint signed", "zh-CN": "签署审计检查点" },
  "audit.peer_checkpoint": { en: "Peer's audit checkpoint kept", "zh-CN": "保存对方节点的审计检查点" },
  "case.create": { en: "Case opened", "zh-CN": "立案" },
  "case.update": { en: "Case changed", "zh-CN": "修改案件" },
  "case.member_add": { en: "Member added to a case", "zh-CN": "添加案件成员" },
  "case.subject_add": { en: "Subject added", "zh-CN": "添加涉案人员或单位" },
  "case.identifier_add": { en: "Identifier added", "zh-CN": "添加标识信息" },
  "case.evidence_add": { en: "Evidence filed", "zh-CN": "登记证据" },
  "case.evidence_custody": { en: "Evidence handed over or exported", "zh-CN": "证据移交或导出" },
  "case.evidence_download": { en: "Evidence downloaded", "zh-CN": "下载证据" },
  "case.task_add": { en: "Task added", "zh-CN": "添加任务" },
  "case.task_update": { en: "Task changed", "zh-CN": "修改任务" },
  "case.note_add": { en: "Note added", "zh-CN": "添加备注" },
  "case.share_request": { en: "Sharing of the summary asked", "zh-CN": "申请共享案情摘要" },
  "case.share_approve": { en: "Sharing of the summary approved", "zh-CN": "批准共享案情摘要" },
  "case.share_reject": { en: "Sharing of the summary refused", "zh-CN": "不批准共享案情摘要" },
  "case.summary_withdraw": { en: "Shared summary withdrawn", "zh-CN": "撤回已共享的案情摘要" },
  "fugitive.create": { en: "Fugitive record created", "zh-CN": "建立外逃人员档案" },
  "fugitive.update": { en: "Fugitive record changed", "zh-CN": "修改外逃人员档案" },
  "fugitive.return": { en: "Return of a fugitive recorded", "zh-CN": "登记外逃人员归案" },
  "fugitive.list_create": { en: "Fugitive list created", "zh-CN": "建立外逃人员名单" },
  "fugitive.list_add": { en: "Fugitive added to a list", "zh-CN": "将外逃人员列入名单" },
  "fugitive.list_remove": { en: "Fugitive removed from a list", "zh-CN": "将外逃人员移出名单" },
  "fugitive.list_publish": { en: "Fugitive list published to a peer", "zh-CN": "向对方发布外逃人员名单" },
  "fugitive.report": { en: "Report on a listed fugitive sent", "zh-CN": "发送外逃人员情况报告" },
  "fugitive.photo_add": { en: "Photo added to a fugitive record", "zh-CN": "为外逃人员档案添加照片" },
  "fugitive.evidence_add": {
    en: "Evidence file uploaded for a report on a peer's fugitive entry",
    "zh-CN": "为对方外逃人员条目的情况报告上传证据文件",
  },
  "fugitive.evidence_discard": {
    en: "Evidence file never sent in a report removed",
    "zh-CN": "删除从未随情况报告发送的证据文件",
  },
  "fugitive.request": { en: "Request started from a fugitive record", "zh-CN": "从外逃人员档案发起请求" },
  "fugitive.report_received": { en: "Report on a listed fugitive received", "zh-CN": "收到外逃人员情况报告" },
  "fugitive.copy_erased": {
    en: "Files and reports of a peer's fugitive entry erased",
    "zh-CN": "删除对方外逃人员条目的文件和情况报告内容",
  },
  "asset.create": { en: "Asset recorded", "zh-CN": "登记涉案资产" },
  "asset.update": { en: "Asset record changed", "zh-CN": "修改涉案资产记录" },
  "asset.stage": { en: "Asset stage recorded", "zh-CN": "登记涉案资产处置阶段" },
  "asset.share": { en: "Asset shared with a peer", "zh-CN": "向对方共享涉案资产" },
  "asset.withdraw": { en: "Sharing of an asset withdrawn", "zh-CN": "撤回涉案资产共享" },
  "asset.request": { en: "Request drafted from an asset", "zh-CN": "根据涉案资产起草请求" },
  "policy.cases.update": { en: "Case policy changed", "zh-CN": "修改案件策略" },
  "repatriation.create": { en: "Repatriation case opened", "zh-CN": "建立遣返案件" },
  "repatriation.answer": { en: "Identity verification answered", "zh-CN": "登记身份核查答复" },
  "repatriation.document": { en: "Travel document issued", "zh-CN": "登记旅行证件签发" },
  "repatriation.transfer": { en: "Transfer recorded", "zh-CN": "登记移交" },
  "repatriation.arrival": { en: "Arrival recorded", "zh-CN": "登记抵达" },
  "repatriation.overdue": { en: "Repatriation step overdue", "zh-CN": "遣返步骤逾期" },
  "repatriation.rectify": { en: "Person's data corrected in the case", "zh-CN": "更正案件中的人员信息" },
  "policy.repatriation.update": { en: "Repatriation policy changed", "zh-CN": "修改遣返策略" },
  "repatriation.propose": {
    en: "Repatriation step sent to the case's owner",
    "zh-CN": "向案件所有方提交遣返步骤",
  },
  "auth.change_password": { en: "Password changed", "zh-CN": "修改密码" },
  "auth.mfa_confirm": { en: "Two-step sign-in confirmed", "zh-CN": "确认两步验证" },
  "auth.mfa_enrol_start": { en: "Two-step sign-in enrolment started", "zh-CN": "开始设置两步验证" },
  "auth.sign_in": { en: "Signed in", "zh-CN": "登录" },
  "auth.sign_out": { en: "Signed out", "zh-CN": "退出登录" },
  "auth.sign_out_everywhere": { en: "Signed out everywhere", "zh-CN": "退出全部登录" },
  "demo.seed_requests": { en: "Demo requests created", "zh-CN": "生成演示请求" },
  "federation.attachment.received": { en: "Attachment received", "zh-CN": "收到附件" },
  "federation.attachment.erased": {
    en: "Files of erased records deleted once their messages left",
    "zh-CN": "已删除记录的附件在消息发出后删除",
  },
  "federation.attachment.rejected": { en: "Attachment refused", "zh-CN": "拒收附件" },
  "federation.control.rejected": { en: "Control notice refused", "zh-CN": "拒收控制通知" },
  "federation.envelope.rejected": { en: "Message refused", "zh-CN": "拒收消息" },
  "federation.inbox.applied": { en: "Held message applied", "zh-CN": "已处理暂存消息" },
  "federation.inbox.deferred": {
    en: "Message kept until this node is upgraded",
    "zh-CN": "消息保留至本节点升级后处理",
  },
  "federation.inbox.deferredApplied": {
    en: "Message kept for an upgrade applied",
    "zh-CN": "已处理为升级保留的消息",
  },
  "federation.inbox.received": { en: "Messages received", "zh-CN": "收到消息" },
  "federation.inbox.rejected": { en: "Message rejected when applied", "zh-CN": "处理时拒绝消息" },
  "federation.inbox.retry": { en: "Held message retried", "zh-CN": "重试暂存消息" },
  "federation.inbox.skip": { en: "Held message skipped", "zh-CN": "跳过暂存消息" },
  "federation.invitation.create": { en: "Pairing invitation created", "zh-CN": "创建配对邀请" },
  "federation.link.down": { en: "Link down", "zh-CN": "链路中断" },
  "federation.notice.send": { en: "Notice sent to peer", "zh-CN": "向对方节点发送通知" },
  "federation.outbox.cancel": { en: "Outgoing message cancelled", "zh-CN": "取消待发消息" },
  "federation.outbox.delivered": { en: "Messages delivered", "zh-CN": "消息已送达" },
  "federation.outbox.rejected": { en: "Message refused by peer", "zh-CN": "消息被对方拒绝" },
  "federation.outbox.resequence": { en: "Outgoing messages renumbered", "zh-CN": "重新编号待发消息" },
  "federation.pairing.refused": { en: "Pairing refused", "zh-CN": "拒绝配对" },
  "federation.peer.keys": { en: "Peer's keys updated", "zh-CN": "更新对方节点密钥" },
  "federation.peer.paired": { en: "Peer paired", "zh-CN": "节点已配对" },
  "federation.peer.pending": { en: "Pairing started", "zh-CN": "开始配对" },
  "federation.peer.resequenced": { en: "Peer renumbered its messages", "zh-CN": "对方节点重新编号消息" },
  "federation.peer.revoked_by_peer": { en: "Revoked by the peer", "zh-CN": "被对方节点撤销" },
  "federation.peer.suspend": { en: "Peer suspended", "zh-CN": "暂停节点" },
  "federation.peer.resume": { en: "Peer resumed", "zh-CN": "恢复节点" },
  "federation.peer.revoke": { en: "Peer revoked", "zh-CN": "撤销节点" },
  "federation.peer.tls_pin": { en: "Peer's certificate pin set", "zh-CN": "设定对方节点证书固定值" },
  "federation.ping": { en: "Hotline test sent", "zh-CN": "发送热线测试" },
  "federation.sequence.conflict": { en: "Sequence conflict", "zh-CN": "序号冲突" },
  "hotline.escalation_received": { en: "Escalation received", "zh-CN": "收到升级提醒" },
  "hotline.roster.create": { en: "Duty shift added", "zh-CN": "新增值班班次" },
  "hotline.roster.delete": { en: "Duty shift removed", "zh-CN": "删除值班班次" },
  "node.init": { en: "Node created", "zh-CN": "创建节点" },
  "node.keys.retire": { en: "Old keys retired", "zh-CN": "停用旧密钥" },
  "node.keys.rotate": { en: "Keys rotated", "zh-CN": "轮换密钥" },
  "lawful.anonymise": { en: "Personal data anonymised", "zh-CN": "个人数据已匿名化" },
  "lawful.block": { en: "Blocked after legal review", "zh-CN": "法律审查后阻止" },
  "lawful.clear": { en: "Cleared after legal review", "zh-CN": "法律审查后放行" },
  "lawful.delete": { en: "Personal data deleted", "zh-CN": "个人数据已删除" },
  "lawful.flag": { en: "Flagged for legal review", "zh-CN": "标记为需法律审查" },
  "lawful.policy_update": { en: "Retention policy changed", "zh-CN": "修改保存期限策略" },
  "lawful.refuse": { en: "Refused on lawful grounds", "zh-CN": "以合法性理由拒绝" },
  "lawful.refusal_ignored": { en: "Peer's refusal ignored", "zh-CN": "忽略对方的拒绝" },
  "lawful.refused_by_peer": {
    en: "Refused by the peer on lawful grounds",
    "zh-CN": "被对方以合法性理由拒绝",
  },
  "lawful.retention_job": { en: "Daily retention check", "zh-CN": "每日保存期限检查" },
  "lawful.review": { en: "Legal basis reviewed", "zh-CN": "复核法律依据" },
  "policy.requests.update": { en: "Request policy changed", "zh-CN": "修改请求策略" },
  "request.answer_overdue": { en: "Answer overdue", "zh-CN": "答复逾期" },
  "request.assign": { en: "Request assigned", "zh-CN": "分派请求" },
  "request.attachment_upload": { en: "Attachment added", "zh-CN": "添加附件" },
  "request.create": { en: "Request drafted", "zh-CN": "起草请求" },
  "request.escalate": { en: "Request escalated", "zh-CN": "请求升级" },
  "request.extension_decision": { en: "Extension decided", "zh-CN": "决定延期" },
  "request.extension_request": { en: "Extension asked", "zh-CN": "申请延期" },
  "request.message": { en: "Message on a request", "zh-CN": "请求留言" },
  "request.messages_read": { en: "Messages read", "zh-CN": "已读留言" },
  "request.preservation_expiring": { en: "Preservation expiring", "zh-CN": "数据保全即将到期" },
  "request.received": { en: "Request received", "zh-CN": "收到请求" },
  "request.refused": { en: "Request refused", "zh-CN": "拒收请求" },
  "request.remote.extension_decision": { en: "Peer decided an extension", "zh-CN": "对方决定延期" },
  "request.remote.extension_decision_ignored": {
    en: "Peer's repeated extension decision ignored",
    "zh-CN": "忽略对方重复的延期决定",
  },
  "request.remote.extension_request": { en: "Peer asked an extension", "zh-CN": "对方申请延期" },
  "request.remote.message": { en: "Message from the peer", "zh-CN": "对方留言" },
  "request.remote.read": { en: "Peer read the messages", "zh-CN": "对方已读留言" },
  "request.remote.second_check": { en: "Peer's second check", "zh-CN": "对方二次核验" },
  "request.second_check": { en: "Second check", "zh-CN": "二次核验" },
  "request.update_draft": { en: "Draft changed", "zh-CN": "修改草稿" },
  "shared_object.publish": { en: "Shared object published", "zh-CN": "发布共享对象" },
  "shared_object.received": { en: "Shared object received", "zh-CN": "收到共享对象" },
  "shared_object.received_version": { en: "New version received", "zh-CN": "收到新版本" },
  "shared_object.received_withdrawal": { en: "Withdrawal received", "zh-CN": "收到撤回" },
  "shared_object.refused": { en: "Shared object refused", "zh-CN": "拒收共享对象" },
  "shared_object.refused_by_peer": { en: "Refused by the peer", "zh-CN": "被对方拒收" },
  "shared_object.update": { en: "Shared object updated", "zh-CN": "更新共享对象" },
  "shared_object.withdraw": { en: "Shared object withdrawn", "zh-CN": "撤回共享对象" },
  "shared_object.propose": { en: "Change proposed to the owner", "zh-CN": "向所有方提议修改" },
  "shared_object.proposal_received": { en: "Proposal applied by the owner", "zh-CN": "所有方采纳提议" },
  "token.create": { en: "API token created", "zh-CN": "创建 API 令牌" },
  "token.revoke": { en: "API token revoked", "zh-CN": "吊销 API 令牌" },
  "unit.create": { en: "Unit created", "zh-CN": "创建单位" },
  "user.create": { en: "User created", "zh-CN": "创建用户" },
  "user.preferences": { en: "Preferences changed", "zh-CN": "修改偏好设置" },
  "user.reset_mfa": { en: "Two-step sign-in reset", "zh-CN": "重置两步验证" },
  "user.reset_password": { en: "Password reset", "zh-CN": "重置密码" },
  "policy.notices.update": { en: "Notice policy changed", "zh-CN": "修改通知策略" },
  "provider.create": { en: "Provider added to the register", "zh-CN": "登记服务提供者" },
  "provider.update": { en: "Provider changed", "zh-CN": "修改服务提供者" },
  "provider.user_create": { en: "Provider staff account created", "zh-CN": "创建服务提供者人员账户" },
  "notice.create": { en: "Notice drafted", "zh-CN": "起草通知" },
  "notice.submit_for_approval": { en: "Notice submitted for approval", "zh-CN": "提交通知审批" },
  "notice.approve": { en: "Notice approved and sent", "zh-CN": "批准并发送通知" },
  "notice.reject_approval": { en: "Notice returned to draft", "zh-CN": "通知退回草稿" },
  "notice.send": { en: "Notice sent", "zh-CN": "发送通知" },
  "notice.withdraw": { en: "Notice withdrawn", "zh-CN": "撤回通知" },
  "notice.receive": { en: "Provider confirmed receipt", "zh-CN": "服务提供者确认接收" },
  "notice.start_work": { en: "Provider started work", "zh-CN": "服务提供者开始处理" },
  "notice.answer": { en: "Provider answered", "zh-CN": "服务提供者答复" },
  "notice.evidence_upload": { en: "Provider uploaded evidence", "zh-CN": "服务提供者上传证据" },
  "notice.question": { en: "Provider asked a question", "zh-CN": "服务提供者提问" },
  "notice.reply": { en: "Reply to the provider", "zh-CN": "答复服务提供者" },
  "notice.verify": { en: "Notice verified (genuine)", "zh-CN": "核验通知（真实）" },
  "notice.verify_failed": { en: "Notice verification failed", "zh-CN": "通知核验未通过" },
  "notice.verify_refused": { en: "Verification refused (too many)", "zh-CN": "拒绝核验（次数过多）" },
  "notice.relay": { en: "Notice sent as a request to the peer", "zh-CN": "通知作为协助请求转交对方" },
  "notice.create_from_request": {
    en: "Notice drafted from a peer's request",
    "zh-CN": "根据对方请求起草通知",
  },
  "notice.remote": { en: "Notice moved by the peer's request", "zh-CN": "对方请求推进通知" },
  "notice.overdue": { en: "Notice overdue: people told", "zh-CN": "通知逾期：已提醒" },
  "person.create": { en: "Person recorded", "zh-CN": "登记人员" },
  "person.complete": { en: "Person given another name form", "zh-CN": "补充人员姓名形式" },
  "person.link": { en: "Person linked to a record", "zh-CN": "人员关联记录" },
  "person.rectify": { en: "Person record rectified", "zh-CN": "更正人员记录" },
  "person.merge": { en: "Person records merged", "zh-CN": "合并人员记录" },
  "request.subject_rectified": {
    en: "Subject corrected (person record rectified)",
    "zh-CN": "更正涉及人员信息（人员记录已更正）",
  },
  "request.remote.subject_rectified": {
    en: "Subject corrected by the requesting side",
    "zh-CN": "请求方更正涉及人员信息",
  },
  "person.restrict": { en: "Processing of a person restricted", "zh-CN": "限制处理人员信息" },
  "person.unrestrict": { en: "Restriction of a person lifted", "zh-CN": "解除人员处理限制" },
  "person.export": { en: "Everything held on a person exported", "zh-CN": "导出人员全部信息" },
  "access_log.seal": { en: "Access log sealed", "zh-CN": "封存访问日志" },
  "access_log.policy": { en: "Access-log policy changed", "zh-CN": "修改访问日志策略" },
};

const TARGETS: Record<string, Label> = {
  indicator: { en: "Indicator", "zh-CN": "威胁指标" },
  fugitive: { en: "Fugitive", "zh-CN": "外逃人员" },
  fugitive_list: { en: "Fugitive list", "zh-CN": "外逃人员名单" },
  asset: { en: "Asset", "zh-CN": "涉案资产" },
  repatriation_case: { en: "Repatriation case", "zh-CN": "遣返案件" },
  indicator_import: { en: "Indicator import", "zh-CN": "威胁指标导入" },
  indicator_set: { en: "Indicator set", "zh-CN": "威胁指标集" },
  round: { en: "Dialogue round", "zh-CN": "会谈轮次" },
  taxii_collection: { en: "TAXII collection", "zh-CN": "TAXII 集合" },
  access_log: { en: "Access log", "zh-CN": "访问日志" },
  person: { en: "Person", "zh-CN": "人员" },
  api_token: { en: "API token", "zh-CN": "API 令牌" },
  attachment: { en: "Attachment", "zh-CN": "附件" },
  audit_checkpoint: { en: "Audit checkpoint", "zh-CN": "审计检查点" },
  case: { en: "Case", "zh-CN": "案件" },
  envelope: { en: "Message", "zh-CN": "消息" },
  invitation: { en: "Invitation", "zh-CN": "邀请" },
  lawful_policy: { en: "Retention policy", "zh-CN": "保存期限策略" },
  node: { en: "Node", "zh-CN": "节点" },
  notice: { en: "Provider notice", "zh-CN": "服务提供者通知" },
  peer: { en: "Peer", "zh-CN": "对方节点" },
  policy: { en: "Policy", "zh-CN": "策略" },
  provider: { en: "Provider", "zh-CN": "服务提供者" },
  request: { en: "Request", "zh-CN": "请求" },
  shared_object: { en: "Shared object", "zh-CN": "共享对象" },
  unit: { en: "Unit", "zh-CN": "单位" },
  user: { en: "User", "zh-CN": "用户" },
};

/** Whether an action has a phrase of its own (else it reads as area · code). */
export function hasAuditPhrase(action: string): boolean {
  return (
    action in PHRASES ||
    (/^request\.(remote\.)?[a-z_]+$/.test(action) && requestEventLabel(action, "en") !== null)
  );
}

function requestEventLabel(action: string, lang: Language): string | null {
  const m = /^request\.(remote\.)?([a-z_]+)$/.exec(action);
  if (!m) return null;
  const l = label("requestEvent", m[2], lang);
  if (l === m[2]) return null;
  // Chinese takes the full-width colon, with no space after it (as common.colon in the console).
  return m[1] ? (lang === "en" ? `Peer: ${l}` : `对方：${l}`) : l;
}

/** How an audit action reads in a language. */
export function auditActionLabel(action: string, lang: Language): string {
  const phrase = PHRASES[action];
  if (phrase) return phrase[lang];
  const event = requestEventLabel(action, lang);
  if (event) return `${AREAS.request[lang]} · ${event}`;
  const dot = action.indexOf(".");
  const area = dot > 0 ? AREAS[action.slice(0, dot)] : undefined;
  return area ? `${area[lang]} · ${action.slice(dot + 1)}` : action;
}

/** How an audit target type reads in a language (an unknown one as it is). */
export function auditTargetLabel(targetType: string, lang: Language): string {
  return TARGETS[targetType]?.[lang] ?? targetType;
}
