import { spanOfMinutes } from "@crossline/schemas";
import { Badge } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { useLang } from "../../i18n";
import { useNow } from "../../util/useNow";

/** Time left to a deadline (or how late it is), refreshed every minute. */
export function Countdown({ at, testId }: { at: string; testId?: string }) {
  const { t } = useTranslation();
  const now = useNow();
  const minutes = Math.round((Date.parse(at) - now.getTime()) / 60_000);
  const lang = useLang();
  const span = spanOfMinutes(Math.abs(minutes), lang);
  const colour = minutes < 0 ? "red" : minutes < 120 ? "orange" : "blue";
  return (
    <Badge color={colour} variant="light" data-testid={testId} data-minutes={minutes}>
      {minutes < 0 ? t("notices.overdueBy", { span }) : t("notices.left", { span })}
    </Badge>
  );
}
