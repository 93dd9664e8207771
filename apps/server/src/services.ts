import type { Role } from "@crossline/schemas";
import type { Config } from "./config.js";
import type { Database, Db } from "./db/client.js";
import { type Clock, systemClock } from "./lib/clock.js";
import { createAccessLogService } from "./modules/access-log/access-log.service.js";
import { assetLawfulKind } from "./modules/assets/assets.lawful.js";
import { createAssetsService } from "./modules/assets/assets.service.js";
import { assetType } from "./modules/assets/assets.shared.js";
import { createAuditAnchorService } from "./modules/audit/audit.anchor.js";
import { peerTableDirectory } from "./modules/audit/audit.peers.js";
import { createAuditService } from "./modules/audit/audit.service.js";
import { createAuthService } from "./modules/auth/auth.service.js";
import { createTokensService } from "./modules/auth/tokens.service.js";
import { createBackupsService } from "./modules/backup/backups.service.js";
import { createCasesService } from "./modules/cases/cases.service.js";
import { caseSummaryType } from "./modules/cases/cases.shared.js";
import { createCorrelationService } from "./modules/correlation/correlation.service.js";
import {
  createBlobPort,
  hotlineTestLog,
  peerDirectory,
  peerSigningKeys,
} from "./modules/federation/federation.directory.js";
import { registerTransportHandlers } from "./modules/federation/federation.handlers.js";
import { maxPayloadBytes } from "./modules/federation/federation.outbox.js";
import { createFederationService } from "./modules/federation/federation.service.js";
import type { FederationPort } from "./modules/federation/federation.types.js";
import { fugitiveLawfulKind } from "./modules/fugitives/fugitives.lawful.js";
import { fugitivesRepo } from "./modules/fugitives/fugitives.repo.js";
import { createFugitivesService } from "./modules/fugitives/fugitives.service.js";
import { fugitiveEntryType } from "./modules/fugitives/fugitives.shared.js";
import { createHotlineService } from "./modules/hotline/hotline.service.js";
import { createIndicatorsService } from "./modules/indicators/indicators.service.js";
import { indicatorSetType, indicatorType } from "./modules/indicators/indicators.shared.js";
import { createTaxiiService } from "./modules/indicators/taxii.service.js";
import { createLawfulService } from "./modules/lawful/lawful.service.js";
import { findNode } from "./modules/node/node.repo.js";
import { createNodeService } from "./modules/node/node.service.js";
import { createSettingsPort } from "./modules/node/node.settings.js";
import { createNotificationsService } from "./modules/notifications/notifications.service.js";
import { createOrgService } from "./modules/org/org.service.js";
import { personLawfulKind } from "./modules/persons/persons.lawful.js";
import { createPersonRequests } from "./modules/persons/persons.requests.js";
import { createPersonRights } from "./modules/persons/persons.rights.js";
import { createPersonsService } from "./modules/persons/persons.service.js";
import { createProvidersService } from "./modules/providers/providers.service.js";
import { repatriationLawfulKind } from "./modules/repatriation/repatriation.lawful.js";
import { createRepatriationService } from "./modules/repatriation/repatriation.service.js";
import { repatriationCaseType } from "./modules/repatriation/repatriation.shared.js";
import { createReportsService } from "./modules/reports/reports.service.js";
import { requestIdentifierSource } from "./modules/requests/requests.identifiers.js";
import { registerRequestHandlers } from "./modules/requests/requests.inbox.js";
import { requestLawfulKind } from "./modules/requests/requests.lawful.js";
import { createRequestPolicyService } from "./modules/requests/requests.policy.js";
import { createRequestWatchers } from "./modules/requests/requests.port.js";
import { createRequestRectification } from "./modules/requests/requests.rectify.js";
import * as requestsRepo from "./modules/requests/requests.repo.js";
import { createRequestsService } from "./modules/requests/requests.service.js";
import { createRoundsCalendar } from "./modules/rounds/rounds.calendar.js";
import { registerRoundHandlers } from "./modules/rounds/rounds.inbox.js";
import { createRoundsProgress } from "./modules/rounds/rounds.progress.js";
import { createRoundsService } from "./modules/rounds/rounds.service.js";
import { registerSharedObjectHandlers } from "./modules/shared-objects/shared-objects.inbox.js";
import { sharedObjectLawfulKind } from "./modules/shared-objects/shared-objects.lawful.js";
import { createSharedObjectsService } from "./modules/shared-objects/shared-objects.service.js";
import {
  createSharedTypeRegistry,
  type PersonalDataHooks,
} from "./modules/shared-objects/shared-objects.types.js";
import { findUserById } from "./modules/users/users.repo.js";
import { createUsersService } from "./modules/users/users.service.js";

/** The composition root: builds every service from the database, the configuration and a clock. */
export function createServices(deps: {
  db: Db;
  /** LISTEN on the node's database: live notification streams wake on commit instead of polling. */
  listen?: Database["listen"];
  holdPresence?: Database["holdPresence"];
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
  /** The node's time zone: its calendar, the default of its users' clocks. */
  const nodeZone = async () => (await node.summary()).timeZone;
  const org = createOrgService({ db, audit });
  const users = createUsersService({
    db,
    clock,
    audit,
    defaultTimeZone: nodeZone,
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
    // Several processes may share a PostgreSQL database: their delivery workers wake on each other's enqueues.
    // PGlite has one process, whose workers are woken in process.
    ...(config.databaseUrl && deps.listen ? { listen: deps.listen } : {}),
    holdPresence: deps.holdPresence,
  });
  registerTransportHandlers(federationService, { clock, audit });
  const federation: FederationPort = deps.federation ?? federationService;
  const notifications = createNotificationsService({
    db,
    listen: deps.listen,
    clock,
    smtpUrl: config.smtpUrl,
    mailFrom: config.mailFrom,
    people: { contactsOf: users.contactsOf, timeZoneOf: users.timeZoneOf },
  });
  // Personal data: the access log (every read of a person or of a record naming one); `audit verify` checks it.
  const accessLog = createAccessLogService({
    db,
    clock,
    audit,
    nodeZone,
  });
  const auditAnchors = createAuditAnchorService({
    db,
    clock,
    audit,
    node,
    federation,
    peers: peerTableDirectory,
    intervalMinutes: config.auditCheckpointMinutes,
    accessLog,
  });
  auditAnchors.registerHandlers();
  // A peer restored from a backup: its checkpoints after the backup's audit head are set aside.
  federationService.onPeerRestored((tx, _ctx, peerId, r) => auditAnchors.peerRestored(tx, peerId, r));
  // Node-wide settings (node module's table): each domain keeps its policy under its own key.
  const settings = createSettingsPort({ clock });
  const requestPolicy = createRequestPolicyService({
    db,
    audit,
    settings,
    units: {
      exists: async (dbx, id) => (await org.unitsByIds(dbx, [id])).length > 0,
      firstId: (dbx) => org.firstUnitId(dbx),
    },
  });
  let selfId: string | undefined;
  // Read through the caller's transaction (on PGlite a second query outside it would wait forever).
  const nodeId = async (dbx: Parameters<typeof findNode>[0]) => {
    selfId ??= (await findNode(dbx))?.id;
    if (!selfId) throw new Error("the node is not initialised");
    return selfId;
  };
  // Personal data: legal basis, retention and screening, one mechanism; each domain registers its kinds below.
  const lawful = createLawfulService({ db, clock, audit, federation, nodeId });
  lawful.registerHandlers();
  const hotline = createHotlineService({
    db,
    clock,
    audit,
    intakeUnitId: () => requestPolicy.intakeUnitId(),
    people: {
      namesOf: users.namesOf,
      membershipOf: users.membershipOf,
      recipientsInUnit: users.recipientsInUnit,
    },
  });
  // Personal data: the person records (the access log, created before the audit anchors, is above).
  const persons = createPersonsService({ db, clock, audit, accessLog });
  const personRights = createPersonRights({ db, clock, audit, node, persons, accessLog });
  // A person is kept while a record names them; erasing the last one starts the person's own retention.
  lawful.registerKind(personLawfulKind({ visible: persons.visible, now: () => clock.now() }));
  lawful.setPersonUnlinker(persons.port.unlinkRecord);
  // Other modules hear of the peer's events on requests (providers: a notice across the border follows its request).
  const requestWatchers = createRequestWatchers();
  const requestsDeps = {
    watchers: requestWatchers,
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
    lawful: lawful.port,
    attachments: { putAttachment: federationService.putAttachment, ...createBlobPort(db, clock) },
    persons: persons.port,
    accessLog,
  };
  const requests = createRequestsService(requestsDeps);
  // A rectified person reaches the requests naming them, and the peers they were sent to (the thread).
  const requestRectification = createRequestRectification(requestsDeps);
  requestRectification.registerHandler();
  // Requests started from a person record: prefilled from it, linked to it (its first subject).
  const personRequests = createPersonRequests(
    { db, accessLog, visible: persons.visible, load: (ctx, id) => persons.load(ctx, id) },
    {
      create: (ctx, body, link) => requests.create(ctx, body, link),
      lifeOf: (ctx, ids) => requests.port.lifeOf(ctx, ids),
    },
  );
  persons.registerRecords("request", {
    describe: requests.describe,
    lock: requestRectification.lock,
    rectified: requestRectification.rectified,
  });
  registerRequestHandlers(requestsDeps);
  // Requests' personal data: an anonymised request's attachment bytes go through federation's blob port.
  const requestKind = requestLawfulKind({ blobs: requestsDeps.attachments, nodeId });
  lawful.registerKind(requestKind);
  const reports = createReportsService({
    clock,
    node,
    screening: lawful.screeningCounts,
    requests: { timelinessFigures: (q) => requestsRepo.timelinessFigures(db, q) },
    zoneOf: users.timeZoneOf,
  });
  const providers = createProvidersService({
    db,
    clock,
    audit,
    node,
    notifications,
    accounts: {
      async createBound(ctx, input, bind) {
        const made = await users.create(
          ctx,
          { ...input, roles: ["provider_user"] },
          { authorisedBy: "providers", within: bind },
        );
        return { userId: made.user.id, oneTimePassword: made.oneTimePassword ?? "" };
      },
    },
    zoneOf: async (userId) => (await users.timeZoneOf(userId)) ?? (await nodeZone()),
    recipientsFor: (tx, roles) => users.recipientsFor(tx, roles),
    recipientsInUnit: (tx, unitId, roles) => users.recipientsInUnit(tx, unitId, roles),
    publicUrl: config.publicUrl ?? null,
    settings,
    requests: { ...requests.port, putAttachment: federationService.putAttachment },
  });
  requestWatchers.onPeerEvent((tx, r, event, data, actor) => providers.peerEvent(tx, r, event, data, actor));
  // Shared objects: each domain declares its types here; the mechanism is common (modules/shared-objects).
  const sharedTypes = createSharedTypeRegistry();
  sharedTypes.register(indicatorType);
  sharedTypes.register(caseSummaryType);
  // Indicator sets project into the indicators store on receipt (the service is built below).
  sharedTypes.register(indicatorSetType((tx, copy) => indicators.projectReceived(tx, copy)));
  // Fugitive list entries project into the fugitives module's copies on receipt (the service is built below).
  sharedTypes.register(fugitiveEntryType((tx, copy, ctx) => fugitives.onReceived(tx, copy, ctx)));
  // Assets project into the assets module's copies on receipt (the service is built below).
  sharedTypes.register(assetType((tx, copy) => assets.onReceived(tx, copy)));
  // Repatriation cases project into the repatriation module's table on receipt (the service is built below).
  sharedTypes.register(
    repatriationCaseType(
      (tx, copy) => repatriation.onReceived(tx, copy),
      (tx, ctx, proposal) => repatriation.onProposal(tx, ctx, proposal),
    ),
  );
  const sharedDeps = {
    db,
    clock,
    audit,
    federation,
    types: sharedTypes,
    nodeId,
    intakeUnitId: (dbx: Parameters<typeof findNode>[0]) => requestPolicy.intakeUnitId(dbx),
    // Reads of shared personal data go to the access log; retention from the node's policy (lawful),
    // unless the caller brings its own rules.
    personalData: {
      onRead: accessLog.onRead,
      retentionEnd: deps.personalData?.retentionEnd ?? lawful.sharedObjectRetentionEnd,
    },
    screening: lawful.port,
    // Files a shared type's content names (a fugitive's photos) travel with its versions.
    blobs: requestsDeps.attachments,
  };
  const sharedObjects = createSharedObjectsService(sharedDeps);
  registerSharedObjectHandlers(sharedDeps, sharedObjects);
  const cases = createCasesService({
    db,
    clock,
    audit,
    nodeInfo: async () => {
      const n = await node.summary();
      return { id: n.id, timeZone: n.timeZone };
    },
    unitOfUser: users.unitOfUser,
    blobs: requestsDeps.attachments,
    peers: peerDirectory,
    requests: { create: requests.create, requestsOfCase: requests.requestsOfCase },
    sharedObjects,
    settings,
    // built below; called only once the node runs
    correlation: { index: (tx, recordType, records) => correlation.index(tx, recordType, records) },
    persons: persons.port,
  });
  persons.registerRecords("case", { describe: cases.describe, relinked: cases.relinked });
  // Correlation: one index of every identifier; modules register records through its port (index/forget).
  const correlation = createCorrelationService({
    db,
    clock,
    requests: requestIdentifierSource,
    recipientsInUnit: (tx, unitId, roles) => users.recipientsInUnit(tx, unitId, roles),
    notify: (tx, n) => notifications.notify(tx, n),
    unitsByIds: (dbx, ids) => org.unitsByIds(dbx, ids),
  });
  const indicators = createIndicatorsService({
    db,
    clock,
    audit,
    nodeId: sharedDeps.nodeId,
    // The shared-objects domain port: the indicators service authorises first (sharing:write, its unit).
    shared: sharedObjects.domainPort,
    correlation,
    // Half an envelope is the outbox's payload limit; 8 KiB of it for the shared object around the batch.
    batchBytes: maxPayloadBytes(config.fedMaxEnvelopeBytes) - 8 * 1024,
  });
  const taxii = createTaxiiService({
    db,
    clock,
    audit,
    nodeId: sharedDeps.nodeId,
    indicators,
    secret: config.masterKey,
  });
  // Dialogue rounds: a document co-owned by two nodes, on the federation port (docs/rounds.md).
  const roundsDeps = {
    db,
    clock,
    audit,
    node,
    federation,
    attachments: requestsDeps.attachments,
    peers: peerDirectory,
    peerSigningKeys,
    nodeId: sharedDeps.nodeId,
    notify: (tx: Parameters<typeof notifications.notify>[0], n: Parameters<typeof notifications.notify>[1]) =>
      notifications.notify(tx, n),
    recipientsFor: (tx: Parameters<typeof users.recipientsFor>[0], roles: readonly string[]) =>
      users.recipientsFor(tx, roles),
  };
  const rounds = {
    ...createRoundsService(roundsDeps),
    calendar: createRoundsCalendar({
      ...roundsDeps,
      userRoles: async (userId: string) => {
        const u = await findUserById(db, userId);
        return u && !u.disabled ? (u.roles as Role[]) : null;
      },
    }),
    progress: createRoundsProgress({
      db,
      clock,
      node,
      requestRecords: (from, to, peer) => requestsRepo.requestRecords(db, from, to, peer, clock.now()),
      hotlineTests: hotlineTestLog,
      peers: peerDirectory,
      caseReport: (ctx, q) => cases.statusReport(ctx, q),
      fugitiveReturns: (peer, fromDay, toDay) => fugitivesRepo.returnsWithPeer(db, peer, fromDay, toDay),
      repatriations: (peer, fromDay, toDay) => repatriation.arrivalsWithPeer(peer, fromDay, toDay),
      assetsReturned: (peer, fromDay, toDay) => assets.returnedWithPeer(peer, fromDay, toDay),
    }),
  };
  registerRoundHandlers(roundsDeps);
  lawful.registerKind(sharedObjectLawfulKind(sharedObjects));
  // Fugitives: records linked to person records, lists published as shared objects, reports and returns.
  const fugitives = createFugitivesService({
    db,
    clock,
    audit,
    nodeId,
    nodeZone,
    readerZone: reports.readerZone,
    persons: persons.port,
    accessLog,
    lawful: lawful.port,
    evidenceUnsentHours: config.fugitiveEvidenceUnsentHours,
    linkable: {
      caseVisible: async (ctx, id) =>
        cases.get(ctx, id).then(
          () => true,
          () => false,
        ),
      requestVisible: (ctx, id) => requestKind.visible(db, ctx, id),
    },
    sharedObjects,
    federation,
    blobs: requestsDeps.attachments,
    requests: {
      create: (ctx, body, link) => requests.create(ctx, body, link),
      lifeOf: (ctx, ids) => requests.port.lifeOf(ctx, ids),
    },
  });
  fugitives.registerHandlers();
  persons.registerRecords("fugitive", {
    describe: fugitives.describe,
    rectified: fugitives.rectified,
    relinked: fugitives.relinked,
  });
  const fugitiveKind = fugitiveLawfulKind(fugitives.eraseRecordFiles);
  lawful.registerKind(fugitiveKind);
  // Assets: linked to fugitives and cases through their modules' ports, shared as `asset` objects.
  const assets = createAssetsService({
    db,
    clock,
    audit,
    nodeId,
    readerZone: reports.readerZone,
    accessLog,
    lawful: lawful.port,
    linkable: {
      fugitiveVisible: (ctx, id) => fugitiveKind.visible(db, ctx, id),
      caseVisible: async (ctx, id) =>
        cases.get(ctx, id).then(
          () => true,
          () => false,
        ),
    },
    fugitiveReferences: async (dbx, ids) => (await fugitives.describe(dbx, ids)).map((f) => f.reference),
    sharedObjects,
    requests: { create: (ctx, body, link) => requests.create(ctx, body, link) },
  });
  lawful.registerKind(assetLawfulKind());
  // Repatriation: a case per person to be returned, its steps in order, shared with the peer asked to verify.
  const repatriation = createRepatriationService({
    db,
    clock,
    audit,
    nodeId,
    nodeZone,
    persons: persons.port,
    accessLog,
    lawful: lawful.port,
    settings,
    identityCheckRequest: async (ctx, id) => {
      if (!(await requestKind.visible(db, ctx, id))) return false;
      return (await requests.port.summaries([id])).get(id)?.type === "repatriation_identity_check";
    },
    peerState: peerDirectory.peerState,
    sharedObjects,
    blobs: requestsDeps.attachments,
    notify: (tx, n) => notifications.notify(tx, n),
    recipientsInUnit: (tx, unitId, roles) => users.recipientsInUnit(tx, unitId, roles),
  });
  persons.registerRecords("repatriation", {
    describe: repatriation.describe,
    rectified: repatriation.rectified,
    relinked: repatriation.relinked,
  });
  lawful.registerKind(repatriationLawfulKind());
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
    providers,
    cases,
    correlation,
    indicators,
    taxii,
    rounds,
    accessLog,
    persons,
    personRights,
    personRequests,
    lawful,
    fugitives,
    assets,
    repatriation,
  };
}

export type Services = ReturnType<typeof createServices>;
