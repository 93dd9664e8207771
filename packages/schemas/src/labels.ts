import { AuditEntry } from "./audit.js";
import { CASE_OUTCOMES, CASE_SHARE_STATES, CASE_STATUSES, CUSTODY_ACTIONS } from "./cases.js";
import type { Language } from "./common.js";
import { HIT_MATCHES } from "./correlation.js";
import { IDENTIFIER_TYPES, type IdentifierType } from "./identifiers.js";
import { INDICATOR_KINDS, INDICATOR_ORIGINS, INDICATOR_STATES } from "./indicators.js";
import { setEnglishLabels } from "./issue-keys.js";
import { FEDERATION_LABEL_VALUES, FEDERATION_LABELS } from "./labels-federation.js";
import { FUGITIVE_LABEL_VALUES, FUGITIVE_LABELS } from "./labels-fugitives.js";
import { MARKING_LABEL_VALUES, MARKING_LABELS } from "./labels-markings.js";
import {
  ERASURE_ACTIONS,
  FLAG_STATES,
  LAWFUL_GROUNDS,
  LAWFUL_KINDS,
  RETENTION_DUE,
  SCREENING_CHARACTERS,
} from "./lawful.js";
import {
  NOTICE_KINDS,
  NOTICE_OUTCOMES,
  NOTICE_REFUSAL_GROUNDS,
  NOTICE_STATUSES,
  NOTICE_TIMELINE_EVENTS,
  type NoticeKind,
  type NoticeStatus,
  PROVIDER_CHANNELS,
  type ProviderChannel,
  VERIFY_RESULTS,
  type VerifyResult,
} from "./notices.js";
import { ACCESS_ACTIONS, PERSON_RECORD_TYPES, SEXES, UNUSUAL_KINDS } from "./persons.js";
import { DEADLINE_STATES, REPORT_PERIODS } from "./request-api.js";
import {
  ANSWER_OUTCOMES,
  type AnswerOutcome,
  DECLINE_GROUNDS,
  EVENT_NAMES,
  type EventName,
  REQUEST_STATUSES,
  type RequestStatus,
  SECOND_CHECK_METHODS,
  SECOND_CHECK_RESULTS,
  SIDES,
  type Side,
} from "./request-lifecycle.js";
import {
  ASSET_KINDS,
  HARM_KINDS,
  IDENTITY_DOCUMENT_KINDS,
  INTERVIEW_MODES,
  LEGAL_INSTRUMENTS,
  MLA_DATA_KINDS,
  OFFENCE_CATEGORIES,
  type OffenceCategory,
  ON_LOCATION,
  REQUEST_TYPE_NAMES,
  REQUEST_TYPES,
  type RequestType,
  SUBJECT_KINDS,
  SUBJECT_ROLES,
  SUBSCRIBER_DATA,
  TAKEDOWN_ACTIONS,
  TAKEDOWN_TARGET_ROLES,
  URGENCIES,
  type Urgency,
} from "./requests.js";
import { ROLES, type Role } from "./roles.js";
import {
  ACTION_STATUSES,
  type ActionStatus,
  CONFLICT_STATES,
  OUTCOME_LIST_STATES,
  PROGRESS_FIGURES,
  type ProgressFigureKey,
} from "./rounds.js";

/**
 * One vocabulary for every enumerated value a person reads, in both interface languages: the console
 * (merged into its i18n resources), notifications, e-mails, the hotline log, CSV and PDF all take their
 * words from here, so 紧急 means "emergency" everywhere. A value without a label in either language
 * fails the type check (`satisfies Labels<…>`); labels.test.ts checks the same at run time.
 */

export type Label = Readonly<Record<Language, string>>;
export type Labels<T extends string> = Readonly<Record<T, Label>>;

/** Vocabularies with no constant of their own elsewhere (their schemas spell the values inline). */
export const PRESERVATION_STATUSES = ["requested", "granted", "refused"] as const;
export const SEVERITIES = ["info", "urgent", "emergency"] as const;
export const DUTY_ROLES = ["primary", "backup"] as const;
export const LOG_DIRECTIONS = ["incoming", "outgoing", "internal"] as const;
export const AUDIT_OUTCOMES = AuditEntry.shape.outcome.options;
export const ACTOR_TYPES = AuditEntry.shape.actorType.options;
/** What a hotline log line records: lifecycle events by name, and the desk's own happenings. */
export const HOTLINE_LOG_KINDS = [
  "request_received",
  "request_sent",
  "alerted",
  "assigned",
  "second_check",
  "emergency_refused",
  "escalated_supervisor",
  "escalated_peer",
  "escalation_received",
  "event_not_applied",
  "answer_overdue",
  "preservation_expiring",
  "acknowledge",
  "start_work",
  "request_more_info",
  "provide_more_info",
  "answer",
  "close",
  "withdraw",
  "mark_delivered",
  "message",
  "extension_requested",
  "extension_decided",
] as const;
export type HotlineLogKind = (typeof HOTLINE_LOG_KINDS)[number];

const REQUEST_TYPE_LABELS = Object.fromEntries(
  REQUEST_TYPES.map((m) => [m.type, m.label]),
) as Labels<RequestType>;

export const LABELS = {
  requestType: REQUEST_TYPE_LABELS,
  urgency: {
    emergency: { en: "Emergency", "zh-CN": "紧急" },
    urgent: { en: "Urgent", "zh-CN": "加急" },
    routine: { en: "Routine", "zh-CN": "常规" },
  } satisfies Labels<Urgency>,
  requestEvent: {
    submit_for_approval: { en: "Submit for approval", "zh-CN": "提交审批" },
    approve: { en: "Approve", "zh-CN": "批准" },
    reject_approval: { en: "Reject", "zh-CN": "退回" },
    send: { en: "Send", "zh-CN": "发送" },
    mark_delivered: { en: "Delivered", "zh-CN": "已送达" },
    acknowledge: { en: "Acknowledge", "zh-CN": "确认收到" },
    start_work: { en: "Start work", "zh-CN": "开始办理" },
    request_more_info: { en: "Request more information", "zh-CN": "要求补充材料" },
    provide_more_info: { en: "Provide more information", "zh-CN": "补充材料" },
    answer: { en: "Answer", "zh-CN": "答复" },
    close: { en: "Close", "zh-CN": "结案" },
    withdraw: { en: "Withdraw", "zh-CN": "撤回" },
  } satisfies Labels<EventName>,
  requestStatus: {
    draft: { en: "Draft", "zh-CN": "草稿" },
    pending_approval: { en: "Awaiting approval", "zh-CN": "待审批" },
    sent: { en: "Sent", "zh-CN": "已发送" },
    delivered: { en: "Delivered", "zh-CN": "已送达" },
    acknowledged: { en: "Acknowledged", "zh-CN": "已确认收到" },
    in_progress: { en: "In progress", "zh-CN": "办理中" },
    more_info_requested: { en: "More information requested", "zh-CN": "要求补充材料" },
    answered: { en: "Answered", "zh-CN": "已答复" },
    closed: { en: "Closed", "zh-CN": "已结案" },
    withdrawn: { en: "Withdrawn", "zh-CN": "已撤回" },
  } satisfies Labels<RequestStatus>,
  answerOutcome: {
    fulfilled: { en: "Fulfilled", "zh-CN": "已执行" },
    partly_fulfilled: { en: "Partly fulfilled", "zh-CN": "部分执行" },
    declined: { en: "Declined", "zh-CN": "拒绝" },
  } satisfies Labels<AnswerOutcome>,
  declineGround: {
    insufficient_information: { en: "Insufficient information", "zh-CN": "信息不足" },
    no_data_held: { en: "No data held", "zh-CN": "未持有相关数据" },
    data_no_longer_available: { en: "Data no longer available", "zh-CN": "数据已不存在" },
    no_dual_criminality: { en: "No dual criminality", "zh-CN": "不符合双重犯罪原则" },
    political_offence: { en: "Political offence", "zh-CN": "政治犯罪" },
    sovereignty_security_public_order: {
      en: "Sovereignty, security or public order",
      "zh-CN": "有损主权、安全或公共秩序",
    },
    legal_privilege: { en: "Legal privilege", "zh-CN": "法律特权" },
    disproportionate: { en: "Disproportionate", "zh-CN": "不成比例" },
    verification_failed: { en: "Verification failed", "zh-CN": "核实未通过" },
    other: { en: "Other", "zh-CN": "其他" },
  } satisfies Labels<(typeof DECLINE_GROUNDS)[number]>,
  side: {
    requester: { en: "Requesting side", "zh-CN": "请求方" },
    responder: { en: "Responding side", "zh-CN": "被请求方" },
  } satisfies Labels<Side>,
  secondCheckMethod: {
    phone_callback: { en: "Phone call-back", "zh-CN": "电话回拨" },
    video: { en: "Video call", "zh-CN": "视频通话" },
    in_person: { en: "In person", "zh-CN": "当面" },
    other: { en: "Other", "zh-CN": "其他" },
  } satisfies Labels<(typeof SECOND_CHECK_METHODS)[number]>,
  secondCheckResult: {
    confirmed: { en: "Confirmed", "zh-CN": "已确认" },
    failed: { en: "Failed", "zh-CN": "未通过" },
  } satisfies Labels<(typeof SECOND_CHECK_RESULTS)[number]>,
  preservationStatus: {
    requested: { en: "Requested", "zh-CN": "已申请" },
    granted: { en: "Granted", "zh-CN": "已批准" },
    refused: { en: "Refused", "zh-CN": "已拒绝" },
  } satisfies Labels<(typeof PRESERVATION_STATUSES)[number]>,
  legalInstrument: {
    budapest_convention: { en: "Budapest Convention", "zh-CN": "《布达佩斯公约》" },
    budapest_second_protocol: {
      en: "Budapest Convention, Second Protocol",
      "zh-CN": "《布达佩斯公约》第二附加议定书",
    },
    bilateral_mlaa: { en: "Bilateral MLA agreement", "zh-CN": "双边刑事司法协助协定" },
    bilateral_agreement: { en: "Other bilateral agreement", "zh-CN": "其他双边协议" },
    untoc: {
      en: "UN Convention against Transnational Organized Crime",
      "zh-CN": "《联合国打击跨国有组织犯罪公约》",
    },
    uncac: { en: "UN Convention against Corruption", "zh-CN": "《联合国反腐败公约》" },
    reciprocity: { en: "Reciprocity", "zh-CN": "互惠原则" },
    domestic_law: { en: "Domestic law", "zh-CN": "国内法" },
    other: { en: "Other", "zh-CN": "其他" },
    interpol_rules: {
      en: "INTERPOL Constitution and Rules on the Processing of Data",
      "zh-CN": "《国际刑警组织章程》及《数据处理规则》",
    },
    un_cybercrime_convention: {
      en: "UN Convention against Cybercrime",
      "zh-CN": "《联合国打击网络犯罪公约》",
    },
    prc_icjaa: {
      en: "PRC International Criminal Judicial Assistance Law",
      "zh-CN": "《中华人民共和国国际刑事司法协助法》",
    },
  } satisfies Labels<(typeof LEGAL_INSTRUMENTS)[number]>,
  offenceCategory: {
    csam: { en: "Child sexual abuse material", "zh-CN": "儿童性虐待材料" },
    terrorist_misuse: { en: "Terrorist misuse of the internet", "zh-CN": "恐怖分子滥用网络" },
    email_web_fraud: { en: "E-mail and web fraud", "zh-CN": "电子邮件与网络诈骗" },
    online_firearms: { en: "Online firearms trafficking", "zh-CN": "网上枪支贩卖" },
    ransomware: { en: "Ransomware", "zh-CN": "勒索软件" },
    botnet: { en: "Botnet", "zh-CN": "僵尸网络" },
    intrusion: { en: "Computer intrusion", "zh-CN": "非法侵入计算机系统" },
    trade_secret_theft: { en: "Theft of trade secrets", "zh-CN": "窃取商业秘密" },
    fraud: { en: "Fraud", "zh-CN": "诈骗" },
    money_laundering: { en: "Money laundering", "zh-CN": "洗钱" },
    corruption: { en: "Corruption", "zh-CN": "腐败" },
    illegal_immigration: { en: "Illegal immigration", "zh-CN": "非法移民" },
    other: { en: "Other", "zh-CN": "其他" },
  } satisfies Labels<OffenceCategory>,
  harmKind: {
    death: { en: "Death", "zh-CN": "死亡" },
    serious_injury: { en: "Serious injury", "zh-CN": "严重伤害" },
    child_sexual_abuse: { en: "Child sexual abuse", "zh-CN": "儿童性侵害" },
    kidnapping: { en: "Kidnapping", "zh-CN": "绑架" },
    terrorist_attack: { en: "Terrorist attack", "zh-CN": "恐怖袭击" },
    suicide: { en: "Suicide", "zh-CN": "自杀" },
    other: { en: "Other", "zh-CN": "其他" },
  } satisfies Labels<(typeof HARM_KINDS)[number]>,
  subjectKind: {
    person: { en: "Person", "zh-CN": "自然人" },
    organisation: { en: "Organisation", "zh-CN": "单位" },
  } satisfies Labels<(typeof SUBJECT_KINDS)[number]>,
  subjectRole: {
    suspect: { en: "Suspect", "zh-CN": "犯罪嫌疑人" },
    victim: { en: "Victim", "zh-CN": "被害人" },
    witness: { en: "Witness", "zh-CN": "证人" },
    other: { en: "Other", "zh-CN": "其他" },
  } satisfies Labels<(typeof SUBJECT_ROLES)[number]>,
  subscriberData: {
    name: { en: "Name", "zh-CN": "姓名" },
    address: { en: "Address", "zh-CN": "地址" },
    contact: { en: "Contact details", "zh-CN": "联系方式" },
    payment: { en: "Payment details", "zh-CN": "支付信息" },
    registration: { en: "Registration (time, IP)", "zh-CN": "注册信息（时间、IP）" },
    service: { en: "Services used", "zh-CN": "所用服务" },
  } satisfies Labels<(typeof SUBSCRIBER_DATA)[number]>,
  mlaDataKind: {
    traffic: { en: "Traffic data", "zh-CN": "流量数据" },
    content: { en: "Content data", "zh-CN": "内容数据" },
    subscriber: { en: "Subscriber information", "zh-CN": "用户注册信息" },
    stored_files: { en: "Stored files", "zh-CN": "存储文件" },
  } satisfies Labels<(typeof MLA_DATA_KINDS)[number]>,
  takedownRole: {
    phishing_site: { en: "Phishing site", "zh-CN": "钓鱼网站" },
    botnet_c2: { en: "Botnet command and control", "zh-CN": "僵尸网络控制服务器" },
    malware_distribution: { en: "Malware distribution", "zh-CN": "恶意软件传播" },
    fraud_site: { en: "Fraud site", "zh-CN": "诈骗网站" },
    illegal_content: { en: "Illegal content", "zh-CN": "违法内容" },
    other: { en: "Other", "zh-CN": "其他" },
  } satisfies Labels<(typeof TAKEDOWN_TARGET_ROLES)[number]>,
  takedownAction: {
    takedown: { en: "Take down", "zh-CN": "关停" },
    sinkhole: { en: "Sinkhole", "zh-CN": "域名沉洞" },
    block: { en: "Block", "zh-CN": "封堵" },
    suspend_account: { en: "Suspend the account", "zh-CN": "暂停账户" },
    seize_domain: { en: "Seize the domain", "zh-CN": "扣押域名" },
  } satisfies Labels<(typeof TAKEDOWN_ACTIONS)[number]>,
  onLocation: {
    inform_only: { en: "Inform us only", "zh-CN": "仅通知我方" },
    provisional_arrest_to_follow: {
      en: "A provisional arrest request will follow",
      "zh-CN": "将随后提出临时羁押请求",
    },
  } satisfies Labels<(typeof ON_LOCATION)[number]>,
  identityDocumentKind: {
    passport: { en: "Passport", "zh-CN": "护照" },
    national_id: { en: "National identity card", "zh-CN": "居民身份证" },
    household_register: { en: "Household register", "zh-CN": "户口簿" },
    birth_certificate: { en: "Birth certificate", "zh-CN": "出生证明" },
    other: { en: "Other", "zh-CN": "其他" },
  } satisfies Labels<(typeof IDENTITY_DOCUMENT_KINDS)[number]>,
  assetKind: {
    bank_account: { en: "Bank account", "zh-CN": "银行账户" },
    crypto: { en: "Crypto-assets", "zh-CN": "加密资产" },
    real_estate: { en: "Real estate", "zh-CN": "不动产" },
    vehicle: { en: "Vehicle", "zh-CN": "车辆" },
    vessel: { en: "Vessel", "zh-CN": "船舶" },
    aircraft: { en: "Aircraft", "zh-CN": "航空器" },
    securities: { en: "Securities", "zh-CN": "证券" },
    company_share: { en: "Company shares", "zh-CN": "公司股份" },
    cash: { en: "Cash", "zh-CN": "现金" },
    valuables: { en: "Valuables", "zh-CN": "贵重物品" },
    other: { en: "Other", "zh-CN": "其他" },
  } satisfies Labels<(typeof ASSET_KINDS)[number]>,
  interviewMode: {
    in_person: { en: "In person", "zh-CN": "当面" },
    video: { en: "By video link", "zh-CN": "视频" },
    written: { en: "In writing", "zh-CN": "书面" },
  } satisfies Labels<(typeof INTERVIEW_MODES)[number]>,
  identifierType: {
    phone: { en: "Phone", "zh-CN": "电话" },
    email: { en: "E-mail", "zh-CN": "电子邮件" },
    ipv4: { en: "IPv4 address", "zh-CN": "IPv4 地址" },
    ipv6: { en: "IPv6 address", "zh-CN": "IPv6 地址" },
    domain: { en: "Domain", "zh-CN": "域名" },
    url: { en: "URL", "zh-CN": "网址" },
    crypto_wallet: { en: "Crypto wallet", "zh-CN": "加密钱包" },
    bank_account: { en: "Bank account", "zh-CN": "银行账户" },
    online_account: { en: "Online account", "zh-CN": "网络账号" },
    file_hash: { en: "File hash", "zh-CN": "文件哈希" },
    device_id: { en: "Device id (IMEI, MAC)", "zh-CN": "设备标识（IMEI、MAC）" },
  } satisfies Labels<IdentifierType>,
  deadlineState: {
    ok: { en: "On time", "zh-CN": "未超时" },
    due_soon: { en: "Due soon", "zh-CN": "即将到期" },
    overdue: { en: "Overdue", "zh-CN": "已超时" },
  } satisfies Labels<(typeof DEADLINE_STATES)[number]>,
  severity: {
    info: { en: "Info", "zh-CN": "通知" },
    urgent: { en: "Urgent", "zh-CN": "加急" },
    emergency: { en: "Emergency", "zh-CN": "紧急" },
  } satisfies Labels<(typeof SEVERITIES)[number]>,
  dutyRole: {
    primary: { en: "Primary", "zh-CN": "主班" },
    backup: { en: "Backup", "zh-CN": "备班" },
  } satisfies Labels<(typeof DUTY_ROLES)[number]>,
  logDirection: {
    incoming: { en: "Incoming", "zh-CN": "来件" },
    outgoing: { en: "Outgoing", "zh-CN": "去件" },
    internal: { en: "Internal", "zh-CN": "内部" },
  } satisfies Labels<(typeof LOG_DIRECTIONS)[number]>,
  hotlineLogKind: {
    request_received: { en: "Request received", "zh-CN": "收到请求" },
    request_sent: { en: "Request sent", "zh-CN": "请求已发出" },
    alerted: { en: "Duty officers alerted", "zh-CN": "已通知值班人员" },
    assigned: { en: "Routed to a unit", "zh-CN": "已分派至部门" },
    second_check: { en: "Second check", "zh-CN": "二次核实" },
    emergency_refused: { en: "Emergency request refused", "zh-CN": "紧急请求被拒收" },
    escalated_supervisor: { en: "Escalated to supervisors", "zh-CN": "已升级至主管" },
    escalated_peer: { en: "Escalated to the other side", "zh-CN": "已升级至对方" },
    escalation_received: { en: "Escalation received", "zh-CN": "收到升级" },
    event_not_applied: { en: "Event not applied", "zh-CN": "事件未能处理" },
    answer_overdue: { en: "Answer overdue", "zh-CN": "答复逾期" },
    preservation_expiring: { en: "Preservation expiring", "zh-CN": "保全即将到期" },
    acknowledge: { en: "Acknowledged", "zh-CN": "已确认" },
    start_work: { en: "Work started", "zh-CN": "开始办理" },
    request_more_info: { en: "More information requested", "zh-CN": "要求补充信息" },
    provide_more_info: { en: "More information provided", "zh-CN": "已补充信息" },
    answer: { en: "Answered", "zh-CN": "已答复" },
    close: { en: "Closed", "zh-CN": "已结案" },
    withdraw: { en: "Withdrawn", "zh-CN": "已撤回" },
    mark_delivered: { en: "Delivered", "zh-CN": "已送达" },
    message: { en: "Message", "zh-CN": "消息" },
    extension_requested: { en: "Preservation extension asked", "zh-CN": "请求延长保全期" },
    extension_decided: { en: "Preservation extension decided", "zh-CN": "保全延期已决定" },
  } satisfies Labels<(typeof HOTLINE_LOG_KINDS)[number]>,
  reportPeriod: {
    week: { en: "Week", "zh-CN": "周" },
    month: { en: "Month", "zh-CN": "月" },
    quarter: { en: "Quarter", "zh-CN": "季度" },
    year: { en: "Year", "zh-CN": "年" },
  } satisfies Labels<(typeof REPORT_PERIODS)[number]>,
  ...FEDERATION_LABELS,
  ...MARKING_LABELS,
  role: {
    duty_officer: { en: "Duty officer", "zh-CN": "值班员" },
    case_officer: { en: "Case officer", "zh-CN": "办案员" },
    supervisor: { en: "Supervisor", "zh-CN": "主管" },
    liaison: { en: "Liaison / secretariat", "zh-CN": "联络员 / 秘书处" },
    fugitive_asset: { en: "Fugitive & asset unit", "zh-CN": "追逃追赃组" },
    provider_compliance: { en: "Provider compliance", "zh-CN": "服务提供者合规专员" },
    auditor: { en: "Auditor", "zh-CN": "审计员" },
    admin: { en: "Node administrator", "zh-CN": "节点管理员" },
    provider_user: { en: "Provider staff", "zh-CN": "服务提供者人员" },
    legal_reviewer: { en: "Legal reviewer", "zh-CN": "法律审查员" },
  } satisfies Labels<Role>,
  auditOutcome: {
    success: { en: "Success", "zh-CN": "成功" },
    failure: { en: "Failure", "zh-CN": "失败" },
    denied: { en: "Denied", "zh-CN": "拒绝访问" },
    rejected: { en: "Rejected", "zh-CN": "已驳回" },
  } satisfies Labels<(typeof AUDIT_OUTCOMES)[number]>,
  actorType: {
    user: { en: "User", "zh-CN": "用户" },
    token: { en: "API token", "zh-CN": "API 令牌" },
    system: { en: "System", "zh-CN": "系统" },
    peer: { en: "Peer node", "zh-CN": "对等节点" },
    anonymous: { en: "Anonymous", "zh-CN": "匿名" },
    cli: { en: "Command line", "zh-CN": "命令行" },
  } satisfies Labels<(typeof ACTOR_TYPES)[number]>,
  noticeKind: {
    remove_content: { en: "Remove or block content", "zh-CN": "删除或屏蔽内容" },
    stop_spread: { en: "Stop the spread", "zh-CN": "停止传输" },
    preserve_data: { en: "Preserve logs and data", "zh-CN": "保存日志和数据" },
    disclose_subscriber: { en: "Disclose subscriber information", "zh-CN": "提供用户注册信息" },
    disclose_traffic: { en: "Disclose traffic data", "zh-CN": "提供流量数据" },
    technical_assistance: { en: "Technical assistance", "zh-CN": "技术支持和协助" },
  } satisfies Labels<NoticeKind>,
  noticeStatus: {
    draft: { en: "Draft", "zh-CN": "草稿" },
    pending_approval: { en: "Pending approval", "zh-CN": "待审批" },
    sent: { en: "Sent", "zh-CN": "已发送" },
    received: { en: "Received", "zh-CN": "已接收" },
    in_progress: { en: "In progress", "zh-CN": "处理中" },
    done: { en: "Done", "zh-CN": "已完成" },
    partly_done: { en: "Partly done", "zh-CN": "部分完成" },
    refused: { en: "Refused", "zh-CN": "已拒绝" },
    withdrawn: { en: "Withdrawn", "zh-CN": "已撤回" },
  } satisfies Labels<NoticeStatus>,
  noticeEvent: {
    submit_for_approval: { en: "Submit for approval", "zh-CN": "提交审批" },
    approve: { en: "Approve and send", "zh-CN": "批准并发送" },
    reject_approval: { en: "Return to draft", "zh-CN": "退回草稿" },
    send: { en: "Send", "zh-CN": "发送" },
    receive: { en: "Confirm receipt", "zh-CN": "确认接收" },
    start_work: { en: "Start work", "zh-CN": "开始处理" },
    answer: { en: "Answer", "zh-CN": "答复" },
    withdraw: { en: "Withdraw", "zh-CN": "撤回" },
    create: { en: "Created", "zh-CN": "已创建" },
    edit: { en: "Edited", "zh-CN": "已编辑" },
    question: { en: "Question from the provider", "zh-CN": "服务提供者提问" },
    reply: { en: "Reply to the provider", "zh-CN": "答复服务提供者" },
    evidence: { en: "Evidence uploaded", "zh-CN": "已上传证据" },
    overdue: { en: "Deadline passed", "zh-CN": "已逾期" },
    relayed: { en: "Sent as a request to the peer", "zh-CN": "已作为协助请求转交对方" },
  } satisfies Labels<(typeof NOTICE_TIMELINE_EVENTS)[number]>,
  noticeOutcome: {
    done: { en: "Done", "zh-CN": "已完成" },
    partly_done: { en: "Partly done", "zh-CN": "部分完成" },
    refused: { en: "Refused", "zh-CN": "拒绝" },
  } satisfies Labels<(typeof NOTICE_OUTCOMES)[number]>,
  noticeRefusalGround: {
    no_such_data: { en: "No such data", "zh-CN": "无相关数据" },
    not_our_service: { en: "Not our service", "zh-CN": "非本公司服务" },
    insufficient_legal_basis: { en: "Insufficient legal basis", "zh-CN": "法律依据不足" },
    locator_unclear: { en: "Locator unclear", "zh-CN": "定位信息不明确" },
    technically_impossible: { en: "Technically impossible", "zh-CN": "技术上无法实现" },
    other: { en: "Other", "zh-CN": "其他" },
  } satisfies Labels<(typeof NOTICE_REFUSAL_GROUNDS)[number]>,
  providerChannel: {
    portal: { en: "Provider portal", "zh-CN": "服务提供者门户" },
    email: { en: "E-mail", "zh-CN": "电子邮件" },
    api: { en: "API", "zh-CN": "API 接口" },
    post: { en: "Post", "zh-CN": "邮寄" },
  } satisfies Labels<ProviderChannel>,
  verifyResult: {
    valid: { en: "Genuine and in force", "zh-CN": "真实有效" },
    withdrawn: { en: "Genuine but withdrawn", "zh-CN": "真实但已撤回" },
    unknown: { en: "No notice has this code", "zh-CN": "没有与此验证码对应的通知" },
    malformed: { en: "Not a valid code (mistyped or guessed)", "zh-CN": "验证码格式无效（输错或猜测）" },
    forged: { en: "Forged: the signature is not this node's", "zh-CN": "伪造：签名不属于本节点" },
    altered: {
      en: "Altered: the content differs from what was signed",
      "zh-CN": "已篡改：内容与签名内容不符",
    },
    replayed: {
      en: "Replayed: a genuine signature presented with another code or addressee",
      "zh-CN": "重放：真实签名被用于其他验证码或收件方",
    },
  } satisfies Labels<VerifyResult>,
  caseStatus: {
    open: { en: "Open", "zh-CN": "在办" },
    suspended: { en: "Suspended", "zh-CN": "中止" },
    closed: { en: "Closed", "zh-CN": "已结案" },
  } satisfies Labels<(typeof CASE_STATUSES)[number]>,
  caseOutcome: {
    charged: { en: "Charged", "zh-CN": "已起诉" },
    convicted: { en: "Convicted", "zh-CN": "已判决" },
    transferred: { en: "Transferred to another authority", "zh-CN": "已移交其他机关" },
    suspect_located: { en: "Suspect located", "zh-CN": "已查明嫌疑人下落" },
    insufficient_evidence: { en: "Insufficient evidence", "zh-CN": "证据不足" },
    no_offence: { en: "No offence found", "zh-CN": "不构成犯罪" },
    merged: { en: "Merged into another case", "zh-CN": "并案处理" },
    other: { en: "Other", "zh-CN": "其他" },
  } satisfies Labels<(typeof CASE_OUTCOMES)[number]>,
  custodyAction: {
    collected: { en: "Collected", "zh-CN": "提取" },
    handed_over: { en: "Handed over", "zh-CN": "移交" },
    exported: { en: "Exported", "zh-CN": "导出" },
    downloaded: { en: "Downloaded", "zh-CN": "下载" },
  } satisfies Labels<(typeof CUSTODY_ACTIONS)[number]>,
  caseShareState: {
    pending: { en: "Awaiting approval", "zh-CN": "待审批" },
    approved: { en: "Shared", "zh-CN": "已共享" },
    rejected: { en: "Refused", "zh-CN": "未批准" },
  } satisfies Labels<(typeof CASE_SHARE_STATES)[number]>,
  actionStatus: {
    planned: { en: "Planned", "zh-CN": "计划中" },
    in_progress: { en: "In progress", "zh-CN": "进行中" },
    done: { en: "Done", "zh-CN": "已完成" },
    dropped: { en: "Dropped", "zh-CN": "已放弃" },
  } satisfies Labels<ActionStatus>,
  outcomeListState: {
    draft: { en: "Draft", "zh-CN": "草案" },
    final: { en: "Final (signed by both sides)", "zh-CN": "定稿（双方已签署）" },
  } satisfies Labels<(typeof OUTCOME_LIST_STATES)[number]>,
  roundConflictState: {
    open: { en: "Open", "zh-CN": "待处理" },
    accepted: { en: "Accepted", "zh-CN": "已接受" },
    dismissed: { en: "Dismissed", "zh-CN": "已驳回" },
  } satisfies Labels<(typeof CONFLICT_STATES)[number]>,
  progressFigure: {
    requests_sent: { en: "Requests sent", "zh-CN": "已发送的请求" },
    requests_answered_in_time: { en: "Answered in time", "zh-CN": "按时答复" },
    requests_answered_late: { en: "Answered late", "zh-CN": "逾期答复" },
    requests_open_overdue: { en: "Open and overdue", "zh-CN": "未结且已逾期" },
    hotline_tests: { en: "Hotline tests sent", "zh-CN": "热线测试次数" },
    hotline_tests_answered: { en: "Hotline tests answered", "zh-CN": "热线测试已应答" },
    priority_cases_own: { en: "Priority cases shared", "zh-CN": "已共享的重点案件" },
    priority_cases_received: { en: "Priority cases received", "zh-CN": "收到的重点案件" },
    priority_cases_updated: { en: "Priority cases updated in the period", "zh-CN": "期内有更新的重点案件" },
    actions_done: { en: "Action items done", "zh-CN": "已完成的行动项" },
    actions_late: { en: "Action items late", "zh-CN": "逾期的行动项" },
    actions_open: { en: "Action items open, not yet due", "zh-CN": "未到期的行动项" },
    fugitives_returned: { en: "Fugitives returned", "zh-CN": "已归案的外逃人员" },
    assets_recovered: { en: "Assets recovered", "zh-CN": "已追回的资产" },
    repatriations: { en: "Repatriations", "zh-CN": "遣返人数" },
  } satisfies Labels<ProgressFigureKey>,
  sex: {
    female: { en: "Female", "zh-CN": "女" },
    male: { en: "Male", "zh-CN": "男" },
    unspecified: { en: "Unspecified", "zh-CN": "未说明" },
  } satisfies Labels<(typeof SEXES)[number]>,
  accessAction: {
    read: { en: "Read", "zh-CN": "查阅" },
    list: { en: "Listed", "zh-CN": "列表查看" },
    export: { en: "Exported", "zh-CN": "导出" },
    download: { en: "Downloaded", "zh-CN": "下载" },
  } satisfies Labels<(typeof ACCESS_ACTIONS)[number]>,
  personRecordType: {
    person: { en: "Person", "zh-CN": "人员" },
    request: { en: "Request", "zh-CN": "请求" },
    shared_object: { en: "Shared object", "zh-CN": "共享对象" },
    case: { en: "Case", "zh-CN": "案件" },
    fugitive: { en: "Fugitive", "zh-CN": "逃犯" },
    repatriation: { en: "Repatriation", "zh-CN": "遣返" },
    asset: { en: "Asset", "zh-CN": "资产" },
  } satisfies Labels<(typeof PERSON_RECORD_TYPES)[number]>,
  unusualAccess: {
    volume: { en: "Many reads in one day", "zh-CN": "单日查阅量过大" },
    outside_unit: { en: "Records of another unit", "zh-CN": "查阅其他单位的记录" },
  } satisfies Labels<(typeof UNUSUAL_KINDS)[number]>,
  lawfulKind: {
    request: { en: "Request for assistance", "zh-CN": "协助请求" },
    shared_object: { en: "Shared object", "zh-CN": "共享对象" },
    case: { en: "Case", "zh-CN": "案件" },
    fugitive_entry: { en: "Fugitive entry", "zh-CN": "逃犯条目" },
    repatriation_case: { en: "Repatriation case", "zh-CN": "遣返案件" },
    person: { en: "Person", "zh-CN": "人员" },
    asset: { en: "Asset", "zh-CN": "资产" },
  } satisfies Labels<(typeof LAWFUL_KINDS)[number]>,
  erasureAction: {
    anonymise: { en: "Anonymise (keep statistics)", "zh-CN": "匿名化（保留统计）" },
    delete: { en: "Delete", "zh-CN": "删除" },
  } satisfies Labels<(typeof ERASURE_ACTIONS)[number]>,
  screeningCharacter: {
    political: { en: "Political", "zh-CN": "政治性" },
    military: { en: "Military", "zh-CN": "军事性" },
    religious: { en: "Religious", "zh-CN": "宗教性" },
    racial: { en: "Racial", "zh-CN": "种族性" },
  } satisfies Labels<(typeof SCREENING_CHARACTERS)[number]>,
  lawfulGround: {
    ordinary_law_crime: { en: "Ordinary-law crime", "zh-CN": "普通刑事犯罪" },
    predominantly_ordinary_crime: {
      en: "Ordinary-law elements predominate",
      "zh-CN": "普通刑事犯罪要素占主导",
    },
    political_character: { en: "Political character", "zh-CN": "具有政治性质" },
    military_character: { en: "Military character", "zh-CN": "具有军事性质" },
    religious_character: { en: "Religious character", "zh-CN": "具有宗教性质" },
    racial_character: { en: "Racial character", "zh-CN": "具有种族性质" },
    no_legal_basis: { en: "No legal basis", "zh-CN": "缺乏法律依据" },
    disproportionate: { en: "Disproportionate", "zh-CN": "不成比例" },
    human_rights_risk: { en: "Risk to human rights", "zh-CN": "存在侵犯人权风险" },
    other: { en: "Other", "zh-CN": "其他" },
  } satisfies Labels<(typeof LAWFUL_GROUNDS)[number]>,
  flagState: {
    flagged: { en: "Awaiting legal review", "zh-CN": "待法律审查" },
    cleared: { en: "Cleared", "zh-CN": "已放行" },
    blocked: { en: "Blocked", "zh-CN": "已阻止" },
  } satisfies Labels<(typeof FLAG_STATES)[number]>,
  retentionDue: {
    review: { en: "Due for review", "zh-CN": "待复核" },
    deletion: { en: "Due for deletion", "zh-CN": "待删除" },
  } satisfies Labels<(typeof RETENTION_DUE)[number]>,
  ...FUGITIVE_LABELS,
  indicatorKind: {
    ip: { en: "IP address or network", "zh-CN": "IP 地址或网段" },
    domain: { en: "Domain", "zh-CN": "域名" },
    url: { en: "URL", "zh-CN": "网址" },
    email: { en: "E-mail address", "zh-CN": "电子邮箱" },
    file_hash: { en: "File hash", "zh-CN": "文件哈希值" },
    crypto_wallet: { en: "Crypto wallet", "zh-CN": "加密货币钱包" },
    phone: { en: "Phone number", "zh-CN": "电话号码" },
  } satisfies Labels<(typeof INDICATOR_KINDS)[number]>,
  indicatorOrigin: {
    own: { en: "Own", "zh-CN": "本方" },
    received: { en: "Received from a peer", "zh-CN": "对方共享" },
  } satisfies Labels<(typeof INDICATOR_ORIGINS)[number]>,
  indicatorState: {
    active: { en: "Active", "zh-CN": "有效" },
    withdrawn: { en: "Withdrawn", "zh-CN": "已撤回" },
  } satisfies Labels<(typeof INDICATOR_STATES)[number]>,
  hitMatch: {
    exact: { en: "Same value", "zh-CN": "完全相同" },
    network: { en: "Address inside a network", "zh-CN": "地址位于网段内" },
  } satisfies Labels<(typeof HIT_MATCHES)[number]>,
};

export type LabelKind = keyof typeof LABELS;
export type LabelValue<K extends LabelKind> = keyof (typeof LABELS)[K] & string;

/** The values of each vocabulary, in their schema's order (for pickers and for the completeness test). */
export const LABEL_VALUES: { readonly [K in LabelKind]: readonly LabelValue<K>[] } = {
  requestType: REQUEST_TYPE_NAMES,
  urgency: URGENCIES,
  requestEvent: EVENT_NAMES,
  requestStatus: REQUEST_STATUSES,
  answerOutcome: ANSWER_OUTCOMES,
  declineGround: DECLINE_GROUNDS,
  side: SIDES,
  secondCheckMethod: SECOND_CHECK_METHODS,
  secondCheckResult: SECOND_CHECK_RESULTS,
  preservationStatus: PRESERVATION_STATUSES,
  legalInstrument: LEGAL_INSTRUMENTS,
  offenceCategory: OFFENCE_CATEGORIES,
  harmKind: HARM_KINDS,
  subjectKind: SUBJECT_KINDS,
  subjectRole: SUBJECT_ROLES,
  subscriberData: SUBSCRIBER_DATA,
  mlaDataKind: MLA_DATA_KINDS,
  takedownRole: TAKEDOWN_TARGET_ROLES,
  takedownAction: TAKEDOWN_ACTIONS,
  onLocation: ON_LOCATION,
  identityDocumentKind: IDENTITY_DOCUMENT_KINDS,
  assetKind: ASSET_KINDS,
  interviewMode: INTERVIEW_MODES,
  identifierType: IDENTIFIER_TYPES,
  deadlineState: DEADLINE_STATES,
  severity: SEVERITIES,
  dutyRole: DUTY_ROLES,
  logDirection: LOG_DIRECTIONS,
  hotlineLogKind: HOTLINE_LOG_KINDS,
  reportPeriod: REPORT_PERIODS,
  ...FEDERATION_LABEL_VALUES,
  ...MARKING_LABEL_VALUES,
  role: ROLES,
  auditOutcome: AUDIT_OUTCOMES,
  actorType: ACTOR_TYPES,
  noticeKind: NOTICE_KINDS,
  noticeStatus: NOTICE_STATUSES,
  noticeEvent: NOTICE_TIMELINE_EVENTS,
  noticeOutcome: NOTICE_OUTCOMES,
  noticeRefusalGround: NOTICE_REFUSAL_GROUNDS,
  providerChannel: PROVIDER_CHANNELS,
  verifyResult: VERIFY_RESULTS,
  caseStatus: CASE_STATUSES,
  caseOutcome: CASE_OUTCOMES,
  custodyAction: CUSTODY_ACTIONS,
  caseShareState: CASE_SHARE_STATES,
  actionStatus: ACTION_STATUSES,
  outcomeListState: OUTCOME_LIST_STATES,
  roundConflictState: CONFLICT_STATES,
  progressFigure: PROGRESS_FIGURES,
  sex: SEXES,
  accessAction: ACCESS_ACTIONS,
  personRecordType: PERSON_RECORD_TYPES,
  unusualAccess: UNUSUAL_KINDS,
  lawfulKind: LAWFUL_KINDS,
  erasureAction: ERASURE_ACTIONS,
  screeningCharacter: SCREENING_CHARACTERS,
  lawfulGround: LAWFUL_GROUNDS,
  flagState: FLAG_STATES,
  retentionDue: RETENTION_DUE,
  ...FUGITIVE_LABEL_VALUES,
  indicatorKind: INDICATOR_KINDS,
  indicatorOrigin: INDICATOR_ORIGINS,
  indicatorState: INDICATOR_STATES,
  hitMatch: HIT_MATCHES,
};

/** The label of a value in a language; an unknown value (from a newer peer, say) is shown as it is. */
export function label<K extends LabelKind>(
  kind: K,
  value: LabelValue<K> | (string & {}),
  lang: Language,
): string {
  const l = (LABELS[kind] as Record<string, Label | undefined>)[value];
  return l ? l[lang] : value;
}

// Issue texts that always showed a value by its English label keep doing so (issue-keys.ts imports nothing).
setEnglishLabels((kind, value) => label(kind, value, "en"));

/** `value → label` for one vocabulary in one language (a language's resource tree, a select's options). */
export function labelMap<K extends LabelKind>(kind: K, lang: Language): Record<LabelValue<K>, string> {
  return Object.fromEntries(LABEL_VALUES[kind].map((v) => [v, label(kind, v, lang)])) as Record<
    LabelValue<K>,
    string
  >;
}
