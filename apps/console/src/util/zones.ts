import type { TFunction } from "i18next";
import { NEW_YORK, SHANGHAI } from "./datetime";

/** A readable name for a zone: the two sides' cities are translated, other zones keep their IANA name. */
export function zoneLabel(t: TFunction, zone: string): string {
  if (zone === SHANGHAI) return t("time.zoneShanghai");
  if (zone === NEW_YORK) return t("time.zoneNewYork");
  if (zone === "UTC") return t("time.zoneUtc");
  return zone;
}
