import { Button } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { useSwitchLanguage } from "../auth/session";
import { currentLanguage } from "../i18n";

/**
 * English ⇄ 简体中文. The button names the language it switches to, in that
 * language, so a reader of either can find it.
 */
export function LanguageSwitch({ testId = "language-switch" }: { testId?: string }) {
  const { t, i18n } = useTranslation();
  const switchLanguage = useSwitchLanguage();
  const lang = currentLanguage();
  const target = lang === "en" ? "zh-CN" : "en";
  return (
    <Button
      variant="default"
      size="xs"
      data-testid={testId}
      data-lang={i18n.language}
      lang={target}
      aria-label={t("language.switchTo", { language: target === "en" ? t("language.en") : t("language.zh") })}
      onClick={() => void switchLanguage(target)}
    >
      {target === "en" ? t("language.en") : t("language.zh")}
    </Button>
  );
}
