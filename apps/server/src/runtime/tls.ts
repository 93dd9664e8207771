import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync, unwatchFile, watchFile } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Server } from "node:https";
import { checkServerIdentity, type PeerCertificate, rootCertificates } from "node:tls";
import { Agent, type Dispatcher } from "undici";
import { type Config, ConfigError } from "../config.js";

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
  /** When the (leaf) certificate expires, for /metrics and its alert. */
  notAfter: Date;
}

/**
 * Reads the certificate and key files and checks that they belong together, so a node never starts (or
 * reloads) with a key that cannot serve its certificate. A problem is a configuration error (exit code 2).
 */
export function readTlsFiles(config: Pick<Config, "tlsCertFile" | "tlsKeyFile">): TlsFiles | null {
  if (!config.tlsCertFile || !config.tlsKeyFile) return null;
  const read = (file: string, setting: string) => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new ConfigError([
        { setting, expected: `a readable PEM file; ${file}: ${(e as NodeJS.ErrnoException).code}` },
      ]);
    }
  };
  const cert = read(config.tlsCertFile, "CROSSLINE_TLS_CERT_FILE (tlsCertFile)");
  const key = read(config.tlsKeyFile, "CROSSLINE_TLS_KEY_FILE (tlsKeyFile)");
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new ConfigError([
      { setting: "CROSSLINE_TLS_CERT_FILE (tlsCertFile)", expected: "a PEM certificate" },
    ]);
  }
  let matches = false;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch {
    throw new ConfigError([
      { setting: "CROSSLINE_TLS_KEY_FILE (tlsKeyFile)", expected: "a PEM private key" },
    ]);
  }
  if (!matches) {
    throw new ConfigError([
      {
        setting: "CROSSLINE_TLS_KEY_FILE (tlsKeyFile)",
        expected: `the private key of the certificate in ${config.tlsCertFile} (this key does not match it)`,
      },
    ]);
  }
  return { cert, key, notAfter: new Date(x509.validTo) };
}

/**
 * Watches the certificate and key files (polling their mtime: works on every file system and with the
 * symlink swaps of certificate tools) and loads a new pair into the running server without a restart. A pair
 * that does not match is logged and ignored: the server keeps the pair it has.
 */
export function watchTlsFiles(
  server: Server,
  config: Config,
  onLoad: (t: TlsFiles) => void,
  log: { info(o: object, m: string): void; error(o: object, m: string): void },
  intervalMs = 1000,
): () => void {
  const files = [config.tlsCertFile, config.tlsKeyFile].filter((f): f is string => Boolean(f));
  let timer: NodeJS.Timeout | null = null;
  // Keep-alive connections made before a reload still speak with the old certificate (a client's pool keeps
  // them for a minute or more), so a rotated or replaced certificate would not reach a peer until they time
  // out. Each connection remembers the certificate generation it was made with; an older one is closed when
  // idle, and after its current response when busy.
  let generation = 0;
  const madeWith = new WeakMap<object, number>();
  const remember = (socket: object) => madeWith.set(socket, generation);
  const closeIfOld = (req: IncomingMessage, res: ServerResponse) => {
    if ((madeWith.get(req.socket) ?? generation) < generation && !res.headersSent) {
      res.setHeader("connection", "close");
    }
  };
  server.on("secureConnection", remember);
  server.prependListener("request", closeIfOld);
  const reload = () => {
    // Both files usually change together: wait for the second before loading.
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      try {
        const t = readTlsFiles(config);
        if (!t) return;
        server.setSecureContext({ cert: t.cert, key: t.key });
        generation++;
        server.closeIdleConnections();
        onLoad(t);
        log.info({ notAfter: t.notAfter.toISOString() }, "TLS certificate reloaded");
      } catch (e) {
        log.error(
          { err: (e as Error).message },
          "TLS certificate not reloaded: the files are not a matching pair",
        );
      }
    }, 300);
  };
  for (const f of files) watchFile(f, { interval: intervalMs }, reload);
  return () => {
    if (timer) clearTimeout(timer);
    for (const f of files) unwatchFile(f, reload);
    server.off("secureConnection", remember);
    server.off("request", closeIfOld);
  };
}

/**
 * The pin of a certificate (PEM or DER): `sha256/` and the base64 SHA-256 of its SubjectPublicKeyInfo (DER), as
 * RFC 7469's pin-sha256. The same as
 * `openssl x509 -pubkey -noout -in cert.pem | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`.
 */
export function tlsPinOf(cert: Buffer | string): string {
  const spki = new X509Certificate(cert).publicKey.export({ type: "spki", format: "der" });
  return `sha256/${createHash("sha256").update(spki).digest("base64")}`;
}

/** The pin of the certificate this node serves (the file of `tlsCertFile`), or null when it serves plain HTTP. */
export function ownTlsPin(config: Pick<Config, "tlsCertFile">): string | null {
  if (!config.tlsCertFile) return null;
  try {
    return tlsPinOf(readFileSync(config.tlsCertFile));
  } catch {
    return null;
  }
}

/** The code of the error a pinned connection fails with, shown in link health. */
export const TLS_PIN_MISMATCH = "TLS_PIN_MISMATCH";

/**
 * The HTTP client of the federation: verifies peers' certificates against the system's authorities plus the
 * node's own (`tlsCaFile`), so a private CA between agencies works without switching verification off. With a
 * pin, the peer's certificate must also carry the pinned key: checked on every new connection, after the usual
 * chain and host-name checks, so a certificate from any authority the node trusts is still refused when it is
 * not the one the two administrators agreed at pairing.
 */
export function peerDispatcher(
  config: Pick<Config, "tlsCaFile">,
  pin: string | null = null,
): Dispatcher | undefined {
  let ca: string | undefined;
  if (config.tlsCaFile) {
    try {
      ca = readFileSync(config.tlsCaFile, "utf8");
    } catch (e) {
      throw new ConfigError([
        {
          setting: "CROSSLINE_TLS_CA_FILE (tlsCaFile)",
          expected: `a readable PEM file (${(e as NodeJS.ErrnoException).code})`,
        },
      ]);
    }
  }
  if (!ca && !pin) return undefined;
  return new Agent({
    connect: {
      ...(ca ? { ca: [...rootCertificates, ca] } : {}),
      ...(pin ? { checkServerIdentity: pinnedIdentity(pin) } : {}),
    },
  });
}

function pinnedIdentity(pin: string) {
  return (host: string, cert: PeerCertificate): Error | undefined => {
    const usual = checkServerIdentity(host, cert);
    if (usual) return usual;
    const got = tlsPinOf(cert.raw);
    if (got === pin) return undefined;
    return Object.assign(
      new Error(
        `the certificate of ${host} has the key pin ${got}, not the pin ${pin} agreed at pairing; nothing is sent until the pin or the certificate is put right`,
      ),
      { code: TLS_PIN_MISMATCH },
    );
  };
}
