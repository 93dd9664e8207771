import type { ConsoleModule } from "../types";
import { AssetsPage } from "./AssetsPage";

export const assetsModule: ConsoleModule = {
  id: "assets",
  path: "/assets",
  group: "operations",
  permissions: ["fugitives:read"],
  label: (t) => t("nav.assets"),
  Page: AssetsPage,
};
