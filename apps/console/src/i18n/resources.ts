import { LABEL_VALUES, type LabelKind, type LabelValue, type Language, labelMap } from "@crossline/schemas";
import en from "./en.json";
import zhCN from "./zh-CN.json";

/**
 * Where each vocabulary of `@crossline/schemas` labels.ts sits in the console's i18n tree. The words
 * themselves are not in en.json / zh-CN.json: they are merged in from the shared labels, so the console,
 * the notifications, the hotline log and the CSV/PDF exports cannot drift apart.
 */
export const LABEL_PATHS = {
  requestType: "requests.type",
  requestEvent: "requests.event",
  urgency: "requests.urgency",
  requestStatus: "requests.status",
  answerOutcome: "requests.outcome",
  declineGround: "requests.grounds",
  side: "requests.side",
  secondCheckMethod: "requests.secondCheck.methods",
  secondCheckResult: "requests.secondCheck.results",
  preservationStatus: "requests.preservation.status",
  legalInstrument: "requests.instrument",
  offenceCategory: "requests.offence",
  harmKind: "requests.harm",
  subjectKind: "requests.subjectKind",
  subjectRole: "requests.subjectRole",
  subscriberData: "requests.opt.subscriberData",
  mlaDataKind: "requests.opt.mlaDataKind",
  takedownRole: "requests.opt.takedownRole",
  takedownAction: "requests.opt.takedownAction",
  onLocation: "requests.opt.onLocation",
  identityDocumentKind: "requests.opt.documentKind",
  assetKind: "requests.opt.assetKind",
  interviewMode: "requests.opt.interviewMode",
  identifierType: "requests.opt.identifierType",
  deadlineState: "hotline.deadline",
  severity: "hotline.severity",
  dutyRole: "hotline.role",
  logDirection: "hotline.log.directions",
  hotlineLogKind: "hotline.logKind",
  reportPeriod: "reports.periods",
  peerState: "peers.state",
  peerAction: "peers.action",
  messageStatus: "peers.messageStatus",
  linkStopReason: "peers.stopReason",
  linkProblem: "peers.problem",
  rejectReason: "peers.rejectReason",
  tlpLevel: "markings.tlp",
  tlpHint: "markings.tlpHint",
  handlingCode: "markings.handling",
  sourceReliability: "markings.reliability",
  informationCredibility: "markings.credibility",
  shareRefusal: "markings.refusal",
  holderState: "markings.holderState",
  role: "roles",
  auditOutcome: "audit.outcomes",
  actorType: "audit.actorTypes",
  noticeKind: "notices.kind",
  noticeStatus: "notices.status",
  noticeEvent: "notices.event",
  noticeOutcome: "notices.outcomeLabel",
  noticeRefusalGround: "notices.grounds",
  providerChannel: "providers.channel",
  verifyResult: "verify.result",
  caseStatus: "cases.status",
  caseOutcome: "cases.outcome",
  custodyAction: "cases.custody",
  caseShareState: "cases.shareState",
  actionStatus: "rounds.actionStatus",
  outcomeListState: "rounds.listState",
  roundOp: "rounds.op",
  roundField: "rounds.field",
  roundConflictState: "rounds.conflictState",
  progressFigure: "rounds.figure",
  sex: "persons.sex",
  accessAction: "persons.accessAction",
  personRecordType: "persons.recordType",
  unusualAccess: "persons.unusual",
  lawfulKind: "lawful.kind",
  erasureAction: "lawful.action",
  screeningCharacter: "lawful.character",
  lawfulGround: "lawful.ground",
  flagState: "lawful.flagState",
  retentionDue: "lawful.due",
  fugitiveStatus: "fugitives.status",
  interpolNotice: "fugitives.notice",
  returnMethod: "fugitives.returnMethod",
  fugitiveReportKind: "fugitives.reportKind",
  indicatorKind: "indicators.kind",
  indicatorOrigin: "indicators.origin",
  indicatorState: "indicators.state",
  hitMatch: "indicators.match",
  assetStage: "assets.stage",
  assetHolderKind: "assets.holderKind",
  repatriationStatus: "repatriation.status",
  repatriationStep: "repatriation.step",
  verificationOutcome: "repatriation.outcome",
  travelDocumentKind: "repatriation.documentKind",
  repatriationFigure: "repatriation.figure",
} as const satisfies Record<LabelKind, string>;

type Paths = typeof LABEL_PATHS;
/** "a.b.c" with leaf V → { a: { b: { c: V } } } */
type PathTree<P extends string, V> = P extends `${infer H}.${infer R}`
  ? { [K in H]: PathTree<R, V> }
  : { [K in P]: V };
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;
/** The shape the labels add to the i18n tree, so `t("requests.urgency.emergency")` is type-checked. */
export type LabelTree = UnionToIntersection<
  { [K in LabelKind]: PathTree<Paths[K], Record<LabelValue<K>, string>> }[LabelKind]
>;

type Tree = { [key: string]: Tree | string };

function setPath(tree: Tree, path: string, leaf: Record<string, string>): void {
  const parts = path.split(".");
  let node = tree;
  for (const p of parts.slice(0, -1)) {
    const next = node[p];
    if (typeof next !== "object") node[p] = {};
    node = node[p] as Tree;
  }
  // merged, not replaced: a JSON branch may hold more keys than the vocabulary (requests.event does)
  const last = parts[parts.length - 1] as string;
  const existing = node[last];
  node[last] = { ...(typeof existing === "object" ? existing : {}), ...leaf };
}

/** A language's i18n tree: its JSON file plus the shared labels (a deep copy; the JSON is untouched). */
export function resourceTree(lang: Language): Tree {
  const tree = structuredClone(lang === "en" ? en : zhCN) as Tree;
  for (const kind of Object.keys(LABEL_PATHS) as LabelKind[]) {
    setPath(tree, LABEL_PATHS[kind], labelMap(kind, lang));
  }
  return tree;
}

/** Every vocabulary with its values (for tests and pickers). */
export const LABEL_KINDS = Object.keys(LABEL_VALUES) as LabelKind[];
