import { createNodeKeys } from "../node/node.keys.js";
import { createTransportAdmin } from "./federation.admin.js";
import { createAttachments } from "./federation.attachments.js";
import { createConflicts } from "./federation.conflicts.js";
import { createFedContext, type FederationDeps } from "./federation.context.js";
import { createDelivery } from "./federation.delivery.js";
import { createLinkHealth } from "./federation.health.js";
import { createInbox } from "./federation.inbox.js";
import { createOutbox } from "./federation.outbox.js";
import { createPeers } from "./federation.peers.js";
import { createRestore } from "./federation.restore.js";
import type { FederationPort } from "./federation.types.js";

export type { FederationDeps, OutboxRow, PeerKey, PeerRow } from "./federation.context.js";
export {
  CHUNK_TYP,
  CONTROL_TYP,
  INVITATION_PREFIX,
  PAIRING_REPLY_TYP,
  PAIRING_TYP,
} from "./federation.context.js";

/**
 * The federation module's façade: one object for the routes, the worker and the composition root, built from
 * the parts that each own one responsibility (see docs/ARCHITECTURE.md):
 * - federation.outbox.ts     enqueue (the port), handler registry, key announcements
 * - federation.peers.ts      peers and pairing, suspend / resume / revoke, control notices
 * - federation.inbox.ts      receive, store, apply in order, held messages, receipts
 * - federation.delivery.ts   claim, seal, send, judge receipts (federation.receipts.ts, pure), vacuum
 * - federation.admin.ts      outbox / inbox lists, cancel, ping, notices
 * - federation.conflicts.ts  sequence conflicts: stop the link, alert, re-sequence
 * - federation.attachments.ts the one way any module stores or reads blobs
 * - federation.health.ts     link health, metrics, link-down alerts
 * - federation.restore.ts    after a restore from backup: reconcile sequence numbers with each peer
 * - ../node/node.keys.ts     key rotation and retirement (announced through the outbox)
 */
export function createFederationService(deps: FederationDeps) {
  const c = createFedContext(deps);
  const outbox = createOutbox(c);
  const attachments = createAttachments(c);
  const health = createLinkHealth(c);
  const peers = createPeers(c, { outbox, health });
  const conflicts = createConflicts(c, { outbox });
  const inbox = createInbox(c, { attachments, conflicts, outbox });
  const delivery = createDelivery(c, { attachments, peers, conflicts });
  const admin = createTransportAdmin(c, { outbox, attachments });
  const restore = createRestore(c);
  const keys = createNodeKeys({
    db: deps.db,
    clock: deps.clock,
    masterKey: deps.config.masterKey,
    audit: deps.audit,
    federation: outbox,
    onChange: c.forgetKeys,
  });

  const port: FederationPort & { enqueueMany: typeof outbox.enqueueMany } = {
    enqueue: outbox.enqueue,
    enqueueMany: outbox.enqueueMany,
    registerHandler: outbox.registerHandler,
  };

  return {
    port,
    enqueue: outbox.enqueue,
    enqueueMany: outbox.enqueueMany,
    registerHandler: outbox.registerHandler,
    handlerOf: (type: string) => c.handlers.get(type),
    onNudge: c.onNudge,
    nudge: c.nudge,
    listenOutbox: c.listenOutbox,
    // peers
    listPeers: peers.listPeers,
    peerView: peers.peerView,
    activePeers: peers.activePeers,
    invite: peers.invite,
    accept: peers.accept,
    completePairing: peers.completePairing,
    setState: peers.setState,
    setTlsPin: peers.setTlsPin,
    receiveControl: peers.receiveControl,
    // transport
    receiveEnvelopes: inbox.receiveEnvelopes,
    deliverDue: delivery.deliverDue,
    maintainOutbox: delivery.maintainOutbox,
    startPresence: delivery.startPresence,
    releaseDeadLeases: delivery.releaseDeadLeases,
    nextClaimableInMs: delivery.nextClaimableInMs,
    retryHeld: inbox.retryHeld,
    applyDeferred: inbox.applyDeferred,
    retryHeldMessage: inbox.retryHeldMessage,
    skipHeldMessage: inbox.skipHeldMessage,
    checkLinks: health.checkLinks,
    housekeepingDue: health.housekeepingDue,
    timing: c.timing,
    fieldsIgnored: c.fieldsIgnored,
    // admin
    listOutbox: admin.listOutbox,
    listInbox: admin.listInbox,
    cancel: admin.cancel,
    resequence: conflicts.resequence,
    // restore without loss
    markRestored: restore.markRestored,
    reconcilePending: restore.reconcilePending,
    answerReconcile: restore.answerReconcile,
    onPeerRestored: restore.onPeerRestored,
    ping: admin.ping,
    listPings: admin.listPings,
    sendNotice: admin.sendNotice,
    metricsSnapshot: health.metricsSnapshot,
    heldCounts: health.heldCounts,
    // attachments
    putAttachment: attachments.putAttachment,
    readAttachment: attachments.readAttachment,
    readBlob: attachments.readBlob,
    eraseReleasedBlobs: attachments.eraseReleased,
    chunkStatus: attachments.chunkStatus,
    putChunk: attachments.putChunk,
    // keys
    rotateKeys: keys.rotateKeys,
    retireKeys: keys.retireKeys,
  };
}

export type FederationService = ReturnType<typeof createFederationService>;
