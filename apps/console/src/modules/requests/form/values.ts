import { isoToLocal, localToIso } from "../../../util/datetime";
import type { FieldSpec } from "./spec";

/**
 * Form state ⇄ API JSON for the fields of `spec.ts`. State is plain data the inputs edit directly:
 * strings for what is typed (numbers and times included, so half-typed values survive), booleans,
 * arrays for lists and records for groups. `toBody` builds what the API takes; `fromBody` reads a
 * saved draft back (its normalised form), so that `fromBody(toBody(s))` gives `s` again. Date-times are typed
 * and shown on the officer's clock: `zone` is their profile's time zone, never the browser's.
 */
export type Lang = "en" | "zh-CN";
export type State = Record<string, unknown>;

export interface IdentifierState {
  type: string;
  value: string;
  network: string;
  service: string;
  bankCode: string;
  country: string;
  algorithm: string;
  kind: string;
}
export interface MoneyState {
  amount: string;
  currency: string;
}
export interface NameState {
  original: string;
  romanised: string;
}

/** The extra fields an identifier of each type takes (besides type and value). */
export const IDENTIFIER_EXTRAS: Record<string, (keyof IdentifierState)[]> = {
  crypto_wallet: ["network"],
  bank_account: ["bankCode", "country"],
  online_account: ["service"],
  file_hash: ["algorithm"],
  device_id: ["kind"],
};

export const emptyIdentifier = (): IdentifierState => ({
  type: "email",
  value: "",
  network: "btc",
  service: "",
  bankCode: "",
  country: "",
  algorithm: "",
  kind: "",
});

const s = (v: unknown): string => (typeof v === "string" ? v : "");
const rec = (v: unknown): State => (v && typeof v === "object" && !Array.isArray(v) ? (v as State) : {});

export function initial(spec: FieldSpec): unknown {
  switch (spec.kind) {
    case "text":
    case "string":
    case "datetime":
    case "date":
    case "partialDate":
    case "ref":
      return "";
    case "number":
      return spec.default === undefined ? "" : String(spec.default);
    case "bool":
      return spec.default ?? false;
    case "confirm":
      return true;
    case "enum":
      return spec.default ?? spec.options[0];
    case "multi":
      return [];
    case "subject":
      return "0";
    case "money":
      return { amount: "", currency: "" } satisfies MoneyState;
    case "identifier":
      return emptyIdentifier();
    case "personName":
      return { original: "", romanised: "" } satisfies NameState;
    case "group":
      return Object.fromEntries(spec.fields.map((f) => [f.key, initial(f)]));
    case "list":
      return Array.from({ length: spec.min ?? 0 }, () => initial(spec.item));
  }
}

/** Nothing typed in (choices with a default do not count: they are never "entered"). */
export function isBlank(spec: FieldSpec, state: unknown): boolean {
  switch (spec.kind) {
    case "text":
    case "string":
    case "datetime":
    case "date":
    case "partialDate":
    case "ref":
    case "number":
      return s(state).trim() === "";
    case "money": {
      const m = rec(state);
      return s(m.amount).trim() === "" && s(m.currency).trim() === "";
    }
    case "identifier":
      return s(rec(state).value).trim() === "";
    case "personName":
      return s(rec(state).original).trim() === "" && s(rec(state).romanised).trim() === "";
    case "group":
      return spec.fields.every((f) => isBlank(f, rec(state)[f.key]));
    case "list":
      return !Array.isArray(state) || state.every((item) => isBlank(spec.item, item));
    default:
      return true;
  }
}

/**
 * The API value of a field, or undefined to leave it out. Required fields that are empty are still
 * sent (as "" or empty text) so that the server names them with a precise message.
 */
export function toBody(spec: FieldSpec, state: unknown, lang: Lang, zone: string): unknown {
  switch (spec.kind) {
    case "text": {
      const v = s(state).trim();
      if (!v) return spec.optional ? undefined : { lang, text: "" };
      return { lang, text: v };
    }
    case "string":
    case "date":
    case "partialDate":
    case "ref": {
      const v = s(state).trim();
      if (!v) return spec.optional ? undefined : "";
      return spec.kind === "string" && spec.upper ? v.toUpperCase() : v;
    }
    case "datetime": {
      const v = s(state).trim();
      if (!v) return spec.optional ? undefined : "";
      return localToIso(v, zone);
    }
    case "number": {
      const v = s(state).trim();
      if (!v) return undefined;
      const n = Number(v);
      return Number.isFinite(n) ? n : v;
    }
    case "bool":
    case "confirm":
      return state === true;
    case "enum":
      return s(state) || undefined;
    case "multi":
      return Array.isArray(state) ? state : [];
    case "subject": {
      const v = s(state);
      return v === "" ? undefined : Number(v);
    }
    case "money": {
      if (isBlank(spec, state)) return undefined;
      const m = rec(state);
      const amount = Number(s(m.amount).replace(/[\s,]/g, ""));
      return {
        amountMinor: Number.isFinite(amount) ? Math.round(amount * 100) : s(m.amount),
        currency: s(m.currency).trim().toUpperCase(),
      };
    }
    case "identifier": {
      const id = rec(state);
      const out: State = { type: s(id.type), value: s(id.value).trim() };
      for (const k of IDENTIFIER_EXTRAS[s(id.type)] ?? []) {
        const v = s(id[k]).trim();
        if (v || k === "service") out[k] = v;
      }
      return out;
    }
    case "personName": {
      if (spec.optional && isBlank(spec, state)) return undefined;
      const n = rec(state);
      const romanised = s(n.romanised).trim();
      return { original: s(n.original).trim(), ...(romanised ? { romanised } : {}) };
    }
    case "group": {
      if (spec.optional && isBlank(spec, state)) return undefined;
      const g = rec(state);
      const out: State = {};
      for (const f of spec.fields) {
        const v = toBody(f, g[f.key], lang, zone);
        if (v !== undefined) out[f.key] = v;
      }
      return out;
    }
    case "list":
      return (Array.isArray(state) ? state : []).map((item) => toBody(spec.item, item, lang, zone));
  }
}

/** Form state from a saved draft's value (the inverse of toBody). */
export function fromBody(spec: FieldSpec, value: unknown, zone: string): unknown {
  if (value === undefined || value === null) return initial(spec);
  switch (spec.kind) {
    case "text":
      return s(rec(value).text);
    case "string":
    case "date":
    case "partialDate":
    case "ref":
      return s(value);
    case "datetime":
      return typeof value === "string" ? isoToLocal(value, zone) : "";
    case "number":
      return typeof value === "number" ? String(value) : s(value);
    case "bool":
    case "confirm":
      return value === true;
    case "enum":
      return s(value) || initial(spec);
    case "multi":
      return Array.isArray(value) ? value.filter((v) => typeof v === "string") : [];
    case "subject":
      return typeof value === "number" ? String(value) : "";
    case "money": {
      const m = rec(value);
      return {
        amount: typeof m.amountMinor === "number" ? String(m.amountMinor / 100) : "",
        currency: s(m.currency),
      } satisfies MoneyState;
    }
    case "identifier": {
      const id = rec(value);
      const out = { ...emptyIdentifier(), type: s(id.type) || "email", value: s(id.raw) || s(id.value) };
      for (const k of IDENTIFIER_EXTRAS[out.type] ?? [])
        if (typeof id[k] === "string") out[k] = id[k] as string;
      return out;
    }
    case "personName": {
      const n = rec(value);
      return { original: s(n.original), romanised: s(n.romanised) } satisfies NameState;
    }
    case "group": {
      const g = rec(value);
      return Object.fromEntries(spec.fields.map((f) => [f.key, fromBody(f, g[f.key], zone)]));
    }
    case "list":
      return Array.isArray(value) ? value.map((item) => fromBody(spec.item, item, zone)) : initial(spec);
  }
}

/** The language the texts of a saved form are labelled with (the first labelled text found). */
export function langOf(value: unknown): Lang | undefined {
  if (!value || typeof value !== "object") return undefined;
  const v = value as State;
  if (typeof v.text === "string" && (v.lang === "en" || v.lang === "zh-CN")) return v.lang;
  for (const child of Object.values(v)) {
    const found = langOf(child);
    if (found) return found;
  }
  return undefined;
}

/** Wraps field specs as one group (the root of a section). */
export const groupOf = (key: string, fields: FieldSpec[]): FieldSpec => ({ kind: "group", key, fields });

/** Every label key (requests.f.*) and option label key a spec uses, for the i18n check. */
export function labelKeys(spec: FieldSpec, out = new Set<string>()): Set<string> {
  out.add(`requests.f.${spec.label ?? spec.key}`);
  if (spec.kind === "enum" || spec.kind === "multi")
    for (const o of spec.options) out.add(`${spec.labels}.${o}`);
  if (spec.kind === "group") for (const f of spec.fields) labelKeys(f, out);
  if (spec.kind === "list") labelKeys(spec.item, out);
  return out;
}

/**
 * The labels along a field path of the form (`details.assets.0.description`), for naming a field in
 * an error summary: label keys for spec fields, `#n` for list items, the raw segment for anything
 * the spec does not know (a key `label(segment)` returns undefined for).
 */
export function pathLabels(
  fields: FieldSpec[],
  segments: string[],
  label: (key: string) => string | undefined,
): string[] {
  const out: string[] = [];
  let scope: FieldSpec[] | undefined = fields;
  for (const seg of segments) {
    if (seg === "text") continue;
    if (/^\d+$/.test(seg)) {
      out.push(`#${Number(seg) + 1}`);
      continue;
    }
    const spec: FieldSpec | undefined = scope?.find((f) => f.key === seg);
    out.push((spec ? label(spec.label ?? spec.key) : label(seg)) ?? seg);
    if (spec?.kind === "group") scope = spec.fields;
    else if (spec?.kind === "list") scope = spec.item.kind === "group" ? spec.item.fields : undefined;
    else scope = undefined;
  }
  return out;
}
