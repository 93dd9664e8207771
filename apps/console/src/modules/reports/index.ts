import type { ConsoleModule } from "../types";
import { ReportsPage } from "./ReportsPage";

export const reportsModule: ConsoleModule = {
  id: "reports",
  path: "/reports",
  group: "operations",
  permissions: ["reports:read"],
  label: (t) => t("nav.reports"),
  Page: ReportsPage,
};
