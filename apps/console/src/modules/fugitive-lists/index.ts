import type { ConsoleModule } from "../types";
import { SharedListsPage } from "./SharedListsPage";

/** Lists of fugitives published to peers and received from them: the id is the menu label's key (nav.sharedLists), the path the API's word. */
export const fugitiveListsModule: ConsoleModule = {
  id: "sharedLists",
  path: "/fugitive-lists",
  group: "operations",
  permissions: ["fugitives:read"],
  label: (t) => t("nav.sharedLists"),
  Page: SharedListsPage,
};
