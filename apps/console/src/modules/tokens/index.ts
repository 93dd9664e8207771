import type { ConsoleModule } from "../types";
import { TokensPage } from "./TokensPage";

export const tokensModule: ConsoleModule = {
  id: "tokens",
  path: "/tokens",
  group: "administration",
  label: (t) => t("nav.tokens"),
  Page: TokensPage,
};
