import type { Config } from "./config.js";
import type { Db } from "./db/client.js";
import { type Clock, systemClock } from "./lib/clock.js";
import { AppError } from "./lib/errors.js";
import { createAuditService } from "./modules/audit/audit.service.js";
import { createAuthService } from "./modules/auth/auth.service.js";
import { createTokensService } from "./modules/auth/tokens.service.js";
import type { FederationPort } from "./modules/federation/federation.types.js";
import { createHotlineService } from "./modules/hotline/hotline.service.js";
import { createNodeService } from "./modules/node/node.service.js";
import { createNotificationsService } from "./modules/notifications/notifications.service.js";
import { createOrgService } from "./modules/org/org.service.js";
import { createReportsService } from "./modules/reports/reports.service.js";
import { registerRequestHandlers } from "./modules/requests/requests.inbox.js";
import { createRequestPolicyService } from "./modules/requests/requests.policy.js";
import { createRequestsService } from "./modules/requests/requests.service.js";
import { createUsersService } from "./modules/users/users.service.js";

/**
 * Until a federation transport is wired in, messages cannot leave the node: changes that must reach a
 * peer are refused (nothing is half-done, the transaction rolls back) and handlers are kept unused.
 */
function federationUnavailable(): FederationPort {
  return {
    async enqueue() {
      throw new AppError("NODE_BUSY", [
        { issue: "this node has no federation transport: peers cannot be reached" },
      ]);
    },
    registerHandler() {},
  };
}

/** The composition root: builds every service from the database, the configuration and a clock. */
export function createServices(deps: { db: Db; config: Config; clock?: Clock; federation?: FederationPort }) {
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
  const federation = deps.federation ?? federationUnavailable();
  const notifications = createNotificationsService({
    db,
    clock,
    smtpUrl: config.smtpUrl,
    mailFrom: config.mailFrom,
  });
  const hotline = createHotlineService({ db, clock, audit });
  const requestPolicy = createRequestPolicyService({ db, clock, audit });
  const requestsDeps = { db, clock, audit, node, policy: requestPolicy, hotline, notifications, federation };
  const requests = createRequestsService(requestsDeps);
  registerRequestHandlers(requestsDeps, requests);
  const reports = createReportsService({ db, clock, node });
  return {
    db,
    config,
    clock,
    audit,
    node,
    org,
    users,
    auth,
    tokens,
    federation,
    notifications,
    hotline,
    requestPolicy,
    requests,
    reports,
  };
}

export type Services = ReturnType<typeof createServices>;
