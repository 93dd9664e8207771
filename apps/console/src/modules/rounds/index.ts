import type { ConsoleModule } from "../types";
import { RoundsPage } from "./RoundsPage";

/** Dialogue rounds: the id names the navigation icon ("dialogue"), the path is the API's word. */
export const roundsModule: ConsoleModule = {
  id: "dialogue",
  path: "/rounds",
  group: "operations",
  permissions: ["rounds:read"],
  label: (t) => t("nav.dialogue"),
  Page: RoundsPage,
};
