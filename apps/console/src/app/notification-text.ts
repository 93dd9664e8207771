import { formatNotificationParams, type NotificationView } from "@crossline/schemas";
import { useTranslation } from "react-i18next";
import { useSession } from "../auth/session";

/**
 * A notification's title and body in the interface language, with times on the user's clock (their
 * profile zone): rendered from its message key through i18next; a row written before keys, or with a key
 * this console does not know, shows the texts the server sent.
 */
export function useNotificationText(): (n: NotificationView) => { title: string; body: string } {
  const { t, i18n } = useTranslation("notifications");
  const { user } = useSession();
  const lang = i18n.language.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
  return (n) => {
    if (n.key && i18n.exists(`${n.key}.title`, { ns: "notifications" })) {
      const values = formatNotificationParams(n.params, lang, user.timeZone);
      const opts = { ...values, interpolation: { escapeValue: false } };
      return {
        title: String(t(`${n.key}.title` as never, opts)),
        body: String(t(`${n.key}.body` as never, opts)),
      };
    }
    return lang === "zh-CN"
      ? { title: n.title["zh-CN"], body: n.body["zh-CN"] }
      : { title: n.title.en, body: n.body.en };
  };
}
