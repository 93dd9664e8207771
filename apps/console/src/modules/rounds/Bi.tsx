import { Text } from "@mantine/core";

/** A text in both languages, side by side in reading order: English, then Chinese (each marked). */
export function Bi({ v, size }: { v: { en: string; zh: string }; size?: string }) {
  return (
    <span>
      {v.en && (
        <Text span size={size} lang="en">
          {v.en}
        </Text>
      )}
      {v.en && v.zh && " · "}
      {v.zh && (
        <Text span size={size} lang="zh-CN">
          {v.zh}
        </Text>
      )}
    </span>
  );
}

/** The reader's language first when both exist. */
export const pick = (v: { en: string; zh: string }, lang: string) =>
  (lang === "zh-CN" ? v.zh || v.en : v.en || v.zh) ?? "";
