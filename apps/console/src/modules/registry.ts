import type { Me } from "@crossline/schemas";
import { hasAnyPermission } from "../auth/session";
import { normalisePath } from "../router/router";
import { assetsModule } from "./assets";
import { auditModule } from "./audit";
import { casesModule } from "./cases";
import { dashboardModule } from "./dashboard";
import { fugitiveListsModule } from "./fugitive-lists";
import { fugitivesModule } from "./fugitives";
import { hotlineModule } from "./hotline";
import { indicatorsModule } from "./indicators";
import { lawfulModule } from "./lawful";
import { noticesModule } from "./notices";
import { peersModule } from "./peers";
import { personsModule } from "./persons";
import { policyModule } from "./policy";
import { providersModule } from "./providers";
import { repatriationModule } from "./repatriation";
import { reportsModule } from "./reports";
import { requestsModule } from "./requests";
import { roundsModule } from "./rounds";
import { securityModule } from "./security";
import { tokensModule } from "./tokens";
import type { ConsoleModule } from "./types";
import { usersModule } from "./users";

/** Every module, in navigation order. Add a module here and in its own folder once its page exists. */
export const MODULES: readonly ConsoleModule[] = [
  dashboardModule,
  hotlineModule,
  requestsModule,
  noticesModule,
  providersModule,
  casesModule,
  personsModule,
  fugitivesModule,
  fugitiveListsModule,
  assetsModule,
  peersModule,
  roundsModule,
  reportsModule,
  usersModule,
  policyModule,
  auditModule,
  tokensModule,
  securityModule,
  lawfulModule,
  indicatorsModule,
  repatriationModule,
];

export function visibleModules(user: Me): ConsoleModule[] {
  return MODULES.filter((m) => hasAnyPermission(user, m.permissions));
}

/** The module that owns a path, if the user may see it; otherwise none (shown as not found). */
export function moduleForPath(user: Me, rawPath: string): ConsoleModule | null {
  const path = normalisePath(rawPath);
  const match = MODULES.find((m) =>
    m.path === "/" ? path === "/" : path === m.path || path.startsWith(`${m.path}/`),
  );
  return match && hasAnyPermission(user, match.permissions) ? match : null;
}
