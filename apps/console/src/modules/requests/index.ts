import type { ConsoleModule } from "../types";
import { RequestsPage } from "./RequestsPage";

export const requestsModule: ConsoleModule = {
  id: "requests",
  path: "/requests",
  group: "operations",
  permissions: ["requests:read"],
  label: (t) => t("nav.requests"),
  Page: RequestsPage,
};
