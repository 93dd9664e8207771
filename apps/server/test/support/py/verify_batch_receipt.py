"""Verifies kept Crossline batch-receipt proofs with jwcrypto and hashlib only (docs/federation.md §3.1).

Reads {"keys": [Ed25519 public JWKs of the issuing node], "proofs": [kept proof, ...]} on stdin; prints, per proof,
whether the batch receipt's signature verifies and whether the item sits at its index of the signed Merkle tree
(RFC 9162 §2.1.3.2), with the receipt claims the item amounts to.
"""
import hashlib
import json
import sys

from jwcrypto import jwk, jws


def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def included(leaf, index, size, path, root):
    if index < 0 or index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            while fn % 2 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


request = json.load(sys.stdin)
keys = {k["kid"]: jwk.JWK(**k) for k in request["keys"]}
out = []
for kept in request["proofs"]:
    proof = json.loads(kept)
    token = jws.JWS()
    token.allowed_algs = ["EdDSA"]
    token.deserialize(proof["batchReceipt"])
    header = token.jose_header
    try:
        token.verify(keys[header["kid"]])
        verified = header.get("typ") == "crossline-batch-receipt+jws"
    except (jws.InvalidJWSSignature, KeyError):
        verified = False
    claims = json.loads(token.objects["payload"]) if verified else {}
    item = proof["item"]
    data = json.dumps(item, sort_keys=True, separators=(",", ":")).encode("utf-8")
    inside = verified and included(
        leaf_hash(data),
        proof["index"],
        claims["count"],
        [bytes.fromhex(h) for h in proof["path"]],
        bytes.fromhex(claims["root"]),
    )
    receipt = dict(item, sender=claims.get("sender"), recipient=claims.get("recipient"),
                   receivedAt=claims.get("receivedAt")) if inside else None
    out.append({"verified": verified, "included": inside, "receipt": receipt})
print(json.dumps(out))
