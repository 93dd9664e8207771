import { pinyinPro } from "./pinyin.js";

/*
 * Name keys: how a person's name is found whatever form it is typed in. Each name form (original script or
 * romanised, aliases too) becomes a small set of weighted keys, stored one row per key beside the record and
 * looked up by equality on a btree index. A query becomes keys the same way; a record's score is the sum of
 * the weights of the keys it shares with the query. Plain SQL (`key in (…)`, `group by`, `sum`): the same on
 * PGlite and PostgreSQL, with no extension (pg_trgm is not in PGlite).
 *
 *   whole name, in written order or with the surname moved to either end   c:zhangwei   100
 *   Chinese characters                                                      h:张伟       100
 *   whole name folded by sound (Wade–Giles and pinyin spellings meet)       p:jangwei     40
 *   one part of the name                                                    t:zhang       10
 *   one part folded by sound                                                q:jang         4
 *
 * So "Zhang Wei", "Wei Zhang", "ZHANG Wei", "zhangwei", "Zhāng Wěi", "zhang1 wei3" and 张伟 share the whole-name
 * key; "Chang Wei" shares its sound; "Zhang Weiming" shares only a part and ranks below.
 */

export const KEY_WEIGHTS = { whole: 100, han: 100, sound: 40, part: 10, partSound: 4 } as const;

/** The score from which a record is reported as a likely duplicate: at least a whole name by its sound. */
export const DUPLICATE_SCORE = KEY_WEIGHTS.sound;

/**
 * How the search picks its candidates before scoring them (the repos' `searchByKeys`), so that a query costs
 * about the same over 100,000 records as over 100: summing every record that shares a common part ("wei",
 * "zhang": thousands) is what made it slow (docs/fugitives.md, "Name search").
 *
 * - A strong key (whole name, characters, sound of the whole name: weight ≥ DUPLICATE_SCORE) brings every
 *   record that has it, up to `strong` per key: the records a search or a duplicate warning must not miss.
 * - A part key brings at most `part` records per key, and only when the caller wants weak matches too (the
 *   search; the duplicate warning needs a strong key by definition, so it never reads the part lists).
 * - Candidates are ranked by the weights gathered so; the best `prerank × limit` of those the caller may see
 *   and whose date of birth may agree are then scored exactly on all their keys, and ranked again.
 */
export const CANDIDATES = { strong: 5000, part: 200, prerank: 3 } as const;

/** The lowest key weight that brings candidates for a search with this minimum score. */
export function candidateWeight(minScore: number): number {
  return minScore >= DUPLICATE_SCORE ? DUPLICATE_SCORE : 0;
}

export interface NameKey {
  key: string;
  weight: number;
}

const HAN = /\p{Script=Han}/u;
const HAN_RUN = /[\p{Script=Han}]+/gu;
const MAX_KEY = 200;

/** Compound surnames read as one part (欧阳修 → ouyang + xiu). */
const COMPOUND_SURNAMES = new Set([
  "欧阳",
  "司马",
  "诸葛",
  "上官",
  "东方",
  "皇甫",
  "尉迟",
  "公孙",
  "慕容",
  "令狐",
  "长孙",
  "宇文",
  "司徒",
  "夏侯",
  "轩辕",
  "端木",
]);

/** Latin parts of a name: accents and tone marks dropped, tone numbers dropped, lower case, split on anything else. */
export function latinParts(s: string): string[] {
  return s
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/ß/g, "ss")
    .split(/[^\p{L}]+/u)
    .filter((p) => p.length > 0 && !HAN.test(p));
}

/**
 * A spelling folded by sound: the pairs that Wade–Giles and pinyin (and careless typing) spell apart meet
 * (hs/x, ts/tz/c/z, ch/zh/j/q, k/g, t/d, p/b, ü/v/u, -ung/-ong, -ieh/-ie, -ih/-i), doubled letters collapse.
 */
export function soundOf(s: string): string {
  return s
    .replace(/hs/g, "x")
    .replace(/t[sz]/g, "z")
    .replace(/zh|ch|j|q/g, "j")
    .replace(/c/g, "z")
    .replace(/k/g, "g")
    .replace(/t/g, "d")
    .replace(/p/g, "b")
    .replace(/[vü]/g, "u")
    .replace(/ung/g, "ong")
    .replace(/ieh/g, "ie")
    .replace(/ih/g, "i")
    .replace(/(.)\1+/g, "$1");
}

/** The pinyin parts of a Chinese name: surname first, then the given name as one part and syllable by syllable. */
function hanParts(han: string): { whole: string[][]; parts: string[] } {
  const syllables = pinyinPro()
    .pinyin(han, { toneType: "none", type: "array", surname: "head" })
    .map((x) => x.toLowerCase().replace(/ü/g, "v"));
  const surnameLen = COMPOUND_SURNAMES.has(han.slice(0, 2)) ? 2 : 1;
  const surname = syllables.slice(0, surnameLen).join("");
  const given = syllables.slice(surnameLen).join("");
  const ordered = [surname, given].filter(Boolean);
  return { whole: [ordered], parts: [...ordered, ...syllables] };
}

/** The whole name in written order, and with its last part moved first or its first part moved last. */
function orders(parts: string[]): string[] {
  if (parts.length < 2) return parts.length ? [parts.join("")] : [];
  const lastFirst = [parts[parts.length - 1], ...parts.slice(0, -1)];
  const firstLast = [...parts.slice(1), parts[0]];
  return [parts.join(""), lastFirst.join(""), firstLast.join("")];
}

/** Every key of one name form (a record's name, or what was typed in a search box). */
export function keysOf(form: string): NameKey[] {
  const out = new Map<string, number>();
  const add = (key: string, weight: number) => {
    const k = key.slice(0, MAX_KEY);
    if (k.length > 2) out.set(k, Math.max(out.get(k) ?? 0, weight));
  };
  const wholes: string[][] = [];
  const parts: string[] = [];
  for (const run of form.match(HAN_RUN) ?? []) {
    add(`h:${run}`, KEY_WEIGHTS.han);
    const h = hanParts(run);
    wholes.push(...h.whole);
    parts.push(...h.parts);
  }
  const latin = latinParts(form);
  if (latin.length) wholes.push(latin);
  parts.push(...latin);
  for (const w of wholes) {
    for (const o of orders(w)) {
      add(`c:${o}`, KEY_WEIGHTS.whole);
      add(`p:${soundOf(o)}`, KEY_WEIGHTS.sound);
    }
  }
  for (const p of parts) {
    if (p.length < 2) continue; // an initial says too little
    add(`t:${p}`, KEY_WEIGHTS.part);
    add(`q:${soundOf(p)}`, KEY_WEIGHTS.partSound);
  }
  return [...out].map(([key, weight]) => ({ key, weight }));
}

/** The keys of every form of a record's names and aliases (original and romanised), each key once. */
export function recordKeys(names: { original: string; romanised?: string | null }[]): NameKey[] {
  const out = new Map<string, number>();
  for (const n of names) {
    for (const form of [n.original, n.romanised]) {
      if (!form) continue;
      for (const k of keysOf(form)) out.set(k.key, Math.max(out.get(k.key) ?? 0, k.weight));
    }
  }
  return [...out].map(([key, weight]) => ({ key, weight }));
}

/** Whether two dates of birth (YYYY, YYYY-MM or YYYY-MM-DD) can be the same day. */
export function datesMayMatch(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}
