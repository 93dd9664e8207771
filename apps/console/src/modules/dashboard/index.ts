import type { ConsoleModule } from "../types";
import { DashboardPage } from "./DashboardPage";

export const dashboardModule: ConsoleModule = {
  id: "dashboard",
  path: "/",
  group: "operations",
  label: (t) => t("nav.dashboard"),
  Page: DashboardPage,
};
