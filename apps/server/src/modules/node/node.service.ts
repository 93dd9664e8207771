import type { JsonWebKey } from "node:crypto";
import type { Language, NodeSummary } from "@crossline/schemas";
import { uuidv7 } from "../../crypto/ids.js";
import {
  fingerprint,
  generateEncryptionKey,
  generateSigningKey,
  openPrivateKey,
  type PublicKeyJwk,
  sealPrivateKey,
} from "../../crypto/keys.js";
import { type Database, type Db, inTransaction } from "../../db/client.js";
import type { Ctx } from "../../lib/actor.js";
import type { Clock } from "../../lib/clock.js";
import { AppError } from "../../lib/errors.js";
import { hashPassword, oneTimePassword } from "../../lib/secrets.js";
import type { AuditService } from "../audit/audit.service.js";
import {
  allKeys,
  findNode,
  insertAgency,
  insertFirstAdmin,
  insertFirstUnit,
  insertKey,
  insertNodeIdentity,
  liveKeys,
} from "./node.repo.js";

export interface InitNodeInput {
  id: string;
  name: string;
  nameZh?: string;
  agencyName: string;
  agencyNameZh?: string;
  timeZone: string;
  adminUsername: string;
  adminDisplayName: string;
  /** Demo only: a fixed password instead of a one-time password. */
  adminPassword?: string;
}

export interface NodeKeys {
  signing: { kid: string; privateJwk: JsonWebKey; publicJwk: PublicKeyJwk };
  encryption: { kid: string; privateJwk: JsonWebKey; publicJwk: PublicKeyJwk };
  /** Private decryption keys by kid, including keys in their rotation overlap. */
  decryption: Map<string, JsonWebKey>;
  publicKeys: PublicKeyJwk[];
}

export function createNodeService(deps: {
  db: Db;
  clock: Clock;
  masterKey: string;
  audit: AuditService;
  language: Language;
}) {
  const { db, masterKey, audit } = deps;
  let cachedSummary: NodeSummary | undefined;

  async function summary(): Promise<NodeSummary> {
    if (cachedSummary) return cachedSummary;
    const n = await findNode(db);
    if (!n) throw new AppError("NODE_BUSY", [{ issue: "the node is not initialised: run `crossline init`" }]);
    // The node's identity does not change after init, so one read per process is enough.
    cachedSummary = {
      id: n.id,
      name: n.name,
      nameZh: n.nameZh,
      agency: n.agencyName,
      agencyZh: n.agencyNameZh,
      timeZone: n.timeZone,
      language: deps.language,
    };
    return cachedSummary;
  }

  async function keys(): Promise<NodeKeys> {
    const rows = await liveKeys(db);
    const open = (r: (typeof rows)[number]) => openPrivateKey(r.privateSealed, masterKey, r.kid);
    // During a rotation overlap the node keeps signing with the retiring key, which peers already trust, until
    // every peer has learnt the new one (the announcement travels signed by the old key); retiring switches over.
    const sig =
      rows.find((r) => r.use === "sig" && r.status === "retiring") ??
      rows.find((r) => r.use === "sig" && r.status === "active");
    const enc = rows.find((r) => r.use === "enc" && r.status === "active");
    if (!sig || !enc) throw new AppError("NODE_BUSY", [{ issue: "the node has no active keys" }]);
    return {
      signing: { kid: sig.kid, privateJwk: open(sig), publicJwk: sig.publicJwk },
      encryption: { kid: enc.kid, privateJwk: open(enc), publicJwk: enc.publicJwk },
      decryption: new Map(rows.filter((r) => r.use === "enc").map((r) => [r.kid, open(r)])),
      publicKeys: rows.map((r) => r.publicJwk),
    };
  }

  /** Every signing key the node ever had, retired ones included: old signatures (audit checkpoints) stay checkable. */
  async function signingPublicKeys(): Promise<PublicKeyJwk[]> {
    return (await allKeys(db)).filter((r) => r.use === "sig").map((r) => r.publicJwk as PublicKeyJwk);
  }

  async function publicInfo() {
    const node = await summary();
    const rows = await liveKeys(db);
    const publicKeys = rows.map((r) => ({ ...r.publicJwk, status: r.status }));
    return { ...node, publicKeys, fingerprint: fingerprint(rows.map((r) => r.publicJwk)) };
  }

  /** Creates the node: identity, agency, an administration unit, key pairs and the first admin. */
  async function init(input: InitNodeInput, ctx: Ctx): Promise<{ adminPassword: string; adminId: string }> {
    if (await findNode(db)) throw new AppError("CONFLICT", [{ issue: "this node is already initialised" }]);
    const agencyId = uuidv7();
    const unitId = uuidv7();
    const adminId = uuidv7();
    const adminPassword = input.adminPassword ?? oneTimePassword();
    const passwordHash = await hashPassword(adminPassword);
    const sig = generateSigningKey();
    const enc = generateEncryptionKey();
    await inTransaction(db, async (tx) => {
      await insertAgency(tx, { id: agencyId, name: input.agencyName, nameZh: input.agencyNameZh });
      await insertNodeIdentity(tx, {
        id: input.id,
        name: input.name,
        nameZh: input.nameZh,
        agencyId,
        timeZone: input.timeZone,
      });
      await insertFirstUnit(tx, { id: unitId, agencyId, name: "Administration", nameZh: "管理处" });
      for (const k of [sig, enc]) {
        await insertKey(tx, {
          kid: k.kid,
          use: k.use,
          publicJwk: k.publicJwk,
          privateSealed: sealPrivateKey(k.privateJwk, masterKey, k.kid),
          status: "active",
        });
      }
      await insertFirstAdmin(tx, {
        id: adminId,
        username: input.adminUsername,
        displayName: input.adminDisplayName,
        unitId,
        roles: ["admin"],
        passwordHash,
        mustChangePassword: input.adminPassword === undefined,
        timeZone: input.timeZone,
      });
      await audit.record(tx, ctx, {
        action: "node.init",
        targetType: "node",
        targetId: input.id,
        details: {
          name: input.name,
          timeZone: input.timeZone,
          keys: [sig.kid, enc.kid],
          admin: input.adminUsername,
        },
      });
    });
    cachedSummary = undefined;
    return { adminPassword, adminId };
  }

  return { summary, keys, signingPublicKeys, publicInfo, init };
}

export type NodeService = ReturnType<typeof createNodeService>;

/** The actor for commands run by the node administrator on the node's own machine (lib/actor.ts). */
export { cliActor } from "../../lib/actor.js";

export type { Database };
