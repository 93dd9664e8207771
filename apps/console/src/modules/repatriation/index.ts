import type { ConsoleModule } from "../types";
import { RepatriationPage } from "./RepatriationPage";

export const repatriationModule: ConsoleModule = {
  id: "repatriation",
  path: "/repatriation",
  group: "operations",
  permissions: ["fugitives:read"],
  label: (t) => t("nav.repatriation"),
  Page: RepatriationPage,
};
