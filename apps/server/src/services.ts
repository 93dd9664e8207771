import type { Config } from "./config.js";
import type { Db } from "./db/client.js";
import { type Clock, systemClock } from "./lib/clock.js";
import { createAuditService } from "./modules/audit/audit.service.js";
import { createAuthService } from "./modules/auth/auth.service.js";
import { createTokensService } from "./modules/auth/tokens.service.js";
import { createNodeService } from "./modules/node/node.service.js";
import { createOrgService } from "./modules/org/org.service.js";
import { createUsersService } from "./modules/users/users.service.js";

/** The composition root: builds every service from the database, the configuration and a clock. */
export function createServices(deps: { db: Db; config: Config; clock?: Clock }) {
  const { db, config } = deps;
  const clock = deps.clock ?? systemClock;
  const audit = createAuditService({ db, clock });
  const node = createNodeService({ db, clock, masterKey: config.masterKey, audit });
  const org = createOrgService({ db, audit });
  const users = createUsersService({
    db,
    clock,
    audit,
    defaultTimeZone: async () => (await node.summary()).timeZone,
  });
  const auth = createAuthService({ db, clock, audit, node, config });
  const tokens = createTokensService({ db, clock, audit });
  return { db, config, clock, audit, node, org, users, auth, tokens };
}

export type Services = ReturnType<typeof createServices>;
