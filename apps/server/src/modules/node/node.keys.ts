import { issue } from "@crossline/schemas";
import {
  generateEncryptionKey,
  generateSigningKey,
  type PublicKeyJwk,
  sealPrivateKey,
} from "../../crypto/keys.js";
import { type Db, inTransaction, type Tx } from "../../db/client.js";
import { type Ctx, requirePermission } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { AppError } from "../../lib/errors.js";
import type { AuditService } from "../audit/audit.service.js";
import {
  insertKey,
  liveKeys,
  lockLiveKeys,
  markActiveKeysRetiring,
  retireRetiringKeys,
} from "./node.repo.js";

/** What key rotation needs of the federation transport: to tell the peers, and to know who has not heard yet. */
export interface KeyAnnouncer {
  /** Queues the live public keys to every active or suspended peer, in `tx`; returns their ids. */
  announceKeys(
    tx: Tx,
    ctx: Ctx,
    publicKeys: (PublicKeyJwk & { status: "active" | "retiring" })[],
  ): Promise<string[]>;
  /** The active peers that a key announcement still waits for. */
  keysAwaitingDelivery(tx: Tx): Promise<string[]>;
}

/**
 * The node's key rotation: new keys become active while the old ones retire (both valid during the overlap),
 * every peer is told through the transport; retiring ends the overlap once every peer has the new keys.
 */
export function createNodeKeys(deps: {
  db: Db;
  clock: Clock;
  masterKey: string;
  audit: AuditService;
  federation: KeyAnnouncer;
  /** Called after a change, so caches of the node's keys are dropped. */
  onChange: () => void;
}) {
  const { db, clock, masterKey, audit, federation } = deps;

  /** Announces this node's live public keys (active and retiring) to its peers. */
  async function announce(tx: Tx, ctx: Ctx): Promise<string[]> {
    const publicKeys = (await liveKeys(tx)).flatMap((k) =>
      k.status === "retired" ? [] : [{ ...k.publicJwk, status: k.status }],
    );
    return federation.announceKeys(tx, ctx, publicKeys);
  }

  async function rotateKeys(ctx: Ctx) {
    requirePermission(ctx.actor, "node:manage");
    const sig = generateSigningKey();
    const enc = generateEncryptionKey();
    await inTransaction(db, async (tx) => {
      const live = await lockLiveKeys(tx);
      if (live.some((k) => k.status === "retiring")) {
        throw new AppError("CONFLICT", [
          { issue: "a rotation is already in progress: retire the old keys first" },
        ]);
      }
      await markActiveKeysRetiring(tx);
      for (const k of [sig, enc]) {
        await insertKey(tx, {
          kid: k.kid,
          use: k.use,
          publicJwk: k.publicJwk,
          privateSealed: sealPrivateKey(k.privateJwk, masterKey, k.kid),
          status: "active",
        });
      }
      const announced = await announce(tx, ctx);
      await audit.record(tx, ctx, {
        action: "node.keys.rotate",
        targetType: "node",
        details: { added: [sig.kid, enc.kid], retiring: live.map((k) => k.kid), announcedTo: announced },
      });
    });
    deps.onChange();
    return { added: [sig.kid, enc.kid] };
  }

  async function retireKeys(ctx: Ctx, force = false) {
    requirePermission(ctx.actor, "node:manage");
    const retired: string[] = [];
    await inTransaction(db, async (tx) => {
      const waiting = await federation.keysAwaitingDelivery(tx);
      if (waiting.length && !force) {
        throw new AppError("CONFLICT", [
          issue("node.keysNotReceived", { peers: [...new Set(waiting)].join(", ") }),
        ]);
      }
      const kids = await retireRetiringKeys(tx, clock.now());
      if (!kids.length) throw new AppError("CONFLICT", [{ issue: "no keys are retiring: rotate first" }]);
      retired.push(...kids);
      const announced = await announce(tx, ctx);
      await audit.record(tx, ctx, {
        action: "node.keys.retire",
        targetType: "node",
        details: { retired, announcedTo: announced, forced: force && waiting.length > 0 },
      });
    });
    deps.onChange();
    return { retired };
  }

  return { rotateKeys, retireKeys };
}

export type NodeKeysService = ReturnType<typeof createNodeKeys>;
