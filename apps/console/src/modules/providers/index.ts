import type { ConsoleModule } from "../types";
import { ProvidersPage } from "./ProvidersPage";

export const providersModule: ConsoleModule = {
  id: "providers",
  path: "/providers",
  group: "operations",
  permissions: ["providers:read"],
  label: (t) => t("providers.title"),
  Page: ProvidersPage,
};
