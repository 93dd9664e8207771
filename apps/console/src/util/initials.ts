/** CJK ideographs (and the compatibility block): a Chinese name's avatar shows its first character. */
const HAN = /\p{Script=Han}/u;

/**
 * What an avatar shows for a display name: the first Chinese character when the name has one
 * ("李强 (Li Qiang)" → "李", "系统管理员 (admin)" → "系"); else the initials of the first and last
 * words made of letters ("John Miller" → "JM", "admin" → "AD"), brackets and punctuation ignored.
 */
export function initials(name: string): string {
  const han = Array.from(name).find((c) => HAN.test(c));
  if (han) return han;
  const words = name.match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length === 0) return "?";
  if (words.length === 1)
    return Array.from(words[0] as string)
      .slice(0, 2)
      .join("")
      .toUpperCase();
  const first = Array.from(words[0] as string)[0] ?? "";
  const last = Array.from(words[words.length - 1] as string)[0] ?? "";
  return `${first}${last}`.toUpperCase();
}
