import type { ConsoleModule } from "../types";
import { PersonsPage } from "./PersonsPage";

export const personsModule: ConsoleModule = {
  id: "persons",
  path: "/persons",
  group: "operations",
  permissions: ["persons:read"],
  label: (t) => t("nav.persons"),
  Page: PersonsPage,
};
