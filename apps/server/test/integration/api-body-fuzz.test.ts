import { OUTSIDE_ROLES, ROLES } from "@crossline/schemas";
import { afterAll, beforeAll, expect, it } from "vitest";
import { uuidv7 } from "../../src/crypto/ids.js";
import { generateEncryptionKey, generateSigningKey } from "../../src/crypto/keys.js";
import { type Agent, addActivePeer, createTestNode, describeDb, type TestNode } from "../support/node.js";
import { addProvider, noticeForm, providerStaff, sentNotice } from "../support/providers-fixtures.js";
import { routeTable } from "../support/routes.js";
import { seeded } from "../support/seeded.js";

/**
 * Fuzzes the JSON bodies and path parameters of every signed-in mutating route under /api/v1, from the route's
 * own request schema in the OpenAPI document: bodies valid in shape but extreme in value (strings at their
 * maxLength in CJK, ~100,000 characters where there is none, blank, mixed scripts; numbers at their bounds or
 * 1e15, 2^31, -1, 0, 1.5; dates in year 1 and 9999; arrays full and with duplicates; each enum value; optional
 * fields present and absent), which reach the services and the database past Zod, and a few invalid in shape.
 * Path parameters are records that exist (made by the fuzz itself), records of another kind, random UUIDv7s
 * and malformed values. The portal's routes are sent by a provider's staff member, on notices sent to them. Target: no 5xx, and every error in the one error body with the request id.
 * A fixed seed by default; FUZZ_SEED=<n> varies it, FUZZ_BODIES=<n> sets the valid bodies per route.
 */
process.env.FUZZ_SEED ??= "20261205";
const rng = seeded("FUZZ_SEED", "api-body fuzz");
const BODIES = Number(process.env.FUZZ_BODIES ?? 12);
const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)];

/** Routes not fuzzed, with the reason. */
const SKIPPED: Record<string, string> = {
  "POST /api/v1/auth/sign-in": "public, fuzzed by public-input-fuzz.test.ts (and would lock the accounts)",
  "POST /api/v1/indicators/imports":
    "a STIX bundle streamed as text, not a JSON body; indicators-import tests it",
};
/** Routes about the caller's own session and credentials: sent by a throwaway user signed in again as needed. */
const SELF = new Set([
  "POST /api/v1/auth/sign-out",
  "POST /api/v1/auth/sign-out-everywhere",
  "POST /api/v1/auth/password",
  "POST /api/v1/auth/mfa/enrol",
  "POST /api/v1/auth/mfa/confirm",
]);
/**
 * Fields held at a value (or at what a function gives when the body is made), with the reason: the route waits
 * as long as the body says, by design (up to 60 s for the peers' answers to an audit check; the peer here is
 * never reached); or no generated value passes a check that comes before everything else the route does.
 */
const HELD: Record<string, { fields: () => Record<string, unknown>; reason: string }> = {
  "POST /api/v1/audit/verify": {
    fields: () => ({ waitSeconds: 0 }),
    reason: "waitSeconds held at 0: it waits that long for the peers' answers",
  },
  "POST /api/v1/portal/notices/:id/answer": {
    // Every other body without evidence: the generated ids are never uploads of that notice, which is checked
    // before the answer itself.
    fields: (() => {
      let n = 0;
      return () => ({
        actedAt: new Date(Date.now() - 1000).toISOString(),
        ...(n++ % 2 ? { attachmentIds: [] } : {}),
      });
    })(),
    reason:
      "actedAt held at a second ago (it must lie between the notice's sending and now, which no generated date does), attachmentIds at [] every other body",
  },
};
/** Slow by nature (an encrypted archive of the whole node): fewer bodies. */
const FEW: Record<string, number> = { "POST /api/v1/node/backups": 2 };

// biome-ignore lint/suspicious/noExplicitAny: JSON Schema walked generically
type Schema = any;

type Profile = "plain" | "full" | "max" | "huge" | "blank" | "unicode" | "min" | "numbers" | "far" | "dupes";
const PROFILES: Profile[] = [
  "plain",
  "full",
  "max",
  "huge",
  "blank",
  "unicode",
  "min",
  "numbers",
  "far",
  "dupes",
];

const CJK = "界";
const MIXED = "李强 🙂 مرحبا \u202eRTL\u202c Ünïcödé 𝕏 ";
const FAR_DATES = ["0001-01-01", "9999-12-31", "1900-02-28", "2000-02-29"];
const FAR_TIMES = [
  "9999-12-31T23:59:59Z",
  "1900-01-01T00:00:00+14:00",
  "0001-01-01T00:00:00Z",
  "9999-12-31T23:59:59.999-12:00",
];
/**
 * The longest string sent: ~100,000 characters past any btree index's limit, and well within the body limit
 * (a file's base64 may be allowed tens of MB; the upload tests send those).
 */
const LONGEST = 100_000;
/**
 * How far a body goes, from the first of these that keeps it under the body limit (one that does not would stop
 * at the 413): the longest string, and the items of an outer array (one inside an array holds 3 at most).
 */
const BUDGETS = [
  { longest: LONGEST, items: 200 },
  { longest: 20_000, items: 50 },
  { longest: 3_000, items: 10 },
  { longest: 300, items: 3 },
];
let budget = BUDGETS[0];
/** Arrays around the value being made. */
let arrays = 0;
/** The longest string at this place: short inside arrays, so a full array of objects stays a few MB at most. */
const longest = () => (arrays > 0 ? Math.max(10, Math.floor(budget.longest / 50)) : budget.longest);
const FREE_NUMBERS = [1e15, 2 ** 31, -1, 0, 1.5, 2 ** 53 - 1];

/** The ids the fuzz saw come back, by kind (response key or collection URL). */
const pools = new Map<string, Set<string>>();
/** Ids no route may touch: the fuzzing users themselves. */
const protectedIds = new Set<string>();
const norm = (k: string) =>
  k
    .toLowerCase()
    .replace(/[^a-z]/g, "")
    .replace(/ies$/, "y")
    .replace(/s$/, "");
function remember(kind: string, id: string) {
  if (protectedIds.has(id)) return;
  const k = kind.startsWith("/") ? kind : norm(kind);
  let set = pools.get(k);
  if (!set) {
    set = new Set();
    pools.set(k, set);
  }
  set.add(id);
}
/** A UUID, or one behind a kind prefix (`so_…`, `rnd_…`, `ind_…`). */
const UUID = /^(?:[a-z]{2,4}_)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function harvest(value: unknown, key: string, depth = 0) {
  if (depth > 4 || value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    for (const v of value.slice(0, 20)) harvest(v, key, depth + 1);
    return;
  }
  const o = value as Record<string, unknown>;
  if (typeof o.id === "string" && UUID.test(o.id)) remember(key, o.id);
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === "string" && UUID.test(v) && /.Id$/.test(k)) remember(k.slice(0, -2), v);
    else harvest(v, k, depth + 1);
  }
}
const anyIds = () => [...pools.values()].flatMap((s) => [...s]);

/** A string the pattern and the bounds accept, longest or shortest as the profile asks. */
function patterned(s: Schema, profile: Profile): string {
  const re = new RegExp(s.pattern);
  const min = s.minLength ?? 0;
  const max = Math.min(s.maxLength ?? 200, longest());
  const L = profile === "max" || profile === "huge" ? max : Math.max(min, 1);
  const u = uuidv7();
  const candidates = [
    "x".repeat(L),
    "X".repeat(L),
    "9".repeat(L),
    "f".repeat(L),
    `CN-${"X".repeat(Math.max(0, L - 3))}`,
    "CN-MPS",
    "US-DOJ",
    "ZZZ",
    "USD",
    "123456",
    `${"9".repeat(40)}.${"9".repeat(18)}`,
    "0",
    "0.5",
    `sha256/${"A".repeat(43)}=`,
    `so_${u}`,
    `rnd_${u}`,
    `ind_${u}`,
    profile === "far" ? "9999-12-31T23:59" : "2026-12-05T10:00",
    "a.b_c",
    "QUJD",
    "abc_DEF-1",
    "fuzz",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  ].filter((c) => re.test(c) && c.length >= min && c.length <= max);
  if (candidates.length === 0) return "fuzz";
  return profile === "max" || profile === "huge"
    ? candidates.reduce((a, b) => (b.length > a.length ? b : a))
    : candidates[0];
}

/**
 * Values for fields whose rule the JSON Schema does not carry (a Zod refinement: a time zone, a country, a
 * phone number), by the field's name: without them the bodies would stop at the 400 and never reach a service.
 */
const HINTS: [RegExp, (far: boolean) => string][] = [
  [/^(peer)?timeZone$/i, (far) => (far ? "Pacific/Kiritimati" : "Asia/Shanghai")],
  [
    /^(country|jurisdiction|nationality|nationalities|issuingCountry|countryCode|countries)$/,
    (far) => (far ? "US" : "CN"),
  ],
  [
    /^(peer|peerId|guestNode|hostNode|recipients|nodeId|recipient|node)$/,
    (far) => (far ? "US-DOJ" : "CN-MPS"),
  ],
  [/^currency$/, (far) => (far ? "BTC" : "CNY")],
  [/email/i, () => "fuzz@example.cn"],
  [/phone|^tel$|^fax$/i, () => "+86 10 6626 2114"],
  [/dateOfBirth|Date$|^since$|^until$/, (far) => (far ? "0001-01-01" : "1980-02-29")],
];

/** An identifier's value by its type (the union's branches only say "a string"). */
const IDENTIFIER_VALUES: Record<string, string> = {
  phone: "+86 10 6626 2114",
  email: "fuzz@example.cn",
  ipv4: "203.0.113.7",
  ipv6: "2001:db8::7",
  domain: "example.cn",
  url: "https://example.cn/a?b=c",
  bank_account: "DE89370400440532013000",
  online_account: "fuzz_user",
  file_hash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  device_id: "490154203237518",
};

/** The fuzzing users' ids: fine in a body (a lead officer, an assignee), never as a path's user to change. */
const people: string[] = [];

function stringOf(s: Schema, profile: Profile, i: number, key: string): string {
  if (s.enum) return s.enum[i % s.enum.length];
  if (s.const !== undefined) return s.const;
  const hint = !s.format && HINTS.find(([re]) => re.test(key));
  if (hint && profile !== "blank") return hint[1](profile === "far" || profile === "max");
  const min = s.minLength ?? 0;
  switch (s.format) {
    case "uuid": {
      const stem = key.replace(/Ids?$/, "");
      if (
        /(user|officer|assignee|member|lead|reviewer|owner)$/i.test(stem) &&
        people.length &&
        rng.random() < 0.8
      )
        return pick(people);
      const kind = pools.get(norm(stem)) ?? pools.get(norm(stem.replace(/^.*(?=[A-Z])/, "")));
      if (kind && rng.random() < 0.8) return pick([...kind]);
      const all = anyIds();
      return all.length && rng.random() < 0.5 ? pick(all) : uuidv7();
    }
    case "date":
      return profile === "far" || profile === "max" || profile === "min"
        ? FAR_DATES[i % FAR_DATES.length]
        : "2026-12-05";
    case "date-time":
      return profile === "far" || profile === "max" || profile === "min"
        ? FAR_TIMES[i % FAR_TIMES.length]
        : "2026-12-05T10:00:00Z";
    case "email":
      return profile === "max" ? `${"x".repeat(64)}@${"y".repeat(60)}.example.cn` : "fuzz@example.cn";
    case "byte":
      return "QUJDRA==";
  }
  if (s.pattern) return patterned(s, profile);
  const max = Math.min(s.maxLength ?? Number.POSITIVE_INFINITY, longest());
  const fill = (unit: string, n: number) => {
    let out = unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
    if (/[\ud800-\udbff]$/.test(out)) out = `${out.slice(0, -1)}x`;
    return out;
  };
  switch (profile) {
    case "max":
      return fill(CJK, s.maxLength === undefined ? Math.min(30_000, max) : max);
    case "huge":
      return fill("x", max);
    case "blank":
      return fill(" \t\n\u3000", Math.max(min, 3));
    case "unicode":
      return fill(MIXED, Math.min(max, 200, Math.max(min, MIXED.length)));
    case "min":
      return fill("x", min);
  }
  return fill(`fuzz-${key}-`, Math.min(max, 40, Math.max(min, 8)));
}

function numberOf(s: Schema, profile: Profile, i: number): number {
  const integer = s.type === "integer";
  const lo =
    s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + (integer ? 1 : 0.001) : undefined);
  const hi =
    s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - (integer ? 1 : 0.001) : undefined);
  const within = (n: number) =>
    (lo === undefined || n >= lo) && (hi === undefined || n <= hi) && (!integer || Number.isInteger(n));
  if (profile === "max" && hi !== undefined) return hi;
  if (profile === "min" && lo !== undefined) return lo;
  if (profile === "max" || profile === "min" || profile === "numbers") {
    const free = FREE_NUMBERS.filter(within);
    if (free.length) return free[i % free.length];
  }
  if (lo !== undefined) return within(lo + 1) ? lo + 1 : lo;
  return 1;
}

/** A value of schema `s`, valid in shape, extreme as the profile says. */
function gen(s: Schema, profile: Profile, i: number, key = "", depth = 0): unknown {
  if (!s || depth > 12) return null;
  const alts = s.anyOf ?? s.oneOf;
  if (alts) {
    const nonNull = alts.filter((a: Schema) => a.type !== "null");
    const options = profile === "plain" || profile === "full" ? nonNull : alts;
    return gen(options[i % options.length] ?? alts[0], profile, Math.floor(i / 2), key, depth + 1);
  }
  if (s.allOf) return Object.assign({}, ...s.allOf.map((a: Schema) => gen(a, profile, i, key, depth + 1)));
  if (s.enum) return s.enum[i % s.enum.length];
  if (s.const !== undefined) return s.const;
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== "null") : s.type;
  switch (type) {
    case "string":
      return stringOf(s, profile, i, key);
    case "integer":
    case "number":
      return numberOf(s, profile, i);
    case "boolean":
      return i % 2 === 0;
    case "null":
      return null;
    case "array": {
      const min = s.minItems ?? 0;
      const max = s.maxItems ?? 5;
      const n =
        profile === "max" || profile === "dupes"
          ? Math.min(max, arrays > 0 ? 3 : budget.items)
          : profile === "min" || profile === "plain"
            ? min
            : Math.min(max, Math.max(min, 2));
      arrays++;
      try {
        if (profile === "dupes") {
          const v = gen(s.items, profile, i, key, depth + 1);
          return Array.from({ length: n }, () => structuredClone(v));
        }
        return Array.from({ length: n }, (_, k) => gen(s.items, profile, i + k, key, depth + 1));
      } finally {
        arrays--;
      }
    }
    case "object":
    case undefined: {
      const out: Record<string, unknown> = {};
      const required = new Set<string>(s.required ?? []);
      for (const [k, sub] of Object.entries<Schema>(s.properties ?? {})) {
        const present =
          required.has(k) ||
          (profile !== "plain" && profile !== "min" && (profile !== "blank" || rng.random() < 0.5));
        if (present && !(k === "releasableTo" && !required.has(k)))
          out[k] = gen(sub, profile, i, k, depth + 1);
      }
      // Rules across fields: a releasability list goes with TLP:RED only; an identifier's value fits its type.
      if (s.properties?.releasableTo && /red/i.test(String(out.tlp ?? "")))
        out.releasableTo = gen(s.properties.releasableTo, profile, i, "releasableTo", depth + 1);
      if (out.kind !== undefined && out.kind !== "person" && !required.has("dateOfBirth"))
        delete out.dateOfBirth;
      if (
        typeof out.type === "string" &&
        IDENTIFIER_VALUES[out.type] &&
        typeof out.value === "string" &&
        profile !== "blank"
      )
        out.value = IDENTIFIER_VALUES[out.type];
      if (!s.properties && s.additionalProperties && typeof s.additionalProperties === "object") {
        const names =
          s.propertyNames?.enum ??
          (profile === "max" ? Array.from({ length: 20 }, (_, n) => `k${n}`) : ["k1"]);
        for (const k of names) out[k] = gen(s.additionalProperties, profile, i, k, depth + 1);
      }
      return out;
    }
  }
  return null;
}

/** Past the node's body limit (1 MiB by default) with headroom: a body that would only get the 413. */
const oversize = (s: string) => Buffer.byteLength(s) > 900_000;

/** `body` with one property of the wrong type, or one required property missing: the field the 400 must name. */
function invalidBody(
  schema: Schema,
  valid: unknown,
  missing: boolean,
): { body: unknown; field: string } | undefined {
  if (!schema?.properties || !valid || typeof valid !== "object") return undefined;
  const props = Object.keys(schema.properties);
  if (missing) {
    const req: string[] = schema.required ?? [];
    if (!req.length) return undefined;
    const k = pick(req);
    const { [k]: _, ...rest } = valid as Record<string, unknown>;
    return { body: rest, field: `body.${k}` };
  }
  if (!props.length) return undefined;
  const k = pick(props);
  const sub = schema.properties[k];
  const wrong =
    sub.type === "string" || sub.enum ? 12345 : sub.type === "array" ? { not: "an array" } : "not-a-value";
  return { body: { ...(valid as object), [k]: wrong }, field: `body.${k}` };
}

describeDb("fuzzing the bodies of the signed-in mutating routes: no server error", () => {
  let node: TestNode;
  let admin: Agent;
  let everyRole: Agent;
  let self: Agent;
  /** A provider's staff member (MFA enrolled), for the portal's routes. */
  let staff: Agent;
  const failures: string[] = [];
  const skipped: string[] = [];
  const timings: [string, number][] = [];
  let sent = 0;
  /** Per route, how many answers of each status: FUZZ_VERBOSE=1 prints them (how deep the bodies got). */
  const statuses = new Map<string, Record<number, number>>();
  let current = "";

  beforeAll(async () => {
    node = await createTestNode({
      id: "US-DOJ",
      settings: { signIn: { maxFailures: 100, lockMinutes: 1, perIpPerMinute: 10_000 } },
    });
    protectedIds.add(node.adminId);
    admin = await node.as("admin");
    // Every officer's role: provider_user is left out, it makes an outside account of a provider's staff that
    // only the portal serves.
    const all = await node.user(
      "fuzz.all",
      ROLES.filter((r) => !OUTSIDE_ROLES.includes(r)),
    );
    protectedIds.add(all.id);
    people.push(all.id, node.adminId);
    everyRole = await node.as("fuzz.all");
    protectedIds.add((await node.user("fuzz.self", ["case_officer"])).id);
    self = await node.as("fuzz.self");
    // An active peer (its keys held here, its address nowhere), so requests, rounds and shares can be made to it.
    const peerSig = generateSigningKey();
    const peerEnc = generateEncryptionKey();
    await addActivePeer(node, "CN-MPS", [peerSig, peerEnc]);
    // Records of other kinds whose ids are then used where they do not belong.
    remember("user", (await node.user("fuzz.victim", ["auditor"])).id);
    remember("unit", await node.unit("Fuzz unit"));
    // The portal: a provider, its staff member, and notices sent to it (drafted by the officer, approved by a
    // second one), whose ids the portal's routes get. Neither the account nor the provider is a path to fuzz.
    const providerId = await addProvider(everyRole, "Fuzz Cloud");
    protectedIds.add(providerId);
    const member = await providerStaff(node, everyRole, providerId, "fuzz.staff");
    protectedIds.add(member.userId);
    staff = member.agent;
    await node.user("fuzz.chief", ["provider_compliance"]);
    const approver = await node.as("fuzz.chief");
    for (let i = 0; i < 3; i++)
      remember("/api/v1/portal/notices", (await sentNotice(everyRole, approver, noticeForm(providerId))).id);
  });
  afterAll(async () => {
    const slow = timings.sort((a, b) => b[1] - a[1]).slice(0, 8);
    console.info(
      `api-body fuzz: seed ${rng.seed}, ${sent} requests, ${failures.length} failures; skipped: ${skipped.join("; ")}; slowest: ${slow
        .map(([r, ms]) => `${r} ${ms} ms`)
        .join(", ")}`,
    );
    if (process.env.FUZZ_VERBOSE)
      for (const [route, seen] of statuses) console.info(`${route}: ${JSON.stringify(seen)}`);
    await node?.close();
  });

  const expectNamed = (
    res: { status: number; body: unknown; headers: Record<string, unknown> },
    field: string,
  ) => {
    expect(res.status).toBe(400);
    const e = (res.body as { error: { code: string; requestId: string; details: { field: string }[] } })
      .error;
    expect(e.code).toBe("VALIDATION_FAILED");
    expect(e.requestId).toBe(res.headers["x-request-id"]);
    expect(e.details.map((d) => d.field)).toContain(field);
  };

  it("a record id its kind cannot have is a 400 naming it (the fuzz found a 500: the domain looked it up in a UUID column)", async () => {
    for (const kind of [
      "request",
      "person",
      "repatriation_case",
      "fugitive_entry",
      "asset",
      "shared_object",
    ]) {
      const flag = { kind, recordId: "x", characters: ["political"], note: "n" };
      expectNamed(await everyRole.req("POST", "/api/v1/lawful/flags", flag), "body.recordId");
      const refusal = { kind, recordId: "CN-MPS", ground: "political_character", text: "t" };
      expectNamed(await everyRole.req("POST", "/api/v1/lawful/refusals", refusal), "body.recordId");
      expectNamed(await everyRole.req("POST", `/api/v1/lawful/records/${kind}/x/review`, {}), "params.id");
    }
    const zh = await everyRole.req(
      "POST",
      "/api/v1/lawful/flags",
      { kind: "shared_object", recordId: uuidv7(), characters: ["political"], note: "n" },
      { "accept-language": "zh-CN" },
    );
    expect((zh.body as { error: { details: { issue: string }[] } }).error.details[0].issue).toBe(
      "共享对象以 so_ 加 UUIDv7 标识",
    );
  });

  it("a path parameter over the router's length limit is a 400 in the error body with the request id (it was Fastify's own 414)", async () => {
    expectNamed(await admin.req("POST", `/api/v1/peers/${"X".repeat(300)}/suspend`), "params");
    expectNamed(await admin.req("GET", `/api/v1/users/${"x".repeat(101)}`), "params");
  });

  it(`answers every fuzzed body of every mutating /api/v1 route without a 5xx (seed ${rng.seed})`, async () => {
    const doc = node.rt.app.swagger() as Schema;
    const routes = routeTable(node.rt.app)
      .filter((r) => ["POST", "PUT", "PATCH", "DELETE"].includes(r.method) && r.url.startsWith("/api/v1/"))
      // Collections before their members: the records a POST makes are the ids the member routes then get.
      .sort(
        (a, b) =>
          (a.url.match(/:/g)?.length ?? 0) - (b.url.match(/:/g)?.length ?? 0) || a.url.localeCompare(b.url),
      );
    expect(routes.length).toBeGreaterThan(100);

    async function send(who: Agent, label: string, method: string, url: string, body: unknown) {
      sent++;
      const t0 = Date.now();
      let res = await who.req(method, url, body);
      if (process.env.FUZZ_VERBOSE && Date.now() - t0 > 2000)
        console.info(
          `  slow: ${method} ${url} [${label}] ${Date.now() - t0} ms → ${res.status} (${JSON.stringify(body ?? "").length} chars)`,
        );
      if (who === self && res.status === 401) {
        await self.signIn("fuzz.self");
        res = await who.req(method, url, body);
      }
      const seen = statuses.get(current) ?? {};
      seen[res.status] = (seen[res.status] ?? 0) + 1;
      statuses.set(current, seen);
      const shown = body === undefined ? "" : JSON.stringify(body);
      const where = `${method} ${url} [${label}] body ${shown.slice(0, 300)}${shown.length > 300 ? `… (${shown.length} chars)` : ""}`;
      const err = (res.body as { error?: { code?: unknown; message?: unknown; requestId?: unknown } } | null)
        ?.error;
      if (process.env.FUZZ_VERBOSE && res.status >= 400 && seen[res.status] <= 2)
        console.info(
          `  ${current} [${label}] ${res.status} ${JSON.stringify((err as { details?: unknown })?.details ?? err?.code).slice(0, 300)}`,
        );
      if (res.status >= 500) failures.push(`${where} → ${res.status} ${String(err?.code)}`);
      else if (res.status >= 400) {
        if (
          !err ||
          typeof err.code !== "string" ||
          typeof err.message !== "string" ||
          !err.message ||
          err.requestId !== res.headers["x-request-id"]
        )
          failures.push(
            `${where} → ${res.status} without the error body: ${JSON.stringify(res.body).slice(0, 200)}`,
          );
      }
      return res;
    }

    for (const r of routes) {
      const key = `${r.method} ${r.url}`;
      if (SKIPPED[key]) {
        skipped.push(`${key}: ${SKIPPED[key]}`);
        continue;
      }
      const started = Date.now();
      current = key;
      if (HELD[key]) skipped.push(`${key} (in part): ${HELD[key].reason}`);
      const op = doc.paths[r.url.replace(/:(\w+)/g, "{$1}")]?.[r.method.toLowerCase()];
      const bodySchema: Schema = op?.requestBody?.content?.["application/json"]?.schema;
      const params: Schema[] = (op?.parameters ?? []).filter((p: Schema) => p.in === "path");
      const segments = r.url.split("/");
      /** A path parameter: a record of its kind, a record of another kind, a fresh UUIDv7 or a malformed value. */
      const paramValue = (name: string, mode: number) => {
        const schema = params.find((p) => p.name === name)?.schema ?? {};
        if (schema.enum) return { value: schema.enum[rng.int(schema.enum.length)], malformed: false };
        const before = segments[segments.indexOf(`:${name}`) - 1] ?? "";
        const collection = segments.slice(0, segments.indexOf(`:${name}`)).join("/");
        const own = [
          ...(pools.get(collection) ?? []),
          ...(pools.get(norm(name === "id" ? before : name.replace(/Id$/, ""))) ?? []),
        ];
        const fits = (v: string) => !schema.pattern || new RegExp(schema.pattern).test(v);
        if (mode === 3) {
          const v = pick([
            "not-a-uuid",
            "0",
            "1e400",
            "0190a0c0-0000-7000-8000-00000000000g",
            "x".repeat(300),
            "🙂",
            "%00",
          ]);
          return {
            value: encodeURIComponent(v),
            malformed: v.length > 100 || schema.format === "uuid" || !fits(v),
          };
        }
        if (schema.format !== "uuid" && !own.length) {
          const v = schema.pattern ? patterned(schema, "plain") : "CN-MPS";
          return {
            value: encodeURIComponent(mode === 0 ? v : pick([v, "ZZ-NOPE", "US-DOJ"])),
            malformed: false,
          };
        }
        if (mode === 2)
          return { value: schema.pattern ? patterned(schema, "plain") : uuidv7(), malformed: false };
        if (mode === 1 || own.length === 0) {
          const all = anyIds();
          return { value: all.length ? pick(all) : uuidv7(), malformed: false };
        }
        return { value: pick(own), malformed: false };
      };
      const urlFor = (mode: number) => {
        let malformed = false;
        const url = r.url.replace(/:(\w+)/g, (_, name: string) => {
          const v = paramValue(name, mode);
          malformed ||= v.malformed;
          return v.value;
        });
        return { url, malformed };
      };

      const portal = key.startsWith("POST /api/v1/portal/");
      const who = (k: number) => (SELF.has(key) ? self : portal ? staff : k % 4 === 3 ? admin : everyRole);
      const count = FEW[key] ?? BODIES;
      for (let k = 0; k < count; k++) {
        // Mostly records of the route's own kind: that is where the values reach the database.
        const mode = r.url.includes(":") ? [0, 0, 1, 2, 0, 3, 0, 1][k % 8] : 0;
        const { url, malformed } = urlFor(mode);
        const profile = PROFILES[(k + rng.int(PROFILES.length)) % PROFILES.length];
        let body: unknown = bodySchema ? gen(bodySchema, profile, k) : undefined;
        for (const b of BUDGETS.slice(1)) {
          if (body === undefined || !oversize(JSON.stringify(body))) break;
          budget = b;
          body = gen(bodySchema, profile, k);
        }
        budget = BUDGETS[0];
        if (HELD[key] && body && typeof body === "object") Object.assign(body, HELD[key].fields());
        const res = await send(who(k), profile, r.method, url, body);
        if (malformed && res.status < 500 && ![400, 404, 413].includes(res.status))
          failures.push(
            `${r.method} ${url} [malformed id] → ${res.status}, expected 400 naming the parameter`,
          );
        if (res.status >= 200 && res.status < 300 && res.body) {
          harvest(res.body, segments.at(-1) ?? "");
          const top = res.body as Record<string, unknown>;
          const first = Object.values(top).find((v) => v && typeof v === "object" && !Array.isArray(v)) as
            | { id?: unknown }
            | undefined;
          const id = typeof top.id === "string" ? top.id : first?.id;
          if (typeof id === "string" && UUID.test(id) && r.method === "POST") remember(r.url, id);
        }
      }
      // Shape-invalid bodies: a 400 naming the field (a route may refuse the caller first: 403).
      if (bodySchema?.properties && !SELF.has(key)) {
        for (const missing of [false, true]) {
          const bad = invalidBody(bodySchema, gen(bodySchema, "full", 0), missing);
          if (!bad) continue;
          const { url } = urlFor(0);
          const res = await send(
            portal ? staff : everyRole,
            missing ? "missing" : "wrong type",
            r.method,
            url,
            bad.body,
          );
          const fields = (
            (res.body as { error?: { details?: { field?: string }[] } })?.error?.details ?? []
          ).map((d) => d.field ?? "");
          // The path's parameters are checked first: one of them named is as good.
          const named = fields.some((f) => f.startsWith(bad.field) || f.startsWith("params."));
          if (res.status < 500 && res.status !== 403 && !(res.status === 400 && named))
            failures.push(
              `${r.method} ${url} [${missing ? "missing" : "wrong type"} ${bad.field}] → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`,
            );
        }
      }
      timings.push([key, Date.now() - started]);
    }
    expect(failures).toEqual([]);
  });
});
