import type { ConsoleModule } from "../types";
import { SecurityPage } from "./SecurityPage";

export const securityModule: ConsoleModule = {
  id: "security",
  path: "/security",
  group: "administration",
  label: (t) => t("nav.security"),
  Page: SecurityPage,
};
