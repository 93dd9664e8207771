import { expect } from "vitest";
import {
  type GeneratedKey,
  generateEncryptionKey,
  generateSigningKey,
  type PublicKeyJwk,
} from "../../src/crypto/keys.js";
import { PAIRING_TYP } from "../../src/modules/federation/federation.service.js";
import { signStatement } from "../../src/modules/federation/federation.signing.js";
import type { TestNode } from "./node.js";

/** A peer a test plays itself: real keys of its own, and the keys of the node it pairs with. */
export interface PlayedPeer {
  sig: GeneratedKey;
  enc: GeneratedKey;
  /** The node's public keys, from its invitation (for checking its receipts). */
  nodeKeys: PublicKeyJwk[];
  /** The node's encryption key: what envelopes to it are sealed for. */
  nodeEnc: PublicKeyJwk;
  /** The signed pairing proof to POST to the node's `/federation/v1/pairing` as `{ proof }`. */
  proof: string;
}

/**
 * Accepts a node's invitation (`CLINV1.…`) as the peer `id` at an address nothing answers at, with keys made
 * here: the proof the node's pairing endpoint takes, and what the test needs to seal envelopes to it. The test
 * posts the proof itself (in process or over HTTP) and checks the answer.
 */
export async function playPeer(
  invitation: string,
  o: { id: string; name: string; recipient: string },
): Promise<PlayedPeer> {
  const sig = generateSigningKey();
  const enc = generateEncryptionKey();
  const card = JSON.parse(Buffer.from(invitation.slice("CLINV1.".length), "base64url").toString()) as {
    invitationId: string;
    secret: string;
    publicKeys: (PublicKeyJwk & { status: string })[];
  };
  const proof = await signStatement(
    PAIRING_TYP,
    {
      invitationId: card.invitationId,
      secret: card.secret,
      recipient: o.recipient,
      node: { id: o.id, name: o.name, url: "http://127.0.0.1:9", publicKeys: [sig.publicJwk, enc.publicJwk] },
    },
    sig,
  );
  return {
    sig,
    enc,
    nodeKeys: card.publicKeys,
    nodeEnc: card.publicKeys.find((k) => k.use === "enc") as PublicKeyJwk,
    proof,
  };
}

/**
 * Pairs a played peer with an in-process test node: the node's invitation, `playPeer`, and the proof posted to
 * the node's pairing endpoint, which must accept it.
 */
export async function pairPlayedPeer(
  node: TestNode,
  o: { id: string; name: string; recipient: string },
): Promise<PlayedPeer> {
  const admin = node.bearer(node.rt.controlToken);
  const inv = await admin.req<{ invitation: string }>("POST", "/api/v1/peers/invitations");
  expect(inv.status).toBe(201);
  const peer = await playPeer(inv.body.invitation, o);
  const paired = await node.rt.app.inject({
    method: "POST",
    url: "/federation/v1/pairing",
    payload: { proof: peer.proof },
  });
  expect(paired.statusCode, paired.body).toBe(200);
  return peer;
}
