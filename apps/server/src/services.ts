import type { Config } from "./config.js";
import type { Database, Db } from "./db/client.js";
import { type Clock, systemClock } from "./lib/clock.js";
import { createAuditAnchorService } from "./modules/audit/audit.anchor.js";
import { peerTableDirectory } from "./modules/audit/audit.peers.js";
import { createAuditService } from "./modules/audit/audit.service.js";
import { createAuthService } from "./modules/auth/auth.service.js";
import { createTokensService } from "./modules/auth/tokens.service.js";
import { createBackupsService } from "./modules/backup/backups.service.js";
import { createBlobPort, peerDirectory } from "./modules/federation/federation.directory.js";
import { registerTransportHandlers } from "./modules/federation/federation.handlers.js";
import { createFederationService } from "./modules/federation/federation.service.js";
import type { FederationPort } from "./modules/federation/federation.types.js";
import { createHotlineService } from "./modules/hotline/hotline.service.js";
import { indicatorType } from "./modules/indicators/indicators.shared.js";
import { findNode } from "./modules/node/node.repo.js";
import { createNodeService } from "./modules/node/node.service.js";
import { createNotificationsService } from "./modules/notifications/notifications.service.js";
import { createOrgService } from "./modules/org/org.service.js";
import { createReportsService } from "./modules/reports/reports.service.js";
import { registerRequestHandlers } from "./modules/requests/requests.inbox.js";
import { createRequestPolicyService } from "./modules/requests/requests.policy.js";
import { createRequestsService } from "./modules/requests/requests.service.js";
import { registerSharedObjectHandlers } from "./modules/shared-objects/shared-objects.inbox.js";
import { createSharedObjectsService } from "./modules/shared-objects/shared-objects.service.js";
import {
  createSharedTypeRegistry,
  type PersonalDataHooks,
} from "./modules/shared-objects/shared-objects.types.js";
import { createUsersService } from "./modules/users/users.service.js";

/** The composition root: builds every service from the database, the configuration and a clock. */
export function createServices(deps: {
  db: Db;
  /** LISTEN on the node's database: live notification streams wake on commit instead of polling. */
  listen?: Database["listen"];
  config: Config;
  clock?: Clock;
  federation?: FederationPort;
  /** The data-protection rules for shared objects (access log, retention); none by default. */
  personalData?: PersonalDataHooks;
}) {
  const { db, config } = deps;
  const clock = deps.clock ?? systemClock;
  const audit = createAuditService({ db, clock });
  const node = createNodeService({
    db,
    clock,
    masterKey: config.masterKey,
    audit,
    language: config.language,
  });
  const org = createOrgService({ db, audit });
  const users = createUsersService({
    db,
    clock,
    audit,
    defaultTimeZone: async () => (await node.summary()).timeZone,
  });
  const auth = createAuthService({ db, clock, audit, node, config });
  const tokens = createTokensService({ db, clock, audit });
  // The federation transport; a caller may substitute another FederationPort (the domains only see the port).
  const federationService = createFederationService({
    db,
    config,
    clock,
    audit,
    node,
    notify: (tx, n) => notifications.notify(tx, n),
    recipientsFor: (tx, roles) => users.recipientsFor(tx, roles),
  });
  registerTransportHandlers(federationService, { clock, audit });
  const federation: FederationPort = deps.federation ?? federationService;
  const notifications = createNotificationsService({
    db,
    listen: deps.listen,
    clock,
    smtpUrl: config.smtpUrl,
    mailFrom: config.mailFrom,
  });
  const auditAnchors = createAuditAnchorService({
    db,
    clock,
    audit,
    node,
    federation,
    peers: peerTableDirectory,
    intervalMinutes: config.auditCheckpointMinutes,
  });
  auditAnchors.registerHandlers();
  // A peer restored from a backup: its checkpoints after the backup's audit head are set aside.
  federationService.onPeerRestored((tx, _ctx, peerId, r) => auditAnchors.peerRestored(tx, peerId, r));
  const requestPolicy = createRequestPolicyService({ db, clock, audit });
  const hotline = createHotlineService({
    db,
    clock,
    audit,
    intakeUnitId: () => requestPolicy.intakeUnitId(),
  });
  const requestsDeps = {
    db,
    clock,
    audit,
    node,
    policy: requestPolicy,
    hotline,
    notifications,
    federation,
    peers: peerDirectory,
    org,
    attachments: { putAttachment: federationService.putAttachment, ...createBlobPort(db) },
  };
  const requests = createRequestsService(requestsDeps);
  registerRequestHandlers(requestsDeps);
  const reports = createReportsService({ db, clock, node });
  // Shared objects: each domain declares its types here; the mechanism is common (modules/shared-objects).
  const sharedTypes = createSharedTypeRegistry();
  sharedTypes.register(indicatorType);
  let selfId: string | undefined;
  const sharedDeps = {
    db,
    clock,
    audit,
    federation,
    types: sharedTypes,
    // Read through the caller's transaction (on PGlite a second query outside it would wait forever).
    nodeId: async (dbx: Parameters<typeof findNode>[0]) => {
      selfId ??= (await findNode(dbx))?.id;
      if (!selfId) throw new Error("the node is not initialised");
      return selfId;
    },
    intakeUnitId: (dbx: Parameters<typeof findNode>[0]) => requestPolicy.intakeUnitId(dbx),
    personalData: deps.personalData,
  };
  const sharedObjects = createSharedObjectsService(sharedDeps);
  registerSharedObjectHandlers(sharedDeps, sharedObjects);
  return {
    db,
    config,
    clock,
    audit,
    auditAnchors,
    backups: createBackupsService({ db, config, clock, audit }),
    node,
    org,
    users,
    auth,
    tokens,
    federation,
    federationService,
    notifications,
    hotline,
    requestPolicy,
    requests,
    reports,
    sharedObjects,
  };
}

export type Services = ReturnType<typeof createServices>;
