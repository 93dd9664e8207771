import type { ConsoleModule } from "../types";
import { FugitivesPage } from "./FugitivesPage";

export const fugitivesModule: ConsoleModule = {
  id: "fugitives",
  path: "/fugitives",
  group: "operations",
  permissions: ["fugitives:read"],
  label: (t) => t("nav.fugitives"),
  Page: FugitivesPage,
};
