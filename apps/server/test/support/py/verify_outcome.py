"""Verifies a Crossline outcome-list export with jwcrypto (a third-party JOSE implementation).

Reads the export (JSON) on stdin; prints, per signature, whether it verifies with the key in the file, whether
its payload is exactly the canonical text, and the key's RFC 7638 thumbprint.
"""
import json
import sys

from jwcrypto import jwk, jws

export = json.load(sys.stdin)
out = []
for s in export["signatures"]:
    key = jwk.JWK(**s["publicKey"])
    token = jws.JWS()
    token.allowed_algs = ["EdDSA"]
    token.deserialize(s["jws"])
    try:
        token.verify(key)
        verified = True
    except jws.InvalidJWSSignature:
        verified = False
    payload = token.objects.get("payload", b"")
    out.append({
        "node": s["node"],
        "verified": verified,
        "payloadIsCanonical": verified and token.payload.decode("utf-8") == export["canonical"],
        "thumbprint": key.thumbprint(),
        "payloadBytes": len(payload),
    })
print(json.dumps(out))
