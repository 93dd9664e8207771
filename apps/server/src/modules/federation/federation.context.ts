import { hostname } from "node:os";
import type { NotificationParams, PeerKey } from "@crossline/schemas";
import { fetch as undiciFetch } from "undici";
import type { Config } from "../../config.js";
import type { PublicKeyJwk } from "../../crypto/keys.js";
import type { Database, Db, Subscription, Tx } from "../../db/client.js";
import type { inbox, outbox, peers } from "../../db/schema/index.js";
import { makeActor } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { peerDispatcher } from "../../runtime/tls.js";
import type { AuditService } from "../audit/audit.service.js";
import type { NodeKeys, NodeService } from "../node/node.service.js";
import { notifyOutboxChannel } from "./federation.claim-repo.js";
import type { MessageHandler } from "./federation.types.js";

export type PeerRow = typeof peers.$inferSelect;
export type OutboxRow = typeof outbox.$inferSelect;
export type InboxRow = typeof inbox.$inferSelect;
export type { PeerKey };

export const PAIRING_TYP = "crossline-pairing+jws";
export const PAIRING_REPLY_TYP = "crossline-pairing-reply+jws";
export const CONTROL_TYP = "crossline-control+jws";
export const CHUNK_TYP = "crossline-chunk+jws";
export const INVITATION_PREFIX = "CLINV1.";

export const MAX_TYPE_LEN = 100;
export const TYPE_RE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
/**
 * The NOTIFY channel of the outbox on PostgreSQL: the statement that reserves a peer's sequence numbers also
 * NOTIFYs it (payload: the peer id), delivered at commit to every process of the node, whose delivery workers
 * LISTEN and wake at once instead of at their next poll.
 */
export const OUTBOX_CHANNEL = "crossline_fed_outbox";
/** Which process delivered a batch (several processes may serve one node). */
export const WORKER_ID = `${hostname()}:${process.pid}`;

/** Notifies users (console and e-mail) in the caller's transaction: link-down and sequence-conflict alerts. */
export type Notify = (
  tx: Tx,
  n: {
    userIds: readonly string[];
    kind: string;
    severity: "info" | "urgent" | "emergency";
    /** A key of NOTIFICATION_MESSAGES (@crossline/schemas), rendered for each reader. */
    key: "link_down" | "sequence_conflict_sender" | "sequence_conflict_receiver";
    params: NotificationParams;
    email?: boolean;
  },
) => Promise<number>;

export interface FederationDeps {
  db: Db;
  config: Config;
  clock: Clock;
  audit: AuditService;
  node: NodeService;
  notify?: Notify;
  /**
   * The enabled users holding any of `roles` (who receive link-down alerts), asked of the users module so
   * federation does not read its table. Read in the caller's transaction.
   */
  recipientsFor?: (tx: Tx, roles: readonly string[]) => Promise<string[]>;
  /**
   * LISTEN on the node's PostgreSQL database, given when several processes may share it: enqueues then NOTIFY
   * OUTBOX_CHANNEL and the delivery workers listen to it. Without it (PGlite: one process) only this process's
   * workers are woken, in process.
   */
  listen?: Database["listen"];
  /** The database's `holdPresence` (null on PGlite): how the delivery's leases name a live process. */
  holdPresence?: Database["holdPresence"];
}

/**
 * Where this process spends its federation time, in milliseconds since start (exported on /metrics):
 * sending (seal, POST round trip, receipt verification, outbox commit) and receiving (open, inbox commit,
 * receipt signing).
 */
export interface FederationTiming {
  /** The claim transaction of each batch sent. */
  claimMs: number;
  sealMs: number;
  postMs: number;
  verifyReceiptsMs: number;
  outboxCommitMs: number;
  envelopesOut: number;
  /** Batches sent (one POST each): the sender's stages divided by it are what one envelope waits for. */
  batchesOut: number;
  /** Of those, the batches claimed and sealed while the peer's batch before them was in flight (pipelining). */
  batchesPipelined: number;
  /** Of those, the batches claimed when the peer answered the batch before them, sent while it was recorded. */
  batchesAtAnswer: number;
  openMs: number;
  inboxCommitMs: number;
  signReceiptsMs: number;
  envelopesIn: number;
}

/** What every part of the federation module shares: the infrastructure, and this process's small state. */
export interface FedContext extends FederationDeps {
  /** The handler of each incoming message type, registered by the domains. */
  handlers: Map<string, MessageHandler>;
  timing: FederationTiming;
  /** Envelopes accepted with payload fields this release does not know (a newer peer's), per message type. */
  fieldsIgnored: Map<string, number>;
  /** The node's keys (cached for two seconds). */
  currentKeys(): Promise<NodeKeys>;
  /** Forgets the cached keys (after a rotation or retirement in this process). */
  forgetKeys(): void;
  /** This node's id. */
  me(): Promise<string>;
  /** The URL peers reach this node at. */
  selfUrl(): string;
  /**
   * `fetch` for requests to peers: their certificates verified against the system's authorities and the
   * node's own (`tlsCaFile`), and against the peer's pin when it has one (`tlsPin`); a failure names its cause
   * (an untrusted certificate, a pin that does not match, a refused connection).
   */
  peerFetch(url: string, init: RequestInit, tlsPin?: string | null): Promise<Response>;
  /**
   * Wakes this process's delivery workers (other processes find the work by polling, or by the NOTIFY of an
   * enqueue on PostgreSQL). `committed`: the work
   * is already visible (called after the commit); otherwise it may be a moment before it is.
   */
  nudge(committed?: boolean): void;
  onNudge(l: (committed: boolean) => void): () => void;
  /** Enqueues NOTIFY OUTBOX_CHANNEL at commit (PostgreSQL, `listen` given). */
  notifyOutbox: boolean;
  /**
   * In a transaction that made a peer's queued messages claimable without enqueuing (resumed, backoff reset,
   * link stop lifted, a message cancelled): on PostgreSQL, NOTIFYs the outbox channel at its commit, so the
   * workers of every process of the node look, not only this process's (whose `nudge` follows the commit).
   */
  claimableAgain(tx: Tx, peerId: string): Promise<void>;
  /**
   * LISTENs on OUTBOX_CHANNEL (null without `listen`): `onWake` runs for each enqueue committed by any process
   * of the node, with the peer's id, and with null each time the LISTEN is (re)established (look once for what
   * was missed meanwhile).
   */
  listenOutbox(onWake: (peerId: string | null) => void): Promise<Subscription> | null;
  /**
   * Whether a LISTEN of this process on OUTBOX_CHANNEL is live: the NOTIFY of an enqueue then wakes this
   * process's workers too, so the in-process nudge is not needed as well (it would only wake a second loop).
   */
  outboxListenLive(): boolean;
}

export function createFedContext(deps: FederationDeps): FedContext {
  const { node, config } = deps;
  const dispatcher = peerDispatcher(config);
  // One client per pin: a pinned connection is checked when it is made, so it must not serve another peer (or
  // the same peer after its pin changed) from a shared pool.
  const pinned = new Map<string, ReturnType<typeof peerDispatcher>>();
  const dispatcherFor = (pin: string | null | undefined) => {
    if (!pin) return dispatcher;
    if (!pinned.has(pin)) pinned.set(pin, peerDispatcher(config, pin));
    return pinned.get(pin);
  };
  async function peerFetch(url: string, init: RequestInit, tlsPin?: string | null): Promise<Response> {
    const client = dispatcherFor(tlsPin);
    try {
      if (!client) return await fetch(url, init);
      return (await undiciFetch(url, { ...(init as object), dispatcher: client })) as unknown as Response;
    } catch (e) {
      throw fetchFailure(e);
    }
  }
  const nudgeListeners = new Set<(committed: boolean) => void>();
  const outboxSubs = new Set<Subscription>();
  function listenOutbox(onWake: (peerId: string | null) => void): Promise<Subscription> | null {
    if (!deps.listen) return null;
    return deps
      .listen(
        OUTBOX_CHANNEL,
        (payload) => onWake(payload),
        () => onWake(null),
      )
      .then((sub) => {
        outboxSubs.add(sub);
        return {
          live: () => sub.live(),
          async close() {
            outboxSubs.delete(sub);
            await sub.close();
          },
        };
      });
  }

  /**
   * The node's keys, cached for two seconds: opening them costs a query and four decryptions, and every
   * delivery batch and inbox batch needs them. Rotation and retirement in this process clear the cache; other
   * processes of the node pick the change up within the two seconds (both keys are valid during the overlap).
   */
  let keysCache: { at: number; keys: Promise<NodeKeys> } | null = null;
  const currentKeys = (): Promise<NodeKeys> => {
    if (!keysCache || Date.now() - keysCache.at > 2000) {
      const keys = node.keys();
      keysCache = { at: Date.now(), keys };
      keys.catch(() => {
        keysCache = null;
      });
    }
    return keysCache.keys;
  };

  function nudge(committed = true): void {
    const wake = () => {
      for (const l of nudgeListeners) l(committed);
    };
    if (committed) setImmediate(wake);
    else setTimeout(wake, 1);
  }

  return {
    ...deps,
    handlers: new Map(),
    timing: {
      claimMs: 0,
      sealMs: 0,
      postMs: 0,
      verifyReceiptsMs: 0,
      outboxCommitMs: 0,
      envelopesOut: 0,
      batchesOut: 0,
      batchesPipelined: 0,
      batchesAtAnswer: 0,
      openMs: 0,
      inboxCommitMs: 0,
      signReceiptsMs: 0,
      envelopesIn: 0,
    },
    fieldsIgnored: new Map(),
    currentKeys,
    forgetKeys: () => {
      keysCache = null;
    },
    me: async () => (await node.summary()).id,
    selfUrl: () => config.publicUrl ?? `http://${config.host}:${config.port}`,
    peerFetch,
    nudge,
    notifyOutbox: deps.listen !== undefined,
    async claimableAgain(tx, peerId) {
      if (deps.listen !== undefined) await notifyOutboxChannel(tx, OUTBOX_CHANNEL, peerId);
    },
    listenOutbox,
    outboxListenLive: () => [...outboxSubs].some((s) => s.live()),
    onNudge(l) {
      nudgeListeners.add(l);
      return () => nudgeListeners.delete(l);
    },
  };
}

/** The actor of what a peer causes here (its envelopes, notices and uploads). */
export const peerActor = (peerId: string) =>
  makeActor({
    type: "peer",
    id: peerId,
    label: `peer:${peerId}`,
    userId: null,
    unitId: null,
    agencyId: null,
    roles: [],
  });

export function sigKeys(p: { publicKeys: PeerKey[] }): PublicKeyJwk[] {
  return p.publicKeys.filter((k) => k.use === "sig");
}

export function encKeyOf(p: { publicKeys: PeerKey[] }): PublicKeyJwk {
  const keys = p.publicKeys.filter((k) => k.use === "enc");
  const k = keys.find((x) => x.status === "active") ?? keys[keys.length - 1];
  if (!k) throw new Error("peer has no encryption key");
  return k;
}

/**
 * A failed `fetch` with its cause in the message: "fetch failed" alone tells an operator nothing, and link
 * health reads what went wrong from this text (`linkProblemOf`: `fetch failed: ECONNREFUSED: connect …`, an
 * untrusted certificate's code, `TLS_PIN_MISMATCH: …`). An error without a cause (a timeout) is as it was.
 */
export function fetchFailure(e: unknown): unknown {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if (!cause) return e;
  return new Error(`${(e as Error).message}: ${cause.code ? `${cause.code}: ` : ""}${cause.message ?? ""}`);
}

export function errText(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.slice(0, 500);
}
