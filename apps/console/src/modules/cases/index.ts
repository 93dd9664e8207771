import type { ConsoleModule } from "../types";
import { CasesPage } from "./CasesPage";

export const casesModule: ConsoleModule = {
  id: "cases",
  path: "/cases",
  group: "operations",
  permissions: ["cases:read"],
  label: (t) => t("nav.cases"),
  Page: CasesPage,
};
