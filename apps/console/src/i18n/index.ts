import { type Language, notificationResources } from "@crossline/schemas";
import i18n from "i18next";
import { initReactI18next, useTranslation } from "react-i18next";
import { resourceTree } from "./resources";

export const SUPPORTED_LANGUAGES: readonly Language[] = ["en", "zh-CN"];
const STORAGE_KEY = "crossline.language";

export function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && (SUPPORTED_LANGUAGES as readonly string[]).includes(value);
}

/** The language a person chose in this browser (or that their account carries), if any. */
export function storedLanguage(): Language | null {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    if (isLanguage(stored)) return stored;
  } catch {
    // storage may be unavailable (private mode, policy); fall through
  }
  return null;
}

/**
 * The language remembered in this browser, else the browser's preference, else English. Until a person chooses,
 * the sign-in page then switches to the node's own default language once the node has said it (AuthLayout).
 */
export function initialLanguage(): Language {
  const stored = storedLanguage();
  if (stored) return stored;
  const preferred = typeof navigator === "undefined" ? [] : navigator.languages;
  for (const tag of preferred ?? []) {
    if (tag.toLowerCase().startsWith("zh")) return "zh-CN";
    if (tag.toLowerCase().startsWith("en")) return "en";
  }
  return "en";
}

export function rememberLanguage(lang: Language): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // not fatal: the choice only lasts for this page
  }
}

export function currentLanguage(): Language {
  return isLanguage(i18n.language) ? i18n.language : "en";
}

/** The reader's language, in a component: it renders again when the language changes. */
export function useLang(): Language {
  const { i18n: current } = useTranslation();
  return current.language.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

function applyToDocument(lang: string): void {
  document.documentElement.lang = lang;
}

void i18n.use(initReactI18next).init({
  // Notification texts come from the one catalogue in @crossline/schemas (the server's e-mails use it too);
  // enumerated values' labels from labels.ts (resources.ts)
  resources: {
    en: { translation: resourceTree("en"), notifications: notificationResources("en") },
    "zh-CN": { translation: resourceTree("zh-CN"), notifications: notificationResources("zh-CN") },
  },
  lng: initialLanguage(),
  fallbackLng: "en",
  supportedLngs: [...SUPPORTED_LANGUAGES],
  load: "currentOnly",
  interpolation: { escapeValue: false },
  returnNull: false,
});
applyToDocument(i18n.language);
i18n.on("languageChanged", applyToDocument);

export default i18n;
