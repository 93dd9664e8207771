/**
 * The backup archive: one file, encrypted with a key derived from a passphrase, checksummed.
 *
 *   CROSSLINE-BACKUP 1\n
 *   <header JSON>\n            kdf parameters, salt, nonce, node id, time (authenticated as GCM associated data)
 *   <ciphertext>               AES-256-GCM of gzip(JSON lines: manifest, config, then the dump's chunks)
 *   <16-byte GCM tag>
 *   \nSHA256 <64 hex>\n        over every byte before it: a truncated or altered file is found without the
 *                              passphrase (`backup verify`), and again by the tag with it.
 *
 * The node's master key travels only inside the ciphertext (in the configuration), never in clear.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  scrypt as scryptCb,
  timingSafeEqual,
} from "node:crypto";
import { once } from "node:events";
import { createWriteStream, readFileSync } from "node:fs";
import { createGzip, gunzipSync } from "node:zlib";
import { z } from "zod";

export const MAGIC = "CROSSLINE-BACKUP 1\n";
const TAG_BYTES = 16;
const TRAILER_RE = /\nSHA256 ([0-9a-f]{64})\n$/;
const TRAILER_LEN = "\nSHA256 \n".length + 64;

/** scrypt cost: 2^15 × 8 × 128 bytes = 32 MiB and about 0.1 s, per OWASP's minimum for scrypt. */
const KDF = { name: "scrypt", N: 32768, r: 8, p: 1 } as const;

export const ArchiveHeader = z.strictObject({
  format: z.literal(1),
  nodeId: z.string().max(64),
  createdAt: z.string().max(40),
  kdf: z.strictObject({
    name: z.literal("scrypt"),
    N: z
      .number()
      .int()
      .min(1024)
      .max(1 << 20),
    r: z.number().int().min(1).max(32),
    p: z.number().int().min(1).max(16),
    salt: z.string().max(64),
  }),
  cipher: z.strictObject({ name: z.literal("aes-256-gcm"), iv: z.string().max(32) }),
});
export type ArchiveHeader = z.infer<typeof ArchiveHeader>;

/** What is wrong with an archive; the CLI maps each to its message and exit code. */
export type ArchiveProblem = "NOT_AN_ARCHIVE" | "TRUNCATED_OR_ALTERED" | "WRONG_PASSPHRASE" | "CORRUPT";

export class ArchiveError extends Error {
  constructor(
    readonly problem: ArchiveProblem,
    message: string,
  ) {
    super(message);
  }
}

function deriveKey(
  passphrase: string,
  salt: Buffer,
  k: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(
      passphrase.normalize("NFC"),
      salt,
      32,
      { N: k.N, r: k.r, p: k.p, maxmem: 256 * k.N * k.r + 1024 * 1024 },
      (e, key) => (e ? reject(e) : resolve(key)),
    ),
  );
}

/** Writes an archive line by line (each `write` is one JSON line of the plaintext); `finish` seals it. */
export async function openArchiveWriter(file: string, passphrase: string, nodeId: string, createdAt: string) {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = await deriveKey(passphrase, salt, KDF);
  const header: ArchiveHeader = {
    format: 1,
    nodeId,
    createdAt,
    kdf: { ...KDF, salt: salt.toString("base64url") },
    cipher: { name: "aes-256-gcm", iv: iv.toString("base64url") },
  };
  const head = Buffer.from(`${MAGIC}${JSON.stringify(header)}\n`, "utf8");
  const out = createWriteStream(file, { mode: 0o600, flags: "wx" });
  const hash = createHash("sha256");
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(head);
  const gzip = createGzip({ level: 6 });
  let bytes = 0;
  const put = async (b: Buffer) => {
    if (b.length === 0) return;
    hash.update(b);
    bytes += b.length;
    if (!out.write(b)) await once(out, "drain");
  };
  const error = new Promise<never>((_, reject) => out.once("error", reject));
  error.catch(() => undefined);
  await Promise.race([put(head), error]);
  // gzip → cipher → file, with back-pressure from the file.
  const pump = (async () => {
    for await (const chunk of gzip) await put(cipher.update(chunk as Buffer));
  })();
  return {
    async write(line: unknown): Promise<void> {
      if (!gzip.write(`${JSON.stringify(line)}\n`)) await once(gzip, "drain");
    },
    async finish(): Promise<{ sha256: string; bytes: number }> {
      gzip.end();
      await Promise.race([pump, error]);
      await put(cipher.final());
      await put(cipher.getAuthTag());
      const sha256 = hash.digest("hex");
      out.end(`\nSHA256 ${sha256}\n`);
      await Promise.race([once(out, "finish"), error]);
      return { sha256, bytes: bytes + TRAILER_LEN };
    },
    abort(): void {
      gzip.destroy();
      out.destroy();
    },
  };
}

export interface ReadArchive {
  header: ArchiveHeader;
  sha256: string;
  /** The plaintext JSON lines, parsed. */
  lines: unknown[];
}

/** Checks framing and checksum only (no passphrase): what an operator can check on any copy. */
export function checkFraming(buf: Buffer): { header: ArchiveHeader; headBytes: number; sha256: string } {
  if (!buf.subarray(0, MAGIC.length).equals(Buffer.from(MAGIC))) {
    throw new ArchiveError(
      "NOT_AN_ARCHIVE",
      "the file is not a Crossline backup archive (no CROSSLINE-BACKUP header)",
    );
  }
  const tail = buf.subarray(Math.max(0, buf.length - TRAILER_LEN)).toString("latin1");
  const m = TRAILER_RE.exec(tail);
  if (!m || buf.length < TRAILER_LEN + MAGIC.length + TAG_BYTES) {
    throw new ArchiveError("TRUNCATED_OR_ALTERED", "the archive is truncated: its checksum line is missing");
  }
  const body = buf.subarray(0, buf.length - TRAILER_LEN);
  const actual = createHash("sha256").update(body).digest();
  if (!timingSafeEqual(actual, Buffer.from(m[1], "hex"))) {
    throw new ArchiveError(
      "TRUNCATED_OR_ALTERED",
      "the archive's checksum does not match: it was altered or damaged",
    );
  }
  const nl = body.indexOf(0x0a, MAGIC.length);
  let header: ArchiveHeader;
  try {
    header = ArchiveHeader.parse(JSON.parse(body.subarray(MAGIC.length, nl).toString("utf8")));
  } catch {
    throw new ArchiveError("CORRUPT", "the archive's header is not readable");
  }
  return { header, headBytes: nl + 1, sha256: m[1] };
}

/** Reads, checks and decrypts a whole archive. */
export async function readArchive(file: string, passphrase: string): Promise<ReadArchive> {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new ArchiveError(
      "NOT_AN_ARCHIVE",
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? "error"}`,
    );
  }
  const { header, headBytes, sha256 } = checkFraming(buf);
  const body = buf.subarray(0, buf.length - TRAILER_LEN);
  const key = await deriveKey(passphrase, Buffer.from(header.kdf.salt, "base64url"), header.kdf);
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(header.cipher.iv, "base64url"));
  decipher.setAAD(body.subarray(0, headBytes));
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  let plain: Buffer;
  try {
    plain = Buffer.concat([
      decipher.update(body.subarray(headBytes, body.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    // The checksum matched, so the bytes are as written: only the key can be wrong.
    throw new ArchiveError(
      "WRONG_PASSPHRASE",
      "the passphrase is wrong (the archive cannot be decrypted with it)",
    );
  }
  let lines: unknown[];
  try {
    lines = gunzipSync(plain)
      .toString("utf8")
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as unknown);
  } catch {
    throw new ArchiveError("CORRUPT", "the archive decrypts but its content is not readable");
  }
  return { header, sha256, lines };
}
