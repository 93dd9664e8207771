import type { Permission } from "@crossline/schemas";
import type { TFunction } from "i18next";
import type { ComponentType } from "react";

/**
 * One console module: a folder `src/modules/<id>/` whose `index.ts` exports this
 * definition and whose page component renders everything under `path`.
 */
export interface ConsoleModule {
  id: string;
  /** The route; the module also owns every path below it (`/requests/…`). "/" matches only itself. */
  path: string;
  group: "operations" | "administration";
  /** Shown (and routable) when the user holds any of these; every signed-in user when absent. */
  permissions?: readonly Permission[];
  label: (t: TFunction) => string;
  Page: ComponentType;
}
