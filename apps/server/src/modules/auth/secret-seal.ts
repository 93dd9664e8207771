import { openPrivateKey, sealPrivateKey } from "../../crypto/keys.js";

/** Seals a short secret (an MFA seed) under the master key, bound to `aad` (the user id). */
export function sealSecret(secret: string, masterKey: string, aad: string): string {
  return sealPrivateKey({ kty: "oct", k: secret }, masterKey, aad);
}

export function openSecret(sealed: string, masterKey: string, aad: string): string {
  const jwk = openPrivateKey(sealed, masterKey, aad);
  return jwk.k as string;
}
