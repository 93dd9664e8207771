import type { notificationResources } from "@crossline/schemas";
import "i18next";
import type en from "./en.json";
import type { LabelTree } from "./resources";

declare module "i18next" {
  interface CustomTypeOptions {
    defaultNS: "translation";
    resources: {
      translation: typeof en & LabelTree;
      notifications: ReturnType<typeof notificationResources>;
    };
  }
}
