import type { LabelKind } from "./labels.js";

/**
 * Our own parametrised issue texts as message keys with parameters (the way Logto's phrase keys work):
 * a detail carries `key` and `params`, and each language fills its own template (issues.ts renders
 * Chinese, with enumerated values by their shared label). This file imports nothing at run time, so
 * every schema file can use it without an import cycle.
 */

type Param = string | number;
export type IssueParams = Readonly<Record<string, Param>>;

export interface IssueMessage {
  en: string;
  "zh-CN": string;
  /**
   * Parameters shown by a shared label in Chinese (in English the value is shown as it is): a vocabulary of
   * labels.ts, "record" for a record noun, or "text" for a fixed text of ours (its Chinese in ISSUES_ZH).
   */
  labelled?: Readonly<Record<string, LabelKind | "record" | "text">>;
  /** The text always showed its vocabulary parameters by their English label: English keeps doing so. */
  englishLabels?: true;
  /** Labelled parameters that hold several values of their vocabulary, joined by ", ": each is labelled. */
  lists?: readonly string[];
}

export const ISSUE_MESSAGES = {
  // schemas
  "request.urgencyReason": {
    en: "say why the request is {urgency}",
    "zh-CN": "请说明请求为何{urgency}",
    labelled: { urgency: "urgency" },
  },
  "request.subjectIndex": {
    en: "must point at one of the {count} subjects",
    "zh-CN": "必须指向 {count} 个对象之一",
  },
  "list.unknownValues": {
    en: "unknown value(s) {values}; one of {allowed}",
    "zh-CN": "未知的值 {values}；可选值为 {allowed}",
  },
  "hash.lengthMismatch": {
    en: "{digits} hex digits is {inferred}, not {stated}",
    "zh-CN": "{digits} 位十六进制数字是 {inferred}，而不是 {stated}",
  },
  "domain.issue": { en: "domain: {issue}", "zh-CN": "域名：{issue}" },
  "domain.badLabel": {
    en: 'label "{label}" may use only letters, digits and inner hyphens',
    "zh-CN": "标签“{label}”只能包含字母、数字和中间的连字符",
  },
  "iban.countryMismatch": {
    en: "the IBAN is from {ibanCountry}, not {country}",
    "zh-CN": "该 IBAN 属于 {ibanCountry}，而不是 {country}",
  },
  // server
  "users.outsideRole": {
    en: "{role} is the role of a provider's staff account, made on the provider's page; it is not given here",
    "zh-CN": "{role}是服务提供者人员账户的角色，须在该服务提供者的页面上创建账户；不能在此授予",
    labelled: { role: "role" },
    englishLabels: true,
  },
  "users.outsideAccount": {
    en: "a provider's staff account keeps its one role, {role}",
    "zh-CN": "服务提供者人员账户只有一个角色：{role}，不能更改",
    labelled: { role: "role" },
    englishLabels: true,
  },
  "federation.payloadTooLarge": {
    en: "the message payload is {size} bytes; an envelope carries at most {limit} bytes of payload",
    "zh-CN": "消息内容为 {size} 字节；一个信封最多携带 {limit} 字节的内容",
  },
  "record.exists": {
    en: "a record with this value already exists",
    "zh-CN": "已存在具有此值的记录",
  },
  "record.related": {
    en: "a record this refers to was removed, or one that refers to this still exists; reload and try again",
    "zh-CN": "所引用的记录已被删除，或仍有记录引用此项；请刷新后重试",
  },
  "transaction.retry": {
    en: "a concurrent change got in the way and nothing was saved; send the request again",
    "zh-CN": "与同时进行的另一项更改冲突，未保存任何内容；请重新发送请求",
  },
  "record.notFound": { en: "{what} not found", "zh-CN": "未找到{what}", labelled: { what: "record" } },
  "permission.required": { en: "requires permission {permission}", "zh-CN": "需要 {permission} 权限" },
  "token.rolesNotHeld": { en: "the user does not hold: {roles}", "zh-CN": "该用户不具备：{roles}" },
  "draft.changed": {
    en: "the draft changed (now version {version})",
    "zh-CN": "草稿已被修改（当前版本 {version}）",
  },
  "draft.notEditable": {
    en: "only a draft can be edited; this request is {status}",
    "zh-CN": "只有草稿可以编辑；该请求当前状态为“{status}”",
    labelled: { status: "requestStatus" },
  },
  "transition.notAllowed": {
    en: "{event} is not allowed in status {status}",
    "zh-CN": "在“{status}”状态下不允许“{event}”",
    labelled: { event: "requestEvent", status: "requestStatus" },
  },
  "transition.wrongSide": {
    en: "{event} is done by the {side}; this node is the {side2}",
    "zh-CN": "“{event}”由{side}执行；本节点是{side2}",
    labelled: { event: "requestEvent", side: "side", side2: "side" },
  },
  "transition.fourEyes": {
    en: "four-eyes approval is required for {type}: submit it for approval",
    "zh-CN": "“{type}”类请求须经双人审核：请提交审批",
    labelled: { type: "requestType" },
  },
  "secondCheck.notInStatus": {
    en: "no second check can be recorded in status {status}",
    "zh-CN": "在“{status}”状态下不能记录二次核实",
    labelled: { status: "requestStatus" },
  },
  "thread.notInStatus": {
    en: "no thread messages in status {status}",
    "zh-CN": "在“{status}”状态下不能发送往来消息",
    labelled: { status: "requestStatus" },
  },
  "extension.alreadyDecided": {
    en: "the extension is already {status}",
    "zh-CN": "该延长申请已{status}",
    labelled: { status: "preservationStatus" },
  },
  "rounds.listFinal": {
    en: "outcome list {list} is final (signed by both sides); a correction is a new list that replaces it",
    "zh-CN": "成果清单 {list} 已定稿（双方已签署）；如需更正，请新建一份替代它的清单",
  },
  "rounds.textMissing": {
    en: "the {language} text is missing; both languages are required",
    "zh-CN": "缺少{language}文本；两种语言均为必填",
  },
  "rounds.notParticipant": {
    en: "{node} is not a participant of this round ({participants})",
    "zh-CN": "{node} 不是本轮对话的参与方（{participants}）",
  },
  "rounds.agencyNotInDelegation": {
    en: "{agency} is not in {node}'s delegation",
    "zh-CN": "{agency} 不在 {node} 代表团中",
  },
  "rounds.dueBeforeRound": {
    en: "the due date is before the round starts ({startsAt})",
    "zh-CN": "截止日期早于本轮对话开始时间（{startsAt}）",
  },
  "rounds.endsBeforeStart": { en: "the round ends before it starts", "zh-CN": "结束时间早于开始时间" },
  "rounds.stale": {
    en: "the round changed since version {base} (now {version}): {fields}",
    "zh-CN": "自版本 {base} 以来本轮已被修改（当前版本 {version}）：{fields}",
  },
  "rounds.signatureMismatch": {
    en: "the signature is not over this list's canonical text (version {listVersion}): {check}",
    "zh-CN": "签名所覆盖的不是本清单（版本 {listVersion}）的规范文本：{check}",
  },
  "rounds.unknownPart": { en: "no {what} {id} in this round", "zh-CN": "本轮中没有{what} {id}" },
  "rounds.alreadySigned": {
    en: "{node} already signed version {listVersion}",
    "zh-CN": "{node} 已签署版本 {listVersion}",
  },
  "rounds.emptyList": { en: "an empty list cannot be signed", "zh-CN": "空清单不能签署" },
  "rounds.conflictClosed": { en: "the conflict is already {state}", "zh-CN": "该冲突已{state}" },
  // a round's history: each change as a key and its parameters, read in the reader's language (rounds.doc.ts)
  "rounds.change.create": { en: "round {number} created", "zh-CN": "创建第 {number} 轮" },
  "rounds.change.set": {
    en: "changed: {fields}",
    "zh-CN": "修改：{fields}",
    labelled: { fields: "roundField" },
    lists: ["fields"],
    englishLabels: true,
  },
  "rounds.change.listCreate": { en: "outcome list {list} started", "zh-CN": "开始成果清单 {list}" },
  "rounds.change.listReplace": {
    en: "outcome list {list} started, correcting {replaces}",
    "zh-CN": "开始成果清单 {list}，更正清单 {replaces}",
  },
  "rounds.change.itemPut": { en: "item {n} of {list} worded", "zh-CN": "拟定清单 {list} 第 {n} 项的措辞" },
  "rounds.change.itemRemove": { en: "item {n} of {list} removed", "zh-CN": "删除清单 {list} 第 {n} 项" },
  "rounds.change.itemComment": { en: "comment on item {n} of {list}", "zh-CN": "评论清单 {list} 第 {n} 项" },
  "rounds.change.sign": {
    en: "{node} signed {list} version {version}",
    "zh-CN": "{node} 签署清单 {list} 第 {version} 版",
  },
  "rounds.change.signFinal": {
    en: "{node} signed {list} version {version}: final, signed by both sides",
    "zh-CN": "{node} 签署清单 {list} 第 {version} 版：双方均已签署，已定稿",
  },
  "rounds.change.actionPut": { en: "action item {action} saved", "zh-CN": "保存行动项 {action}" },
  "rounds.change.actionProgress": {
    en: "progress on action item {action}",
    "zh-CN": "记录行动项 {action} 的进展",
  },
  "rounds.change.actionProgressStatus": {
    en: "progress on action item {action} ({status})",
    "zh-CN": "记录行动项 {action} 的进展（{status}）",
    labelled: { status: "actionStatus" },
    englishLabels: true,
  },
  "rounds.change.documentAdd": { en: "document added: {name}", "zh-CN": "添加文件：{name}" },
  "rounds.change.conflictDismiss": { en: "conflict {conflict} dismissed", "zh-CN": "驳回冲突 {conflict}" },
  "rounds.change.accepted": {
    en: "{issue} (conflict {conflict}, proposal {proposal}, accepted by {acceptedBy})",
    "zh-CN": "{issue}（冲突 {conflict}，提议 {proposal}，由 {acceptedBy} 接受）",
  },
  "rounds.change.conflictKept": {
    en: "{op} from {from} kept as a conflict",
    "zh-CN": "来自 {from} 的变更（{op}）作为冲突保留",
    labelled: { op: "roundOp" },
  },
  "notice.madeOfRequest": {
    en: "notice {reference} was made of it",
    "zh-CN": "已据此请求制作通知 {reference}",
  },
  "notice.requestEnded": {
    en: "the request is {status}: no notice can be made of it",
    "zh-CN": "该请求已“{status}”：不能据此制作通知",
    labelled: { status: "requestStatus" },
  },
  "record.staleVersion": {
    en: "the {what} is at version {version}: read it again",
    "zh-CN": "该{what}当前为版本 {version}：请重新读取",
    labelled: { what: "record" },
  },
  "record.changed": {
    en: "the record changed (now version {version})",
    "zh-CN": "记录已被修改（当前版本 {version}）",
  },
  "record.otherChanged": {
    en: "the other record changed (now version {version})",
    "zh-CN": "另一条记录已被修改（当前版本 {version}）",
  },
  "record.keptUntil": { en: "the record is kept until {date}", "zh-CN": "该记录保存至 {date}" },
  "file.atMostBytes": { en: "at most {max} bytes", "zh-CN": "最多 {max} 字节" },
  "fugitives.evidenceTooLarge": {
    en: "an evidence file is at most {max} bytes (this one: {size})",
    "zh-CN": "证据文件最多 {max} 字节（此文件：{size} 字节）",
  },
  "fugitives.photoTooLarge": {
    en: "a photo is at most {max} bytes (this one: {size})",
    "zh-CN": "照片最多 {max} 字节（此照片：{size} 字节）",
  },
  "fugitives.tooManyPhotos": {
    en: "a record keeps at most {max} photos",
    "zh-CN": "一条记录最多保存 {max} 张照片",
  },
  "node.keysNotReceived": {
    en: "peers have not yet received the new keys: {peers}",
    "zh-CN": "以下对端节点尚未收到新密钥：{peers}",
  },
  "peer.notActive": { en: "{node} is not an active peer", "zh-CN": "{node} 不是有效的对端节点" },
  "peer.inState": {
    en: "peer {node} is {state}",
    "zh-CN": "对端节点 {node} 的状态为“{state}”",
    labelled: { state: "peerState" },
  },
  "peer.cannotSend": {
    en: "peer {node} is {state}: nothing can be sent to it",
    "zh-CN": "对端节点 {node} 的状态为“{state}”：不能向其发送任何内容",
    labelled: { state: "peerState" },
  },
  "peer.already": {
    en: "{node} is already a peer ({state})",
    "zh-CN": "{node} 已是对端节点（{state}）",
    labelled: { state: "peerState" },
  },
  "peer.transitionNotAllowed": {
    en: "cannot {action} a {state} peer",
    "zh-CN": "不能对状态为“{state}”的对端节点执行“{action}”",
    labelled: { action: "peerAction", state: "peerState" },
  },
  "peer.ownerNotActive": {
    en: "the owner of this object ({node}) is not an active peer of this node",
    "zh-CN": "该对象的所有方（{node}）不是本节点的有效对端节点",
  },
  "marking.notReleasable": {
    en: "TLP:RED and {node} is not in marking.releasableTo",
    "zh-CN": "标记为 TLP:RED，且 {node} 不在 marking.releasableTo 中",
  },
  "federation.messageInStatus": {
    en: "the message is {status}",
    "zh-CN": "该消息的状态为“{status}”",
    labelled: { status: "messageStatus" },
  },
  "federation.notStoppedByConflict": {
    en: "delivery to {node} is not stopped by a sequence conflict",
    "zh-CN": "向 {node} 的投递并非因序号冲突而停止",
  },
  "pairing.invitationPrefix": { en: "must start with {prefix}", "zh-CN": "必须以 {prefix} 开头" },
  "pairing.unreachable": {
    en: "cannot reach {url}: {problem} ({error}); the peer stays pending, accept again later",
    "zh-CN": "无法连接 {url}：{problem}（{error}）；该对端节点仍为待定状态，请稍后再次接受",
    labelled: { problem: "linkProblem" },
    englishLabels: true,
  },
  "pairing.refused": {
    en: "the inviting node refused the pairing ({code}): {issue}",
    "zh-CN": "邀请方节点拒绝了配对（{code}）：{issue}",
  },
  "pairing.refusedStatus": {
    en: "the inviting node refused the pairing (HTTP {status})",
    "zh-CN": "邀请方节点拒绝了配对（HTTP {status}）",
  },
  "restore.statementInvalid": {
    en: "the reconciliation statement is not valid ({reason})",
    "zh-CN": "核对声明无效（{reason}）",
  },
  "cases.shareDecided": {
    en: "the share is {state} already",
    "zh-CN": "该共享申请的状态已是“{state}”",
    labelled: { state: "caseShareState" },
  },
  "notice.notAllowedInStatus": {
    en: "not allowed while the notice is {status}",
    "zh-CN": "通知处于“{status}”状态时不允许此操作",
    labelled: { status: "noticeStatus" },
  },
  "indicators.readOnly": {
    en: "a received indicator is read-only: only {node} withdraws it",
    "zh-CN": "收到的指标为只读：只有 {node} 可以撤回",
  },
  "requests.typeFromAsset": {
    en: "from an asset: one of {types}",
    "zh-CN": "由资产发起的请求只能是以下类型之一：{types}",
  },
  "requests.typeFromRecord": {
    en: "from a {from}: one of {types}",
    "zh-CN": "由{from}发起的请求只能是以下类型之一：{types}",
    labelled: { from: "record" },
  },
  "assets.precision": {
    en: "{currency} has {places} decimal places: {amount} has {has}",
    "zh-CN": "{currency} 最多有 {places} 位小数：{amount} 有 {has} 位",
  },
  "assets.precisionCurrency": {
    en: "{currency} has {places} decimal places: {amount} has {has}: give the value in {currency}",
    "zh-CN": "{currency} 最多有 {places} 位小数：{amount} 有 {has} 位；请以 {currency} 填写金额",
  },
  "assets.currencyStays": {
    en: "stage amounts are recorded in {currency}: the currency stays",
    "zh-CN": "各阶段金额以 {currency} 记录：币种不能更改",
  },
  "assets.stageFinal": {
    en: "the asset was {stage}: no stage follows",
    "zh-CN": "该资产已处于“{stage}”阶段：其后没有其他阶段",
    labelled: { stage: "assetStage" },
  },
  "assets.stageBack": {
    en: "the asset is {stage}: a stage may not go back to {next}",
    "zh-CN": "该资产当前处于“{stage}”阶段：不能退回到“{next}”阶段",
    labelled: { stage: "assetStage", next: "assetStage" },
  },
  "assets.beforePreviousStage": {
    en: "before the previous stage entry ({date})",
    "zh-CN": "早于上一条阶段记录（{date}）",
  },
  "assets.stageNamesOrder": {
    en: "a {stage} entry names its order",
    "zh-CN": "“{stage}”阶段的记录须注明所依据的命令",
    labelled: { stage: "assetStage" },
  },
  "shared.readOnly": {
    en: "a received copy is read-only: only its owner {node} versions or withdraws it",
    "zh-CN": "收到的副本为只读：只有其所有方 {node} 可以更新版本或撤回",
  },
  "shared.cameFrom": {
    en: "{node} is where this copy came from (no loops)",
    "zh-CN": "此副本来自 {node}（不能发回来源）",
  },
  "shared.heldAlready": { en: "{node} holds it already", "zh-CN": "{node} 已持有该对象" },
  "shared.refusedBy": {
    en: "{node} refused it ({reason})",
    "zh-CN": "{node} 已拒绝接收（{reason}）",
    labelled: { reason: "shareRefusal" },
  },
  "shared.withdrawnFrom": { en: "{node} had it withdrawn", "zh-CN": "已对 {node} 撤回该对象" },
  "shared.typeUndeclared": { en: "type {type} is no longer declared", "zh-CN": "类型 {type} 已不再声明" },
  "lawful.recordIdUuid": {
    en: "records of this kind are identified by a UUID",
    "zh-CN": "此类记录以 UUID 标识",
  },
  "lawful.recordIdShared": {
    en: "a shared object is identified by so_ and a UUIDv7",
    "zh-CN": "共享对象以 so_ 加 UUIDv7 标识",
  },
  "lawful.flagDecided": {
    en: "the flag is already decided ({state})",
    "zh-CN": "该标记已有决定（{state}）",
    labelled: { state: "flagState" },
  },
  "rounds.listExists": { en: "outcome list {list} exists already", "zh-CN": "成果清单 {list} 已存在" },
  "rounds.documentExists": {
    en: "document {id} is in the round already",
    "zh-CN": "文件 {id} 已在本轮对话中",
  },
  "rounds.atVersion": { en: "the round is at version {version}", "zh-CN": "本轮当前为版本 {version}" },
  "rounds.listStale": {
    en: "the list is at version {version}; read it again before signing",
    "zh-CN": "该清单当前为版本 {version}；请重新读取后再签署",
  },
  "repatriation.stepOrder": {
    en: "steps go in order: this case ({status}) waits for {next}",
    "zh-CN": "步骤须依次进行：本案（{status}）等待的是：{next}",
    labelled: { status: "repatriationStatus", next: "text" },
    englishLabels: true,
  },
  "repatriation.beforePreviousStep": {
    en: "before the previous step ({step}, {at})",
    "zh-CN": "早于上一步骤（{step}，{at}）",
    labelled: { step: "repatriationStep" },
    englishLabels: true,
  },
  "http.plainRefused": {
    en: "plain HTTP is refused: use {url}",
    "zh-CN": "不接受未加密的 HTTP：请使用 {url}",
  },
  "http.noRoute": { en: "no route {method} {path}", "zh-CN": "没有路由 {method} {path}" },
  "http.pathSegmentTooLong": {
    en: "a path segment is longer than {limit} characters",
    "zh-CN": "路径中有一段超过 {limit} 个字符",
  },
  "http.badUrl": {
    en: "the path is not valid percent-encoded UTF-8",
    "zh-CN": "路径不是有效的百分号编码 UTF-8",
  },
  // indicator imports: the rows of an import report, and a file refused as a whole
  "import.notDate": {
    en: "{field}: not an ISO 8601 date-time",
    "zh-CN": "{field}：不是 ISO 8601 日期时间",
  },
  "import.badText": {
    en: "{field}: holds NUL or is not valid UTF-8 text",
    "zh-CN": "{field}：含有 NUL 字符或不是有效的 UTF-8 文本",
  },
  "import.unknownKind": {
    en: 'kind "{kind}": one of {kinds}',
    "zh-CN": "类型“{kind}”：只能是 {kinds} 之一",
  },
  "import.fieldIssue": { en: "{field}: {issue}", "zh-CN": "{field}：{issue}" },
  "import.lineIssue": { en: "line {line}: {issue}", "zh-CN": "第 {line} 行：{issue}" },
  "import.unknownColumns": {
    en: "line 1: unknown column(s) {columns}; the columns are {allowed}",
    "zh-CN": "第 1 行：未知的列 {columns}；可用的列为 {allowed}",
  },
  "import.headerColumns": {
    en: "line 1: the header must name the columns kind and value (and any of {optional})",
    "zh-CN": "第 1 行：表头必须包含 kind 和 value 列（另可包含 {optional} 中的任意列）",
  },
  "import.fieldCount": {
    en: "{count} fields where the header has {columns}",
    "zh-CN": "有 {count} 个字段，而表头有 {columns} 个",
  },
  "import.notBundle": { en: "not a STIX bundle: {issue}", "zh-CN": "不是 STIX bundle：{issue}" },
  "import.stoppedReading": {
    en: "{issue}; objects after this point were not read",
    "zh-CN": "{issue}；此后的对象未被读取",
  },
  "import.notValidJson": {
    en: 'the bundle\'s "{member}" is not valid JSON',
    "zh-CN": "bundle 的“{member}”不是有效的 JSON",
  },
  "import.objectNotObject": {
    en: "objects[{index}] is not an object",
    "zh-CN": "objects[{index}] 不是对象",
  },
  "import.objectTooLarge": {
    en: "objects[{index}] is larger than {max} characters",
    "zh-CN": "objects[{index}] 超过 {max} 个字符",
  },
  "import.unsupportedType": {
    en: "type {type} is not a STIX 2.1 type this node keeps (not imported)",
    "zh-CN": "类型 {type} 不是本节点保存的 STIX 2.1 类型（未导入）",
  },
} as const satisfies Record<string, IssueMessage>;

export type IssueKey = keyof typeof ISSUE_MESSAGES;

/** What travels in an error detail (and in a Zod custom issue's `params`). */
export interface IssueRef {
  key: IssueKey;
  params: IssueParams;
}

export function isIssueKey(key: unknown): key is IssueKey {
  return typeof key === "string" && Object.hasOwn(ISSUE_MESSAGES, key);
}

/** The English label of a value, for messages with `englishLabels`: set by labels.ts, which imports this file. */
let englishLabel: (kind: LabelKind, value: string) => string = (_kind, value) => value;
export function setEnglishLabels(f: (kind: LabelKind, value: string) => string): void {
  englishLabel = f;
}

/** A parameter in English: as it is, or by its English label where the message always showed that. */
export function englishParam(msg: IssueMessage, name: string, value: Param): string {
  const kind = msg.labelled?.[name];
  if (!msg.englishLabels || kind === undefined || kind === "record" || kind === "text") return String(value);
  return msg.lists?.includes(name)
    ? String(value)
        .split(", ")
        .map((v) => englishLabel(kind, v))
        .join(", ")
    : englishLabel(kind, String(value));
}

const fillEnglish = (key: IssueKey, params: IssueParams) => {
  const msg: IssueMessage = ISSUE_MESSAGES[key];
  return msg.en.replace(/\{(\w+)\}/g, (m, name: string) =>
    params[name] === undefined ? m : englishParam(msg, name, params[name]),
  );
};

/** An issue as its English text with its message key and parameters (what `issue` returns). */
export type KeyedIssue = { issue: string } & IssueRef;

/**
 * A detail's issue as key, parameters and English text: `{ field, ...issue("draft.changed", { version }) }`.
 * English keeps the text it always had (logs, the CLI, English clients).
 */
export function issue(key: IssueKey, params: IssueParams = {}): KeyedIssue {
  return { issue: fillEnglish(key, params), key, params };
}

/**
 * The parameters that put an issue inside another's `{issue}`: its English text, and when it has a key of its
 * own, that key (`issueKey`) with its parameters beside the outer ones, so each language fills the inner
 * template too: `issue("import.stoppedReading", nestedIssue(inner))`. Parameters are flat: an inner parameter
 * must not share a name with an outer one.
 */
export function nestedIssue(inner: string | KeyedIssue): IssueParams {
  if (typeof inner === "string") return { issue: inner };
  return { ...inner.params, issue: inner.issue, issueKey: inner.key };
}

/** For a Zod custom issue: `ctx.addIssue({ code: "custom", ...zodIssue("request.urgencyReason", {…}) })`. */
export function zodIssue(key: IssueKey, params: IssueParams = {}): { message: string; params: IssueRef } {
  return { message: fillEnglish(key, params), params: { key, params } };
}
