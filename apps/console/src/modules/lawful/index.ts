import type { ConsoleModule } from "../types";
import { LawfulPage } from "./LawfulPage";

export const lawfulModule: ConsoleModule = {
  id: "lawful",
  path: "/lawful",
  group: "operations",
  permissions: ["lawful:review", "lawful:retention"],
  label: (t) => t("nav.lawful"),
  Page: LawfulPage,
};
