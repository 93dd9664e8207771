import type { FugitiveName } from "@crossline/schemas";
import { pinyinPro } from "../../lib/pinyin.js";

const HAN = /\p{Script=Han}/u;
const NON_LATIN = /[^\p{Script=Latin}\p{Script=Common}\p{Script=Inherited}]/u;

/** Two-character surnames: the given name starts after them (欧阳修 → Ouyang Xiu, not Ou Yangxiu). */
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

const cap = (s: string) => (s ? s[0].toUpperCase() + s.slice(1) : s);

/**
 * The Hanyu Pinyin of a Chinese name as it is written in passports: surname first, then the given name as one
 * word, each capitalised, no tones (张小龙 → Zhang Xiaolong). Surnames are read with their surname
 * pronunciation (单 → Shan, 曾 → Zeng). Characters other than Han are kept as they are.
 */
export function romanise(original: string): string {
  const s = original.trim().replace(/\s+/g, "");
  const surnameLen = COMPOUND_SURNAMES.has(s.slice(0, 2)) ? 2 : 1;
  const syllables = pinyinPro().pinyin(s, {
    toneType: "none",
    type: "array",
    surname: "head",
    nonZh: "consecutive",
  });
  // pinyin-pro gives one item per Han character (and one per run of other characters).
  const surname = syllables.slice(0, surnameLen).join("");
  const given = syllables.slice(surnameLen).join("");
  return [cap(surname), cap(given)].filter(Boolean).join(" ");
}

/**
 * Names as stored: a romanised form given by the officer is kept as given (an established spelling such as
 * a passport's Wade–Giles); a Chinese name without one gets its pinyin. A name in another non-Latin script
 * without a romanised form is an error naming the field.
 */
export function withRomanised(
  names: FugitiveName[],
  field: string,
): { value: FugitiveName[]; issues: { field: string; issue: string }[] } {
  const issues: { field: string; issue: string }[] = [];
  const value = names.map((n, i) => {
    if (n.romanised !== undefined) return n;
    if (HAN.test(n.original)) return { original: n.original, romanised: romanise(n.original) };
    if (NON_LATIN.test(n.original)) {
      issues.push({
        field: `${field}.${i}.romanised`,
        issue: "give the romanised form of a name written in a non-Latin script",
      });
    }
    return n;
  });
  return { value, issues };
}
