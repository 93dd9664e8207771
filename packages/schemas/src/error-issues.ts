import { PRESERVATION_MIN_DAYS } from "./requests.js";

/**
 * Chinese for the fixed `issue` strings of error details (`details[].issue`) that we write ourselves: the
 * custom messages of the schemas in this package (`message:` / `error:` / identifier `fail(...)`) and the
 * common issues the server's services raise. The English text is the key, so English output never
 * changes; the server swaps in the Chinese when the caller's Accept-Language prefers zh. Zod's own
 * (built-in) messages are not here: the server formats those with Zod's bundled zh-CN locale.
 *
 * A test scans packages/schemas/src and fails when a custom message has no entry here; another
 * (apps/server/test/unit/error-issues.test.ts) does the same for the fixed issue texts under apps/server/src.
 */

/** Fixed issue texts, English → Chinese. */
export const ISSUES_ZH: Readonly<Record<string, string>> = {
  "an outcome goes with status closed": "结果仅在结案时填写",
  // repatriation.ts
  "required when the case is shared": "案件共享时必须填写",
  "give the grounds when the identity is not verified": "身份未获核实时须说明理由",
  "the document must be valid after it is issued": "证件的有效期必须晚于签发日期",
  "a month as YYYY-MM": "月份，格式 YYYY-MM",
  "must not be after `to`": "不能晚于 `to`",
  "at most 120 months": "最多 120 个月",
  // rounds.ts
  "a round id: rnd_ and a UUIDv7": "轮次编号：rnd_ 加 UUIDv7",
  "letters, digits, '_' and '-'": "字母、数字、“_”和“-”",
  // common.ts, auth.ts, org.ts, audit.ts
  "must not be empty": "不能为空",
  "must not contain control characters": "不能包含控制字符",
  // the server's input guard (apps/server/src/http/input-guard.ts)
  "must not contain the NUL character (U+0000)": "不能包含 NUL 字符（U+0000）",
  "must be valid Unicode (an unpaired surrogate was sent)": "必须是有效的 Unicode（收到了不成对的代理项）",
  "must be an IANA time zone such as Asia/Shanghai": "必须是 IANA 时区，例如 Asia/Shanghai",
  "must be 64 hex digits": "必须是 64 位十六进制数字",
  "local date-time YYYY-MM-DDTHH:mm": "本地日期时间，格式 YYYY-MM-DDTHH:mm",
  "only letters, digits, '.', '-' and '_'": "只能包含字母、数字、“.”、“-”和“_”",
  "upper-case letters, digits and '-', e.g. CN-MPS": "只能包含大写字母、数字和“-”，例如 CN-MPS",
  "at least 12 characters": "至少 12 个字符",
  "six digits": "六位数字",
  // deadlines.ts
  "the acknowledge deadline must not be later than the answer deadline": "确认期限不得晚于答复期限",
  // requests.ts
  "give the romanised form of a name written in a non-Latin script":
    "以非拉丁文字书写的姓名，请同时给出罗马字拼写",
  "only a person has a date of birth": "只有自然人才有出生日期",
  "name the agreement or law relied on": "请写明所依据的协定或法律",
  "give at least one way to reach the officer": "请至少提供一种联系该警官的方式",
  "must not be before from": "不得早于起始日期",
  "name the custodian of the data or the location of the system": "请写明数据的保管方或系统所在地",
  "must be YYYY, YYYY-MM or YYYY-MM-DD": "格式必须为 YYYY、YYYY-MM 或 YYYY-MM-DD",
  "give a country or a place": "请填写国家或地点",
  "1 to 300 characters": "长度须为 1 至 300 个字符",
  "must be an ISO 4217 code such as CNY or USD": "必须是 ISO 4217 货币代码，例如 CNY 或 USD",
  "state that a mutual-assistance request for the data will follow (true)":
    "请确认随后将就这些数据提出司法协助请求（true）",
  "state that a request for extradition will follow (true)": "请确认随后将提出引渡请求（true）",
  "an emergency disclosure has urgency emergency": "紧急披露的紧急程度必须为“紧急”",
  "name at least one identifier": "请至少填写一个标识符",
  "must point at a person": "必须指向一名自然人",
  [`preservation lasts at least ${PRESERVATION_MIN_DAYS} days`]: `保全期限至少 ${PRESERVATION_MIN_DAYS} 天`,
  // request-lifecycle.ts
  "a declined request states its grounds": "拒绝请求时须说明理由",
  "a fulfilled request has no grounds for refusal": "已完成的请求不应填写拒绝理由",
  "an emergency request needs a recorded second check (who checked, how, with which named contact, when, result) before it is answered":
    "紧急请求在答复前须记录二次核实（由谁、以何种方式、与哪位具名联系人、何时核实及结果）",
  "the second check failed: the request may only be declined": "二次核实未通过：该请求只能拒绝",
  // indicators.ts: the CIDR prefix of an IPv4 and of an IPv6 network
  "the prefix must be 0 to 32": "前缀长度必须在 0 到 32 之间",
  "the prefix must be 0 to 128": "前缀长度必须在 0 到 128 之间",
  // identifiers.ts
  "must be an ISO 3166-1 alpha-2 country code such as CN or US":
    "必须是 ISO 3166-1 两位字母国家代码，例如 CN 或 US",
  "must be an ISO 3166-1 alpha-2 country code": "必须是 ISO 3166-1 两位字母国家代码",
  "is not in canonical form": "不是规范形式",
  "must be an IPv4 address in dotted decimal, four numbers 0-255 without leading zeros":
    "必须是点分十进制的 IPv4 地址：四个 0-255 的数字，不带前导零",
  "a zone index (%...) is local to one machine and is not allowed":
    "区域索引（%...）只在本机有效，不允许使用",
  "must be an IPv6 address such as 2001:db8::1": "必须是 IPv6 地址，例如 2001:db8::1",
  "must be a bare domain name such as example.com (use type url for URLs)":
    "必须是不带其他成分的域名，例如 example.com（URL 请使用 url 类型）",
  "a domain name has at most 253 characters": "域名最多 253 个字符",
  "must have at least two labels, such as example.com": "至少要有两级标签，例如 example.com",
  'must not contain empty labels ("..")': "不能包含空标签（“..”）",
  "each label has at most 63 characters": "每级标签最多 63 个字符",
  "the last label must be a top-level domain (use type ipv4 for IP addresses)":
    "最后一级标签必须是顶级域名（IP 地址请使用 ipv4 类型）",
  "must be an e-mail address such as name@example.com": "必须是电子邮件地址，例如 name@example.com",
  "the part before @ has at most 64 characters": "@ 之前的部分最多 64 个字符",
  "the part before @ contains characters that are not allowed": "@ 之前的部分包含不允许的字符",
  "an e-mail address has at most 254 characters": "电子邮件地址最多 254 个字符",
  "needs the country code: start with + (or 00), e.g. +86 10 6626 2114":
    "须带国家代码：以 +（或 00）开头，例如 +86 10 6626 2114",
  "may contain only digits after the +, and spaces, dashes or brackets":
    "+ 之后只能包含数字以及空格、连字符或括号",
  "a country code never starts with 0": "国家代码不会以 0 开头",
  "an E.164 number has 7 to 15 digits including the country code": "E.164 号码含国家代码共 7 至 15 位数字",
  "must be an absolute URL starting with http://, https:// or ftp://":
    "必须是以 http://、https:// 或 ftp:// 开头的完整 URL",
  "is not a valid URL": "不是有效的 URL",
  "only http, https and ftp URLs are accepted": "只接受 http、https 和 ftp 的 URL",
  "must have a host": "必须包含主机名",
  "must be one address without spaces": "必须是一个不含空格的地址",
  "give the network (btc, eth, xmr, trx or other)": "请注明网络（btc、eth、xmr、trx 或 other）",
  "a bech32 address must not mix cases": "bech32 地址不能大小写混用",
  "a bitcoin address starts with 1, 3 or bc1 (testnet addresses are refused)":
    "比特币地址以 1、3 或 bc1 开头（不接受测试网地址）",
  "base58check checksum does not match": "base58check 校验和不匹配",
  "unknown bitcoin address version": "未知的比特币地址版本",
  "an ethereum address is 0x followed by 40 hex digits": "以太坊地址为 0x 加 40 位十六进制数字",
  "a monero address is 95 (or 106, integrated) base58 characters starting with 4 or 8":
    "门罗币地址为以 4 或 8 开头的 95 个（集成地址 106 个）base58 字符",
  "a tron address is 34 base58 characters starting with T": "波场地址为以 T 开头的 34 个 base58 字符",
  "not a valid bech32 address": "不是有效的 bech32 地址",
  "contains characters not used by bech32": "包含 bech32 不使用的字符",
  "too short for a bech32 address": "作为 bech32 地址太短",
  "unknown segwit version": "未知的隔离见证版本",
  "bech32 checksum does not match": "bech32 校验和不匹配",
  "bech32 program has invalid padding": "bech32 程序的填充无效",
  "invalid witness program length": "见证程序长度无效",
  "at most 128 characters": "最多 128 个字符",
  "at most 200 characters": "最多 200 个字符",
  "at most 256 characters": "最多 256 个字符",
  "a file hash is hexadecimal digits only": "文件哈希只能是十六进制数字",
  "length must be 32 (md5), 40 (sha1), 64 (sha256) or 128 (sha512) hex digits":
    "长度必须是 32（md5）、40（sha1）、64（sha256）或 128（sha512）位十六进制数字",
  "an IMEI has 15 digits": "IMEI 为 15 位数字",
  "IMEI check digit (Luhn) does not match": "IMEI 校验位（Luhn）不匹配",
  "a MAC address has six hex pairs, e.g. aa:bb:cc:dd:ee:ff":
    "MAC 地址由六组两位十六进制数组成，例如 aa:bb:cc:dd:ee:ff",
  "is not an IBAN; for a country without IBANs also give bankCode and country":
    "不是 IBAN；对不使用 IBAN 的国家，请同时填写 bankCode 和 country",
  "an IBAN starts with an ISO country code": "IBAN 以 ISO 国家代码开头",
  "IBAN check digits do not match (mod-97)": "IBAN 校验位不匹配（mod-97）",
  "a bank code has 1 to 20 letters or digits": "银行代码为 1 至 20 个字母或数字",
  "give the country of the bank": "请填写银行所在国家",
  "an account number has 1 to 34 letters or digits": "账号为 1 至 34 个字母或数字",
  "give the service, e.g. telegram or wechat": "请注明服务，例如 telegram 或 wechat",
  "service must be 1 to 64 characters": "服务名称须为 1 至 64 个字符",

  // The server: request validation and services (forms the console shows)
  "unknown field": "未知字段",
  "is not valid": "无效",
  "body exceeds the limit": "请求正文超出大小限制",
  "send Content-Type: application/json": "请以 Content-Type: application/json 发送",
  "this endpoint needs a signed-in user": "此接口需要已登录的用户",
  "the API token is unknown, expired or revoked": "API 令牌未知、已过期或已吊销",
  "is not your current password": "不是您当前的密码",
  "must differ from the current password": "必须与当前密码不同",
  "does not match the authenticator": "与身份验证器不匹配",
  "start MFA enrolment first": "请先开始设置双重身份验证",
  "MFA is already enrolled; an admin can reset it": "已设置双重身份验证；管理员可以重置",
  "a token cannot create tokens": "令牌不能创建令牌",
  "name the user the token acts for": "请指定令牌代表的用户",
  "this username is taken": "该用户名已被占用",
  "no such unit": "没有这个单位",
  "no such agency": "没有这个机构",
  "a unit with this name exists": "已有同名单位",
  "you cannot disable yourself or remove your own admin role": "不能停用自己，也不能移除自己的管理员角色",
  "name the unit": "请指定单位",
  "no such user in this unit": "该单位没有这个用户",
  "the user holds neither the duty officer nor the supervisor role": "该用户既不是值班员也不是主管",
  "not a valid local date-time": "不是有效的本地日期时间",
  "must be after the start and at most 7 days later": "必须晚于开始时间，且最多晚 7 天",
  "name the peer the request goes to": "请指定请求发往的对端节点",
  "no such request": "没有这个请求",
  "must not be in the future": "不能是将来的时间",
  "not a cursor from this list": "不是本列表的游标",
  "only officers of a unit draft requests": "只有单位的警官才能起草请求",
  "must be non-empty standard base64": "必须是非空的标准 base64",
  "standard base64": "须为标准 base64",
  // fugitives: evidence of reports on a peer's entry
  "named twice in the report": "在报告中重复引用",
  "no evidence file with this id was uploaded for this entry by your unit":
    "本单位没有为此条目上传此编号的证据文件",
  "this evidence file is already part of another report": "此证据文件已属于另一份报告",
  "the owner removed this entry from its list": "所有方已将此条目移出名单",
  "the attachment has not arrived (yet)": "附件（尚）未到达",
  "the stored attachment does not match its SHA-256": "存储的附件与其 SHA-256 不符",
  "four eyes: the drafter may not approve their own request": "双人审核：起草人不能批准自己的请求",
  "the second check is made by the responding side": "二次核实由答复方进行",
  "only incoming requests are routed between units": "只有收到的请求才能在单位之间转办",
  "only the requester of a preservation asks for an extension": "只有保全的请求方才能申请延长",
  "the data is not (or no longer) preserved": "数据未被保全（或已不再保全）",
  "the responder decides on an extension": "由答复方决定是否延长",
  "notifications belong to signed-in users": "通知只属于已登录的用户",
  "requires permission hotline:duty or hotline:roster": "需要 hotline:duty 或 hotline:roster 权限",
  "requires permission hotline:roster": "需要 hotline:roster 权限",
  "requires permission requests:draft or requests:answer": "需要 requests:draft 或 requests:answer 权限",
  "is not a valid invitation": "不是有效的邀请",
  "the invitation has expired": "邀请已过期",
  "the invitation has already been used": "邀请已被使用",
  "this is this node's own invitation": "这是本节点自己的邀请",
  // shared objects and markings
  "each handling code at most once": "每个处理代码最多出现一次",
  "required with TLP:RED": "TLP:RED 时必填",
  "only with TLP:RED": "仅在 TLP:RED 时可用",
  "a shared-object id: so_ and a UUIDv7": "共享对象标识：so_ 加 UUIDv7",
  "a dotted lower-case type, e.g. indicator": "以点分隔的小写类型，例如 indicator",
  "each node at most once": "每个节点最多出现一次",
  "change the marking, the content or both": "请修改标记、内容或两者",
  "the marking forbids passing it on": "标记禁止转交",
  "this node itself": "本节点自身",
  "the object is withdrawn": "该对象已撤回",
  "no domain of this node declares this type": "本节点没有声明此类型的业务模块",
  "not a cursor of this list": "不是此列表的游标",
  // notices.ts and modules/providers
  "give an e-mail address or a phone number": "请提供电子邮件地址或电话号码",
  "say why the notice was not fully acted on": "请说明未完全执行该通知的理由",
  "give a verification code or a signed notice": "请提供验证码或已签名的通知",
  "figures are per unit": "统计按单位进行",
  "four eyes: someone other than the drafter must approve": "双人审核：须由起草人以外的人员审批",
  "must lie between the sending of the notice and now": "须介于通知发送时间与当前时间之间",
  "no such provider in the register": "名录中没有该服务提供者",
  "notices belong to a unit": "通知须属于某个单位",
  "provider accounts are made by a user of a unit": "服务提供者账户须由某单位的用户创建",
  "replying to a provider needs notices:draft": "答复服务提供者需要 notices:draft 权限",
  "the deadline must be after the notice is sent": "期限须晚于通知发送时间",
  "the notice has not been sent yet": "该通知尚未发送",
  "the provider is no longer in the register": "该服务提供者已不在名录中",
  "too many checks from this address; try again later": "来自此地址的核验过多，请稍后再试",
  "upload the evidence to this notice first": "请先将证据上传到此通知",
  // persons and their erasure (modules/persons, modules/lawful)
  "the person's record is erased: it cannot be linked or changed": "该人员记录已被清除：不能再关联或修改",
  "a record names the person: not due for erasure": "仍有记录涉及该人员：尚未到清除期限",
  "the record is not due for erasure": "该记录尚未到清除期限",
  // repatriation (modules/repatriation)
  "another case took the next reference at the same moment: try again":
    "另一个案件同时占用了下一个编号：请重试",
  // assets.ts
  "must be an ISO 4217 currency code such as CNY or USD, or a crypto-asset symbol such as BTC":
    "须为 ISO 4217 货币代码（如 CNY、USD）或加密资产代码（如 BTC）",
  "a decimal number such as 1250000.50, without sign, spaces or exponent":
    "须为十进制数，如 1250000.50，不带符号、空格或指数",
  "1 to 4000 characters": "长度须为 1 至 4000 个字符",
  "link the asset to a fugitive or a case": "请将资产关联到外逃人员或案件",
  // peers.ts
  "a pin is sha256/ and 44 base64 characters, or 64 hexadecimal digits":
    "固定值须为 sha256/ 加 44 个 base64 字符，或 64 位十六进制数",
  // access log (modules/access-log)
  "at most a year at a time": "每次最多一年",
  "the access log cannot be written at the moment: reads of personal data wait for it":
    "访问日志暂时无法写入：个人数据的读取须等待其恢复",
  // assets (modules/assets)
  "name this asset (its assetId) among the assets": "请在资产中列出本资产（其 assetId）",
  "in the future": "在将来",
  "no such case": "没有这个案件",
  "no such fugitive": "没有这个外逃人员",
  "only an officer of a unit keeps asset records": "只有单位的警官才能管理资产记录",
  "a stage may not go back": "阶段不能倒退",
  "stage entries are never removed": "阶段记录不能删除",
  "the currency stays": "币种保持不变",
  "a shared asset keeps the marking it was shared under": "已共享的资产保持共享时的标记",
  "already shared with these peers": "已与这些对端节点共享",
  "the asset is not shared": "该资产未被共享",
  "the sharing of this asset was withdrawn: it is final": "该资产的共享已撤回：不可恢复",
  // cases and their evidence (modules/cases)
  "a malware sample is downloaded only with confirm=malware_sample":
    "下载恶意软件样本须带 confirm=malware_sample",
  "is in the future": "是将来的时间",
  "no such evidence item in this case": "本案件中没有这项证据",
  "say why the malware sample is downloaded": "请说明下载恶意软件样本的理由",
  "the evidence file is missing": "证据文件缺失",
  "the stored evidence does not match its SHA-256": "存储的证据与其 SHA-256 不符",
  "already in the owning unit": "已属于主办单位",
  "closing a case takes an outcome": "结案须填写结果",
  "no enabled officer of the case's unit or among its members": "案件所属单位及其成员中没有启用中的这名警官",
  "no enabled user with this id": "没有此编号的启用中用户",
  "no such task in this case": "本案件中没有这项任务",
  "only a person subject links to a person record": "只有自然人对象才能关联人员记录",
  "only an officer of a unit opens a case": "只有单位的警官才能立案",
  "only the owning unit adds members": "只有主办单位才能添加成员",
  "the case holds it already": "案件中已有此项",
  "a case summary keeps its case's reference": "案件摘要保持其案件编号",
  "four eyes: the officer who asked to share may not approve it": "双人审核：申请共享的警官不能批准",
  "named twice": "重复引用",
  "no such share of this case": "本案件没有这项共享",
  "no summary of this case is shared": "本案件没有已共享的摘要",
  "only a priority case's summary is shared: mark the case priority first":
    "只有重点案件的摘要才能共享：请先将案件标为重点",
  // federation (modules/federation)
  "the message is being delivered right now; try again in a moment": "该消息正在投递；请稍后再试",
  "the assembled attachment does not match its SHA-256": "组装后的附件与其 SHA-256 不符",
  "the attachment was announced with another hash or size": "该附件通告的哈希或大小与此不同",
  "the chunk authorisation is not valid": "分块授权无效",
  "the chunk does not match its signed description": "分块与其已签名的描述不符",
  "a dotted lower-case message type": "以点分隔的小写消息类型",
  "is not readable": "无法读取",
  "the control notice is not valid": "控制通知无效",
  "the invitation is for another node": "该邀请是发给另一个节点的",
  "the inviting node's reply is not signed by the invitation's keys": "邀请方节点的答复未用邀请中的密钥签名",
  "the pairing proof is malformed": "配对证明格式错误",
  "the pairing proof is not signed by the key it presents": "配对证明未用其出示的密钥签名",
  "unknown invitation": "未知的邀请",
  "send the chunk as application/octet-stream": "请以 application/octet-stream 发送分块",
  // fugitives, their lists and photos (modules/fugitives)
  "before the date of birth": "早于出生日期",
  "the stored evidence file does not match its SHA-256": "存储的证据文件与其 SHA-256 不符",
  "a published list keeps the marking it was published under": "已发布的名单保持发布时的标记",
  "already on the list": "已在名单上",
  "already published to these peers": "已向这些对端节点发布",
  "before the date of flight": "早于外逃日期",
  "only an officer of a unit keeps lists": "只有单位的警官才能管理名单",
  "removed from this list: a removal is final": "已移出此名单：移出不可恢复",
  "the number is taken on this list": "此名单上该编号已被占用",
  "the return of this fugitive is already recorded": "该外逃人员的归案已登记",
  "not an image: a photo is a JPEG, PNG or WebP file": "不是图片：照片须为 JPEG、PNG 或 WebP 文件",
  "the fugitive has returned: the record is closed": "该外逃人员已归案：记录已关闭",
  "the photo has not arrived (yet)": "照片（尚）未到达",
  "the stored photo does not match its SHA-256": "存储的照片与其 SHA-256 不符",
  "the record links 50 requests already": "该记录已关联 50 个请求",
  "only an officer of a unit keeps fugitive records": "只有单位的警官才能管理外逃人员记录",
  "a return is final": "归案不可撤销",
  "an entry stays on its list": "条目保留在其名单上",
  // indicators and their import (modules/indicators)
  "TLP:RED: for named recipients only, not kept in the indicator store":
    "TLP:RED：仅限指定接收方，不存入指标库",
  "confidence: a whole number from 0 to 100": "confidence：0 至 100 的整数",
  "description: over 2000 characters": "description：超过 2000 个字符",
  "not valid JSON": "不是有效的 JSON",
  "revoked by its producer (not imported)": "已被其生成方撤销（未导入）",
  "source: over 200 characters": "source：超过 200 个字符",
  "the file is empty (no header line)": "文件为空（没有标题行）",
  'the file\'s "type" is not "bundle"': "文件的“type”不是“bundle”",
  "tlp: CLEAR, GREEN, AMBER or AMBER+STRICT": "tlp：CLEAR、GREEN、AMBER 或 AMBER+STRICT",
  "value: empty": "value：为空",
  "value: longer than 4096 characters": "value：超过 4096 个字符",
  "comma-separated indicator ids": "以逗号分隔的指标编号",
  "not an active own indicator of your unit that is not shared yet": "不是本单位自有、有效且尚未共享的指标",
  "nothing to share": "没有可共享的内容",
  "only an officer of a unit holds indicators": "只有单位的警官才能持有指标",
  "text/csv or application/stix+json (or name the format)": "text/csv 或 application/stix+json（或注明格式）",
  "the indicator is withdrawn already": "该指标已撤回",
  "an indicator keeps its kind: withdraw it and publish another": "指标的种类不能更改：请撤回后另行发布",
  // legal review and erasure (modules/lawful)
  "a legal reviewer blocked this item": "法律审查人员已阻止此项",
  "only an item received from a peer can be refused": "只有从对端节点收到的项目才能拒绝",
  "the item awaits a legal reviewer's decision": "此项正等待法律审查人员决定",
  "the item is already flagged": "此项已标记为需法律审查",
  "the item is already refused": "此项已被拒绝",
  "the item is blocked": "此项已被阻止",
  "the next review is in the future": "下次复核时间尚未到",
  "the record's personal data is already erased": "该记录的个人数据已被清除",
  "the record's personal data is erased": "该记录的个人数据已清除",
  // PDF export (lib/pdfkit.ts)
  "PDF export needs a font with Chinese glyphs: install the Debian package fonts-wqy-microhei (or fonts-noto-cjk), or set CROSSLINE_CJK_FONT to a .ttf/.ttc file":
    "导出 PDF 需要含中文字形的字体：请安装 Debian 软件包 fonts-wqy-microhei（或 fonts-noto-cjk），或将 CROSSLINE_CJK_FONT 设为一个 .ttf/.ttc 文件",
  // the node and its keys (modules/node)
  "a rotation is already in progress: retire the old keys first": "密钥轮换已在进行中：请先停用旧密钥",
  "no keys are retiring: rotate first": "没有正在停用的密钥：请先轮换",
  "the node has no active keys": "本节点没有有效密钥",
  "the node is not initialised: run `crossline init`": "节点尚未初始化：请运行 `crossline init`",
  "this node is already initialised": "本节点已初始化",
  // persons (modules/persons)
  "a record cannot be merged with itself": "记录不能与自身合并",
  "a third record has this main name and date of birth": "另有第三条记录具有相同的主姓名和出生日期",
  "no such person": "没有这个人员",
  "processing of this person is restricted while a dispute is open": "该人员存在未决异议，已限制处理",
  "the two records give different dates of birth: rectify one first":
    "两条记录的出生日期不同：请先更正其中一条",
  "another person record has this main name and date of birth": "另一条人员记录具有相同的主姓名和出生日期",
  "give the reason for the restriction": "请说明限制处理的理由",
  // providers (modules/providers)
  "the request names no identifier a provider could act on": "该请求没有服务提供者可据以执行的标识符",
  "this node cannot reach peers": "本节点无法连接对端节点",
  // repatriation (modules/repatriation)
  "no document file on this case": "本案件没有证件文件",
  "the document's file has not arrived (yet)": "证件文件（尚）未到达",
  "the stored document does not match its SHA-256": "存储的文件与其 SHA-256 不符",
  "a case keeps its reference": "案件保持其编号",
  "steps recorded are kept as they are": "已登记的步骤保持原样",
  "a received case is read-only here: its owner records this step":
    "收到的案件在此只读：此步骤由其所有方登记",
  "no case of ours was shared with the proposer under this id": "本方没有以此编号与提议方共享的案件",
  "no identity-check request for repatriation of your unit has this id": "本单位没有此编号的遣返身份核查请求",
  "not an active peer of this node": "不是本节点的有效对端节点",
  "only an officer of a unit keeps repatriation cases": "只有单位的警官才能管理遣返案件",
  "the document's file did not come with the proposal": "提议未附带证件文件",
  // requests (modules/requests)
  "the node has no unit": "本节点没有单位",
  "no such incoming request": "没有这个收到的请求",
  // rounds and calendar feeds (modules/rounds)
  "a calendar feed belongs to a user": "日历订阅属于某个用户",
  "no such calendar feed": "没有这个日历订阅",
  "a progress note needs some text": "进展记录须填写内容",
  "a round holds at most 50 documents": "每轮对话最多 50 份文件",
  "a stale signature is not accepted; sign the current version": "不接受过时的签名；请签署当前版本",
  "only a final list not already corrected can be replaced": "只有尚未更正的已定稿清单才能替换",
  "must be a peer this node knows": "必须是本节点已知的对端节点",
  "not a day": "不是有效的日期",
  "a document is added with its bytes: POST …/documents": "文件须连同其内容添加：POST …/documents",
  "a list is signed by the node: POST …/lists/:listId/sign": "清单由节点签署：POST …/lists/:listId/sign",
  "must be an active peer of this node": "必须是本节点的有效对端节点",
  "the document's bytes have not arrived (yet)": "文件内容（尚）未到达",
  // shared objects (modules/shared-objects)
  "only an active copy received from its owner takes proposals of this kind":
    "只有从所有方收到的有效副本才接受此类提议",
  "no such type": "没有这个类型",
  "only an officer of a unit publishes": "只有单位的警官才能发布",
  // indicator imports: reasons nested in import.* keys (import-streams.ts, normaliseIndicator)
  "a quoted field is not closed": "有一个带引号的字段未闭合",
  "the file is not a JSON object (a STIX bundle starts with {)":
    "该文件不是 JSON 对象（STIX bundle 以 { 开头）",
  "unbalanced brackets": "括号不匹配",
  "the file ends inside the bundle": "文件在 bundle 内部意外结束",
  "the file is empty": "文件为空",
  "the algorithm must be md5, sha1 or sha256": "算法必须是 md5、sha1 或 sha256",
  "SHA-512 is not an indicator hash here: MD5, SHA-1 or SHA-256":
    "此处 SHA-512 不能作为指标哈希：请用 MD5、SHA-1 或 SHA-256",
  "give the network: btc, eth, xmr, trx or other": "请注明网络：btc、eth、xmr、trx 或 other",
  // lawful (modules/lawful)
  "the record's retention has not started (it is still open)": "该记录的保存期尚未开始（仍处于开放状态）",
  // repatriation.steps.ts: what a case waits for (a parameter of repatriation.stepOrder)
  "the identity-verification answer": "身份核查的答复",
  "the travel document": "旅行证件",
  "the transfer": "移交",
  "the arrival": "抵达",
  "nothing: the person has arrived": "无，该人员已抵达",
  "nothing: the identity was not verified": "无，身份未获核实",
};

/**
 * Parametrised texts are message keys with parameters (issues.ts), rendered per language: nothing here
 * re-words English with patterns, and every caller passes `issue(key, params)`.
 */

/** The Chinese for a fixed issue text we wrote, or undefined when there is none (e.g. Zod's own messages). */
export function issueInChinese(en: string): string | undefined {
  return ISSUES_ZH[en];
}
