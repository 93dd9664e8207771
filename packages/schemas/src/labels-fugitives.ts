import { ASSET_HOLDER_KINDS, ASSET_STAGES } from "./assets.js";
import {
  FUGITIVE_REPORT_KINDS,
  FUGITIVE_STATUSES,
  INTERPOL_NOTICE_KINDS,
  RETURN_METHODS,
} from "./fugitives.js";
import type { Labels } from "./labels.js";
import {
  REPATRIATION_FIGURE_LABELS,
  REPATRIATION_STATUSES,
  REPATRIATION_STEPS,
  TRAVEL_DOCUMENT_KINDS,
  VERIFICATION_OUTCOMES,
} from "./repatriation.js";

/**
 * The labels of fugitives, returns, assets and repatriation (issue 13), part of `LABELS` in labels.ts: one label
 * per language for each enumerated value, used by the console, notifications, e-mail, CSV and PDF.
 */
export const FUGITIVE_LABELS = {
  fugitiveStatus: {
    at_large: { en: "At large", "zh-CN": "在逃" },
    located: { en: "Located", "zh-CN": "已查明下落" },
    detained: { en: "Detained", "zh-CN": "已被羁押" },
    returned: { en: "Returned", "zh-CN": "已归案" },
    closed: { en: "Closed", "zh-CN": "已撤销" },
  } satisfies Labels<(typeof FUGITIVE_STATUSES)[number]>,
  interpolNotice: {
    red: { en: "Red Notice", "zh-CN": "红色通缉令" },
    blue: { en: "Blue Notice", "zh-CN": "蓝色通报" },
    green: { en: "Green Notice", "zh-CN": "绿色通报" },
    yellow: { en: "Yellow Notice", "zh-CN": "黄色通报" },
    black: { en: "Black Notice", "zh-CN": "黑色通报" },
    orange: { en: "Orange Notice", "zh-CN": "橙色通报" },
    purple: { en: "Purple Notice", "zh-CN": "紫色通报" },
    diffusion: { en: "Diffusion", "zh-CN": "协查函" },
  } satisfies Labels<(typeof INTERPOL_NOTICE_KINDS)[number]>,
  returnMethod: {
    extradition: { en: "Extradition", "zh-CN": "引渡" },
    repatriation: { en: "Repatriation", "zh-CN": "遣返" },
    deportation: { en: "Deportation", "zh-CN": "驱逐出境" },
    voluntary_return: { en: "Voluntary return / surrender", "zh-CN": "劝返 / 自首" },
    other: { en: "Other", "zh-CN": "其他" },
  } satisfies Labels<(typeof RETURN_METHODS)[number]>,
  fugitiveReportKind: {
    sighting: { en: "Sighting", "zh-CN": "发现踪迹" },
    address_found: { en: "Address found", "zh-CN": "查明住址" },
    provisional_arrest: { en: "Provisional arrest", "zh-CN": "临时羁押" },
    court_step: { en: "Court step", "zh-CN": "司法程序进展" },
    return: { en: "Return", "zh-CN": "归案" },
    other: { en: "Other", "zh-CN": "其他" },
  } satisfies Labels<(typeof FUGITIVE_REPORT_KINDS)[number]>,
  assetStage: {
    identified: { en: "Identified", "zh-CN": "已发现" },
    traced: { en: "Traced", "zh-CN": "已查明" },
    frozen: { en: "Frozen", "zh-CN": "已冻结" },
    seized: { en: "Seized", "zh-CN": "已扣押" },
    confiscated: { en: "Confiscated", "zh-CN": "已没收" },
    returned: { en: "Returned", "zh-CN": "已返还" },
    released: { en: "Released", "zh-CN": "已解除" },
  } satisfies Labels<(typeof ASSET_STAGES)[number]>,
  assetHolderKind: {
    person: { en: "Person", "zh-CN": "个人" },
    company: { en: "Company", "zh-CN": "公司" },
    other: { en: "Other", "zh-CN": "其他" },
  } satisfies Labels<(typeof ASSET_HOLDER_KINDS)[number]>,
  repatriationStatus: {
    awaiting_verification: { en: "Awaiting identity verification", "zh-CN": "待身份核查" },
    awaiting_document: { en: "Awaiting travel document", "zh-CN": "待签发旅行证件" },
    awaiting_transfer: { en: "Awaiting transfer", "zh-CN": "待移交" },
    in_transfer: { en: "In transfer", "zh-CN": "移交途中" },
    arrived: { en: "Arrived", "zh-CN": "已抵达" },
    not_verified: { en: "Identity not verified", "zh-CN": "身份未获核实" },
  } satisfies Labels<(typeof REPATRIATION_STATUSES)[number]>,
  repatriationStep: {
    verification_requested: { en: "Identity verification requested", "zh-CN": "已请求身份核查" },
    verification_answered: { en: "Verification answered", "zh-CN": "身份核查已答复" },
    document_issued: { en: "Travel document issued", "zh-CN": "旅行证件已签发" },
    transferred: { en: "Transferred", "zh-CN": "已移交" },
    arrived: { en: "Arrived", "zh-CN": "已抵达" },
  } satisfies Labels<(typeof REPATRIATION_STEPS)[number]>,
  verificationOutcome: {
    verified: { en: "Verified", "zh-CN": "已核实" },
    not_national: { en: "Not a national", "zh-CN": "非本国公民" },
    cannot_verify: { en: "Cannot verify", "zh-CN": "无法核实" },
  } satisfies Labels<(typeof VERIFICATION_OUTCOMES)[number]>,
  travelDocumentKind: {
    passport: { en: "Passport", "zh-CN": "护照" },
    travel_permit: { en: "Travel permit", "zh-CN": "旅行证" },
    return_certificate: { en: "Return certificate", "zh-CN": "回国证明" },
    other: { en: "Other", "zh-CN": "其他" },
  } satisfies Labels<(typeof TRAVEL_DOCUMENT_KINDS)[number]>,
  repatriationFigure: {
    month: { en: "Month", "zh-CN": "月份" },
    verified: { en: "Verified", "zh-CN": "已核实" },
    notNational: { en: "Not a national", "zh-CN": "非本国公民" },
    cannotVerify: { en: "Cannot verify", "zh-CN": "无法核实" },
    averageDaysToVerify: { en: "Average days to verify", "zh-CN": "平均核查天数" },
    documentsIssued: { en: "Travel documents issued", "zh-CN": "已签发旅行证件" },
    documentsInTime: { en: "Issued in time", "zh-CN": "按期签发" },
    averageDaysToDocument: { en: "Average days to document", "zh-CN": "平均签发天数" },
    arrived: { en: "Arrived", "zh-CN": "已抵达" },
    total: { en: "Total", "zh-CN": "合计" },
  } satisfies Labels<(typeof REPATRIATION_FIGURE_LABELS)[number]>,
};

export const FUGITIVE_LABEL_VALUES = {
  fugitiveStatus: FUGITIVE_STATUSES,
  interpolNotice: INTERPOL_NOTICE_KINDS,
  returnMethod: RETURN_METHODS,
  fugitiveReportKind: FUGITIVE_REPORT_KINDS,
  assetStage: ASSET_STAGES,
  assetHolderKind: ASSET_HOLDER_KINDS,
  repatriationStatus: REPATRIATION_STATUSES,
  repatriationStep: REPATRIATION_STEPS,
  verificationOutcome: VERIFICATION_OUTCOMES,
  travelDocumentKind: TRAVEL_DOCUMENT_KINDS,
  repatriationFigure: REPATRIATION_FIGURE_LABELS,
} as const;
