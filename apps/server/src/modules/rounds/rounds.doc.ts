import {
  ActionFields,
  type ActionItem,
  type ConflictReason,
  type ErrorDetail,
  isIssueKey,
  issue,
  type KeyedIssue,
  nestedIssue,
  type OutcomeList,
  type RoundChange,
  type RoundDoc,
  type RoundFields,
  type RoundOp,
} from "@crossline/schemas";
import { canonicalJson } from "../../lib/canonical-json.js";
import { AppError, detailsText } from "../../lib/errors.js";

/**
 * The rules of the co-owned round document, pure: how one change (from either side) becomes the next
 * version, when it is refused (bad input: an AppError naming the field), and when it is a conflict (a field
 * it writes changed since the version its author read, to another value). The host runs this for its own
 * users' changes and for the guest's proposals, in the order they reach it; the guest runs it on its copy
 * first, so that bad input is refused at once and never travels.
 */

export interface Who {
  node: string;
  name: string;
}

/** A signature the caller has already checked against the canonical text of the list's current version. */
export interface CheckedSignature {
  kid: string;
  keyFingerprint: string;
}

export interface ChangeInput {
  op: RoundOp;
  /** The round version its author read. */
  base: number;
  by: Who;
  at: string;
  proposalId: string | null;
  signature?: CheckedSignature;
}

export type ChangeResult =
  | { kind: "applied"; doc: RoundDoc }
  | { kind: "conflict"; fields: string[]; reasons: ConflictReason[] };

/** Why a change was kept as a conflict, from the details of its refusal (their keys kept, for every reader). */
export function conflictReasons(details: readonly ErrorDetail[]): ConflictReason[] {
  return details.slice(0, 50).map((d) => ({
    ...(d.field ? { field: d.field.slice(0, 300) } : {}),
    issue: d.issue.slice(0, 2000),
    ...(d.key ? { key: d.key } : {}),
    ...(d.params ? { params: { ...d.params } } : {}),
  }));
}

/** The reasons as one English text (`RoundConflict.reason`). */
export function reasonText(reasons: readonly ConflictReason[]): string {
  return detailsText(reasons).slice(0, 2000);
}

const F = "body.op";
const bad = (field: string, d: Omit<ErrorDetail, "field">) =>
  new AppError("VALIDATION_FAILED", [{ field, ...d }]);
const conflict = (field: string, d: Omit<ErrorDetail, "field">) =>
  new AppError("CONFLICT", [{ field, ...d }]);

export const participants = (doc: Pick<RoundDoc, "hostNode" | "guestNode">) => [doc.hostNode, doc.guestNode];

function findList(doc: RoundDoc, listId: string): OutcomeList {
  const l = doc.outcomeLists.find((x) => x.id === listId);
  if (!l) throw bad(`${F}.listId`, issue("rounds.unknownPart", { what: "outcome list", id: listId }));
  return l;
}

function assertDraft(l: OutcomeList) {
  if (l.state === "final") throw conflict(`${F}.listId`, issue("rounds.listFinal", { list: l.id }));
}

/** The field paths a change writes, with the values it writes (compared to tell a real conflict). */
function writes(op: RoundOp): Map<string, unknown> {
  const w = new Map<string, unknown>();
  switch (op.op) {
    case "round.set":
      for (const [k, v] of Object.entries(op.fields)) if (v !== undefined) w.set(`round.${k}`, v);
      break;
    case "outcome.item.put":
      for (const lang of ["en", "zh"] as const)
        if (op[lang] !== undefined) w.set(`list.${op.listId}.item.${op.itemId}.${lang}`, op[lang]);
      break;
    case "outcome.item.remove":
      w.set(`list.${op.listId}.item.${op.itemId}.removed`, true);
      break;
    case "action.put":
      for (const [k, v] of Object.entries(op.fields))
        if (v !== undefined) w.set(`action.${op.itemId}.${k}`, v);
      break;
    case "action.progress":
      if (op.status) w.set(`action.${op.itemId}.status`, op.status);
      break;
    default:
      break;
  }
  return w;
}

function currentValue(doc: RoundDoc, path: string): unknown {
  const [kind, a, b, c, d] = path.split(".");
  if (kind === "round") return doc.fields[a as keyof RoundFields];
  if (kind === "list") {
    const item = doc.outcomeLists.find((l) => l.id === a)?.items.find((i) => i.id === c);
    return item ? item[d as "en" | "zh" | "removed"] : undefined;
  }
  if (kind === "action") return doc.actionItems.find((i) => i.id === a)?.[b as keyof ActionFields];
  return undefined;
}

const same = (x: unknown, y: unknown) => canonicalJson(x ?? null) === canonicalJson(y ?? null);

/** A history entry's text: English in `summary`, and the key and parameters each reader's language fills. */
export function historyNote(n: KeyedIssue): Pick<RoundChange, "summary" | "note"> {
  return { summary: n.issue, note: { key: n.key, params: { ...n.params } } };
}

/** Applies one change to a copy of the document; throws AppError on bad input. */
export function applyChange(doc: RoundDoc, input: ChangeInput): ChangeResult {
  const { op } = input;
  if (op.op === "conflict.resolve" && op.resolution === "accept") {
    // Accepting takes the kept proposal as it stood over what is there now: it applies at the current version.
    const c = openConflict(doc, op.conflictId);
    if (c.op.op === "outcome.sign")
      throw conflict(`${F}.resolution`, {
        issue: "a stale signature is not accepted; sign the current version",
      });
    const r = applyChange(doc, { ...input, op: c.op, base: doc.version, proposalId: c.proposalId });
    if (r.kind === "applied") {
      for (const x of r.doc.conflicts) if (x.id === c.id) x.state = "accepted";
      // The entry answers the resolving change (its proposal settles on the guest), and names the one it takes.
      const last = r.doc.history[r.doc.history.length - 1];
      last.proposalId = input.proposalId;
      const taken =
        last.note && isIssueKey(last.note.key) ? { issue: last.summary, ...last.note } : last.summary;
      Object.assign(
        last,
        historyNote(
          issue("rounds.change.accepted", {
            ...nestedIssue(taken as KeyedIssue | string),
            conflict: c.id,
            proposal: c.proposalId,
            acceptedBy: input.by.node,
          }),
        ),
      );
    }
    return r;
  }
  const w = writes(input.op);
  const stale = [...w.entries()]
    .filter(([path, v]) => (doc.fieldVersions[path] ?? 0) > input.base && !same(currentValue(doc, path), v))
    .map(([path]) => path);
  if (stale.length) {
    return {
      kind: "conflict",
      fields: stale,
      reasons: [issue("rounds.stale", { base: input.base, version: doc.version, fields: stale.join(", ") })],
    };
  }
  const next = structuredClone(doc);
  const version = doc.version + 1;
  const summary = mutate(next, input);
  if ("conflict" in summary) return { kind: "conflict", fields: [], reasons: [summary.conflict] };
  for (const path of w.keys()) next.fieldVersions[path] = version;
  // An added document never conflicts itself, but a stale `round.set` of the documents must not drop it.
  if (input.op.op === "document.add") next.fieldVersions["round.documents"] = version;
  next.version = version;
  next.updatedAt = input.at;
  next.history.push({
    version,
    proposalId: input.proposalId,
    op: input.op.op,
    ...historyNote(summary.note),
    by: input.by,
    at: input.at,
  });
  return { kind: "applied", doc: next };
}

function mutate(doc: RoundDoc, input: ChangeInput): { note: KeyedIssue } | { conflict: KeyedIssue } {
  const { op, by, at } = input;
  switch (op.op) {
    case "round.set": {
      const fields = { ...doc.fields, ...stripUndefined(op.fields) };
      checkRoundFields(doc, fields);
      doc.fields = fields;
      return {
        note: issue("rounds.change.set", { fields: Object.keys(stripUndefined(op.fields)).join(", ") }),
      };
    }
    case "outcome.list.create": {
      if (doc.outcomeLists.some((l) => l.id === op.listId))
        throw conflict(`${F}.listId`, issue("rounds.listExists", { list: op.listId }));
      let items: OutcomeList["items"] = [];
      if (op.replaces) {
        const old = doc.outcomeLists.find((l) => l.id === op.replaces);
        if (!old)
          throw bad(`${F}.replaces`, issue("rounds.unknownPart", { what: "outcome list", id: op.replaces }));
        if (old.state !== "final" || old.replacedBy || doc.outcomeLists.some((l) => l.replaces === old.id))
          throw conflict(`${F}.replaces`, {
            issue: "only a final list not already corrected can be replaced",
          });
        items = old.items
          .filter((i) => !i.removed)
          .map((i) => ({
            ...i,
            history: [{ listVersion: 1, en: i.en, zh: i.zh, by, at }],
            comments: [],
          }));
      }
      const seq = Math.max(0, ...doc.outcomeLists.map((l) => l.seq)) + 1;
      doc.outcomeLists.push({
        id: op.listId,
        seq,
        replaces: op.replaces,
        replacedBy: null,
        state: "draft",
        version: 1,
        items,
        signatures: [],
      });
      return {
        note: op.replaces
          ? issue("rounds.change.listReplace", { list: op.listId, replaces: op.replaces })
          : issue("rounds.change.listCreate", { list: op.listId }),
      };
    }
    case "outcome.item.put": {
      const l = findList(doc, op.listId);
      assertDraft(l);
      let item = l.items.find((i) => i.id === op.itemId);
      if (!item) {
        item = {
          id: op.itemId,
          n: Math.max(0, ...l.items.map((i) => i.n)) + 1,
          en: "",
          zh: "",
          removed: false,
          history: [],
          comments: [],
        };
        l.items.push(item);
      }
      if (op.en !== undefined) item.en = op.en;
      if (op.zh !== undefined) item.zh = op.zh;
      item.removed = false;
      bumpList(l);
      item.history.push({ listVersion: l.version, en: item.en, zh: item.zh, by, at });
      return { note: issue("rounds.change.itemPut", { n: item.n, list: l.id }) };
    }
    case "outcome.item.remove": {
      const l = findList(doc, op.listId);
      assertDraft(l);
      const item = l.items.find((i) => i.id === op.itemId);
      if (!item)
        throw bad(`${F}.itemId`, issue("rounds.unknownPart", { what: "outcome item", id: op.itemId }));
      item.removed = true;
      bumpList(l);
      item.history.push({ listVersion: l.version, en: item.en, zh: item.zh, by, at });
      return { note: issue("rounds.change.itemRemove", { n: item.n, list: l.id }) };
    }
    case "outcome.item.comment": {
      const l = findList(doc, op.listId);
      const item = l.items.find((i) => i.id === op.itemId);
      if (!item)
        throw bad(`${F}.itemId`, issue("rounds.unknownPart", { what: "outcome item", id: op.itemId }));
      item.comments.push({ by, at, text: op.text });
      return { note: issue("rounds.change.itemComment", { n: item.n, list: l.id }) };
    }
    case "outcome.sign": {
      const l = findList(doc, op.listId);
      assertDraft(l);
      if (op.listVersion !== l.version) {
        return { conflict: issue("rounds.listStale", { version: l.version }) };
      }
      assertSignable(l);
      if (l.signatures.some((s) => s.node === by.node && s.listVersion === l.version))
        throw conflict(
          `${F}.listVersion`,
          issue("rounds.alreadySigned", { node: by.node, listVersion: l.version }),
        );
      if (!input.signature) throw new Error("a signature reaches applyChange only once checked");
      l.signatures.push({
        node: by.node,
        kid: input.signature.kid,
        listVersion: l.version,
        jws: op.jws,
        signedAt: at,
        keyFingerprint: input.signature.keyFingerprint,
      });
      const signers = new Set(l.signatures.filter((s) => s.listVersion === l.version).map((s) => s.node));
      if (participants(doc).every((n) => signers.has(n))) {
        l.state = "final";
        const old = l.replaces ? doc.outcomeLists.find((x) => x.id === l.replaces) : undefined;
        if (old) old.replacedBy = l.id;
      }
      return {
        note: issue(l.state === "final" ? "rounds.change.signFinal" : "rounds.change.sign", {
          node: by.node,
          list: l.id,
          version: l.version,
        }),
      };
    }
    case "action.put": {
      const existing = doc.actionItems.find((i) => i.id === op.itemId);
      const merged = { ...(existing ?? {}), ...stripUndefined(op.fields) };
      const parsed = ActionFields.safeParse(merged);
      if (!parsed.success) {
        throw new AppError(
          "VALIDATION_FAILED",
          parsed.error.issues.map((i) => ({ field: `${F}.fields.${i.path.join(".")}`, issue: i.message })),
        );
      }
      checkAction(doc, parsed.data);
      if (existing) Object.assign(existing, parsed.data);
      else doc.actionItems.push({ id: op.itemId, ...parsed.data, updates: [] });
      return { note: issue("rounds.change.actionPut", { action: op.itemId }) };
    }
    case "action.progress": {
      const item = doc.actionItems.find((i) => i.id === op.itemId);
      if (!item)
        throw bad(`${F}.itemId`, issue("rounds.unknownPart", { what: "action item", id: op.itemId }));
      if (!op.note.en && !op.note.zh) throw bad(`${F}.note`, { issue: "a progress note needs some text" });
      item.updates.push({ at: op.at, note: op.note, ...(op.status ? { status: op.status } : {}), by });
      if (op.status) item.status = op.status;
      return {
        note: op.status
          ? issue("rounds.change.actionProgressStatus", { action: op.itemId, status: op.status })
          : issue("rounds.change.actionProgress", { action: op.itemId }),
      };
    }
    case "document.add": {
      if (doc.fields.documents.some((d) => d.id === op.document.id))
        throw conflict(`${F}.document.id`, issue("rounds.documentExists", { id: op.document.id }));
      if (doc.fields.documents.length >= 50)
        throw bad(`${F}.document`, { issue: "a round holds at most 50 documents" });
      doc.fields.documents.push(op.document);
      return { note: issue("rounds.change.documentAdd", { name: op.document.name }) };
    }
    case "conflict.resolve": {
      const c = openConflict(doc, op.conflictId);
      c.state = "dismissed";
      return { note: issue("rounds.change.conflictDismiss", { conflict: c.id }) };
    }
  }
}

function openConflict(doc: RoundDoc, id: string) {
  const c = doc.conflicts.find((x) => x.id === id);
  if (!c) throw bad(`${F}.conflictId`, issue("rounds.unknownPart", { what: "conflict", id }));
  if (c.state !== "open")
    throw conflict(`${F}.conflictId`, issue("rounds.conflictClosed", { state: c.state }));
  return c;
}

function bumpList(l: OutcomeList) {
  l.version += 1;
  // Signatures cover one version; a new wording needs both again (the old ones stay in the history).
  l.signatures = l.signatures.filter((s) => s.listVersion === l.version);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function assertSignable(l: OutcomeList) {
  const live = l.items.filter((i) => !i.removed);
  if (!live.length) throw bad(`${F}.listId`, issue("rounds.emptyList"));
  const missing: ErrorDetail[] = [];
  for (const i of live) {
    if (!i.en.trim())
      missing.push({ field: `items.${i.n}.en`, ...issue("rounds.textMissing", { language: "English" }) });
    if (!i.zh.trim())
      missing.push({ field: `items.${i.n}.zh`, ...issue("rounds.textMissing", { language: "Chinese" }) });
  }
  if (missing.length) throw new AppError("VALIDATION_FAILED", missing);
}

export function checkRoundFields(
  doc: Pick<RoundDoc, "hostNode" | "guestNode">,
  f: RoundFields,
  prefix = `${F}.fields`,
) {
  const who = participants(doc);
  const issues: ErrorDetail[] = [];
  if (Date.parse(f.endsAt) < Date.parse(f.startsAt))
    issues.push({ field: `${prefix}.endsAt`, ...issue("rounds.endsBeforeStart") });
  const notIn = (node: string, field: string) => {
    if (!who.includes(node))
      issues.push({ field, ...issue("rounds.notParticipant", { node, participants: who.join(", ") }) });
  };
  for (const [i, c] of f.coChairs.entries()) notIn(c.node, `${prefix}.coChairs.${i}.node`);
  for (const [i, d] of f.delegations.entries()) notIn(d.node, `${prefix}.delegations.${i}.node`);
  if (issues.length) throw new AppError("VALIDATION_FAILED", issues);
}

function checkAction(doc: RoundDoc, a: ActionFields) {
  const who = participants(doc);
  const issues: ErrorDetail[] = [];
  const p = `${F}.fields`;
  if (!who.includes(a.ownerNode)) {
    issues.push({
      field: `${p}.ownerNode`,
      ...issue("rounds.notParticipant", { node: a.ownerNode, participants: who.join(", ") }),
    });
  } else {
    const agencies = doc.fields.delegations
      .filter((d) => d.node === a.ownerNode)
      .flatMap((d) => d.agencies.flatMap((x) => [x.name.en, x.name.zh]))
      .filter(Boolean);
    if (agencies.length && !agencies.includes(a.agency))
      issues.push({
        field: `${p}.agency`,
        ...issue("rounds.agencyNotInDelegation", { agency: a.agency, node: a.ownerNode }),
      });
  }
  if (Date.parse(a.dueAt) < Date.parse(doc.fields.startsAt))
    issues.push({
      field: `${p}.dueAt`,
      ...issue("rounds.dueBeforeRound", { startsAt: doc.fields.startsAt }),
    });
  if (!a.text.en.trim())
    issues.push({ field: `${p}.text.en`, ...issue("rounds.textMissing", { language: "English" }) });
  if (!a.text.zh.trim())
    issues.push({ field: `${p}.text.zh`, ...issue("rounds.textMissing", { language: "Chinese" }) });
  if (issues.length) throw new AppError("VALIDATION_FAILED", issues);
}

/** A new round's document at version 1. */
export function newRoundDoc(
  id: string,
  hostNode: string,
  guestNode: string,
  fields: RoundFields,
  by: Who,
  at: string,
): RoundDoc {
  checkRoundFields({ hostNode, guestNode }, fields, "body.fields");
  return {
    id,
    hostNode,
    guestNode,
    version: 1,
    fields,
    fieldVersions: {},
    outcomeLists: [],
    actionItems: [],
    conflicts: [],
    history: [
      {
        version: 1,
        proposalId: null,
        op: "round.create",
        ...historyNote(issue("rounds.change.create", { number: fields.number })),
        by,
        at,
      },
    ],
    updatedAt: at,
  };
}

export const isOverdue = (a: ActionItem, now: Date) =>
  (a.status === "planned" || a.status === "in_progress") && Date.parse(a.dueAt) < now.getTime();
