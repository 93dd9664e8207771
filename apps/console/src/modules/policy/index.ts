import type { ConsoleModule } from "../types";
import { PolicyPage } from "./PolicyPage";

export const policyModule: ConsoleModule = {
  id: "policy",
  path: "/policy",
  group: "administration",
  permissions: ["policy:manage"],
  label: (t) => t("nav.policy"),
  Page: PolicyPage,
};
