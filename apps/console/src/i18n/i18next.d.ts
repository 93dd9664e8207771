import type { notificationResources } from "@crossline/schemas";
import "i18next";
import type en from "./en.json";

declare module "i18next" {
  interface CustomTypeOptions {
    defaultNS: "translation";
    resources: { translation: typeof en; notifications: ReturnType<typeof notificationResources> };
  }
}
