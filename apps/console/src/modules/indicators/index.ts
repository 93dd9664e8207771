import type { ConsoleModule } from "../types";
import { IndicatorsPage } from "./IndicatorsPage";

export const indicatorsModule: ConsoleModule = {
  id: "indicators",
  path: "/indicators",
  group: "operations",
  permissions: ["sharing:read"],
  label: (t) => t("nav.indicators"),
  Page: IndicatorsPage,
};
