import type { ConsoleModule } from "../types";
import { PeersPage } from "./PeersPage";

export const peersModule: ConsoleModule = {
  id: "peers",
  path: "/peers",
  group: "operations",
  permissions: ["peers:read"],
  label: (t) => t("nav.peers"),
  Page: PeersPage,
};
