import { DETAILS_SCHEMAS, REQUEST_TYPE_NAMES, RequestDraftInput, type RequestType } from "@crossline/schemas";
import { describe, expect, it } from "vitest";
import { resourceTree } from "../src/i18n/resources";
import { COMMON_SPEC, DETAILS_SPEC, type FieldSpec } from "../src/modules/requests/form/spec";
import {
  emptyIdentifier,
  fromBody,
  groupOf,
  initial,
  isBlank,
  labelKeys,
  pathLabels,
  type State,
  toBody,
} from "../src/modules/requests/form/values";
import { isoToLocal } from "../src/util/datetime";

/**
 * The request form is data (form/spec.ts): these tests hold it to the schemas the server validates
 * with, so that a field added to a request type cannot be missing from the console, and check that
 * what the form sends is accepted and reads back unchanged when a draft is reopened.
 */

type Def = { type: string; innerType?: Zod; in?: Zod; element?: Zod };
type Zod = { _zod: { def: Def }; shape?: Record<string, Zod> };

/** Strips optional/default/pipe wrappers. */
function bare(schema: Zod): Zod {
  const def = schema._zod.def;
  if ((def.type === "optional" || def.type === "default" || def.type === "nullable") && def.innerType)
    return bare(def.innerType);
  if (def.type === "pipe" && def.in) return bare(def.in);
  return schema;
}

/** Every key of the schema has a field and every field a key, recursively through groups and lists. */
function coverage(fields: FieldSpec[], schema: Zod, path: string, problems: string[]): void {
  const shape = bare(schema).shape ?? {};
  const specKeys = new Set(fields.map((f) => f.key));
  for (const k of Object.keys(shape)) if (!specKeys.has(k)) problems.push(`${path}.${k}: no form field`);
  for (const f of fields) {
    const sub = shape[f.key];
    if (!sub) {
      problems.push(`${path}.${f.key}: not in the schema`);
      continue;
    }
    const inner = bare(sub);
    if (f.kind === "group") coverage(f.fields, inner, `${path}.${f.key}`, problems);
    if (f.kind === "list") {
      const element = inner._zod.def.element;
      if (inner._zod.def.type !== "array" || !element) problems.push(`${path}.${f.key}: not a list`);
      else if (f.item.kind === "group") coverage(f.item.fields, element, `${path}.${f.key}[]`, problems);
    }
    const optionalInSchema = ["optional", "default"].includes(sub._zod.def.type);
    if (f.optional && !optionalInSchema) problems.push(`${path}.${f.key}: optional in the form only`);
  }
}

/** The officer's profile zone the form types and shows date-times in. */
const ZONE = "Asia/Shanghai";
const COMMON_KEYS_ON_PAGE = ["type", "urgency", "urgencyReason", "details", "attachments"];
const commonOnly = (type: RequestType): Zod => {
  const shape = bare(DETAILS_SCHEMAS[type] as unknown as Zod).shape;
  expect(shape).toBeDefined();
  const draft = (RequestDraftInput as unknown as { _zod: { def: { options: Zod[] } } })._zod.def.options.find(
    (o) => (o.shape?.type as unknown as { value?: string } | undefined)?.value === type,
  ) as Zod;
  const rest = Object.fromEntries(
    Object.entries(draft.shape ?? {}).filter(([k]) => !COMMON_KEYS_ON_PAGE.includes(k)),
  );
  return { _zod: { def: { type: "object" } }, shape: rest };
};

describe("the request form covers the schemas", () => {
  it("has a field for every common key of a draft (and nothing else)", () => {
    const problems: string[] = [];
    coverage(COMMON_SPEC, commonOnly("preservation"), "form", problems);
    expect(problems).toEqual([]);
  });

  it.each(REQUEST_TYPE_NAMES)("has a field for every detail of %s (and nothing else)", (type) => {
    const problems: string[] = [];
    coverage(DETAILS_SPEC[type], DETAILS_SCHEMAS[type] as unknown as Zod, `details(${type})`, problems);
    expect(problems).toEqual([]);
  });

  it("labels every field and option in both languages", () => {
    // the trees i18next is given: the JSON files with the shared labels merged in
    const trees = (["en", "zh-CN"] as const).map((l) => resourceTree(l));
    const keys = labelKeys(groupOf("form", COMMON_SPEC));
    for (const fields of Object.values(DETAILS_SPEC)) labelKeys(groupOf("details", fields), keys);
    const get = (tree: unknown, key: string) =>
      key.split(".").reduce<unknown>((o, p) => (o as Record<string, unknown> | undefined)?.[p], tree);
    const missing = [...keys].filter((k) =>
      trees.some((tree) => typeof get(tree, k) !== "string" || !get(tree, k)),
    );
    expect(keys.size).toBeGreaterThan(100);
    expect(missing).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------
// Filling every field the way an officer would, then sending it

const PERSON = {
  kind: "person",
  role: "suspect",
  dateOfBirth: "1990-04",
  nationality: "CN",
  names: [{ original: "王小明", romanised: "Wang Xiaoming" }],
  notes: "",
};

/** A plausible value typed into each field (every optional field filled too). */
function fill(spec: FieldSpec, path: string): unknown {
  switch (spec.kind) {
    case "text":
      return `Text for ${path}`;
    case "string":
      if (spec.key === "phone") return "+86 10 6620 0000";
      if (spec.key === "email") return "li.ming@example.cn";
      if (spec.upper) return "cn";
      return `${spec.key} value`;
    case "ref":
      return "0190f5a0-1111-7000-8000-000000000001";
    case "date":
      return "2026-03-01";
    case "datetime":
      return path.endsWith(".to") ? "2026-03-02T18:30" : "2026-03-01T08:15";
    case "partialDate":
      return "1990-04";
    case "number":
      return String(spec.default ?? spec.min ?? 1);
    case "bool":
    case "confirm":
      return true;
    case "enum":
      return spec.options[spec.options.length - 1];
    case "multi":
      return [...spec.options].slice(0, 2);
    case "subject":
      return "0";
    case "money":
      return { amount: "1250000.50", currency: "USD" };
    case "identifier":
      return {
        ...emptyIdentifier(),
        type: "crypto_wallet",
        value: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
      };
    case "personName":
      return { original: "李明", romanised: "Li Ming" };
    case "group":
      return Object.fromEntries(spec.fields.map((f) => [f.key, fill(f, `${path}.${f.key}`)]));
    case "list":
      return [fill(spec.item, `${path}.0`)];
  }
}

function draftBody(type: RequestType, common: State, details: State) {
  return {
    type,
    urgency: type === "emergency_disclosure" ? "emergency" : "routine",
    ...(toBody(groupOf("form", COMMON_SPEC), common, "zh-CN", ZONE) as State),
    details: toBody(groupOf("details", DETAILS_SPEC[type]), details, "zh-CN", ZONE),
  };
}

function filledCommon(): State {
  const common = fill(groupOf("form", COMMON_SPEC), "form") as State;
  common.subjects = [fromBody(listItem(), PERSON, ZONE)];
  common.identifiers = [{ ...emptyIdentifier(), type: "email", value: "suspect@example.com" }];
  // Reserved for real links: a follow-up of a request that does not exist would be refused by the node.
  common.followUpOf = "";
  return common;
}
function listItem(): FieldSpec {
  const subjects = COMMON_SPEC.find((f) => f.key === "subjects");
  if (subjects?.kind !== "list") throw new Error("subjects is a list");
  return subjects.item;
}

describe("what the form sends", () => {
  it.each(REQUEST_TYPE_NAMES)(
    "is a valid %s draft with every field filled, and reads back the same",
    (type) => {
      const common = filledCommon();
      const group = groupOf("details", DETAILS_SPEC[type]);
      const details = fill(group, "details") as State;
      const body = draftBody(type, common, details);
      const parsed = RequestDraftInput.safeParse(body);
      expect(parsed.error?.issues ?? []).toEqual([]);
      // Reopening the saved draft (its normalised form) gives the same form state back...
      const saved = parsed.data as unknown as State;
      expect(fromBody(group, saved.details, ZONE)).toEqual(fromBody(group, body.details, ZONE));
      // ...and sending it again gives the same draft.
      const again = draftBody(
        type,
        fromBody(groupOf("form", COMMON_SPEC), saved, ZONE) as State,
        fromBody(group, saved.details, ZONE) as State,
      );
      expect(RequestDraftInput.parse(again)).toEqual(saved);
    },
  );

  it.each(REQUEST_TYPE_NAMES)("is a valid %s draft with only the required fields filled", (type) => {
    const strip = (spec: FieldSpec, state: unknown): unknown => {
      if (spec.kind === "group")
        return Object.fromEntries(
          spec.fields.map((f) => [f.key, f.optional ? initial(f) : strip(f, (state as State)[f.key])]),
        );
      if (spec.kind === "list" && Array.isArray(state))
        return (spec.min ?? 0) > 0 ? state.map((item) => strip(spec.item, item)) : [];
      return state;
    };
    const detailsGroup = groupOf("details", DETAILS_SPEC[type]);
    const details = strip(detailsGroup, fill(detailsGroup, "details")) as State;
    // The custodian needs one of its (individually optional) fields, as the schema says.
    if (details.custodian) (details.custodian as State).name = "Example Mail Inc.";
    const body = draftBody(type, filledCommon(), details);
    expect(RequestDraftInput.safeParse(body).error?.issues ?? []).toEqual([]);
  });

  it("leaves out optional fields left empty and sends empty required ones for the server to name", () => {
    const group = groupOf("details", DETAILS_SPEC.preservation);
    const body = toBody(group, initial(group), "en", ZONE) as State;
    expect(body).not.toHaveProperty("period");
    expect(body.dataToPreserve).toEqual({ lang: "en", text: "" });
    expect(body.preservationDays).toBe(90);
    expect(body.custodian).toEqual({});
    const issues = RequestDraftInput.safeParse(
      draftBody("preservation", initial(groupOf("form", COMMON_SPEC)) as State, initial(group) as State),
    ).error?.issues.map((i) => i.path.join("."));
    expect(issues).toEqual(
      expect.arrayContaining(["details.dataToPreserve.text", "details.custodian", "facts.text"]),
    );
  });

  it("treats a group as blank until something is typed into it", () => {
    const warrant = DETAILS_SPEC.fugitive_locate.find((f) => f.key === "warrant") as FieldSpec;
    expect(isBlank(warrant, initial(warrant))).toBe(true);
    expect(isBlank(warrant, { ...(initial(warrant) as State), reference: "2026-17" })).toBe(false);
  });

  it("keeps identifiers as typed and sends only the extra fields of their type", () => {
    const spec: FieldSpec = { kind: "identifier", key: "identifier" };
    const typed = { ...emptyIdentifier(), type: "online_account", value: "@darkseller", service: "Telegram" };
    expect(toBody(spec, typed, "en", ZONE)).toEqual({
      type: "online_account",
      value: "@darkseller",
      service: "Telegram",
    });
    expect(
      fromBody(spec, { type: "email", value: "x@example.com", raw: " X@Example.com " }, ZONE),
    ).toMatchObject({
      type: "email",
      value: " X@Example.com ",
    });
  });

  it("converts money to minor units and times to UTC and back", () => {
    const money: FieldSpec = { kind: "money", key: "estimatedValue" };
    expect(toBody(money, { amount: "1,250.75", currency: "usd" }, "en", ZONE)).toEqual({
      amountMinor: 125075,
      currency: "USD",
    });
    expect(fromBody(money, { amountMinor: 125075, currency: "USD" }, ZONE)).toEqual({
      amount: "1250.75",
      currency: "USD",
    });
    const at: FieldSpec = { kind: "datetime", key: "from" };
    // Typed on the officer's clock (their profile's zone), whatever the browser's: Beijing is UTC+8, New York
    // UTC-5 in March; half-typed or impossible values are sent as typed, for the server to name.
    const iso = toBody(at, "2026-03-01T08:15", "en", "Asia/Shanghai") as string;
    expect(iso).toBe("2026-03-01T00:15:00.000Z");
    expect(toBody(at, "2026-03-01T08:15", "en", "America/New_York")).toBe("2026-03-01T13:15:00.000Z");
    expect(isoToLocal(iso, "Asia/Shanghai")).toBe("2026-03-01T08:15");
    expect(isoToLocal(iso, "America/New_York")).toBe("2026-02-28T19:15");
    expect(toBody(at, "2026-02-30T08:15", "en", "Asia/Shanghai")).toBe("2026-02-30T08:15");
    expect(toBody(at, "2026-03-01T08", "en", "Asia/Shanghai")).toBe("2026-03-01T08");
  });
});

describe("naming a field in an error summary", () => {
  it("follows the spec through groups and lists, numbering list items from 1", () => {
    const label = (key: string) =>
      ({ details: "Details", assets: "Assets", assetDescription: "Description" })[key];
    expect(
      pathLabels(
        [groupOf("details", DETAILS_SPEC.asset_freezing)],
        ["details", "assets", "0", "description", "text"],
        label,
      ),
    ).toEqual(["Details", "Assets", "#1", "Description"]);
    expect(pathLabels(COMMON_SPEC, ["offence", "unknownThing"], label)).toEqual(["offence", "unknownThing"]);
  });
});
