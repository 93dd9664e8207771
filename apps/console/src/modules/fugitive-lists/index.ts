import type { ConsoleModule } from "../types";
import { SharedListsPage } from "./SharedListsPage";

/** Lists of fugitives published to peers and received from them (the API's word for the path). */
export const fugitiveListsModule: ConsoleModule = {
  id: "fugitive-lists",
  path: "/fugitive-lists",
  group: "operations",
  permissions: ["fugitives:read"],
  label: (t) => t("nav.sharedLists"),
  Page: SharedListsPage,
};
