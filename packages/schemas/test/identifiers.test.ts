import { describe, expect, it } from "vitest";
import {
  CountryCode,
  EmailAddress,
  IDENTIFIER_TYPES,
  Identifier,
  type IdentifierOptions,
  type IdentifierType,
  NormalisedIdentifier,
  normaliseIdentifier,
  PhoneNumber,
  sha256Bytes,
} from "../src/identifiers.js";

type Good = [raw: string, value: string, options?: IdentifierOptions];
type Bad = [raw: string, issue: RegExp, options?: IdentifierOptions];

const cases: Record<IdentifierType, { good: Good[]; bad: Bad[] }> = {
  phone: {
    good: [
      ["+1 (202) 555-0100", "+12025550100"],
      ["+86 10 6626-2114", "+861066262114"],
      ["0086 10 6626 2114", "+861066262114"],
      ["＋８６ １０ ６６２６ ２１１４", "+861066262114"],
      ["tel:+44.20.7946.0958", "+442079460958"],
    ],
    bad: [
      ["202-555-0100", /country code/],
      ["+0 123 4567", /never starts with 0/],
      ["+1 202 555 01OO", /only digits/],
      ["+12345", /7 to 15 digits/],
      ["+1234567890123456", /7 to 15 digits/],
    ],
  },
  email: {
    good: [
      ["  John.Doe@Example.COM ", "john.doe@example.com"],
      ["user[at]phish[.]example[.]com", "user@phish.example.com"],
      ["mailto:Ops+Tag@Example.org", "ops+tag@example.org"],
      ["张三@例子.中国", "张三@例子.中国"],
    ],
    bad: [
      ["no-at-sign.example.com", /e-mail address/],
      ["bad@", /e-mail address/],
      ["two..dots@example.com", /not allowed/],
      ["user@localhost", /domain: must have at least two labels/],
      ["sp ace@example.com", /not allowed/],
    ],
  },
  ipv4: {
    good: [
      ["192.168.1.1", "192.168.1.1"],
      [" 8.8.8[.]8 ", "8.8.8.8"],
      ["0.0.0.0", "0.0.0.0"],
      ["255.255.255.255", "255.255.255.255"],
    ],
    bad: [
      ["010.1.1.1", /without leading zeros/],
      ["256.1.1.1", /0-255/],
      ["1.2.3", /dotted decimal/],
      ["0x7f.0.0.1", /dotted decimal/],
      ["1.2.3.4.5", /dotted decimal/],
    ],
  },
  ipv6: {
    good: [
      ["2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
      ["2001:db8:0:1:0:0:1:1", "2001:db8:0:1::1:1"],
      ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
      ["2001:db8:1:1:1:1:1::", "2001:db8:1:1:1:1:1:0"],
      ["0:0:0:0:0:0:0:0", "::"],
      ["::1", "::1"],
      ["[FE80::0001]", "fe80::1"],
      ["::ffff:192.0.2.1", "::ffff:192.0.2.1"],
      ["::FFFF:c000:0201", "::ffff:192.0.2.1"],
      ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
    ],
    bad: [
      ["1:2:3:4:5:6:7:8:9", /IPv6 address/],
      ["1::2::3", /IPv6 address/],
      ["2001:db8::g", /IPv6 address/],
      ["12345::1", /IPv6 address/],
      ["1:2:3:4:5:6:7", /IPv6 address/],
      ["fe80::1%eth0", /zone index/],
      ["::ffff:300.1.1.1", /IPv6 address/],
    ],
  },
  domain: {
    good: [
      ["Example.COM.", "example.com"],
      ["evil[.]example[.]net", "evil.example.net"],
      ["例子.中国", "例子.中国"],
      ["ＭＰＳ．ＧＯＶ．ＣＮ", "mps.gov.cn"],
      ["xn--fsqu00a.xn--fiqs8s", "xn--fsqu00a.xn--fiqs8s"],
      ["a-b.c-d.io", "a-b.c-d.io"],
    ],
    bad: [
      ["-bad.com", /inner hyphens/],
      ["bad-.com", /inner hyphens/],
      ["localhost", /at least two labels/],
      ["1.2.3.4", /top-level domain/],
      ["a..b.com", /empty labels/],
      ["https://example.com/", /use type url/],
      [`${"a".repeat(64)}.com`, /63 characters/],
    ],
  },
  url: {
    good: [
      ["HTTP://Example.COM/Path?q=1#Frag", "http://example.com/Path?q=1#Frag"],
      ["hxxps://login-bank[.]example[.]com/verify", "https://login-bank.example.com/verify"],
      ["ftp://FILES.example.org/pub", "ftp://files.example.org/pub"],
      ["http://例子.中国/", "http://xn--fsqu00a.xn--fiqs8s/"],
      ["https://example.com:443/", "https://example.com/"],
    ],
    bad: [
      ["javascript:alert(1)", /only http, https and ftp/],
      ["file:///etc/passwd", /only http, https and ftp/],
      ["example.com/login", /absolute URL/],
      ["http://exa mple.com/", /not a valid URL/],
    ],
  },
  crypto_wallet: {
    good: [
      ["1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", { network: "btc" }],
      ["3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", { network: "btc" }],
      [
        "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
        { network: "btc" },
      ],
      [
        "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297",
        "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297",
        { network: "btc" },
      ],
      [
        " 0xDE0B295669a9FD93d5F28D9Ec85E40f4cb697BAe ",
        "0xde0b295669a9fd93d5f28d9ec85e40f4cb697bae",
        { network: "eth" },
      ],
      ["TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7", "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7", { network: "trx" }],
      [`4${"A".repeat(94)}`, `4${"A".repeat(94)}`, { network: "xmr" }],
      [
        "addr1qx2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzer3",
        "addr1qx2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzer3",
        {
          network: "other",
        },
      ],
    ],
    bad: [
      ["1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3", /checksum/, { network: "btc" }],
      ["bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", /checksum/, { network: "btc" }],
      ["bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", /mix cases/, { network: "btc" }],
      // BIP-350: a version-1 program with a bech32 (not bech32m) checksum.
      ["bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", /checksum/, { network: "btc" }],
      ["mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn", /testnet/, { network: "btc" }],
      ["0x123", /40 hex digits/, { network: "eth" }],
      ["de0b295669a9fd93d5f28d9ec85e40f4cb697bae", /40 hex digits/, { network: "eth" }],
      [`4${"0".repeat(94)}`, /monero/, { network: "xmr" }],
      ["TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU8", /checksum/, { network: "trx" }],
      ["1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", /network/],
      ["two words", /without spaces/, { network: "other" }],
    ],
  },
  bank_account: {
    good: [
      ["GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432"],
      ["de89-3704-0044-0532-0130-00", "DE89370400440532013000"],
      ["GB82WEST12345698765432", "GB82WEST12345698765432", { country: "gb" }],
      ["1234-5678 90", "1234567890", { bankCode: "021000021", country: "us" }],
      ["6222 0212 3456 7890 123", "6222021234567890123", { bankCode: "102100099996", country: "CN" }],
    ],
    bad: [
      ["GB82 WEST 1234 5698 7654 33", /mod-97/],
      ["12345678", /not an IBAN/],
      ["GB82WEST12345698765432", /not US/, { country: "US" }],
      ["1234", /country of the bank/, { bankCode: "021000021" }],
      ["1234", /country code/, { bankCode: "021000021", country: "ZZ" }],
      ["12#34", /account number/, { bankCode: "021000021", country: "US" }],
    ],
  },
  online_account: {
    good: [
      ["@SomeUser", "SomeUser", { service: " Telegram " }],
      ["  wxid_abc123  ", "wxid_abc123", { service: "WeChat" }],
    ],
    bad: [
      ["someone", /service/],
      ["someone", /service/, { service: "  " }],
      ["   ", /empty/, { service: "x" }],
      ["a\u0007b", /control characters/, { service: "x" }],
    ],
  },
  file_hash: {
    good: [
      ["D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e"],
      [
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        { algorithm: "sha1" },
      ],
      [
        "E3B0C442 98FC1C14 9AFBF4C8 996FB924 27AE41E4 649B934C A495991B 7852B855",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      ],
      ["ab".repeat(64), "ab".repeat(64), { algorithm: "sha512" }],
    ],
    bad: [
      ["d41d8cd98f00b204e9800998ecf8427e", /is md5, not sha256/, { algorithm: "sha256" }],
      ["xyz", /hexadecimal/],
      ["abc", /length must be/],
      ["a".repeat(50), /length must be/],
    ],
  },
  device_id: {
    good: [
      ["49-015420-323751-8", "490154203237518"],
      ["35 209900 176148 1", "352099001761481", { kind: "imei" }],
      ["AA-BB-CC-DD-EE-FF", "aa:bb:cc:dd:ee:ff"],
      ["aabb.ccdd.eeff", "aa:bb:cc:dd:ee:ff"],
      ["AABBCCDDEEFF", "aa:bb:cc:dd:ee:ff", { kind: "mac" }],
      ["SN  C02X 1234", "SN C02X 1234"],
    ],
    bad: [
      ["490154203237519", /Luhn/],
      ["4901542032375", /15 digits/, { kind: "imei" }],
      ["aa:bb:cc:dd:ee", /six hex pairs/, { kind: "mac" }],
      ["aa:bb-cc:dd:ee:ff", /six hex pairs/, { kind: "mac" }],
      ["   ", /empty/],
    ],
  },
};

describe("normaliseIdentifier", () => {
  it("covers every identifier type", () => {
    expect(Object.keys(cases).sort()).toEqual([...IDENTIFIER_TYPES].sort());
  });

  for (const type of IDENTIFIER_TYPES) {
    describe(type, () => {
      for (const [raw, value, options] of cases[type].good) {
        it(`accepts ${JSON.stringify(raw)} as ${value}`, () => {
          const r = normaliseIdentifier(type, raw, options);
          expect(r).toMatchObject({ ok: true, value, identifier: { type, value, raw } });
          // Canonical form is a fixed point.
          if (r.ok) expect(normaliseIdentifier(type, r.value, options)).toMatchObject({ ok: true, value });
        });
      }
      for (const [raw, issue, options] of cases[type].bad) {
        it(`refuses ${JSON.stringify(raw)}`, () => {
          const r = normaliseIdentifier(type, raw, options);
          expect(r.ok).toBe(false);
          if (!r.ok) expect(r.issue).toMatch(issue);
        });
      }
    });
  }

  it("derives the extra fields", () => {
    expect(normaliseIdentifier("file_hash", "a".repeat(64))).toMatchObject({
      identifier: { algorithm: "sha256" },
    });
    expect(normaliseIdentifier("device_id", "49-015420-323751-8")).toMatchObject({
      identifier: { kind: "imei" },
    });
    expect(normaliseIdentifier("device_id", "aa:bb:cc:dd:ee:ff")).toMatchObject({
      identifier: { kind: "mac" },
    });
    expect(normaliseIdentifier("device_id", "aabbccddeeff")).toMatchObject({ identifier: { kind: "other" } });
    expect(normaliseIdentifier("bank_account", "DE89370400440532013000")).toMatchObject({
      identifier: { scheme: "iban", country: "DE" },
    });
    expect(normaliseIdentifier("bank_account", "1", { bankCode: "0210-00021", country: "us" })).toEqual({
      ok: true,
      value: "1",
      identifier: {
        type: "bank_account",
        scheme: "national",
        country: "US",
        bankCode: "021000021",
        value: "1",
        raw: "1",
      },
    });
    expect(normaliseIdentifier("online_account", "@Bob", { service: "X" })).toMatchObject({
      identifier: { service: "x", value: "Bob" },
    });
  });

  it("names the option at fault", () => {
    expect(normaliseIdentifier("file_hash", "a".repeat(32), { algorithm: "sha1" })).toMatchObject({
      ok: false,
      field: "algorithm",
    });
    expect(normaliseIdentifier("crypto_wallet", "x")).toMatchObject({ ok: false, field: "network" });
  });
});

describe("Identifier schema", () => {
  it("transforms to the normalised value and keeps raw", () => {
    expect(Identifier.parse({ type: "email", value: " A@B.Example " })).toEqual({
      type: "email",
      value: "a@b.example",
      raw: " A@B.Example ",
    });
    expect(
      Identifier.parse({ type: "crypto_wallet", network: "eth", value: `0x${"AB".repeat(20)}` }),
    ).toEqual({
      type: "crypto_wallet",
      network: "eth",
      value: `0x${"ab".repeat(20)}`,
      raw: `0x${"AB".repeat(20)}`,
    });
  });

  it("reports the issue on the value path", () => {
    const r = Identifier.safeParse({ type: "ipv4", value: "999.1.1.1" });
    expect(r.success).toBe(false);
    expect(r.error?.issues).toMatchObject([{ path: ["value"], message: expect.stringMatching(/0-255/) }]);
  });

  it("reports option issues on the option's path", () => {
    const r = Identifier.safeParse({ type: "file_hash", value: "a".repeat(32), algorithm: "sha512" });
    expect(r.error?.issues).toMatchObject([{ path: ["algorithm"] }]);
  });

  it("refuses unknown fields, unknown types and missing required options", () => {
    expect(
      Identifier.safeParse({ type: "phone", value: "+12025550100", note: "x" }).error?.issues,
    ).toMatchObject([{ code: "unrecognized_keys", keys: ["note"] }]);
    expect(Identifier.safeParse({ type: "fax", value: "+12025550100" }).success).toBe(false);
    expect(
      Identifier.safeParse({ type: "crypto_wallet", value: `0x${"a".repeat(40)}` }).error?.issues,
    ).toMatchObject([{ path: ["network"] }]);
    expect(Identifier.safeParse({ type: "online_account", value: "bob" }).error?.issues).toMatchObject([
      { path: ["service"] },
    ]);
  });

  it("bounds the raw value length", () => {
    expect(
      Identifier.safeParse({ type: "phone", value: `+1${"2".repeat(100)}` }).error?.issues,
    ).toMatchObject([{ code: "too_big" }]);
  });
});

describe("NormalisedIdentifier", () => {
  it("accepts a canonical record and refuses a non-canonical one", () => {
    const id = Identifier.parse({ type: "ipv6", value: "2001:DB8:0:0:0:0:0:1" });
    expect(NormalisedIdentifier.parse(id)).toEqual(id);
    const r = NormalisedIdentifier.safeParse({ ...id, value: "2001:DB8::1" });
    expect(r.error?.issues).toMatchObject([{ path: ["value"], message: "is not in canonical form" }]);
  });

  it("refuses derived fields that do not match the value", () => {
    const r = NormalisedIdentifier.safeParse({
      type: "file_hash",
      algorithm: "sha1",
      value: "a".repeat(32),
      raw: "",
    });
    expect(r.success).toBe(false);
  });
});

describe("field helpers", () => {
  it("PhoneNumber and EmailAddress normalise", () => {
    expect(PhoneNumber.parse("+1 202-555-0100")).toBe("+12025550100");
    expect(PhoneNumber.safeParse("555-0100").success).toBe(false);
    expect(EmailAddress.parse(" Officer@MPS.Gov.CN ")).toBe("officer@mps.gov.cn");
    expect(EmailAddress.safeParse("officer").success).toBe(false);
  });

  it("CountryCode upper-cases and checks the ISO list", () => {
    expect(CountryCode.parse("cn")).toBe("CN");
    expect(CountryCode.parse(" us ")).toBe("US");
    expect(CountryCode.safeParse("XX").success).toBe(false);
    expect(CountryCode.safeParse("USA").success).toBe(false);
  });

  it("sha256Bytes matches the standard test vectors", () => {
    const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    const bytes = (s: string) => new TextEncoder().encode(s);
    expect(hex(sha256Bytes(bytes("")))).toBe(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    expect(hex(sha256Bytes(bytes("abc")))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    expect(hex(sha256Bytes(bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")))).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
  });
});
