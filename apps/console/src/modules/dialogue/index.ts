import type { ConsoleModule } from "../types";
import { DialoguePage } from "./DialoguePage";

export const dialogueModule: ConsoleModule = {
  id: "dialogue",
  path: "/dialogue",
  group: "operations",
  permissions: ["reports:read"],
  label: (t) => t("nav.dialogue"),
  Page: DialoguePage,
};
