import type { TFunction } from "i18next";
import { ApiError } from "../api/client";

/** The localised message of an API error (its code is the i18n key), or a generic one. */
export function errorMessage(t: TFunction, err: unknown): string {
  if (err instanceof ApiError) return t(`errors.${err.code}`);
  return t("errors.UNEXPECTED_RESPONSE");
}
