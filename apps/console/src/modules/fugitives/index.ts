import type { ConsoleModule } from "../types";
import { FugitivesPage } from "./FugitivesPage";

export const fugitivesModule: ConsoleModule = {
  id: "fugitives",
  path: "/fugitives",
  group: "operations",
  permissions: ["requests:read"],
  label: (t) => t("nav.fugitives"),
  Page: FugitivesPage,
};
