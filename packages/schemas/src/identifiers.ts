import { z } from "zod";
import { type IssueRef, issue } from "./issue-keys.js";

/**
 * Typed, normalised identifiers (phone numbers, addresses, wallets, hashes...).
 *
 * Everything here is pure TypeScript with no Node imports: the console runs the same code in the
 * browser. Each type has one canonical string form (`value`) so that equal identifiers compare equal
 * across nodes; the original input is kept as `raw`.
 *
 * Known limitations (deliberate, to keep this small and dependency-free):
 * - domain: internationalised names are kept in Unicode, lower-cased; the A-label (`xn--...`) and the
 *   U-label form of the same name are NOT unified, and label length is counted in code points, not in
 *   punycode octets. `url` hosts, by contrast, come out of the WHATWG parser in A-label form.
 * - phone: the country calling code is required but not checked against the ITU list; no per-country
 *   length rules.
 * - crypto_wallet: eth mixed-case (EIP-55) checksums and xmr checksums are not verified (they need
 *   Keccak); btc and trx base58check and btc bech32/bech32m checksums are verified. Testnets are refused.
 * - bank_account: the IBAN check is format + mod-97; per-country IBAN lengths are not checked.
 * - online_account: the handle keeps its case (some services are case-sensitive); only a leading "@"
 *   is removed.
 * - Defanged input ("hxxp://", "example[.]com", "user[at]example[.]com") is re-fanged for url, domain,
 *   email, ipv4 and ipv6, as threat reports often carry it.
 */

export const IDENTIFIER_TYPES = [
  "phone",
  "email",
  "ipv4",
  "ipv6",
  "domain",
  "url",
  "crypto_wallet",
  "bank_account",
  "online_account",
  "file_hash",
  "device_id",
] as const;
export const IdentifierType = z.enum(IDENTIFIER_TYPES);
export type IdentifierType = z.infer<typeof IdentifierType>;

export const CRYPTO_NETWORKS = ["btc", "eth", "xmr", "trx", "other"] as const;
export const CryptoNetwork = z.enum(CRYPTO_NETWORKS);
export type CryptoNetwork = z.infer<typeof CryptoNetwork>;

export const HASH_ALGORITHMS = ["md5", "sha1", "sha256", "sha512"] as const;
export const HashAlgorithm = z.enum(HASH_ALGORITHMS);
export type HashAlgorithm = z.infer<typeof HashAlgorithm>;

export const DEVICE_ID_KINDS = ["imei", "mac", "other"] as const;
export const DeviceIdKind = z.enum(DEVICE_ID_KINDS);
export type DeviceIdKind = z.infer<typeof DeviceIdKind>;

export const BANK_ACCOUNT_SCHEMES = ["iban", "national"] as const;
export type BankAccountScheme = (typeof BANK_ACCOUNT_SCHEMES)[number];

// ---------------------------------------------------------------------------------------------------
// Countries

/** ISO 3166-1 alpha-2 codes (officially assigned), plus XK (Kosovo, user-assigned but in wide use). */
export const COUNTRY_CODES = (
  "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV " +
  "BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES " +
  "ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE " +
  "IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY " +
  "MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU " +
  "NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM " +
  "SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE " +
  "VG VI VN VU WF WS XK YE YT ZA ZM ZW"
).split(" ");
const COUNTRY_SET = new Set(COUNTRY_CODES);

export function isCountryCode(code: string): boolean {
  return COUNTRY_SET.has(code);
}

/** An ISO 3166-1 alpha-2 country code; accepts lower case and returns upper case. */
export const CountryCode = z
  .string()
  .trim()
  .toUpperCase()
  .max(2)
  .refine(isCountryCode, { message: "must be an ISO 3166-1 alpha-2 country code such as CN or US" });

// ---------------------------------------------------------------------------------------------------
// Results

export type NormaliseResult<T = NormalisedIdentifier> =
  | { ok: true; value: string; identifier: T }
  | { ok: false; issue: string; field?: string; ref?: IssueRef };

type Fail = { ok: false; issue: string; field?: string; ref?: IssueRef };
const fail = (issue: string, field?: string): Fail =>
  field ? { ok: false, issue, field } : { ok: false, issue };
/** A failure with a parametrised text: its key travels with it so each language words it. */
const failWith = (i: { issue: string } & IssueRef, field?: string): Fail => ({
  ok: false,
  issue: i.issue,
  ref: { key: i.key, params: i.params },
  ...(field ? { field } : {}),
});
type Step<T> = { ok: true; value: T } | Fail;

// ---------------------------------------------------------------------------------------------------
// Small helpers (pure, browser-safe)

/** Re-fang common defanging: hxxp, [.], (.), {.}, [dot], [@], [at], [:]. */
function refang(s: string): string {
  return s
    .replace(/^hxxp(s?):/i, "http$1:")
    .replace(/^fxp:/i, "ftp:")
    .replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)/gi, ".")
    .replace(/\[@\]|\(@\)|\[at\]|\(at\)/gi, "@")
    .replace(/\[:\]/g, ":");
}

/** Full-width forms (common in Chinese input) to ASCII, and the ideographic full stop to ".". */
function widen(s: string): string {
  return s.normalize("NFKC").replace(/[\u3002\uFF61]/g, ".");
}

const SHA256_K = new Uint32Array(64);
const SHA256_H0 = new Uint32Array(8);
{
  const primes: number[] = [];
  for (let n = 2; primes.length < 64; n++) if (primes.every((p) => n % p !== 0)) primes.push(n);
  const frac = (x: number) => ((x - Math.floor(x)) * 2 ** 32) >>> 0;
  for (let i = 0; i < 64; i++) SHA256_K[i] = frac(Math.cbrt(primes[i]));
  for (let i = 0; i < 8; i++) SHA256_H0[i] = frac(Math.sqrt(primes[i]));
}

/** Synchronous SHA-256 (WebCrypto's digest is async; this is only used for short checksums). */
export function sha256Bytes(data: Uint8Array): Uint8Array {
  const total = ((data.length + 9 + 63) >> 6) << 6;
  const buf = new Uint8Array(total);
  buf.set(data);
  buf[data.length] = 0x80;
  const view = new DataView(buf.buffer);
  const bits = data.length * 8;
  view.setUint32(total - 8, Math.floor(bits / 2 ** 32));
  view.setUint32(total - 4, bits >>> 0);
  const h = Uint32Array.from(SHA256_H0);
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < total; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const t1 =
        (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + SHA256_K[i] + w[i]) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }
  const out = new Uint8Array(32);
  const ov = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) ov.setUint32(i * 4, h[i]);
  return out;
}

const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

function base58Decode(s: string): Uint8Array | null {
  const bytes: number[] = [];
  for (const ch of s) {
    let carry = BASE58.indexOf(ch);
    if (carry < 0) return null;
    for (let i = 0; i < bytes.length; i++) {
      carry += bytes[i] * 58;
      bytes[i] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  for (const ch of s) {
    if (ch !== "1") break;
    bytes.push(0);
  }
  return Uint8Array.from(bytes.reverse());
}

/** Base58check: returns the payload (version byte + data) when the 4-byte double-SHA-256 checksum holds. */
function base58Check(s: string): Uint8Array | null {
  const bytes = base58Decode(s);
  if (!bytes || bytes.length < 5) return null;
  const payload = bytes.subarray(0, bytes.length - 4);
  const sum = sha256Bytes(sha256Bytes(payload));
  for (let i = 0; i < 4; i++) if (sum[i] !== bytes[bytes.length - 4 + i]) return null;
  return payload;
}

const BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const BECH32_GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
const BECH32M_CONST = 0x2bc830a3;

function bech32Polymod(values: readonly number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= BECH32_GEN[i];
  }
  return chk >>> 0;
}

/** Checks a lower-case segwit address for the given human-readable part. Returns an issue or null. */
function segwitIssue(addr: string, hrp: string): string | null {
  const sep = addr.lastIndexOf("1");
  if (addr.slice(0, sep) !== hrp || addr.length > 90) return "not a valid bech32 address";
  const data: number[] = [];
  for (const ch of addr.slice(sep + 1)) {
    const v = BECH32.indexOf(ch);
    if (v < 0) return "contains characters not used by bech32";
    data.push(v);
  }
  if (data.length < 7) return "too short for a bech32 address";
  const expanded = [...hrp].map((c) => c.charCodeAt(0) >> 5);
  expanded.push(0, ...[...hrp].map((c) => c.charCodeAt(0) & 31));
  const check = bech32Polymod([...expanded, ...data]);
  const words = data.slice(0, -6);
  const version = words[0];
  if (version > 16) return "unknown segwit version";
  if (check !== (version === 0 ? 1 : BECH32M_CONST)) return "bech32 checksum does not match";
  // Convert the 5-bit program to bytes (no padding beyond 4 zero bits allowed).
  let acc = 0;
  let bits = 0;
  let len = 0;
  for (const w of words.slice(1)) {
    acc = (acc << 5) | w;
    bits += 5;
    while (bits >= 8) {
      bits -= 8;
      len++;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits >= 5 || acc !== 0) return "bech32 program has invalid padding";
  if (len < 2 || len > 40 || (version === 0 && len !== 20 && len !== 32))
    return "invalid witness program length";
  return null;
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function ibanValid(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const n = code >= 65 ? code - 55 : code - 48;
    rem = (rem * (n >= 10 ? 100 : 10) + n) % 97;
  }
  return rem === 1;
}

// ---------------------------------------------------------------------------------------------------
// Per-type normalisers (string in, canonical string out)

function parseIPv4(s: string): number[] | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    // No leading zeros: "010" is octal to some parsers and decimal to others.
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

function normaliseIPv4(raw: string): Step<string> {
  const s = refang(widen(raw)).trim();
  const octets = parseIPv4(s);
  if (!octets) {
    return fail("must be an IPv4 address in dotted decimal, four numbers 0-255 without leading zeros");
  }
  return { ok: true, value: octets.join(".") };
}

function parseIPv6(input: string): number[] | null {
  let s = input;
  if (s.includes(".")) {
    const lastColon = s.lastIndexOf(":");
    if (lastColon < 0) return null;
    const v4 = parseIPv4(s.slice(lastColon + 1));
    if (!v4) return null;
    const hi = ((v4[0] << 8) | v4[1]).toString(16);
    const lo = ((v4[2] << 8) | v4[3]).toString(16);
    s = `${s.slice(0, lastColon + 1)}${hi}:${lo}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const split = (part: string) => (part === "" ? [] : part.split(":"));
  const head = split(halves[0]);
  const tail = halves.length === 2 ? split(halves[1]) : [];
  const groups = [...head, ...tail];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
  if (halves.length === 1 ? groups.length !== 8 : groups.length > 7) return null;
  const nums = (gs: string[]) => gs.map((g) => Number.parseInt(g, 16));
  if (halves.length === 1) return nums(groups);
  return [...nums(head), ...new Array<number>(8 - groups.length).fill(0), ...nums(tail)];
}

/** RFC 5952 text form of eight 16-bit groups. */
function formatIPv6(g: readonly number[]): string {
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return `::ffff:${g[6] >> 8}.${g[6] & 0xff}.${g[7] >> 8}.${g[7] & 0xff}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: readonly number[]) => xs.map((x) => x.toString(16)).join(":");
  if (bestLen < 2) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

function normaliseIPv6(raw: string): Step<string> {
  let s = refang(widen(raw)).trim();
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  if (s.includes("%")) return fail("a zone index (%...) is local to one machine and is not allowed");
  const groups = parseIPv6(s);
  if (!groups) return fail("must be an IPv6 address such as 2001:db8::1");
  return { ok: true, value: formatIPv6(groups) };
}

const ASCII_LABEL = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/;
const UNICODE_LABEL = /^[\p{L}\p{M}\p{N}_](?:[\p{L}\p{M}\p{N}_-]*[\p{L}\p{M}\p{N}_])?$/u;

function normaliseDomain(raw: string): Step<string> {
  let s = refang(widen(raw)).trim().toLowerCase();
  if (s.endsWith(".")) s = s.slice(0, -1);
  if (s === "") return fail("must not be empty");
  if (/[/:@?#\s]/.test(s))
    return fail("must be a bare domain name such as example.com (use type url for URLs)");
  if (s.length > 253) return fail("a domain name has at most 253 characters");
  const labels = s.split(".");
  if (labels.length < 2) return fail("must have at least two labels, such as example.com");
  for (const label of labels) {
    if (label === "") return fail('must not contain empty labels ("..")');
    if ([...label].length > 63) return fail("each label has at most 63 characters");
    const ok = /^[\x20-\x7e]*$/.test(label) ? ASCII_LABEL.test(label) : UNICODE_LABEL.test(label);
    if (!ok) return failWith(issue("domain.badLabel", { label }));
  }
  const tld = labels[labels.length - 1];
  if (!/\p{L}/u.test(tld) || tld.includes("_")) {
    return fail("the last label must be a top-level domain (use type ipv4 for IP addresses)");
  }
  return { ok: true, value: s };
}

const EMAIL_LOCAL = /^[\p{L}\p{M}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{M}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;

function normaliseEmail(raw: string): Step<string> {
  let s = refang(raw.normalize("NFC")).trim();
  if (s.toLowerCase().startsWith("mailto:")) s = s.slice(7);
  if (s.startsWith("<") && s.endsWith(">")) s = s.slice(1, -1).trim();
  const at = s.lastIndexOf("@");
  if (at <= 0 || at === s.length - 1) return fail("must be an e-mail address such as name@example.com");
  const local = s.slice(0, at).toLowerCase();
  if (local.length > 64) return fail("the part before @ has at most 64 characters");
  if (!EMAIL_LOCAL.test(local)) return fail("the part before @ contains characters that are not allowed");
  const domain = normaliseDomain(s.slice(at + 1));
  if (!domain.ok) return failWith(issue("domain.issue", { issue: domain.issue }));
  const value = `${local}@${domain.value}`;
  if (value.length > 254) return fail("an e-mail address has at most 254 characters");
  return { ok: true, value };
}

function normalisePhone(raw: string): Step<string> {
  let s = widen(raw).trim();
  if (s.toLowerCase().startsWith("tel:")) s = s.slice(4);
  s = s.replace(/[\s\-().\u2010-\u2015]/g, "");
  if (s.startsWith("00")) s = `+${s.slice(2)}`;
  if (!s.startsWith("+")) return fail("needs the country code: start with + (or 00), e.g. +86 10 6626 2114");
  if (!/^\+\d+$/.test(s)) return fail("may contain only digits after the +, and spaces, dashes or brackets");
  if (s[1] === "0") return fail("a country code never starts with 0");
  if (s.length < 8 || s.length > 16)
    return fail("an E.164 number has 7 to 15 digits including the country code");
  return { ok: true, value: s };
}

const URL_PROTOCOLS = new Set(["http:", "https:", "ftp:"]);

function normaliseUrl(raw: string): Step<string> {
  const s = refang(raw).trim();
  if (!/^[a-z][a-z0-9+.-]*:/i.test(s))
    return fail("must be an absolute URL starting with http://, https:// or ftp://");
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return fail("is not a valid URL");
  }
  if (!URL_PROTOCOLS.has(url.protocol)) return fail("only http, https and ftp URLs are accepted");
  if (url.hostname === "") return fail("must have a host");
  // The WHATWG parser lower-cases the host (and converts IDNs to punycode), so href is canonical.
  return { ok: true, value: url.href };
}

function normaliseWallet(raw: string, network: CryptoNetwork): Step<string> {
  const s = raw.trim();
  if (s === "" || /\s/.test(s)) return fail("must be one address without spaces");
  switch (network) {
    case "btc": {
      if (/^bc1/i.test(s)) {
        if (s !== s.toLowerCase() && s !== s.toUpperCase())
          return fail("a bech32 address must not mix cases");
        const lower = s.toLowerCase();
        const issue = segwitIssue(lower, "bc");
        return issue ? fail(issue) : { ok: true, value: lower };
      }
      if (!/^[13]/.test(s))
        return fail("a bitcoin address starts with 1, 3 or bc1 (testnet addresses are refused)");
      const payload = base58Check(s);
      if (payload?.length !== 21) return fail("base58check checksum does not match");
      if (payload[0] !== 0x00 && payload[0] !== 0x05) return fail("unknown bitcoin address version");
      return { ok: true, value: s };
    }
    case "eth": {
      if (!/^0x[0-9a-f]{40}$/i.test(s)) return fail("an ethereum address is 0x followed by 40 hex digits");
      return { ok: true, value: s.toLowerCase() };
    }
    case "xmr": {
      if (!/^[48][1-9A-HJ-NP-Za-km-z]{94}$/.test(s) && !/^4[1-9A-HJ-NP-Za-km-z]{105}$/.test(s)) {
        return fail("a monero address is 95 (or 106, integrated) base58 characters starting with 4 or 8");
      }
      return { ok: true, value: s };
    }
    case "trx": {
      if (!/^T[1-9A-HJ-NP-Za-km-z]{33}$/.test(s))
        return fail("a tron address is 34 base58 characters starting with T");
      const payload = base58Check(s);
      if (payload?.length !== 21 || payload[0] !== 0x41) return fail("base58check checksum does not match");
      return { ok: true, value: s };
    }
    case "other": {
      if (s.length > 200) return fail("at most 200 characters");
      return { ok: true, value: s };
    }
  }
}

function normaliseHash(
  raw: string,
  stated?: HashAlgorithm,
): Step<{ value: string; algorithm: HashAlgorithm }> {
  const s = raw.replace(/\s/g, "").toLowerCase();
  if (!/^[0-9a-f]+$/.test(s)) return fail("a file hash is hexadecimal digits only");
  const byLength: Record<number, HashAlgorithm> = { 32: "md5", 40: "sha1", 64: "sha256", 128: "sha512" };
  const inferred = byLength[s.length];
  if (!inferred) return fail("length must be 32 (md5), 40 (sha1), 64 (sha256) or 128 (sha512) hex digits");
  if (stated && stated !== inferred) {
    return failWith(issue("hash.lengthMismatch", { digits: s.length, inferred, stated }), "algorithm");
  }
  return { ok: true, value: { value: s, algorithm: inferred } };
}

function normaliseDevice(raw: string, stated?: DeviceIdKind): Step<{ value: string; kind: DeviceIdKind }> {
  const s = widen(raw).trim();
  const compact = s.replace(/[\s\-/.]/g, "");
  const macHex = s.replace(/[:\-.\s]/g, "");
  // Inferred as a MAC only when written with separators; a bare 12-hex string needs kind: "mac".
  const macSeparated =
    /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i.test(s) ||
    /^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i.test(s);
  const macShaped = macSeparated || /^[0-9a-f]{12}$/i.test(s);
  const kind: DeviceIdKind = stated ?? (/^\d{15}$/.test(compact) ? "imei" : macSeparated ? "mac" : "other");
  if (kind === "imei") {
    if (!/^\d{15}$/.test(compact)) return fail("an IMEI has 15 digits");
    if (!luhnValid(compact)) return fail("IMEI check digit (Luhn) does not match");
    return { ok: true, value: { value: compact, kind } };
  }
  if (kind === "mac") {
    if (!macShaped) return fail("a MAC address has six hex pairs, e.g. aa:bb:cc:dd:ee:ff");
    const lower = macHex.toLowerCase();
    const value = lower.match(/../g)?.join(":") ?? lower;
    return { ok: true, value: { value, kind } };
  }
  const other = s.replace(/\s+/g, " ");
  if (other === "") return fail("must not be empty");
  if (other.length > 128) return fail("at most 128 characters");
  return { ok: true, value: { value: other, kind } };
}

function normaliseBank(
  raw: string,
  bankCode?: string,
  country?: string,
): Step<{ value: string; scheme: BankAccountScheme; country: string; bankCode?: string }> {
  const compact = raw.replace(/[\s-]/g, "").toUpperCase();
  const cc = country?.trim().toUpperCase();
  if (cc !== undefined && !isCountryCode(cc))
    return fail("must be an ISO 3166-1 alpha-2 country code", "country");
  if (bankCode === undefined) {
    if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(compact)) {
      return fail("is not an IBAN; for a country without IBANs also give bankCode and country");
    }
    const ibanCountry = compact.slice(0, 2);
    if (!isCountryCode(ibanCountry)) return fail("an IBAN starts with an ISO country code");
    if (!ibanValid(compact)) return fail("IBAN check digits do not match (mod-97)");
    if (cc !== undefined && cc !== ibanCountry)
      return failWith(issue("iban.countryMismatch", { ibanCountry, country: cc }), "country");
    return { ok: true, value: { value: compact, scheme: "iban", country: ibanCountry } };
  }
  const code = bankCode.replace(/[\s-]/g, "").toUpperCase();
  if (!/^[A-Z0-9]{1,20}$/.test(code)) return fail("a bank code has 1 to 20 letters or digits", "bankCode");
  if (cc === undefined) return fail("give the country of the bank", "country");
  if (!/^[A-Z0-9]{1,34}$/.test(compact)) return fail("an account number has 1 to 34 letters or digits");
  return { ok: true, value: { value: compact, scheme: "national", country: cc, bankCode: code } };
}

function normaliseOnlineAccount(raw: string, service: string): Step<{ value: string; service: string }> {
  const svc = service.trim().toLowerCase().replace(/\s+/g, " ");
  if (svc === "" || svc.length > 64) return fail("service must be 1 to 64 characters", "service");
  let handle = raw.trim().replace(/\s+/g, " ");
  if (handle.startsWith("@") && handle.length > 1) handle = handle.slice(1);
  if (handle === "") return fail("must not be empty");
  if (handle.length > 256) return fail("at most 256 characters");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(handle)) return fail("must not contain control characters");
  return { ok: true, value: { value: handle, service: svc } };
}

// ---------------------------------------------------------------------------------------------------
// Schemas

const rawOf = (max: number) => z.string().max(max);

/** What an identifier looks like once normalised (as stored and as sent to the peer). */
const outBase = { value: z.string().max(4096), raw: z.string().max(4096) };
const NormalisedVariants = [
  z.strictObject({ type: z.literal("phone"), ...outBase }),
  z.strictObject({ type: z.literal("email"), ...outBase }),
  z.strictObject({ type: z.literal("ipv4"), ...outBase }),
  z.strictObject({ type: z.literal("ipv6"), ...outBase }),
  z.strictObject({ type: z.literal("domain"), ...outBase }),
  z.strictObject({ type: z.literal("url"), ...outBase }),
  z.strictObject({ type: z.literal("crypto_wallet"), network: CryptoNetwork, ...outBase }),
  z.strictObject({
    type: z.literal("bank_account"),
    scheme: z.enum(BANK_ACCOUNT_SCHEMES),
    country: z.string().max(2),
    bankCode: z.string().max(20).optional(),
    ...outBase,
  }),
  z.strictObject({ type: z.literal("online_account"), service: z.string().max(64), ...outBase }),
  z.strictObject({ type: z.literal("file_hash"), algorithm: HashAlgorithm, ...outBase }),
  z.strictObject({ type: z.literal("device_id"), kind: DeviceIdKind, ...outBase }),
] as const;

/** The record without `raw`, as a key-order-independent string. */
function canonicalKey(id: NormalisedIdentifier): string {
  const entries = Object.entries(id).filter(([k, v]) => k !== "raw" && v !== undefined);
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * A stored/received identifier. Re-validates that `value` is already canonical (normalising it again
 * must give the same result), so data from a peer cannot smuggle in a non-canonical form.
 */
export const NormalisedIdentifier = z
  .discriminatedUnion("type", NormalisedVariants)
  .superRefine((id, ctx) => {
    const again = normaliseIdentifier(id.type, id.value, pickOptions(id));
    if (!again.ok)
      ctx.addIssue({
        code: "custom",
        message: again.issue,
        path: [again.field ?? "value"],
        params: again.ref,
      });
    else if (canonicalKey(again.identifier) !== canonicalKey(id)) {
      ctx.addIssue({ code: "custom", message: "is not in canonical form", path: ["value"] });
    }
  });
export type NormalisedIdentifier = z.infer<(typeof NormalisedVariants)[number]>;
export type NormalisedIdentifierOf<T extends IdentifierType> = Extract<NormalisedIdentifier, { type: T }>;

/** Extra inputs some types need (network, service, bank code...) or accept (a stated algorithm or kind). */
export interface IdentifierOptions {
  network?: CryptoNetwork;
  algorithm?: HashAlgorithm;
  kind?: DeviceIdKind;
  service?: string;
  bankCode?: string;
  country?: string;
}

/** The option fields present on an identifier record (already validated by its schema). */
function pickOptions(record: object): IdentifierOptions {
  const r = record as Record<string, unknown>;
  const str = (k: keyof IdentifierOptions) => (typeof r[k] === "string" ? r[k] : undefined);
  return {
    network: str("network") as CryptoNetwork | undefined,
    algorithm: str("algorithm") as HashAlgorithm | undefined,
    kind: str("kind") as DeviceIdKind | undefined,
    service: str("service"),
    bankCode: str("bankCode"),
    country: str("country"),
  };
}

/**
 * Normalise one identifier. `value` is the canonical string; `identifier` the full record (with the
 * inferred algorithm, device kind, IBAN country...). On failure `issue` says why and `field` names the
 * offending option when it is not the value itself.
 */
export function normaliseIdentifier<T extends IdentifierType>(
  type: T,
  raw: string,
  options: IdentifierOptions = {},
): NormaliseResult<NormalisedIdentifierOf<T>> {
  const r = normaliseAny(type, raw, options);
  if (!r.ok) return r;
  return { ok: true, value: r.value.value, identifier: r.value as NormalisedIdentifierOf<T> };
}

function normaliseAny(type: IdentifierType, raw: string, o: IdentifierOptions): Step<NormalisedIdentifier> {
  const simple = (t: "phone" | "email" | "ipv4" | "ipv6" | "domain" | "url", step: Step<string>) =>
    step.ok ? { ok: true as const, value: { type: t, value: step.value, raw } } : step;
  switch (type) {
    case "phone":
      return simple(type, normalisePhone(raw));
    case "email":
      return simple(type, normaliseEmail(raw));
    case "ipv4":
      return simple(type, normaliseIPv4(raw));
    case "ipv6":
      return simple(type, normaliseIPv6(raw));
    case "domain":
      return simple(type, normaliseDomain(raw));
    case "url":
      return simple(type, normaliseUrl(raw));
    case "crypto_wallet": {
      if (!o.network) return fail("give the network (btc, eth, xmr, trx or other)", "network");
      const r = normaliseWallet(raw, o.network);
      return r.ok ? { ok: true, value: { type, network: o.network, value: r.value, raw } } : r;
    }
    case "bank_account": {
      const r = normaliseBank(raw, o.bankCode, o.country);
      if (!r.ok) return r;
      const { bankCode, ...rest } = r.value;
      return { ok: true, value: { type, ...rest, ...(bankCode ? { bankCode } : {}), raw } };
    }
    case "online_account": {
      if (o.service === undefined) return fail("give the service, e.g. telegram or wechat", "service");
      const r = normaliseOnlineAccount(raw, o.service);
      return r.ok ? { ok: true, value: { type, service: r.value.service, value: r.value.value, raw } } : r;
    }
    case "file_hash": {
      const r = normaliseHash(raw, o.algorithm);
      return r.ok
        ? { ok: true, value: { type, algorithm: r.value.algorithm, value: r.value.value, raw } }
        : r;
    }
    case "device_id": {
      const r = normaliseDevice(raw, o.kind);
      return r.ok ? { ok: true, value: { type, kind: r.value.kind, value: r.value.value, raw } } : r;
    }
  }
}

/** Input variants: `value` is what the user typed; the transform replaces it with the canonical form. */
function variant<T extends IdentifierType, S extends z.ZodRawShape>(type: T, max: number, extra: S) {
  return z
    .strictObject({ type: z.literal(type), value: rawOf(max), ...extra })
    .transform((input, ctx): NormalisedIdentifierOf<T> => {
      const raw = (input as { value: string }).value;
      const r = normaliseIdentifier(type, raw, pickOptions(input));
      if (!r.ok) {
        ctx.addIssue({
          code: "custom",
          message: r.issue,
          path: [r.field ?? "value"],
          input: raw,
          params: r.ref,
        });
        return z.NEVER;
      }
      return r.identifier;
    });
}

/**
 * An identifier as entered: `{ type, value, ...options }`. Parses to the normalised record
 * `{ type, value (canonical), raw (as entered), ...derived fields }`.
 */
export const Identifier = z.discriminatedUnion("type", [
  variant("phone", 64, {}),
  variant("email", 320, {}),
  variant("ipv4", 64, {}),
  variant("ipv6", 128, {}),
  variant("domain", 300, {}),
  variant("url", 4096, {}),
  variant("crypto_wallet", 256, { network: CryptoNetwork }),
  variant("bank_account", 64, {
    bankCode: z.string().max(34).optional(),
    country: z.string().max(2).optional(),
  }),
  variant("online_account", 256, { service: z.string().max(64) }),
  variant("file_hash", 256, { algorithm: HashAlgorithm.optional() }),
  variant("device_id", 128, { kind: DeviceIdKind.optional() }),
]);
export type Identifier = z.infer<typeof Identifier>;
export type IdentifierInput = z.input<typeof Identifier>;

/** A phone number field: normalised to E.164. */
export const PhoneNumber = z
  .string()
  .max(64)
  .transform((raw, ctx) => {
    const r = normalisePhone(raw);
    if (!r.ok) {
      ctx.addIssue({ code: "custom", message: r.issue, input: raw, params: r.ref });
      return z.NEVER;
    }
    return r.value;
  });

/** An e-mail address field: trimmed and lower-cased. */
export const EmailAddress = z
  .string()
  .max(320)
  .transform((raw, ctx) => {
    const r = normaliseEmail(raw);
    if (!r.ok) {
      ctx.addIssue({ code: "custom", message: r.issue, input: raw, params: r.ref });
      return z.NEVER;
    }
    return r.value;
  });
