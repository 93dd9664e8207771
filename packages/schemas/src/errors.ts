import { z } from "zod";

/**
 * The closed set of error codes. Each code has one HTTP status and a message in
 * both interface languages; the code doubles as the console's i18n key.
 */
export const ERRORS = {
  VALIDATION_FAILED: { status: 400, en: "The request is not valid.", zh: "请求无效。" },
  MALFORMED_JSON: { status: 400, en: "The request body is not valid JSON.", zh: "请求正文不是有效的 JSON。" },
  UNAUTHENTICATED: { status: 401, en: "Sign in first.", zh: "请先登录。" },
  INVALID_CREDENTIALS: { status: 401, en: "Wrong username or password.", zh: "用户名或密码错误。" },
  MFA_REQUIRED: {
    status: 401,
    en: "Enter the code from your authenticator app.",
    zh: "请输入身份验证器应用中的验证码。",
  },
  MFA_INVALID: { status: 401, en: "That code is not valid.", zh: "验证码无效。" },
  ACCOUNT_LOCKED: {
    status: 423,
    en: "Too many failed sign-ins; the account is locked for a while.",
    zh: "登录失败次数过多，账户已被暂时锁定。",
  },
  ACCOUNT_DISABLED: { status: 403, en: "This account is disabled.", zh: "该账户已被停用。" },
  PASSWORD_CHANGE_REQUIRED: {
    status: 403,
    en: "Choose a new password before continuing.",
    zh: "请先设置新密码再继续。",
  },
  MFA_ENROLMENT_REQUIRED: {
    status: 403,
    en: "Set up two-factor authentication before continuing.",
    zh: "请先设置双重身份验证再继续。",
  },
  CSRF_FAILED: { status: 403, en: "The request lacks a valid CSRF token.", zh: "请求缺少有效的 CSRF 令牌。" },
  FORBIDDEN: { status: 403, en: "You may not do this.", zh: "您无权执行此操作。" },
  NOT_FOUND: { status: 404, en: "Not found.", zh: "未找到。" },
  CONFLICT: { status: 409, en: "This conflicts with the current state.", zh: "与当前状态冲突。" },
  INVALID_TRANSITION: { status: 409, en: "This change of state is not allowed.", zh: "不允许此状态变更。" },
  PERSON_RESTRICTED: {
    status: 409,
    en: "Processing of this person is restricted while a dispute is open.",
    zh: "该人员存在未决异议，已限制处理。",
  },
  EVIDENCE_MISSING: {
    status: 400,
    en: "An evidence file the report names is not there.",
    zh: "报告所引用的证据文件不存在。",
  },
  LAWFUL_REVIEW_PENDING: {
    status: 409,
    en: "This item is flagged for legal review and cannot leave the node until a legal reviewer clears it.",
    zh: "该事项已被标记待法律审查，须经法律审查员放行后方可发出。",
  },
  LAWFUL_REVIEW_BLOCKED: {
    status: 409,
    en: "A legal reviewer blocked this item: it cannot leave the node.",
    zh: "法律审查员已阻止该事项，不得发出。",
  },
  CONFIRMATION_REQUIRED: {
    status: 409,
    en: "This needs an explicit confirmation with a reason (it is recorded).",
    zh: "此操作须明确确认并说明理由（将被记录）。",
  },
  PAYLOAD_TOO_LARGE: { status: 413, en: "The request body is too large.", zh: "请求正文过大。" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, en: "Unsupported content type.", zh: "不支持的内容类型。" },
  RATE_LIMITED: { status: 429, en: "Too many requests; try again later.", zh: "请求过多，请稍后再试。" },
  NODE_BUSY: {
    status: 503,
    en: "The node is busy or not ready; try again shortly.",
    zh: "节点繁忙或尚未就绪，请稍后再试。",
  },
  INTERNAL: { status: 500, en: "Something went wrong on the server.", zh: "服务器出错。" },
} as const satisfies Record<string, { status: number; en: string; zh: string }>;

export type ErrorCode = keyof typeof ERRORS;
export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

export const ErrorDetail = z.object({
  field: z.string().optional(),
  issue: z.string(),
  /** Our own parametrised texts: the message key and its parameters (issue-keys.ts), for clients that word it themselves. */
  key: z.string().optional(),
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  allowed: z.array(z.string()).optional(),
});
export type ErrorDetail = z.infer<typeof ErrorDetail>;

export const ErrorBody = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    requestId: z.string(),
    details: z.array(ErrorDetail),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
