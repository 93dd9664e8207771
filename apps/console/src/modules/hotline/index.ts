import type { ConsoleModule } from "../types";
import { HotlinePage } from "./HotlinePage";

export const hotlineModule: ConsoleModule = {
  id: "hotline",
  path: "/hotline",
  group: "operations",
  permissions: ["hotline:duty", "hotline:roster"],
  label: (t) => t("nav.hotline"),
  Page: HotlinePage,
};
