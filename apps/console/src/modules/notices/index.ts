import type { ConsoleModule } from "../types";
import { NoticesPage } from "./NoticesPage";

export const noticesModule: ConsoleModule = {
  id: "notices",
  path: "/notices",
  group: "operations",
  permissions: ["notices:read"],
  label: (t) => t("nav.notices"),
  Page: NoticesPage,
};
